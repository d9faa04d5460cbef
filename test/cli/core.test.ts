/**
 * The CLI as a script sees it: real processes, real config and database files, a frozen clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runJson, tempHome} from '../helpers/cli.js';
import {loadedModules} from './loaded-modules.js';

const NOW = '2026-11-22T12:00:00Z';

function manualWindow(home: string, account: string, used: number, resetAt = '2026-11-25T12:00:00Z', window = 'seven_day') {
	const r = runCli(['budget', 'set', '--scope', `account:${account}`, '--window', window, '--used', String(used), '--reset-at', resetAt], {home, now: NOW});
	expect(r.stderr).toBe('');
	expect(r.code).toBe(0);
}

function threeAccounts(): string {
	const home = tempHome();
	for (const [name, extra] of [['a', []], ['b', []], ['c', ['--last-resort']]] as const) {
		expect(runCli(['accounts', 'add', name, '--provider', 'manual', ...extra], {home}).code).toBe(0);
	}
	return home;
}

describe('with no accounts configured', () => {
	it.each([['status'], ['recommend'], ['gate'], ['switch', 'x'], ['active'], ['accounts', 'list']])('%s exits 2 and says how to add one', (...args) => {
		const home = tempHome();
		const r = runCli(args, {home});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('No accounts configured');
		expect(r.stderr).toContain('quota-tui accounts add');
		expect(r.stderr).toContain('--demo');
	});

	it('--demo works on every reporting command', () => {
		const home = tempHome();
		const {code, json} = runJson(['status', '--json', '--demo'], {home, now: NOW});
		expect(code).toBe(0);
		expect(json.demo).toBe(true);
		expect(json.accounts.map((a: {name: string}) => a.name)).toEqual(['demo-main', 'demo-team', 'demo-codex', 'demo-spare']);
		expect(runCli(['recommend', '--demo'], {home, now: NOW}).stdout.trim()).toBe('demo-main');
	});

	it('the dashboard without a TTY prints one DEMO frame and exits 0', () => {
		const home = tempHome();
		const r = runCli([], {home, now: NOW});
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('DEMO');
		expect(r.stdout).toContain('demo-main');
		expect(r.stdout).toMatch(/\d+%/);
	});
});

describe('recommend (§7.1)', () => {
	it('a at 95 %, b at 50 %, c last resort → b; a and b exhausted → c with exit 3', () => {
		const home = threeAccounts();
		manualWindow(home, 'a', 95);
		manualWindow(home, 'b', 50);
		const first = runCli(['recommend'], {home, now: NOW});
		expect(first.code).toBe(0);
		expect(first.stdout.trim()).toBe('b');

		const json = runJson(['recommend', '--json'], {home, now: NOW}).json;
		expect(json.account).toBe('b');
		expect(json.reason).toMatch(/b/);
		expect(json.alternatives).toEqual([
			{name: 'a', reason: expect.stringContaining('95%')},
			{name: 'c', reason: expect.stringContaining('last-resort')},
		]);

		manualWindow(home, 'a', 100);
		manualWindow(home, 'b', 100);
		const emergency = runCli(['recommend'], {home, now: NOW});
		expect(emergency.code).toBe(3);
		expect(emergency.stdout.trim()).toBe('c');
		expect(emergency.stderr).toContain('EMERGENCY');
	});

	it('exits 1 when nothing is usable and there is no last resort', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'a', '--provider', 'manual'], {home});
		manualWindow(home, 'a', 100);
		const r = runCli(['recommend'], {home, now: NOW});
		expect(r.code).toBe(1);
		expect(r.stdout).toBe('');
	});
});

describe('gate (§7.2)', () => {
	it('91 % → exit 75 with the stop sentence; 50 % → exit 0; after the reset → 0 and fresh (estimated)', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'w', '--provider', 'manual'], {home});
		manualWindow(home, 'w', 91, '2026-11-24T08:00:00+05:45');
		const stop = runCli(['gate', '--account', 'w'], {home, now: NOW});
		expect(stop.code).toBe(75);
		expect(stop.stdout).toContain('Stopping: weekly quota usage at 91% (configured max: 90%)');
		expect(stop.stdout).toContain('retry at 2026-11-24T08:00:00+05:45');

		manualWindow(home, 'w', 50, '2026-11-24T08:00:00+05:45');
		expect(runCli(['gate', '--account', 'w'], {home, now: NOW}).code).toBe(0);

		manualWindow(home, 'w', 91, '2026-11-24T08:00:00+05:45');
		const after = runCli(['gate', '--account', 'w'], {home, now: '2026-11-24T03:00:00Z'});
		expect(after.code).toBe(0);
		expect(after.stdout).toMatch(/fresh \(0%, estimated\)/);
	});

	it('--json carries verdict, reasons and retryAt; gate verdicts are recorded as decisions', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'w', '--provider', 'manual'], {home});
		manualWindow(home, 'w', 88);
		const {code, json} = runJson(['gate', '--account', 'w', '--estimate-pct', '5%', '--json'], {home, now: NOW});
		expect(code).toBe(75);
		expect(json.verdict).toBe('pause');
		expect(json.reasons[0]).toBe('Stopping: weekly quota usage at 88% + 5% estimated (configured max: 90%)');
		expect(json.retryAt).toBe('2026-11-25T12:00:00Z');
		const status = runJson(['status', '--json'], {home, now: NOW}).json;
		expect(status.decisions[0]).toMatchObject({kind: 'gate', subject: 'w', verdict: 'pause'});
	});

	it('unknown state: manual work goes with a warning, automatic work defers, "block" exits 69', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'u', '--provider', 'manual'], {home});
		const manual = runCli(['gate', '--account', 'u'], {home, now: NOW});
		expect(manual.code).toBe(0);
		expect(manual.stdout).toMatch(/Warning: the quota state of u is unknown/);
		expect(runCli(['gate', '--account', 'u', '--auto'], {home, now: NOW}).code).toBe(75);
		expect(runCli(['config', 'set', 'policy.unknownPolicy', 'block'], {home}).code).toBe(0);
		expect(runCli(['gate', '--account', 'u'], {home, now: NOW}).code).toBe(69);
	});

	it('rejects bad flags with exit 2 naming the flag', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'w', '--provider', 'manual'], {home});
		const r = runCli(['gate', '--estimate-pct', '12'], {home, now: NOW});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('--estimate-pct');
		const s = runCli(['gate', '--account', 'nope'], {home, now: NOW});
		expect(s.code).toBe(2);
		expect(s.stderr).toContain('no account named "nope"');
	});
});

describe('budget (arbitrary resets, offsets kept)', () => {
	it('keeps +05:45, shows UTC, and rolls P7D forward once passed', () => {
		const home = tempHome();
		const set = runCli(['budget', 'set', '--scope', 'project:x', '--limit', '100', '--unit', 'credits', '--used', '40', '--reset-at', '2026-12-01T09:00:00+05:45', '--recurrence', 'P7D'], {home, now: NOW});
		expect(set.code).toBe(0);
		const before = runJson(['budget', 'status', '--json'], {home, now: NOW}).json.budgets[0];
		expect(before).toMatchObject({scope: 'project:x', used: 40, limit: 100, unit: 'credits', resetAt: '2026-12-01T09:00:00+05:45', resetAtUtc: '2026-12-01T03:15:00Z'});
		const after = runJson(['budget', 'status', '--json'], {home, now: '2026-12-02T00:00:00Z'}).json.budgets[0];
		expect(after).toMatchObject({resetAt: '2026-12-08T09:00:00+05:45', resetAtUtc: '2026-12-08T03:15:00Z', used: 0, resetPassed: true});
	});

	it('weekly:monday at −03:30 rolls to the next Monday, same local time and offset', () => {
		const home = tempHome();
		runCli(['budget', 'set', '--scope', 'role:ci', '--limit', '10', '--unit', 'usd', '--reset-at', '2026-11-30T09:00:00-03:30', '--recurrence', 'weekly:monday'], {home, now: NOW});
		const after = runJson(['budget', 'status', '--json'], {home, now: '2026-12-01T10:00:00Z'}).json.budgets[0];
		expect(after.resetAt).toBe('2026-12-07T09:00:00-03:30');
	});

	it('an offset-less reset or a bad recurrence is refused naming the flag', () => {
		const home = tempHome();
		const r = runCli(['budget', 'set', '--scope', 'project:x', '--limit', '1', '--unit', 'usd', '--reset-at', '2026-12-01T09:00:00'], {home});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('--reset-at');
		const q = runCli(['budget', 'set', '--scope', 'project:x', '--limit', '1', '--unit', 'usd', '--recurrence', 'fortnightly'], {home});
		expect(q.code).toBe(2);
		expect(q.stderr).toContain('--recurrence');
	});

	it('a project budget without room pauses the gate; budget reset clears it', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'w', '--provider', 'manual'], {home});
		manualWindow(home, 'w', 10);
		runCli(['budget', 'set', '--scope', 'project:x', '--limit', '5', '--unit', 'usd', '--used', '4.5', '--reset-at', '2026-11-30T00:00:00Z'], {home, now: NOW});
		const r = runCli(['gate', '--account', 'w', '--scope', 'project:x', '--estimate-usd', '1'], {home, now: NOW});
		expect(r.code).toBe(75);
		expect(r.stdout).toContain('project:x budget at 4.50 + 1 estimated of 5 usd');
		expect(runCli(['budget', 'reset', '--scope', 'project:x'], {home, now: NOW}).code).toBe(0);
		expect(runCli(['gate', '--account', 'w', '--scope', 'project:x', '--estimate-usd', '1'], {home, now: NOW}).code).toBe(0);
	});
});

describe('switch and active (§6)', () => {
	it('switch NAME → active prints NAME, --env exports the Claude dir, status --json has the decision', () => {
		const home = tempHome();
		const dir = path.join(home, 'claude-work');
		fs.mkdirSync(dir);
		runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', dir], {home});
		runCli(['accounts', 'add', 'spare', '--provider', 'manual'], {home});
		const s = runCli(['switch', 'work'], {home, now: NOW});
		expect(s.code).toBe(0);
		expect(runCli(['active'], {home}).stdout.trim()).toBe('work');
		expect(runCli(['active', '--env'], {home}).stdout.trim()).toBe(`export CLAUDE_CONFIG_DIR=${dir}`);
		const status = runJson(['status', '--json'], {home, now: NOW}).json;
		expect(status.active).toBe('work');
		expect(status.decisions[0]).toMatchObject({kind: 'switch', subject: 'work', verdict: 'switched'});
		// The optional active/<provider> symlink now points at the account's directory (Linux default).
		expect(fs.readlinkSync(path.join(home, 'active', 'claude'))).toBe(dir);
	});

	it('switch to an unknown account exits 2 and changes nothing', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'a', '--provider', 'manual'], {home});
		const r = runCli(['switch', 'zzz'], {home});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('no account named "zzz"');
		expect(runCli(['active'], {home}).code).toBe(1);
	});

	it('onSwitch runs the argv template with the account in its environment, no shell', () => {
		const home = tempHome();
		const out = path.join(home, 'hook.txt');
		const script = path.join(home, 'hook.mjs');
		fs.writeFileSync(script, `import fs from 'node:fs'; fs.writeFileSync(${JSON.stringify(out)}, [process.argv[2], process.env.QUOTA_TUI_ACCOUNT, process.env.QUOTA_TUI_PROVIDER].join(' '));`);
		runCli(['accounts', 'add', 'a', '--provider', 'manual'], {home});
		expect(runCli(['config', 'set', 'switch.onSwitch', JSON.stringify([process.execPath, script, '{account}; rm -rf /'])], {home}).code).toBe(0);
		expect(runCli(['switch', 'a'], {home, now: NOW}).code).toBe(0);
		expect(fs.readFileSync(out, 'utf8')).toBe('a; rm -rf / a manual');
	});
});

describe('config', () => {
	it('a wrong type in config.json → every command exits 2 naming file and field; the file is untouched', () => {
		const home = tempHome();
		const file = path.join(home, 'config.json');
		const text = '{\n  "policy": {"switchThreshold": "high"},\n  "accounts": []\n}\n';
		fs.writeFileSync(file, text);
		for (const args of [['status'], ['recommend'], ['config', 'get'], ['accounts', 'add', 'x', '--provider', 'manual'], ['budget', 'status'], []]) {
			const r = runCli(args, {home});
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.stderr).toContain(file);
			expect(r.stderr).toContain('policy.switchThreshold');
			expect(r.stderr).toMatch(/expected number/);
		}
		expect(fs.readFileSync(file, 'utf8')).toBe(text);
	});

	it('broken JSON is reported and left as it is', () => {
		const home = tempHome();
		const file = path.join(home, 'config.json');
		fs.writeFileSync(file, '{"accounts": [');
		const r = runCli(['status'], {home});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(file);
		expect(fs.readFileSync(file, 'utf8')).toBe('{"accounts": [');
	});

	it('get/set/path with validation', () => {
		const home = tempHome();
		expect(runCli(['config', 'path'], {home}).stdout.trim()).toBe(path.join(home, 'config.json'));
		expect(runCli(['config', 'get', 'policy.switchThreshold'], {home}).stdout.trim()).toBe('0.9');
		expect(runCli(['config', 'set', 'policy.switchThreshold', '0.85'], {home}).code).toBe(0);
		expect(runCli(['config', 'get', 'policy.switchThreshold'], {home}).stdout.trim()).toBe('0.85');
		const bad = runCli(['config', 'set', 'policy.strategy', 'random'], {home});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('policy.strategy');
		expect(runCli(['config', 'get', 'policy.strategy'], {home}).stdout.trim()).toBe('chain');
	});

	it('a bad QUOTA_TUI_NOW is refused naming the variable', () => {
		const home = tempHome();
		const r = runCli(['status', '--demo'], {home, now: 'yesterday'});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('QUOTA_TUI_NOW');
	});
});

describe('help', () => {
	it.each(['status', 'accounts', 'switch', 'active', 'recommend', 'gate', 'budget', 'config', 'dashboard'])('%s --help prints usage and exits 0', command => {
		const r = runCli([command, '--help'], {home: tempHome()});
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/Usage/);
	});

	it('an unknown command exits 2 with the command list', () => {
		const r = runCli(['frobnicate'], {home: tempHome()});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('unknown command "frobnicate"');
		expect(r.stderr).toContain('recommend');
	});
});

describe('one-shot commands stay light', () => {
	it('status --json never loads Ink or React (they are for the dashboard only)', () => {
		const result = loadedModules(['status', '--json', '--demo'], {env: {...process.env, QUOTA_TUI_HOME: tempHome(), QUOTA_TUI_NOW: NOW}});
		expect(result.status).toBe(0);
		expect(JSON.parse(result.stdout).demo).toBe(true);
		expect(result.modules.some(name => name.startsWith('source/cli/commands/status'))).toBe(true);
		expect(result.packages.filter(name => /^(ink|react|react-reconciler|yoga-layout)$/.test(name))).toEqual([]);
		// Nor the local-log reader: status shows the stored summaries (issue 15, start-up).
		expect(result.modules.filter(name => name.startsWith('source/providers/logs/') || name === 'source/runtime/local-logs.ts')).toEqual([]);
	});

	it('--version and --help load neither the context, the config schema (zod), luxon nor the database', () => {
		for (const args of [['--version'], ['--help']]) {
			const result = loadedModules(args, {env: {...process.env, QUOTA_TUI_HOME: tempHome()}});
			expect(result.status).toBe(0);
			expect(result.modules.filter(name => /^source\/(?:runtime\/context|store\/(?:config|db))\.ts$/.test(name)), args.join(' ')).toEqual([]);
			expect(result.packages.filter(name => name === 'zod' || name === 'luxon'), args.join(' ')).toEqual([]);
		}
	});

	it('report daily without a hub or accounts loads neither the providers, team mode nor the calibration', () => {
		const home = tempHome();
		const env = {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, 'no-claude'), CODEX_HOME: path.join(home, 'no-codex')};
		const result = loadedModules(['report', 'daily', '--json'], {env});
		expect(result.status).toBe(0);
		expect(JSON.parse(result.stdout).daily).toEqual([]);
		expect(result.modules).toContain('source/cli/commands/report.ts');
		const unneeded = /^source\/(?:runtime\/(?:refresh|hub-sync|local-usage)|cli\/commands\/team-report|providers\/(?:claude-usage|oauth-usage|http))\.ts$/;
		expect(result.modules.filter(name => unneeded.test(name))).toEqual([]);
		// Each file a run opens costs start-up: the context's modules (config, its zod schema, the clock)
		// come from one chunk (scripts/build.mjs CHUNK_GROUPS), not one per module.
		const fileOf = (module: string) => result.files.filter(file => fs.readFileSync(file, 'utf8').includes(`\n// ${module}\n`));
		const contextFile = fileOf('source/runtime/context.ts');
		expect(contextFile).toHaveLength(1);
		for (const module of ['source/store/config.ts', 'source/store/config-schema.ts', 'source/runtime/clock.ts', 'source/cli/shared.ts']) {
			expect(fileOf(module), module).toEqual(contextFile);
		}
		expect(result.modules.filter(name => name.startsWith('node_modules/zod/')).every(name => fileOf(name).join() === contextFile.join())).toBe(true);
	});
});

describe('accounts add', () => {
	it('adds an account whose directory does not exist yet, and says how to create it', () => {
		const home = tempHome();
		const dir = path.join(home, 'not-yet');
		const r = runCli(['accounts', 'add', 'later', '--provider', 'claude', '--config-dir', dir], {home});
		expect(r.code).toBe(0);
		expect(r.stderr).toContain(`note: ${dir} does not exist yet`);
		expect(r.stderr).toContain(`CLAUDE_CONFIG_DIR=${dir} claude`);
		fs.mkdirSync(path.join(home, 'there'));
		const s = runCli(['accounts', 'add', 'now', '--provider', 'codex', '--home', path.join(home, 'there')], {home});
		expect(s.code).toBe(0);
		expect(s.stderr).toBe('');
	});
});

describe('output into a closed pipe', () => {
	it('`status --json | head -c 1` ends quietly: no EPIPE stack, exit 0', async () => {
		const {spawnSync} = await import('node:child_process');
		const {CLI, cliEnv} = await import('../helpers/cli.js');
		const home = tempHome();
		// Enough output (~160 KB, more than a pipe buffer) that the writer is still writing when head has gone.
		fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({accounts: Array.from({length: 300}, (_, i) => ({name: `acct-${i}`, provider: 'manual'}))}));
		const script = `"${process.execPath}" "${CLI}" status --json | head -c 1 > /dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`;
		const r = spawnSync('bash', ['-c', script], {env: cliEnv({home, now: NOW}), encoding: 'utf8'});
		expect(r.stderr).not.toMatch(/EPIPE|Error/);
		expect(r.stderr).toContain('rc=0');
	});
});
