/**
 * Files that are wrong say so (issue 10 D10, D11, D18, D21, D22): the data folder and its files are
 * private, a broken quota.db or config.json is one line naming the file and what to do (no stack,
 * nothing overwritten), and the status-line hook never waits on a locked database.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, tempHome} from '../helpers/cli.js';

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
});
