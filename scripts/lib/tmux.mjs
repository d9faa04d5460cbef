// Small tmux driver shared by scripts/screenshots.mjs, test/bench/run.mjs and the tmux tests
// (test/tmux/). Types for TypeScript callers: tmux.d.mts beside this file.
// Every instance owns a private server (`tmux -L <label>`) started from a throw-away config, so it
// never touches a user's tmux and can always be killed as a whole.
import {execFile, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';

/** Throws a clear error when tmux cannot be run. */
export function requireTmux() {
	const result = spawnSync('tmux', ['-V'], {encoding: 'utf8'});
	if (result.error || result.status !== 0) {
		const why = result.error ? result.error.message : (result.stderr || `exit ${result.status}`).trim();
		throw new Error(`tmux is required but could not be run (${why}). Install it (apt-get install tmux) and retry.`);
	}
	return result.stdout.trim();
}

/** The environment for the tmux server: the caller's, minus anything that would leak into the panes. */
function serverEnv() {
	const env = {...process.env};
	for (const key of Object.keys(env)) {
		if (key === 'TMUX' || key === 'TMUX_PANE' || key === 'NO_COLOR' || key === 'FORCE_COLOR' || key.startsWith('QUOTA_TUI_')) {
			delete env[key];
		}
	}
	return env;
}

/** A session name means its first pane; a full target (`s1:0.1`) is taken as it is. */
const paneTarget = name => (name.includes(':') ? name : `${name}:0.0`);

export class TmuxServer {
	/** @param {string} label unique socket name, e.g. `qt-shots-${process.pid}` */
	constructor(label) {
		this.label = label;
		this.dir = mkdtempSync(join(tmpdir(), 'qt-tmux-'));
		this.config = join(this.dir, 'tmux.conf');
		// exit-empty off: the server outlives its sessions (no race between one session's end and the
		// next new-session). status off: the pane gets every row of the window. remain-on-exit: a crashed
		// program leaves its last screen for the error message instead of vanishing.
		writeFileSync(this.config, [
			'set -s exit-empty off',
			'set -g status off',
			'set -g remain-on-exit on',
			'set -g escape-time 0',
			'set -g history-limit 100',
			'set -g default-terminal tmux-256color',
			'',
		].join('\n'));
		this.env = serverEnv();
		this.killed = false;
	}

	/** Run one tmux command; resolves to its stdout. */
	run(args) {
		return new Promise((resolve, reject) => {
			execFile('tmux', ['-L', this.label, '-f', this.config, ...args], {env: this.env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
				if (error) {
					reject(new Error(`tmux ${args.join(' ')}: ${(stderr || error.message).trim()}`));
				} else {
					resolve(stdout);
				}
			});
		});
	}

	/**
	 * Start `argv` (run directly, no shell) in a new detached session of `cols`×`rows`.
	 * @param {string} name session name
	 * @param {{cols: number, rows: number, env?: Record<string, string>, argv: string[], cwd?: string}} options
	 */
	async start(name, {cols, rows, env = {}, argv, cwd = process.cwd()}) {
		const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
		// More than one argument after `--`: tmux execs the program itself, so the pane's pid is the
		// program's pid (no shell in between).
		await this.run(['new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), '-c', cwd, ...envArgs, '--', ...argv]);
	}

	/** The pane's text; `ansi` keeps colours and attributes (capture-pane -e). */
	capture(name, {ansi = false} = {}) {
		return this.run(['capture-pane', '-p', ...(ansi ? ['-e'] : []), '-t', paneTarget(name)]);
	}

	async paneInfo(name) {
		const out = await this.run(['display-message', '-p', '-t', paneTarget(name), '#{pane_pid} #{pane_dead} #{pane_dead_status} #{pane_width} #{pane_height}']);
		const [pid, dead, status, width, height] = out.trim().split('\n')[0].split(' ');
		return {pid: Number(pid), dead: dead === '1', status: status === '' ? undefined : Number(status), width: Number(width), height: Number(height)};
	}

	/** The tmux server's own pid. */
	async serverPid() {
		return Number((await this.run(['display-message', '-p', '#{pid}'])).trim());
	}

	sendLiteral(name, text) {
		return this.run(['send-keys', '-t', paneTarget(name), '-l', text]);
	}

	/** Send tmux key names (`Down`, `C-l`, `Escape`): one send-keys call, so one write to the pane. */
	sendKeys(name, ...keys) {
		return this.run(['send-keys', '-t', paneTarget(name), ...keys]);
	}

	/** A format string of the window's pane `pane` (`#{alternate_on}`, `#{pane_width}`…). */
	async display(target, format) {
		return (await this.run(['display-message', '-p', '-t', target, format])).trim();
	}

	/**
	 * Poll capture-pane until `accept(screen)` holds; resolves to that screen. A loaded machine only
	 * makes it slower, never wrong: the deadline is generous and no fixed sleep decides anything.
	 * Rejects with the last screen when the deadline passes.
	 */
	async waitFor(target, accept, {intervalMs = 100, timeoutMs = 30_000} = {}) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const screen = await this.run(['capture-pane', '-p', '-t', target]);
			if (accept(screen)) {
				return screen;
			}
			if (Date.now() > deadline) {
				throw new Error(`tmux ${target}: no matching screen after ${timeoutMs} ms; last screen:\n${screen}`);
			}
			await sleep(intervalMs);
		}
	}

	killSession(name) {
		return this.run(['kill-session', '-t', name]).catch(() => {});
	}

	/**
	 * Poll until the pane shows a stable frame: two consecutive captures equal and `accept` true.
	 * Rejects (with the last screen) if the program died or `timeoutMs` passed.
	 */
	async waitStable(name, {accept, intervalMs = 200, timeoutMs = 20_000}) {
		const deadline = Date.now() + timeoutMs;
		let previous;
		for (;;) {
			const frame = await this.capture(name, {ansi: true});
			if (frame === previous && accept(frame)) {
				return frame;
			}
			previous = frame;
			const info = await this.paneInfo(name);
			if (info.dead) {
				throw new Error(`the program in tmux session ${name} exited (status ${info.status}); its last screen:\n${await this.capture(name)}`);
			}
			if (Date.now() > deadline) {
				throw new Error(`no stable frame in tmux session ${name} after ${timeoutMs} ms; last screen:\n${await this.capture(name)}`);
			}
			await sleep(intervalMs);
		}
	}

	/** Kill the whole server (synchronous, so it also works from exit handlers). Idempotent. */
	kill() {
		if (this.killed) {
			return;
		}
		this.killed = true;
		const tmux = args => spawnSync('tmux', ['-L', this.label, '-f', this.config, ...args], {env: this.env, encoding: 'utf8'});
		tmux(['kill-server']);
		// tmux 3.3 leaves the socket file behind (after kill-server, and when the last session ends).
		rmSync(join(this.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`, this.label), {force: true});
		rmSync(this.dir, {recursive: true, force: true});
	}
}

/**
 * Make sure `server.kill()` (and any extra cleanup) runs on normal exit, on an uncaught error and on
 * Ctrl+C / SIGTERM / SIGHUP.
 */
export function killOnExit(cleanup) {
	let done = false;
	const once = () => {
		if (!done) {
			done = true;
			cleanup();
		}
	};
	process.on('exit', once);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(signal, () => {
			once();
			process.exit(128 + ({SIGINT: 2, SIGTERM: 15, SIGHUP: 1})[signal]);
		});
	}
	return once;
}
