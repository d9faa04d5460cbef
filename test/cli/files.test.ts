/**
 * Files that are wrong say so (issue 10 D10, D11, D18, D21, D22): the data folder and its files are
 * private, a broken quota.db or config.json is one line naming the file and what to do (no stack,
 * nothing overwritten), and the status-line hook never waits on a locked database.
 */
import {spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {afterAll, describe, expect, it} from 'vitest';
import {CLI, cliEnv, runCli, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-22T12:00:00Z';
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('least exposure (D18)', () => {
	it('a fresh data folder is 0700, quota.db, config.json and the logs 0600, under umask 022', () => {
		const home = path.join(tempHome(), 'fresh', 'qt');
		const previous = process.umask(0o022);
		try {
			expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', path.join(path.dirname(home), 'claude')], {home}).code).toBe(0);
			expect(runCli(['budget', 'set', '--scope', 'account:work', '--window', 'seven_day', '--used', '10', '--reset-at', '2026-11-26T09:00:00Z'], {home, now: NOW}).code).toBe(0);
			expect(runCli(['statusline'], {home, now: NOW, input: '{not json', env: {CLAUDE_CONFIG_DIR: path.join(path.dirname(home), 'claude')}}).code).toBe(0);
		} finally {
			process.umask(previous);
		}
		expect(mode(home)).toBe(0o700);
		expect(mode(path.join(home, 'quota.db'))).toBe(0o600);
		expect(mode(path.join(home, 'config.json'))).toBe(0o600);
		expect(mode(path.join(home, 'logs'))).toBe(0o700);
		expect(mode(path.join(home, 'logs', 'statusline.log'))).toBe(0o600);
		for (const side of ['quota.db-wal', 'quota.db-shm']) if (fs.existsSync(path.join(home, side))) expect(mode(path.join(home, side))).toBe(0o600);
	});
});

describe('config.json that is wrong (D11, D21)', () => {
	it('D11: an empty config.json: a write command exits 2 with one line naming the file, and writes nothing', () => {
		const home = tempHome();
		const file = path.join(home, 'config.json');
		fs.writeFileSync(file, '');
		const r = runCli(['accounts', 'add', 'x', '--provider', 'manual'], {home});
		expect(r.code).toBe(2);
		expect(r.stderr.trim().split('\n')).toHaveLength(1);
		expect(r.stderr).toContain(`${file}: (root): the file is empty; put your configuration back, or delete the file to start from the defaults`);
		expect(r.stderr).not.toMatch(/\bat .*\(/);
		expect(fs.readFileSync(file, 'utf8')).toBe('');
		expect(runCli(['config', 'set', 'polling.intervalSeconds', '300'], {home}).code).toBe(2);
		expect(fs.readFileSync(file, 'utf8')).toBe('');
	});
	it('D21: a misspelt key is a warning naming it and the nearest known key; the command still runs', () => {
		const home = tempHome();
		expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', path.join(home, 'claude')], {home}).code).toBe(0);
		const file = path.join(home, 'config.json');
		const config = JSON.parse(fs.readFileSync(file, 'utf8'));
		config.accounts[0].usageEndpont = true;
		config.polling = {intervalSecond: 60};
		config.polcy = {};
		fs.writeFileSync(file, JSON.stringify(config));
		const r = runCli(['status', '--json'], {home, now: NOW});
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout).accounts[0].name).toBe('work');
		expect(r.stderr.trim().split('\n').sort()).toEqual([
			`warning: ${file}: unknown key accounts.0.usageEndpont is ignored; the nearest known key is accounts.0.usageEndpoint`,
			`warning: ${file}: unknown key polcy is ignored; the nearest known key is policy`,
			`warning: ${file}: unknown key polling.intervalSecond is ignored; the nearest known key is polling.intervalSeconds`,
		]);
	});
});

describe('a quota.db that is wrong (D10)', () => {
	const ROOT = process.getuid?.() === 0;
	const NOBODY = 65534;
	const budget = ['budget', 'set', '--scope', 'account:x', '--window', 'seven_day', '--used', '12', '--reset-at', '2026-11-26T09:00:00Z'];
	const md5 = (file: string) => (fs.statSync(file).isFile() ? crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex') : 'dir');

	/** A home with account x and a real database; owned by an unprivileged user when tests run as root (so modes bind). */
	function home(): string {
		const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qt-d10-'));
		fs.chmodSync(base, 0o755);
		const dir = path.join(base, 'home');
		fs.mkdirSync(dir);
		expect(runCli(['accounts', 'add', 'x', '--provider', 'manual'], {home: dir}).code).toBe(0);
		expect(runCli(budget, {home: dir, now: NOW}).code).toBe(0);
		if (ROOT) for (const name of ['', ...fs.readdirSync(dir)]) fs.chownSync(path.join(dir, name), NOBODY, NOBODY);
		return dir;
	}
	afterAll(() => {
		for (const name of fs.readdirSync(os.tmpdir()).filter(n => n.startsWith('qt-d10-'))) {
			const dir = path.join(os.tmpdir(), name);
			spawnSync('chmod', ['-R', 'u+rwx', dir]);
			fs.rmSync(dir, {recursive: true, force: true});
		}
	});

	/** The built CLI as the home's owner would run it (a real process: as root, setuid to nobody). */
	function run(args: readonly string[], dir: string) {
		const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', env: cliEnv({home: dir, now: NOW, env: {HOME: os.tmpdir()}}), timeout: 30_000, ...(ROOT ? {uid: NOBODY, gid: NOBODY} : {})});
		return {code: r.status, stdout: r.stdout, stderr: r.stderr};
	}

	/** One line naming the file and what to do, no stack trace. */
	function expectNamed(r: {code: number | null; stderr: string}, file: string, reason: RegExp, code = 2) {
		expect(r.code).toBe(code);
		const lines = r.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain(file);
		expect(lines[0]).toMatch(reason);
		expect(r.stderr).not.toMatch(/^\s+at /m);
	}

	const broken: Array<[string, (file: string) => void, RegExp]> = [
		['garbage bytes', file => fs.writeFileSync(file, crypto.randomBytes(100_000)), /file is not a database.*move it aside/],
		['a text file', file => fs.writeFileSync(file, 'these are my notes\n'.repeat(500)), /file is not a database.*move it aside/],
		['a truncated database', file => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3)), /malformed.*move it aside/],
		['a directory', file => {
			fs.rmSync(file);
			fs.mkdirSync(file);
		}, /is a folder, not a database; move it aside/],
	];
	for (const [name, breakIt, reason] of broken) {
		it(`${name}: status and a write exit 2 with one line naming quota.db, the file untouched`, () => {
			const dir = home();
			const file = path.join(dir, 'quota.db');
			const wal = new DatabaseSync(file);
			wal.exec('PRAGMA wal_checkpoint(TRUNCATE)');
			wal.close();
			for (const side of ['-wal', '-shm']) fs.rmSync(`${file}${side}`, {force: true});
			breakIt(file);
			const before = md5(file);
			expectNamed(run(['status'], dir), file, reason);
			expectNamed(run(budget, dir), file, reason);
			expect(md5(file)).toBe(before);
		});
	}

	it('unreadable (chmod 000), read-only on a write, and an unwritable home (fresh or existing) name the file and the fix', () => {
		const dir = home();
		const file = path.join(dir, 'quota.db');
		fs.chmodSync(file, 0o000);
		expectNamed(run(['status'], dir), file, /cannot open it \(unable to open database file\); it must be a file you can read and write/);
		fs.chmodSync(file, 0o444);
		const before = md5(file);
		expectNamed(run(budget, dir), file, /read-only \(attempt to write a readonly database\); make it and its folder writable/);
		expect(md5(file)).toBe(before);
		fs.chmodSync(file, 0o600);
		// Existing database, home not writable (no room for the -wal file).
		for (const side of ['-wal', '-shm']) fs.rmSync(`${file}${side}`, {force: true});
		fs.chmodSync(dir, 0o555);
		expectNamed(run(budget, dir), file, /(read-only|cannot open it)/);
		// Fresh: no database yet, the home not writable.
		fs.chmodSync(dir, 0o755);
		fs.rmSync(file);
		fs.chmodSync(dir, 0o555);
		expectNamed(run(['status'], dir), file, /cannot create it \(EACCES\); make its folder writable by you, or set QUOTA_TUI_HOME/);
		const config = run(['accounts', 'add', 'y', '--provider', 'manual'], dir);
		expectNamed(config, path.join(dir, 'config.json'), /cannot write it \(EACCES\); make .* writable by you, or set QUOTA_TUI_HOME/);
	});

	it('locked by another process past the busy timeout: exit 1, one line naming the file; reads still answer', () => {
		const dir = home();
		const file = path.join(dir, 'quota.db');
		// store.busyTimeoutSeconds (5 s by default) is how long a command waits for the lock: 1 s here.
		expect(run(['config', 'set', 'store.busyTimeoutSeconds', '1'], dir).code).toBe(0);
		const holder = new DatabaseSync(file);
		holder.exec('BEGIN IMMEDIATE');
		holder.exec("INSERT OR REPLACE INTO kv (key, value, updated_at_ms) VALUES ('held', '1', 0)");
		try {
			expectNamed(run(budget, dir), file, /locked by another process for more than 1 s \(database is locked\); try again/, 1);
			expect(run(['status'], dir).code).toBe(0);
		} finally {
			holder.exec('ROLLBACK');
			holder.close();
		}
	}, 30_000);
});

describe('the status-line hook on a locked database (D22)', () => {
	it('prints its line from stdin within ~200 ms of the lock, exits 0, and logs why nothing was recorded', () => {
		const home = tempHome();
		const work = path.join(home, 'claude-work');
		fs.mkdirSync(work);
		expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', work], {home}).code).toBe(0);
		const feed = JSON.stringify({rate_limits: {five_hour: {used_percentage: 23, resets_at: '2026-11-22T13:12:00Z'}, seven_day: {used_percentage: 41, resets_at: '2026-11-25T16:00:00Z'}}});
		const hook = () => {
			const started = Date.now();
			const r = spawnSync(process.execPath, [CLI, 'statusline'], {input: feed, encoding: 'utf8', env: cliEnv({home, now: NOW, env: {CLAUDE_CONFIG_DIR: work}}), timeout: 30_000});
			return {code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started};
		};
		const free = hook();
		expect(free).toMatchObject({code: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
		const file = path.join(home, 'quota.db');
		const holder = new DatabaseSync(file);
		holder.exec('BEGIN IMMEDIATE');
		holder.exec("INSERT OR REPLACE INTO kv (key, value, updated_at_ms) VALUES ('held', '1', 0)");
		try {
			const locked = hook();
			expect(locked).toMatchObject({code: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
			// The old hook waited the whole 5 s busy timeout; now the lock costs at most ~200 ms (plus noise).
			expect(locked.ms - free.ms).toBeLessThan(1500);
		} finally {
			holder.exec('ROLLBACK');
			holder.close();
		}
		expect(fs.readFileSync(path.join(home, 'logs', 'statusline.log'), 'utf8')).toContain(`error: ${file}: locked by another process`);
	}, 60_000);
});
