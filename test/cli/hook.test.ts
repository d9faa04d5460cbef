/**
 * `quota-tui hook claude` (issue 12 item 2): the in-agent gate, run as Claude Code runs it — the built
 * CLI as a real process with the hook JSON on stdin — and `hook install|uninstall` on settings.json.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {CLI, cliEnv, runCli, runMain, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-22T12:00:00Z';
const PROMPT = {session_id: 'abc', transcript_path: '/tmp/t.jsonl', cwd: '/tmp', permission_mode: 'default', hook_event_name: 'UserPromptSubmit', prompt: 'go on'};
const TOOL = {...PROMPT, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: {command: 'ls'}, tool_use_id: 'toolu_1'};

/** A Claude account whose stored data came from the status-line hook at `at` (weekly at `weeklyPct`). */
function setup(weeklyPct: number, at = NOW) {
	const home = tempHome();
	const work = path.join(home, 'claude-work');
	fs.mkdirSync(work);
	expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', work], {home}).code).toBe(0);
	const statusline = {session_id: 's', model: {display_name: 'Opus'}, rate_limits: {five_hour: {used_percentage: 20, resets_at: '2026-11-22T14:00:00Z'}, seven_day: {used_percentage: weeklyPct, resets_at: '2026-11-26T09:00:00Z'}}};
	expect(runCli(['statusline'], {home, now: at, input: JSON.stringify(statusline), env: {CLAUDE_CONFIG_DIR: work}}).code).toBe(0);
	return {home, work};
}

/** Run the hook as Claude Code does: a process, the payload on stdin, the account's CLAUDE_CONFIG_DIR. */
function hook(home: string, work: string, payload: unknown, now = NOW) {
	const result = spawnSync(process.execPath, [CLI, 'hook', 'claude'], {input: JSON.stringify(payload), encoding: 'utf8', env: cliEnv({home, now, env: {CLAUDE_CONFIG_DIR: work}}), timeout: 30_000});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe('hook claude', () => {
	it('at 91% weekly (max 90%) it stops the agent with the gate sentence and the reset; PreToolUse also denies the tool', () => {
		const {home, work} = setup(91);
		const prompt = hook(home, work, PROMPT);
		expect(prompt.code).toBe(0);
		expect(prompt.stderr).toBe('');
		expect(JSON.parse(prompt.stdout)).toEqual({continue: false, stopReason: 'Stopping: weekly quota usage at 91% (configured max: 90%); resets Thu 09:00'});
		const tool = hook(home, work, TOOL);
		expect(JSON.parse(tool.stdout)).toEqual({
			continue: false,
			stopReason: 'Stopping: weekly quota usage at 91% (configured max: 90%); resets Thu 09:00',
			hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'Stopping: weekly quota usage at 91% (configured max: 90%); resets Thu 09:00'},
		});
	});

	it('at 50% it prints nothing; policy.hookStopPercent raises the ceiling for the hook alone', () => {
		const {home, work} = setup(50);
		expect(hook(home, work, PROMPT)).toEqual({code: 0, stdout: '', stderr: ''});
		const high = setup(91);
		expect(runCli(['config', 'set', 'policy.hookStopPercent', '95'], {home: high.home}).code).toBe(0);
		expect(hook(high.home, high.work, PROMPT)).toEqual({code: 0, stdout: '', stderr: ''});
		expect(runCli(['gate', '--account', 'work'], {home: high.home, now: NOW}).code).toBe(75);
	});

	it('fails open: stale data, another account directory, a corrupt database, garbage on stdin — nothing printed, exit 0', () => {
		const {home, work} = setup(99);
		expect(hook(home, work, PROMPT, '2026-11-22T15:00:00Z').stdout).toBe('');
		expect(hook(home, path.join(home, 'elsewhere'), PROMPT).stdout).toBe('');
		const garbage = spawnSync(process.execPath, [CLI, 'hook', 'claude'], {input: '{not json', encoding: 'utf8', env: cliEnv({home, now: NOW, env: {CLAUDE_CONFIG_DIR: work}})});
		expect([garbage.status, garbage.stdout, garbage.stderr]).toEqual([0, '', '']);
		const db = path.join(home, 'quota.db');
		fs.rmSync(`${db}-wal`, {force: true});
		fs.rmSync(`${db}-shm`, {force: true});
		fs.writeFileSync(db, 'this is not a database at all, just some bytes '.repeat(200));
		expect(hook(home, work, PROMPT)).toEqual({code: 0, stdout: '', stderr: ''});
	});

	it('never loads Ink, React, zod, conf, got or yaml', () => {
		const {home, work} = setup(91);
		const script = `
			import {registerHooks} from 'node:module';
			const seen = [];
			registerHooks({resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); }});
			process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'hook', 'claude'];
			process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen.filter(s => /^(ink|react|zod|conf|got|env-paths|yaml)(\\/|$)/.test(s)))));
			await import(${JSON.stringify(CLI)});
		`;
		const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', input: JSON.stringify(PROMPT), env: cliEnv({home, now: NOW, env: {CLAUDE_CONFIG_DIR: work}})});
		expect(result.stdout).toContain('"continue":false');
		expect(result.stderr).toContain('LOADED []');
	});
});

describe('hook install|uninstall', () => {
	function accounts() {
		const home = tempHome();
		const dirs = ['a', 'b'].map(name => path.join(home, `claude-${name}`));
		for (const [i, dir] of dirs.entries()) {
			fs.mkdirSync(dir);
			expect(runCli(['accounts', 'add', ['a', 'b'][i]!, '--provider', 'claude', '--config-dir', dir], {home}).code).toBe(0);
		}
		return {home, dirs};
	}

	it('adds the hook beside the user\'s own hooks, once; uninstall brings the file back byte for byte and keeps no backup', async () => {
		const {home, dirs} = accounts();
		const settings = path.join(dirs[0]!, 'settings.json');
		const original = '{\n    "model": "opus",\n    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]}]}\n}\n';
		fs.writeFileSync(settings, original);
		const install = runCli(['hook', 'install', '--account', 'a', '--json'], {home, now: NOW});
		expect(install.code).toBe(0);
		const command = JSON.parse(install.stdout).command as string;
		expect(command).toBe(`QUOTA_TUI_HOME=${home} ${process.execPath} ${CLI} hook claude`);
		const written = JSON.parse(fs.readFileSync(settings, 'utf8'));
		expect(written.model).toBe('opus');
		expect(written.hooks.PreToolUse).toEqual([{matcher: 'Bash', hooks: [{type: 'command', command: 'my-guard'}]}, {matcher: '*', hooks: [{type: 'command', command, timeout: 10}]}]);
		expect(written.hooks.UserPromptSubmit).toEqual([{hooks: [{type: 'command', command, timeout: 10}]}]);
		expect(runCli(['hook', 'install', '--account', 'a'], {home, now: NOW}).stdout).toContain('hook already installed');
		expect(fs.readdirSync(dirs[0]!).filter(name => name.includes('quota-tui'))).toEqual(['settings.json.quota-tui-hook.bak']);
		// The installed command works through a shell, as Claude Code runs it.
		const statusline = {rate_limits: {seven_day: {used_percentage: 95, resets_at: '2026-11-26T09:00:00Z'}}};
		expect(runCli(['statusline'], {home, now: NOW, input: JSON.stringify(statusline), env: {CLAUDE_CONFIG_DIR: dirs[0]!}}).code).toBe(0);
		const run = spawnSync('/bin/sh', ['-c', command], {input: JSON.stringify(PROMPT), encoding: 'utf8', env: {...cliEnv({home: '/nonexistent', now: NOW}), QUOTA_TUI_HOME: undefined, CLAUDE_CONFIG_DIR: dirs[0]!}});
		expect(JSON.parse(run.stdout)).toMatchObject({continue: false});
		const un = await runMain(['hook', 'uninstall', '--account', 'a'], {home, now: NOW});
		expect(un.stdout).toContain('the file is as before');
		expect(fs.readFileSync(settings, 'utf8')).toBe(original);
		expect(fs.readdirSync(dirs[0]!).filter(name => name.includes('quota-tui'))).toEqual([]);
	});

	it('a settings.json that is a symlink is edited at its target; a file install created is removed again', async () => {
		const {home, dirs} = accounts();
		const dotfiles = path.join(home, 'dotfiles');
		fs.mkdirSync(dotfiles);
		fs.writeFileSync(path.join(dotfiles, 'claude-settings.json'), '{"theme": "dark"}');
		fs.symlinkSync(path.join(dotfiles, 'claude-settings.json'), path.join(dirs[0]!, 'settings.json'));
		expect((await runMain(['hook', 'install', '--all'], {home, now: NOW})).code).toBe(0);
		expect(fs.lstatSync(path.join(dirs[0]!, 'settings.json')).isSymbolicLink()).toBe(true);
		expect(JSON.parse(fs.readFileSync(path.join(dotfiles, 'claude-settings.json'), 'utf8')).hooks.UserPromptSubmit).toHaveLength(1);
		expect(fs.existsSync(path.join(dirs[1]!, 'settings.json'))).toBe(true);
		expect((await runMain(['hook', 'uninstall', '--all'], {home, now: NOW})).code).toBe(0);
		expect(fs.readFileSync(path.join(dotfiles, 'claude-settings.json'), 'utf8')).toBe('{"theme": "dark"}');
		expect(fs.lstatSync(path.join(dirs[0]!, 'settings.json')).isSymbolicLink()).toBe(true);
		expect(fs.existsSync(path.join(dirs[1]!, 'settings.json'))).toBe(false);
	});

	it('--all is all or nothing: one broken settings.json and no file is touched', async () => {
		const {home, dirs} = accounts();
		fs.writeFileSync(path.join(dirs[0]!, 'settings.json'), '{"model": "opus"}');
		fs.writeFileSync(path.join(dirs[1]!, 'settings.json'), '{"hooks": ');
		const r = await runMain(['hook', 'install', '--all'], {home, now: NOW});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`${path.join(dirs[1]!, 'settings.json')}: not valid JSON`);
		expect(fs.readFileSync(path.join(dirs[0]!, 'settings.json'), 'utf8')).toBe('{"model": "opus"}');
		expect(fs.readdirSync(dirs[0]!)).toEqual(['settings.json']);
	});
});
