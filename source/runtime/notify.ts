/**
 * Notifications (DESIGN §7.3, §10): a desktop notification when one can be shown, else a message in the
 * tmux status line, else the terminal bell. `autoUtilization.notify` chooses: `desktop` (notify-send on
 * Linux/BSD, osascript on macOS, falling back to tmux and the bell), `terminal` (tmux or the bell only)
 * or `none`.
 *
 * With a database, a notification that has a `key` goes out at most once across every quota-tui process
 * (store/notifications.ts): the key is claimed in one transaction before delivery and given back when
 * nothing could deliver it.
 *
 * Never throws: every failure is a result with a reason.
 */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {findExecutable} from '../providers/util.js';
import type {Db} from '../store/db.js';
import {claimNotification, markNotification, releaseNotification} from '../store/notifications.js';

export type NotifyMode = 'desktop' | 'terminal' | 'none';
export type NotifyVia = 'notify-send' | 'osascript' | 'tmux' | 'bell' | 'none';

/** A Context satisfies this; tests pass a plain object. */
export type NotifyOptions = {
	config: {autoUtilization: {notify: NotifyMode}};
	env?: NodeJS.ProcessEnv | undefined;
	/** The once-per-key memory; without it every call notifies. */
	db?: Db | undefined;
	/** Defaults to process.platform. */
	platform?: NodeJS.Platform | undefined;
	/** Rings the terminal bell; returns false when there is no terminal. Defaults to BEL on a TTY stderr/stdout. */
	bell?: (() => boolean) | undefined;
	/** How long a notifier command may take (default 5 s). */
	timeoutMs?: number | undefined;
};

export type Notification = {
	/** Notify at most once per key (e.g. `waste:work:2026-11-23T09:00:00Z`). */
	key?: string | undefined;
	title: string;
	body: string;
};

export type NotifyResult = {sent: boolean; via: NotifyVia; reason?: string};

/** Run argv without a shell; resolves to undefined on exit 0, else a sentence. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
	return new Promise(resolve => {
		let done = false;
		const finish = (problem: string | undefined) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			resolve(problem);
		};
		let child: ReturnType<typeof spawn>;
		try {
			child = spawn(file, args, {stdio: 'ignore', env});
		} catch (error) {
			resolve(`${path.basename(file)} could not start: ${(error as Error).message}`);
			return;
		}
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			finish(`${path.basename(file)} did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`);
		}, timeoutMs);
		child.on('error', error => finish(`${path.basename(file)} could not start: ${error.message}`));
		child.on('exit', (code, signal) => finish(code === 0 ? undefined : `${path.basename(file)} exited with ${code ?? signal}`));
	});
}

function defaultBell(): boolean {
	const stream = process.stderr.isTTY ? process.stderr : process.stdout.isTTY ? process.stdout : undefined;
	if (!stream) return false;
	try {
		stream.write('\u0007');
		return true;
	} catch {
		return false;
	}
}

type Attempt = {via: NotifyVia; file: string; args: string[]};

/** The notifiers to try, in order, for this mode, platform and environment. */
function attempts(mode: NotifyMode, notification: Notification, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Attempt[] {
	const list: Attempt[] = [];
	const {title, body} = notification;
	if (mode === 'desktop') {
		if (platform === 'darwin') {
			const osascript = findExecutable('osascript', env);
			// Title and body travel as arguments, never spliced into the script.
			if (osascript) {
				list.push({
					via: 'osascript',
					file: osascript,
					args: ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', title, body],
				});
			}
		}
		const notifySend = findExecutable('notify-send', env);
		if (notifySend) list.push({via: 'notify-send', file: notifySend, args: ['--app-name=quota-tui', title, body]});
	}
	if (env['TMUX']) {
		const tmux = findExecutable('tmux', env);
		// display-message expands `#` formats: double them so the text shows as written.
		if (tmux) list.push({via: 'tmux', file: tmux, args: ['display-message', `${title}: ${body}`.replaceAll('#', '##')]});
	}
	return list;
}

/**
 * Show `notification` (once per key when a database is given). Resolves with how it went out, or why
 * it did not; never rejects.
 */
export async function notify(options: NotifyOptions, notification: Notification, now: number): Promise<NotifyResult> {
	try {
		const mode = options.config.autoUtilization.notify;
		if (mode === 'none') return {sent: false, via: 'none', reason: 'notifications are off (autoUtilization.notify is "none")'};
		const env = options.env ?? process.env;
		const {db, key} = {db: options.db, key: notification.key};
		if (db && key) {
			const earlier = claimNotification(db, key, notification.title, now);
			if (earlier) return {sent: false, via: 'none', reason: `already notified at ${earlier.sentAt} (${earlier.via})`};
		}
		const problems: string[] = [];
		let via: NotifyVia | undefined;
		for (const attempt of attempts(mode, notification, env, options.platform ?? process.platform)) {
			const problem = await run(attempt.file, attempt.args, env, options.timeoutMs ?? 5000);
			if (problem === undefined) {
				via = attempt.via;
				break;
			}
			problems.push(problem);
		}
		if (via === undefined && (options.bell ?? defaultBell)()) via = 'bell';
		if (via === undefined) {
			if (db && key) releaseNotification(db, key);
			return {sent: false, via: 'none', reason: [...problems, 'no notifier available and no terminal for the bell'].join('; ')};
		}
		if (db && key) markNotification(db, key, via);
		return problems.length > 0 ? {sent: true, via, reason: problems.join('; ')} : {sent: true, via};
	} catch (error) {
		return {sent: false, via: 'none', reason: `notification failed: ${(error as Error).message}`};
	}
}
