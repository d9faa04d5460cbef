/**
 * notify() against fake notifier executables on PATH (shell scripts that record their argv) and a real
 * database file for the once-per-key memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {findExecutable} from '../../source/providers/util.js';
import {notify, type NotifyMode, type NotifyOptions} from '../../source/runtime/notify.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {sentNotification} from '../../source/store/notifications.js';
import {tempHome} from '../helpers/cli.js';

let dir: string;
let bin: string;
let log: string;
let db: Db;

beforeEach(() => {
	dir = tempHome('qt-notify-');
	bin = path.join(dir, 'bin');
	fs.mkdirSync(bin);
	log = path.join(dir, 'calls.log');
	db = openDatabase(path.join(dir, 'quota.db'));
});

afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

/** A fake executable that appends "name|arg|arg…" to the log and exits with `code`. */
function fake(name: string, code = 0): void {
	const file = path.join(bin, name);
	fs.writeFileSync(file, `#!/bin/sh\nprintf '%s' "${name}" >> "${log}"\nfor a in "$@"; do printf '|%s' "$a" >> "${log}"; done\nprintf '\\n' >> "${log}"\nexit ${code}\n`);
	fs.chmodSync(file, 0o755);
}

const calls = (): string[][] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(line => line.split('|')) : []);

function options(mode: NotifyMode, extra: Partial<NotifyOptions> & {env?: NodeJS.ProcessEnv} = {}): NotifyOptions & {bells: number} {
	const state = {bells: 0};
	const result = {
		config: {autoUtilization: {notify: mode}},
		env: {PATH: bin, ...extra.env},
		db,
		platform: 'linux' as NodeJS.Platform,
		bell: () => {
			state.bells += 1;
			return true;
		},
		...extra,
		get bells() {
			return state.bells;
		},
	};
	return result;
}

const NOW = Date.parse('2026-11-22T09:00:00Z');
const message = {key: 'waste:work:2026-11-23T09:00:00Z', title: 'quota-tui: use it or lose it', body: 'work: 62% of the week unused, resets in 20h'};

describe('notify', () => {
	it('desktop: notify-send with title and body as separate arguments', async () => {
		fake('notify-send');
		const opts = options('desktop');
		expect(await notify(opts, message, NOW)).toEqual({sent: true, via: 'notify-send'});
		expect(calls()).toEqual([['notify-send', '--app-name=quota-tui', message.title, message.body]]);
		expect(opts.bells).toBe(0);
		expect(sentNotification(db, message.key)).toMatchObject({via: 'notify-send', sentAtMs: NOW, title: message.title});
	});

	it('once per key across calls (and across processes sharing the database)', async () => {
		fake('notify-send');
		const first = await notify(options('desktop'), message, NOW);
		const other = openDatabase(path.join(dir, 'quota.db'));
		const second = await notify({...options('desktop'), db: other}, message, NOW + 60_000);
		other.close();
		expect(first.sent).toBe(true);
		expect(second).toEqual({sent: false, via: 'none', reason: 'already notified at 2026-11-22T09:00:00.000Z (notify-send)'});
		expect(calls()).toHaveLength(1);
		// Another key goes out.
		expect((await notify(options('desktop'), {...message, key: 'waste:work:next'}, NOW)).sent).toBe(true);
		expect(calls()).toHaveLength(2);
	});

	it('macOS: osascript with the text passed as argv, not spliced into the script', async () => {
		fake('osascript');
		fake('notify-send');
		const tricky = {title: 'Say "hi"', body: 'end run\\ "; do shell script "rm -rf /"'};
		expect(await notify(options('desktop', {platform: 'darwin'}), tricky, NOW)).toEqual({sent: true, via: 'osascript'});
		const [call] = calls();
		expect(call?.[0]).toBe('osascript');
		expect(call?.slice(-2)).toEqual([tricky.title, tricky.body]);
		expect(call?.slice(1, 7).join(' ')).not.toContain('rm -rf');
	});

	it('inside tmux without a desktop notifier: tmux display-message, with # escaped', async () => {
		fake('tmux');
		const result = await notify(options('desktop', {env: {PATH: bin, TMUX: '/tmp/tmux-1000/default,1,0'}}), {title: 'quota-tui', body: 'job #3 done'}, NOW);
		expect(result).toEqual({sent: true, via: 'tmux'});
		expect(calls()).toEqual([['tmux', 'display-message', 'quota-tui: job ##3 done']]);
	});

	it('terminal mode skips desktop notifiers: tmux inside tmux, else the bell', async () => {
		fake('notify-send');
		fake('tmux');
		const outside = options('terminal');
		expect(await notify(outside, {title: 't', body: 'b'}, NOW)).toEqual({sent: true, via: 'bell'});
		expect(outside.bells).toBe(1);
		expect(calls()).toEqual([]);
		expect(await notify(options('terminal', {env: {PATH: bin, TMUX: 'x'}}), {title: 't', body: 'b'}, NOW)).toEqual({sent: true, via: 'tmux'});
		expect(calls().map(call => call[0])).toEqual(['tmux']);
	});

	it('a failing notifier falls through to the next one and says why', async () => {
		fake('notify-send', 1);
		const opts = options('desktop');
		const result = await notify(opts, message, NOW);
		expect(result).toEqual({sent: true, via: 'bell', reason: 'notify-send exited with 1'});
		expect(opts.bells).toBe(1);
		expect(sentNotification(db, message.key)?.via).toBe('bell');
	});

	it('nothing available: not sent, the key is given back so a later attempt can deliver', async () => {
		const result = await notify(options('desktop', {bell: () => false}), message, NOW);
		expect(result.sent).toBe(false);
		expect(result.reason).toMatch(/no notifier available/);
		expect(sentNotification(db, message.key)).toBeNull();
		fake('notify-send');
		expect((await notify(options('desktop'), message, NOW)).sent).toBe(true);
	});

	it('mode none sends nothing and remembers nothing', async () => {
		fake('notify-send');
		const opts = options('none');
		expect(await notify(opts, message, NOW)).toEqual({sent: false, via: 'none', reason: 'notifications are off (autoUtilization.notify is "none")'});
		expect(calls()).toEqual([]);
		expect(opts.bells).toBe(0);
		expect(sentNotification(db, message.key)).toBeNull();
	});

	it('never throws: a closed database or a hanging notifier become reasons', async () => {
		const file = path.join(bin, 'notify-send');
		fs.writeFileSync(file, '#!/bin/sh\nexec sleep 30\n');
		fs.chmodSync(file, 0o755);
		const hanging = await notify(options('desktop', {timeoutMs: 200, env: {PATH: `${bin}:/bin:/usr/bin`}}), {title: 't', body: 'b'}, NOW);
		expect(hanging).toEqual({sent: true, via: 'bell', reason: 'notify-send did not finish within 200 ms'});
		const closed = openDatabase(path.join(dir, 'other.db'));
		closed.close();
		const broken = await notify(options('desktop', {db: closed}), message, NOW);
		expect(broken.sent).toBe(false);
		expect(broken.reason).toMatch(/^notification failed: /);
	});

	it('findExecutable ignores directories and non-executable files', () => {
		fs.mkdirSync(path.join(bin, 'tmux'));
		fs.writeFileSync(path.join(bin, 'notify-send'), '');
		expect(findExecutable('tmux', {PATH: bin})).toBeUndefined();
		expect(findExecutable('notify-send', {PATH: bin})).toBeUndefined();
		fake('osascript');
		expect(findExecutable('osascript', {PATH: `/nonexistent${path.delimiter}${bin}`})).toBe(path.join(bin, 'osascript'));
	});
});
