/**
 * Real usage data through the built CLI, as a user and a script see it: real processes, a real HTTP
 * server on 127.0.0.1, fake `claude`/`codex` executables on PATH, a frozen clock that moves freshness,
 * cooldowns and Retry-After alike.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {afterEach, describe, expect, it} from 'vitest';
import {CLI, runCli, spawnCliAsync, tempHome} from '../helpers/cli.js';
import {loadedModules} from './loaded-modules.js';
import {allFiles, childPath, claudeDir, codexHome, FAKE_CHATGPT_TOKEN_SECRET, FAKE_TOKEN, fakeEnv, FIXTURES, fixtureText, json, runCliAsync, startServer, tempDir, writeRollout, type TestServer} from '../helpers/providers.js';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const LIVE = fixtureText('oauth-live-max.json');

/** A quota-tui home with one Claude account (usage endpoint on) whose login is a fake credentials file. */
async function oauthSetup(reply: Parameters<typeof startServer>[0] = {status: 200, body: LIVE}) {
	server = await startServer(reply);
	const home = tempHome();
	const claude = claudeDir(path.join(tempDir(), '.claude-max'), {email: 'max@example.com'});
	const env = {QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, HOME: path.dirname(claude)};
	expect(runCli(['accounts', 'add', 'max', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home}).code).toBe(0);
	return {home, claude, env};
}

describe('status --json with the OAuth usage endpoint (Done when)', {timeout: 60_000}, () => {
	it('shows five_hour 0.22 and seven_day 0.33 of the live Max payload, origin oauth-usage', async () => {
		const {home, env} = await oauthSetup();
		const result = await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'});
		expect(result.stderr).toBe('');
		const account = json(result).accounts[0];
		expect(account).toMatchObject({name: 'max', status: 'allowed', stale: false, ageMs: 0, message: null});
		const windows = Object.fromEntries(account.windows.map((w: {kind: string}) => [w.kind, w]));
		expect(windows.five_hour).toMatchObject({utilization: 0.22, resetsAt: '2026-04-19T05:00:00Z', origin: 'oauth-usage', source: 'provider-detected', ageMs: 0, stale: false});
		expect(windows.seven_day).toMatchObject({utilization: 0.33, resetsAt: '2026-04-23T19:00:01Z', origin: 'oauth-usage'});
		expect(windows.seven_day_sonnet).toMatchObject({utilization: 0, origin: 'oauth-usage'});
		expect(account.extraUsage).toEqual({enabled: false, limitUsd: null, usedUsd: null, currency: 'USD'});
		expect(server!.requests).toHaveLength(1);
	});

	it('after a 429 with Retry-After: 120, two more runs within 120 s make no request and show the last good values, stale with their age', async () => {
		const {home, env} = await oauthSetup();
		expect((await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'})).code).toBe(0);
		server!.reply({status: 429, headers: {'retry-after': '120'}, body: '{"error":{"message":"Rate limited. Please try again later.","type":"rate_limit_error"}}'});
		const limited = json(await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:06:00Z'}));
		expect(server!.requests).toHaveLength(2);
		expect(limited.accounts[0]).toMatchObject({stale: true, ageMs: 6 * 60_000, message: expect.stringContaining('429')});
		for (const now of ['2026-04-18T12:06:30Z', '2026-04-18T12:07:59Z']) {
			const r = await runCliAsync(['status', '--json'], {home, env, now});
			const account = json(r).accounts[0];
			expect(account.windows[0]).toMatchObject({kind: 'five_hour', utilization: 0.22, stale: true, ageMs: Date.parse(now) - Date.parse('2026-04-18T12:00:00Z')});
			expect(account.windows[1]).toMatchObject({kind: 'seven_day', utilization: 0.33, stale: true});
			expect(json(r).warnings).toContain(`max: data is stale (${Math.round((Date.parse(now) - Date.parse('2026-04-18T12:00:00Z')) / 60_000)} min old)`);
		}
		expect(server!.requests).toHaveLength(2);
		// The text status says it too.
		const text = await runCliAsync(['status'], {home, env, now: '2026-04-18T12:07:59Z'});
		expect(text.stdout).toMatch(/5h\s+22% .*stale 7m/);
		expect(text.stdout).toContain('rate-limited (429, Retry-After 120 s)');
		server!.reply({status: 200, body: LIVE});
		await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:09:00Z'});
		expect(server!.requests).toHaveLength(3);
	}, 30_000);

	it('two processes against one server: the shared cooldown lets one request through', async () => {
		const {home, env} = await oauthSetup({status: 500, body: 'upstream down'});
		const runs = await Promise.all([0, 1].map(() => runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'})));
		for (const r of runs) expect(r.code).toBe(0);
		expect(server!.requests).toHaveLength(1);
		// Three "dashboards" and a cron job, every minute for 10 minutes of the frozen clock, the
		// endpoint failing so the data stays stale: at most one read per 3 minutes, backing off (t = 3, 9).
		const before = server!.requests.length;
		for (let minute = 1; minute <= 10; minute++) {
			const now = new Date(Date.parse('2026-04-18T12:00:00Z') + minute * 60_000).toISOString();
			await Promise.all(['status', 'recommend', 'status', 'gate'].map(command => runCliAsync([command, '--json'], {home, env, now})));
		}
		const during = server!.requests.length - before;
		process.stdout.write(`cooldown test: 2 concurrent processes → 1 request; 40 runs (4 processes a minute) over 10 simulated minutes → ${during} requests\n`);
		expect(during).toBe(2); // minutes 3 and 9: the same failure backs off 3, then 6 minutes (issue 10)
	}, 120_000);
});

describe('quota-tui statusline (Done when)', {timeout: 60_000}, () => {
	function statuslineSetup() {
		const home = tempHome();
		const user = tempDir('qt-user-');
		const work = claudeDir(path.join(user, '.claude-work'));
		const personal = claudeDir(path.join(user, '.claude'));
		runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', work], {home});
		runCli(['accounts', 'add', 'personal', '--provider', 'claude', '--config-dir', personal], {home});
		return {home, user, work, personal};
	}

	it('under CLAUDE_CONFIG_DIR=X the account of X shows the values with origin statusline; unset = ~/.claude', () => {
		const {home, user, work} = statuslineSetup();
		const input = fixtureText('statusline-epoch.json');
		const r = runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input, env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(r).toEqual({code: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
		const status = JSON.parse(runCli(['status', '--json'], {home, now: '2026-11-22T12:02:00Z', env: {HOME: user}}).stdout);
		const [workReport, personalReport] = status.accounts;
		expect(workReport.windows.map((w: {kind: string; utilization: number; origin: string; ageMs: number}) => [w.kind, w.utilization, w.origin, w.ageMs])).toEqual([
			['five_hour', 0.23, 'statusline', 120_000],
			['seven_day', 0.412, 'statusline', 120_000],
		]);
		expect(personalReport.windows).toEqual([]);
		// No CLAUDE_CONFIG_DIR: the default ~/.claude account.
		runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input, env: {CLAUDE_CONFIG_DIR: undefined, HOME: user}});
		const again = JSON.parse(runCli(['status', '--json'], {home, now: '2026-11-22T12:02:00Z', env: {HOME: user}}).stdout);
		expect(again.accounts[1].windows[0]).toMatchObject({utilization: 0.23, origin: 'statusline'});
	});

	it('exits 0 and prints nothing on garbage; no rate_limits prints the last known values and records nothing', () => {
		const {home, user, work} = statuslineSetup();
		for (const input of ['garbage', '', '{"rate_limits": "x"}', '\u0000']) {
			expect(runCli(['statusline'], {home, input, env: {CLAUDE_CONFIG_DIR: work, HOME: user}})).toEqual({code: 0, stdout: '', stderr: ''});
		}
		expect(fs.readFileSync(path.join(home, 'logs', 'statusline.log'), 'utf8')).toContain('ignored status-line input: stdin is not JSON');
		const before = runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input: '{"model":{"display_name":"Opus"}}', env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(before).toEqual({code: 0, stdout: '5h -- · 7d --\n', stderr: ''});
		runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input: fixtureText('statusline-epoch.json'), env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		const later = runCli(['statusline'], {home, now: '2026-11-22T12:30:00Z', input: '{"rate_limits":null}', env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(later.stdout).toBe('5h 23% ↺42m · 7d 41% ↺3d3h\n');
		const status = JSON.parse(runCli(['status', '--json'], {home, now: '2026-11-22T12:30:00Z', env: {HOME: user}}).stdout);
		expect(status.accounts[0].windows[0].observedAt).toBe('2026-11-22T12:00:00Z'); // nothing recorded at 12:30
	});

	it('a broken config, a broken database or an unknown directory still exit 0 (and record nothing)', () => {
		const {home, user} = statuslineSetup();
		const elsewhere = tempDir();
		expect(runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input: fixtureText('statusline-epoch.json'), env: {CLAUDE_CONFIG_DIR: elsewhere, HOME: user}})).toMatchObject({code: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
		expect(fs.readFileSync(path.join(home, 'logs', 'statusline.log'), 'utf8')).toContain(`no configured Claude account has configDir ${elsewhere}`);
		const config = path.join(home, 'config.json');
		const text = fs.readFileSync(config, 'utf8');
		fs.writeFileSync(config, '{"accounts": [');
		expect(runCli(['statusline'], {home, input: fixtureText('statusline-epoch.json'), env: {HOME: user}})).toMatchObject({code: 0, stderr: ''});
		expect(fs.readFileSync(config, 'utf8')).toBe('{"accounts": [');
		fs.writeFileSync(config, text);
		fs.writeFileSync(path.join(home, 'quota.db'), 'this is not a database');
		// The line still shows, from stdin alone (issue 10 D22); the log names the file.
		expect(runCli(['statusline'], {home, now: '2026-11-22T12:00:00Z', input: fixtureText('statusline-epoch.json'), env: {HOME: user}})).toMatchObject({code: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
		expect(fs.readFileSync(path.join(home, 'logs', 'statusline.log'), 'utf8')).toContain(`error: ${path.join(home, 'quota.db')}: not a usable quota-tui database (file is not a database)`);
	});

	it('--passthrough runs the previous command with the same stdin and prints its output instead', () => {
		const {home, user, work} = statuslineSetup();
		const script = path.join(user, 'previous.mjs');
		fs.writeFileSync(script, "let s=''; process.stdin.on('data', d => s += d).on('end', () => console.log('mine: ' + JSON.parse(s).model.display_name));");
		const r = runCli(['statusline', '--passthrough', `'${process.execPath}' '${script}'`], {home, now: '2026-11-22T12:00:00Z', input: fixtureText('statusline-epoch.json'), env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(r).toEqual({code: 0, stdout: 'mine: Opus\n', stderr: ''});
		// Still recorded.
		const status = JSON.parse(runCli(['status', '--json'], {home, now: '2026-11-22T12:00:00Z', env: {HOME: user}}).stdout);
		expect(status.accounts[0].windows[0]).toMatchObject({utilization: 0.23, origin: 'statusline'});
	});

	it('statusline install keeps the previous command as passthrough and a backup; uninstall restores it', () => {
		const {home, user, work} = statuslineSetup();
		const settings = path.join(work, 'settings.json');
		const original = {model: 'opus', statusLine: {type: 'command', command: "echo 'my line'", padding: 1}};
		fs.writeFileSync(settings, JSON.stringify(original));
		const ambiguous = runCli(['statusline', 'install'], {home, env: {HOME: user, CLAUDE_CONFIG_DIR: undefined}});
		expect(ambiguous.code).toBe(2);
		expect(ambiguous.stderr).toContain('pass --account NAME or --all');
		const r = runCli(['statusline', 'install', '--account', 'work'], {home, now: '2026-11-22T12:00:00Z', env: {HOME: user}});
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("your previous command runs as passthrough: echo 'my line'");
		const installed = JSON.parse(fs.readFileSync(settings, 'utf8'));
		expect(installed.model).toBe('opus');
		expect(installed.statusLine).toEqual({type: 'command', padding: 1, command: `QUOTA_TUI_HOME=${home} ${process.execPath} ${CLI} statusline --passthrough 'echo '\\''my line'\\'''`});
		const backups = fs.readdirSync(work).filter(n => n.startsWith('settings.json.quota-tui-'));
		expect(backups).toHaveLength(1);
		expect(JSON.parse(fs.readFileSync(path.join(work, backups[0]!), 'utf8'))).toEqual(original);
		// The installed command works through a real shell, like Claude Code runs it.
		const run = spawnSync('/bin/sh', ['-c', installed.statusLine.command], {input: fixtureText('statusline-epoch.json'), encoding: 'utf8', env: {...process.env, QUOTA_TUI_HOME: home, CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(run.stdout).toBe('my line\n');
		// Installing twice never wraps itself.
		expect(runCli(['statusline', 'install', '--account', 'work'], {home, env: {HOME: user}}).stdout).toContain('already installed');
		expect(JSON.parse(fs.readFileSync(settings, 'utf8')).statusLine.command).toBe(installed.statusLine.command);
		const un = runCli(['statusline', 'uninstall', '--account', 'work'], {home, now: '2026-11-22T12:05:00Z', env: {HOME: user}});
		expect(un.stdout).toContain("status line restored to echo 'my line'");
		expect(JSON.parse(fs.readFileSync(settings, 'utf8'))).toEqual(original);
	});

	it('install into a settings.json that is not JSON changes nothing and names the file', () => {
		const {home, user, work} = statuslineSetup();
		const settings = path.join(work, 'settings.json');
		fs.writeFileSync(settings, '{"statusLine": ');
		const r = runCli(['statusline', 'install', '--all'], {home, env: {HOME: user}});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`${settings}: not valid JSON`);
		expect(fs.readFileSync(settings, 'utf8')).toBe('{"statusLine": ');
		expect(fs.readdirSync(work).some(n => n.includes('quota-tui'))).toBe(false);
	});

	it('finds config and database where the rest of quota-tui does (its light copy of env-paths)', async () => {
		// Both modules bundled for child processes (env-paths reads the process's own environment).
		const dir = tempDir();
		const {bundle} = await import('../../scripts/build.mjs');
		await bundle(dir, {capture: 'source/cli/statusline-capture.ts', paths: 'source/store/paths.ts'});
		const script = `
			const {where} = await import(${JSON.stringify(path.join(dir, 'capture.js'))});
			const {resolvePaths} = await import(${JSON.stringify(path.join(dir, 'paths.js'))});
			const light = where(process.env);
			const full = resolvePaths(process.env);
			process.stdout.write(JSON.stringify([light, {configFile: full.configFile, dbFile: full.dbFile, logsDir: full.logsDir}]));
		`;
		for (const extra of [{}, {XDG_CONFIG_HOME: '/x/config', XDG_DATA_HOME: '/x/data'}, {HOME: '/home/someone'}, {QUOTA_TUI_HOME: '/q'}]) {
			const env: NodeJS.ProcessEnv = {...process.env, ...extra};
			if (!('QUOTA_TUI_HOME' in extra)) delete env['QUOTA_TUI_HOME'];
			if (!('XDG_CONFIG_HOME' in extra)) delete env['XDG_CONFIG_HOME'];
			if (!('XDG_DATA_HOME' in extra)) delete env['XDG_DATA_HOME'];
			const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env});
			const [light, full] = JSON.parse(result.stdout) as [unknown, unknown];
			expect(light, JSON.stringify(extra)).toEqual(full);
		}
	});

	it('the capture path never loads Ink, React, zod, conf, luxon, got, env-paths or yaml', () => {
		const home = tempHome();
		const result = loadedModules(['statusline'], {input: fixtureText('statusline-epoch.json'), env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: '2026-11-22T12:00:00Z'}});
		expect(result.status).toBe(0);
		expect(result.stdout).toBe('5h 23% ↺1h12m · 7d 41% ↺3d4h\n');
		expect(result.modules.some(name => name.startsWith('source/cli/statusline-capture'))).toBe(true);
		expect(result.packages).toEqual([]);
	});
});

describe('Codex homes', {timeout: 60_000}, () => {
	it('v2 (resets_in_seconds, 299/10079) and v3 (resets_at) lines: a five_hour and a seven_day window with the right reset instants', () => {
		const home = tempHome();
		const codex = codexHome(path.join(tempDir(), '.codex'));
		const [, v2, v3] = fixtureText('rollout-lines.jsonl').trim().split('\n') as [string, string, string];
		writeRollout(codex, '2025-10-29', 'v2', [v2], '2025-10-29T12:00:01Z');
		runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex], {home});
		// Only the v2 line: resets from the line's timestamp + resets_in_seconds.
		const old = JSON.parse(runCli(['status', '--json'], {home, now: '2025-10-29T12:05:00Z'}).stdout).accounts[0];
		expect(old.windows.map((w: {kind: string; resetsAt: string; origin: string}) => [w.kind, w.resetsAt, w.origin])).toEqual([
			['five_hour', '2025-10-29T16:49:48Z', 'codex-rollout'],
			['seven_day', '2025-11-04T04:27:25Z', 'codex-rollout'],
		]);
		// A newer v3 line arrives: it wins.
		writeRollout(codex, '2026-09-29', 'v3', [v3], '2026-09-29T14:55:25Z');
		const status = JSON.parse(runCli(['status', '--json'], {home, now: '2026-09-29T15:00:00Z'}).stdout).accounts[0];
		expect(status.windows.map((w: {kind: string; utilization: number; resetsAt: string; durationMs: number}) => [w.kind, w.utilization, w.resetsAt, w.durationMs])).toEqual([
			['five_hour', 0.125, '2026-09-29T15:54:31Z', 18_000_000],
			['seven_day', 0.4, '2026-10-02T14:54:31Z', 604_800_000],
		]);
		expect(status).toMatchObject({stale: false, status: 'allowed'});
	});

	it('codex app-server on PATH refreshes a stale rollout; its account home is CODEX_HOME', async () => {
		const home = tempHome();
		const codex = codexHome(path.join(tempDir(), '.codex'));
		runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex], {home});
		const log = path.join(tempDir(), 'fake.log');
		const r = await runCliAsync(['status', '--json'], {home, now: '2025-12-28T12:00:00Z', env: {PATH: childPath(true), ...fakeEnv({FAKE_LOG: log, FAKE_CODEX_PAYLOAD: path.join(FIXTURES, 'app-server-rate-limits.json')})}});
		const account = json(r).accounts[0];
		expect(account.windows.find((w: {kind: string}) => w.kind === 'five_hour')).toMatchObject({utilization: 0.22, origin: 'codex-app-server'});
		expect(account.windows.find((w: {kind: string}) => w.kind === 'weekly:gpt-5.3-codex-spark')).toMatchObject({utilization: 1});
		expect(JSON.parse(fs.readFileSync(log, 'utf8').split('\n')[0]!).codexHome).toBe(codex);
	});
});

describe('accounts discover', {timeout: 60_000}, () => {
	it('lists what it finds; --yes stores directories and plan (never a token); the dashboard offers discovery before demo', () => {
		const home = tempHome();
		const user = tempDir('qt-user-');
		claudeDir(path.join(user, '.claude-work'), {email: 'dev@corp.example', rateLimitTier: 'default_claude_max_5x'});
		codexHome(path.join(user, '.codex'), {email: 'dev@example.com', plan: 'plus'});
		const env = {HOME: user, CLAUDE_CONFIG_DIR: undefined, CODEX_HOME: undefined};

		const frame = runCli([], {home, now: '2026-11-22T12:00:00Z', env});
		expect(frame.code).toBe(0);
		expect(frame.stdout).toContain('DEMO');
		// The way out first (a narrow pane cuts the end of the line), then what was found.
		expect(frame.stdout).toContain('! run "quota-tui accounts discover --yes" to add the 2 accounts found here: claude-dev, codex-dev');
		expect(fs.existsSync(path.join(home, 'config.json'))).toBe(false);

		const dry = runCli(['accounts', 'discover'], {home, env});
		expect(dry.code).toBe(0);
		expect(dry.stdout).toContain('claude-dev');
		expect(dry.stdout).toContain('dev@corp.example, max');
		expect(dry.stdout).toContain('accounts discover --yes');
		expect(fs.existsSync(path.join(home, 'config.json'))).toBe(false);

		const yes = runCli(['accounts', 'discover', '--yes', '--json'], {home, env});
		expect(yes.code).toBe(0);
		expect(JSON.parse(yes.stdout).added).toEqual(['claude-dev', 'codex-dev']);
		const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
		expect(config.accounts).toEqual([
			{name: 'claude-dev', provider: 'claude', configDir: path.join(user, '.claude-work'), plan: 'max'},
			{name: 'codex-dev', provider: 'codex', home: path.join(user, '.codex'), plan: 'plus'},
		]);
		const again = runCli(['accounts', 'discover', '--yes'], {home, env});
		expect(again.stdout).toContain('already configured as claude-dev');
		expect(again.stdout).toContain('Nothing new to add.');
	});
});

describe('secrets never leave their files', {timeout: 60_000}, () => {
	it('no byte of the fake tokens in config, database, logs, stdout or stderr after every path ran', async () => {
		const home = tempHome();
		server = await startServer({status: 200, body: LIVE});
		const user = tempDir('qt-user-');
		const claude = claudeDir(path.join(user, '.claude'), {email: 'me@example.com'});
		const codex = codexHome(path.join(user, '.codex'), {email: 'me@example.com'});
		const [, , v3] = fixtureText('rollout-lines.jsonl').trim().split('\n') as [string, string, string];
		writeRollout(codex, '2026-04-18', 'x', [v3]);
		const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, QUOTA_TUI_CHATGPT_BASE_URL: `${server.url}/backend-api`, PATH: childPath(true), ...fakeEnv()};
		const outputs: string[] = [];
		const run = async (args: string[], now: string, extra: Record<string, string | undefined> = {}, input?: string) => {
			const r = await runCliAsync(args, {home, now, env: {...env, ...extra}, input});
			outputs.push(r.stdout, r.stderr);
			return r;
		};
		await run(['accounts', 'discover', '--yes'], '2026-04-18T12:00:00Z');
		await run(['accounts', 'discover', '--json'], '2026-04-18T12:00:00Z');
		await run(['config', 'set', 'accounts.0.usageEndpoint', 'true'], '2026-04-18T12:00:00Z');
		await run(['config', 'set', 'accounts.1.usageEndpoint', 'true'], '2026-04-18T12:00:00Z');
		await run(['status', '--json'], '2026-04-18T12:00:00Z');
		await run(['statusline'], '2026-04-18T12:01:00Z', {CLAUDE_CONFIG_DIR: claude}, fixtureText('statusline-epoch.json'));
		await run(['statusline'], '2026-04-18T12:01:00Z', {}, 'garbage');
		server.reply({status: 401, body: JSON.stringify({error: {message: `token ${FAKE_TOKEN} rejected`}})});
		await run(['status'], '2026-04-18T13:00:00Z', {PATH: childPath(false)});
		server.reply({status: 429, body: '{}'});
		await run(['status', '--json'], '2026-04-18T14:00:00Z', {PATH: childPath(false)});
		await run(['recommend', '--json'], '2026-04-18T14:10:00Z', {PATH: childPath(false)});
		await run([], '2026-04-18T14:20:00Z');
		expect(server.requests.length).toBeGreaterThan(0);
		for (const file of allFiles(home)) {
			const bytes = fs.readFileSync(file);
			expect(bytes.includes(FAKE_TOKEN), file).toBe(false);
			expect(bytes.includes(FAKE_TOKEN.slice(14, 40)), file).toBe(false);
			expect(bytes.includes(FAKE_CHATGPT_TOKEN_SECRET), file).toBe(false);
		}
		for (const text of outputs) {
			expect(text).not.toContain(FAKE_TOKEN.slice(14, 40));
			expect(text).not.toContain(FAKE_CHATGPT_TOKEN_SECRET);
		}
		// The credential files themselves were never touched.
		expect(JSON.parse(fs.readFileSync(path.join(claude, '.credentials.json'), 'utf8')).claudeAiOauth.accessToken).toBe(FAKE_TOKEN);
	}, 60_000);
});

describe('hostile providers through the CLI (issue 10 D9, D14)', {timeout: 60_000}, () => {
	// eslint-disable-next-line no-control-regex -- matching control characters is the point
	const ESCAPES = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

	it('D14: escape sequences in a 401 body never reach the terminal; the words do', async () => {
		const body = JSON.stringify({type: 'error', error: {type: 'authentication_error', message: '\u001B]0;pwned title\u0007Token \u001B[2Jrevoked\u001B[31m now'}});
		const {home, env} = await oauthSetup({status: 401, body});
		const text = await runCliAsync(['status'], {home, env, now: '2026-04-18T12:00:00Z'});
		expect(text.stdout).toContain('Token revoked now');
		expect(text.stdout).not.toMatch(ESCAPES);
		expect(text.stdout).not.toContain('pwned title');
		expect(json(await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'})).accounts[0].message).not.toMatch(ESCAPES);
	});

	it('D14: a claude whose stderr is full of escapes: the status line shows its words only', () => {
		const home = tempHome();
		const bin = tempDir('qt-bin-');
		fs.writeFileSync(path.join(bin, 'claude'), "#!/bin/sh\nprintf '\\033[2m\\033]0;owned\\007\\033[31mError: \\033[2Jlogin required\\033[0m\\n' >&2\nexit 1\n", {mode: 0o755});
		const dir = claudeDir(path.join(tempDir(), '.claude'));
		expect(runCli(['accounts', 'add', 'c', '--provider', 'claude', '--config-dir', dir], {home}).code).toBe(0);
		const r = runCli(['status'], {home, now: '2026-04-18T12:00:00Z', env: {PATH: `${bin}:/usr/bin:/bin`, HOME: path.dirname(dir)}});
		expect(r.stdout).toContain('Error: login required');
		expect(r.stdout).not.toMatch(ESCAPES);
	});

	it('D9: an endpoint that streams gigabytes: status answers within seconds, the account says the answer was over 1 MB', async () => {
		const {home, env} = await oauthSetup({status: 200, body: '{"five_hour": "', stream: {chunkBytes: 1024 * 1024, chunks: 3000}});
		const started = Date.now();
		const r = await runCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'});
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(json(r).accounts[0].message).toMatch(/usage endpoint: the answer from 127\.0\.0\.1:\d+ is over 1 MB/);
		expect(server!.streamed()).toBeLessThan(64 * 1024 * 1024);
	});
});

describe('concurrent cold start (issue 10 D23)', {timeout: 90_000}, () => {
	it('6 status processes at once on a fresh home: one read; every process shows the numbers (the others wait for its answer)', async () => {
		const {home, env} = await oauthSetup({status: 200, body: LIVE, delayMs: 1500});
		const runs = await Promise.all(Array.from({length: 6}, () => spawnCliAsync(['status', '--json'], {home, env, now: '2026-04-18T12:00:00Z'})));
		expect(server!.requests).toHaveLength(1);
		for (const r of runs) {
			expect(r.code).toBe(0);
			expect(json(r).accounts[0]).toMatchObject({status: 'allowed', windows: expect.arrayContaining([expect.objectContaining({kind: 'five_hour', utilization: 0.22})])});
		}
	});

	it('when the reading process does not answer within the wait, the others say so instead of a bare unknown', async () => {
		const {home, env} = await oauthSetup({status: 200, body: LIVE});
		// The wait is polling.coldStartWaitSeconds (8 s by default): one second here.
		expect(runCli(['config', 'set', 'polling.coldStartWaitSeconds', '1'], {home}).code).toBe(0);
		// Another process claimed the account's read a moment ago and has not recorded anything yet.
		// (async: the endpoint server of this test answers from this thread)
		expect((await runCliAsync(['status', '--json'], {home, env: {...env, PATH: '/nonexistent'}, now: '2026-04-18T11:00:00Z'})).code).toBe(0);
		const db = new DatabaseSync(path.join(home, 'quota.db'));
		db.exec('DELETE FROM snapshots');
		db.prepare("INSERT OR REPLACE INTO poll_state (account, source, last_attempt_ms, next_allowed_ms) VALUES ('max', 'endpoint', ?, ?)").run(Date.parse('2026-04-18T12:00:00Z'), Date.parse('2026-04-18T12:03:00Z'));
		db.close();
		const before = server!.requests.length;
		const started = Date.now();
		const r = json(runCli(['status', '--json'], {home, env, now: '2026-04-18T12:00:10Z'}));
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(r.accounts[0].status).toBe('unknown');
		expect(r.warnings).toContain('max: another quota-tui process is reading its usage right now; run again in a few seconds');
		expect(server!.requests.length).toBe(before);
	});
});
