/**
 * `statusline install|uninstall` (issue 10 D5, D6, D12, D13): the installed command records into the
 * home it was installed from, a symlinked settings.json keeps its link, --all is all or nothing, and
 * uninstall brings back the exact bytes (or removes the file install created) with one backup.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {CLI, cliEnv, runCli, runMain, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-22T12:00:00Z';
const FEED = JSON.stringify({rate_limits: {five_hour: {used_percentage: 23.5, resets_at: '2026-11-22T13:00:00Z'}, seven_day: {used_percentage: 41, resets_at: '2026-11-26T09:00:00Z'}}});

function accounts() {
	const home = tempHome();
	const dirs = ['a', 'b'].map(name => path.join(home, `claude-${name}`));
	for (const [i, dir] of dirs.entries()) {
		fs.mkdirSync(dir);
		expect(runCli(['accounts', 'add', ['a', 'b'][i]!, '--provider', 'claude', '--config-dir', dir], {home}).code).toBe(0);
	}
	return {home, dirs};
}

const ours = (dir: string) => fs.readdirSync(dir).filter(name => name.includes('quota-tui')).sort();

describe('statusline install|uninstall (issue 10)', () => {
	it('D5: the installed command carries QUOTA_TUI_HOME, so Claude Code without it in its environment still records there', () => {
		const {home, dirs} = accounts();
		const r = runCli(['statusline', 'install', '--account', 'a', '--json'], {home, now: NOW});
		expect(r.code).toBe(0);
		const command = JSON.parse(fs.readFileSync(path.join(dirs[0]!, 'settings.json'), 'utf8')).statusLine.command as string;
		expect(command).toBe(`QUOTA_TUI_HOME=${home} ${process.execPath} ${CLI} statusline`);
		// As Claude Code runs it: a shell, no QUOTA_TUI_HOME in the environment.
		const env: NodeJS.ProcessEnv = {...cliEnv({home, now: NOW}), CLAUDE_CONFIG_DIR: dirs[0]!};
		delete env['QUOTA_TUI_HOME'];
		const run = spawnSync('/bin/sh', ['-c', command], {input: FEED, encoding: 'utf8', env});
		expect(run.status).toBe(0);
		expect(run.stdout).toContain('5h 24%');
		const status = JSON.parse(runCli(['status', '--json'], {home, now: NOW}).stdout);
		expect(status.accounts.find((a: {name: string}) => a.name === 'a').windows.map((w: {kind: string; origin: string}) => [w.kind, w.origin])).toEqual([['five_hour', 'statusline'], ['seven_day', 'statusline']]);
	});

	it('D6: a symlinked settings.json is written at its target and stays a link; uninstall restores the target byte for byte', async () => {
		const {home, dirs} = accounts();
		const target = path.join(home, 'dotfiles', 'claude-settings.json');
		fs.mkdirSync(path.dirname(target));
		fs.writeFileSync(target, '{"theme":"dark"}');
		const link = path.join(dirs[0]!, 'settings.json');
		fs.symlinkSync(target, link);
		expect((await runMain(['statusline', 'install', '--account', 'a'], {home, now: NOW})).code).toBe(0);
		expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
		expect(JSON.parse(fs.readFileSync(target, 'utf8')).statusLine.command).toContain('statusline');
		expect((await runMain(['statusline', 'uninstall', '--account', 'a'], {home, now: NOW})).code).toBe(0);
		expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
		expect(fs.readFileSync(target, 'utf8')).toBe('{"theme":"dark"}');
		expect(ours(path.dirname(target))).toEqual([]);
		expect(ours(dirs[0]!)).toEqual([]);
	});

	it('D12: --all with one invalid settings.json writes nothing anywhere and says so', async () => {
		const {home, dirs} = accounts();
		fs.writeFileSync(path.join(dirs[0]!, 'settings.json'), '{"model": "opus"}');
		fs.writeFileSync(path.join(dirs[1]!, 'settings.json'), '{\n  // a JSONC comment\n  "model": "sonnet"\n}');
		const r = await runMain(['statusline', 'install', '--all'], {home, now: NOW});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`${path.join(dirs[1]!, 'settings.json')}: not valid JSON`);
		expect(r.stderr).toContain('nothing changed');
		expect(r.stdout).toBe('');
		expect(fs.readFileSync(path.join(dirs[0]!, 'settings.json'), 'utf8')).toBe('{"model": "opus"}');
		expect(fs.readdirSync(dirs[0]!)).toEqual(['settings.json']);
	});

	it('D13: uninstall brings back the exact bytes (4-space, inline arrays, a legacy string statusLine), one backup across calls; a file install created is removed', async () => {
		const {home, dirs} = accounts();
		const settings = path.join(dirs[0]!, 'settings.json');
		const original = '{\n    "permissions": {"allow": ["Bash(ls)", "Read"]},\n    "statusLine": "echo legacy"\n}\n';
		fs.writeFileSync(settings, original);
		fs.chmodSync(settings, 0o600);
		for (let i = 0; i < 3; i++) {
			expect((await runMain(['statusline', 'install', '--all'], {home, now: NOW})).code).toBe(0);
			expect(ours(dirs[0]!)).toEqual(['settings.json.quota-tui-statusline.bak']);
		}
		const installed = JSON.parse(fs.readFileSync(settings, 'utf8'));
		// The legacy string form is wrapped as passthrough, not dropped.
		expect(installed.statusLine).toEqual({type: 'command', command: expect.stringMatching(/statusline --passthrough 'echo legacy'$/)});
		const un = await runMain(['statusline', 'uninstall', '--all'], {home, now: NOW});
		expect(un.code).toBe(0);
		expect(un.stdout).toContain('status line restored to echo legacy');
		expect(fs.readFileSync(settings, 'utf8')).toBe(original);
		expect(fs.statSync(settings).mode & 0o777).toBe(0o600);
		expect(ours(dirs[0]!)).toEqual([]);
		// b had no settings.json: install created it, uninstall removes it.
		expect(fs.readdirSync(dirs[1]!)).toEqual([]);
	});
});
