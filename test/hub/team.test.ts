/**
 * Team mode end to end against the real PostgreSQL server: "machines" are CLI processes with their own
 * QUOTA_TUI_HOME and QUOTA_TUI_MACHINE (and, for the live one, a context in this process); the hub is
 * reached directly or through a TCP proxy this test cuts and resumes; every test has its own schema.
 */
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openContext} from '../../source/runtime/context.js';
import {startHubSession, type SyncReport} from '../../source/runtime/hub-sync.js';
import {recordFresh} from '../../source/runtime/record.js';
import {openDatabase} from '../../source/store/db.js';
import {windowHistory} from '../../source/store/history.js';
import {outboxStats} from '../../source/store/outbox.js';
import {generateClaudeLogs} from '../bench/generate-claude-logs.mjs';
import {CLI, runCli, tempHome} from '../helpers/cli.js';
import {describeHub, freshSchema, hubFootprint, hubText, machineEnv, PG_URL, startProxy, type Proxy, type TestSchema} from '../helpers/hub.js';
import {
	claudeDir, codexHome, FAKE_CHATGPT_TOKEN_SECRET, FAKE_TOKEN, fixtureText, json, runCliAsync, startServer, tempDir, type TestServer,
} from '../helpers/providers.js';

let t: TestSchema;
let server: TestServer | undefined;
let proxy: Proxy | undefined;

beforeEach(async () => {
	if (process.env['QUOTA_TUI_TEST_PG'] === 'ok') t = await freshSchema();
});
afterEach(async () => {
	await proxy?.close();
	proxy = undefined;
	await server?.close();
	server = undefined;
	await t?.drop();
});

const NOW = '2026-04-18T12:00:00Z';
const LIVE = fixtureText('oauth-live-max.json');

type Machine = {name: string; home: string; claude: string; env: Record<string, string>};

/** A machine with one Claude account "max" (its own fake login), reading the OAuth endpoint of `server`. */
function machine(name: string, url = PG_URL, extra: Record<string, string> = {}): Machine {
	const home = tempHome(`qt-${name}-`);
	const claude = claudeDir(path.join(tempDir(), `.claude-${name}`), {email: 'max@example.com'});
	const env = {...machineEnv(t.schema, name, url), HOME: path.dirname(claude), QUOTA_TUI_ANTHROPIC_BASE_URL: server?.url ?? 'http://127.0.0.1:9', ...extra};
	expect(runCli(['accounts', 'add', 'max', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home, env: {HOME: env.HOME}}).code).toBe(0);
	return {name, home, claude, env};
}

/** Two machines alpha and beta that both joined a freshly initialised hub (alpha through `alphaUrl`). */
async function twoMachines(alphaUrl = PG_URL): Promise<[Machine, Machine]> {
	const alpha = machine('alpha', alphaUrl);
	const beta = machine('beta');
	await ok(alpha, ['team', 'init']);
	await ok(alpha, ['team', 'join']);
	await ok(beta, ['team', 'join']);
	return [alpha, beta];
}

const run = (m: Machine, args: string[], now = NOW, env: Record<string, string> = {}) => runCliAsync(args, {home: m.home, now, env: {...m.env, ...env}});

async function ok(m: Machine, args: string[], now = NOW) {
	const result = await run(m, args, now);
	expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result;
}

describe('team command without a hub', () => {
	it('--help explains the set-up; no hub configured is bad usage (exit 2); an invalid URL names the variable', () => {
		const home = tempHome();
		const help = runCli(['team', '--help'], {home});
		expect(help.code).toBe(0);
		expect(help.stdout).toContain('quota-tui team join');
		expect(help.stdout).toContain('QUOTA_TUI_DATABASE_URL');
		const none = runCli(['team', 'status'], {home});
		expect(none.code).toBe(2);
		expect(none.stderr).toContain('No team hub is configured. Set QUOTA_TUI_DATABASE_URL=postgres://');
		const bad = runCli(['status', '--json', '--demo'], {home, env: {QUOTA_TUI_DATABASE_URL: 'mysql://x/y'}});
		expect(bad.code).toBe(0); // the demo never syncs
		runCli(['accounts', 'add', 'm', '--provider', 'manual'], {home});
		const invalid = runCli(['status', '--json'], {home, env: {QUOTA_TUI_DATABASE_URL: 'mysql://x/y'}});
		expect(invalid.code).toBe(2);
		expect(invalid.stderr).toContain('QUOTA_TUI_DATABASE_URL: expected a postgres:// or postgresql:// URL');
		expect(runCli(['team', 'frob'], {home}).code).toBe(2);
	});

	it('without a hub a command never loads the PostgreSQL client', () => {
		const home = tempHome();
		runCli(['accounts', 'add', 'm', '--provider', 'manual'], {home});
		const script = `
			import {registerHooks} from 'node:module';
			const seen = [];
			registerHooks({resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); }});
			process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'status', '--json'];
			process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen.filter(s => /^postgres(\\/|$)|store\\/hub\\/(client|replicate)/.test(s)))));
			await import(${JSON.stringify(CLI)});
		`;
		const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW}});
		expect(result.status).toBe(0);
		expect(result.stderr).toContain('LOADED []');
	});
});

describeHub('team init, join, status, leave', {timeout: 120_000}, () => {
	it('join pushes accounts and local history; a second join adds nothing; status shows machines, accounts, outbox lag; leave says what stays', async () => {
		server = await startServer({status: 200, body: LIVE});
		const alpha = machine('alpha');
		// Local history before joining: an observation (OAuth read), a decision (switch), daily usage from local logs.
		generateClaudeLogs(alpha.claude, {mb: 0.05, seed: 3, days: 3, end: Date.parse('2026-04-17T20:00:00Z'), replays: false});
		await ok(alpha, ['status', '--json']);
		await ok(alpha, ['switch', 'max']);
		await ok(alpha, ['report', 'daily', '--json']);

		const init = await ok(alpha, ['team', 'init']);
		expect(init.stdout).toContain(`schema "${t.schema}": created at version 3`);
		expect((await ok(alpha, ['team', 'init'])).stdout).toContain('already at version 3, nothing to do');

		const first = json(await ok(alpha, ['team', 'join', '--json']));
		expect(first).toMatchObject({machine: 'alpha', registered: true, accounts: [{account: 'max', provider: 'claude', plan: 'ultra', login: true}]});
		expect(first.history.observation.rows).toBeGreaterThan(0);
		expect(first.history.history.rows).toBeGreaterThan(0);
		expect(first.history.decision.rows).toBe(1);
		expect(first.history.usage.rows).toBeGreaterThan(0);
		const after = await hubFootprint(t.sql);
		expect(after.rows).toMatchObject({machines: 1, accounts: 1, holdings: 1, decisions: 1});
		expect(after.rows['usage_daily']).toBe(first.history.usage.rows);

		const second = await ok(alpha, ['team', 'join']);
		expect(second.stdout).toContain('Already a member of the team hub');
		expect(second.stdout).toContain('Nothing new: the hub already had all of it.');
		expect(await hubFootprint(t.sql)).toEqual(after);

		const beta = machine('beta');
		await ok(beta, ['team', 'join']);
		const status = await ok(beta, ['team', 'status']);
		expect(status.stdout).toMatch(/alpha\s+last seen/);
		expect(status.stdout).toMatch(/beta \*\s+last seen/);
		expect(status.stdout).toContain('max  claude ultra · held by alpha, beta · newest observation');
		const statusJson = json(await ok(beta, ['team', 'status', '--json']));
		expect(statusJson.team.machines.map((m: {name: string; accounts: string[]}) => [m.name, m.accounts])).toEqual([['alpha', ['max']], ['beta', ['max']]]);
		expect(statusJson.local).toMatchObject({member: {machine: 'beta'}, outbox: {pending: 0}, down: null});

		// The same name from another database is refused, naming the way out.
		const impostor = machine('alpha');
		const taken = await run(impostor, ['team', 'join']);
		expect(taken.code).toBe(1);
		expect(taken.stderr).toContain('the machine name "alpha" is already registered on the hub by another quota.db');
		expect(taken.stderr).toContain('QUOTA_TUI_MACHINE=NAME');

		const left = await ok(beta, ['team', 'leave']);
		expect(left.stdout).toContain('"beta" left the team');
		expect(left.stdout).toContain('What stays on the hub:');
		expect(left.stdout).toContain('What stays here: everything in the local database');
		expect(json(await ok(alpha, ['team', 'status', '--json'])).team.machines.map((m: {name: string}) => m.name)).toEqual(['alpha']);
		// beta records nothing for the hub any more.
		await ok(beta, ['status', '--json'], '2026-04-18T12:30:00Z');
		const db = openDatabase(path.join(beta.home, 'quota.db'));
		expect(outboxStats(db).pending).toBe(0);
		db.close();
	});

	it('no token value from the credentials files reaches the hub (every table scanned)', async () => {
		server = await startServer({status: 200, body: LIVE});
		const alpha = machine('alpha');
		const codex = codexHome(path.join(tempDir(), '.codex-alpha'), {email: 'cx@example.com'});
		runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex], {home: alpha.home});
		await ok(alpha, ['team', 'init']);
		await ok(alpha, ['status', '--json']);
		await ok(alpha, ['team', 'join']);
		await ok(alpha, ['status', '--json'], '2026-04-18T12:10:00Z');
		const text = await hubText(t.sql);
		// The scan reads real data: the identities are there.
		expect(text).toContain('max@example.com');
		expect(text).toContain('cx@example.com');
		const auth = JSON.parse(fs.readFileSync(path.join(codex, 'auth.json'), 'utf8')) as {tokens: Record<string, string>};
		const secrets = [FAKE_TOKEN, `${FAKE_TOKEN}-refresh`, 'QTFAKE', FAKE_CHATGPT_TOKEN_SECRET, auth.tokens['access_token']!, auth.tokens['id_token']!, auth.tokens['refresh_token']!];
		for (const secret of secrets) expect(text.includes(secret), secret.slice(0, 12)).toBe(false);
	});
});

describeHub('observations cross machines', {timeout: 120_000}, () => {
	it("machine A's read appears on machine B after A's command exits, and B reads nothing itself (the data is fresh)", async () => {
		server = await startServer({status: 200, body: LIVE});
		const [alpha, beta] = await twoMachines();
		await ok(alpha, ['status', '--json']);
		expect(server.requests).toHaveLength(1);
		const seen = json(await ok(beta, ['status', '--json'], '2026-04-18T12:00:30Z')).accounts[0];
		expect(seen.windows.find((w: {kind: string}) => w.kind === 'five_hour')).toMatchObject({utilization: 0.22, origin: 'oauth-usage', ageMs: 30_000});
		expect(server.requests).toHaveLength(1);
		// B's decision reaches A, saying which machine made it.
		await ok(beta, ['switch', 'max'], '2026-04-18T12:01:00Z');
		const db = openDatabase(path.join(alpha.home, 'quota.db'));
		try {
			await ok(alpha, ['status', '--json'], '2026-04-18T12:01:30Z');
			const decisions = db.prepare(`SELECT kind, subject, inputs_json FROM decisions WHERE kind = 'switch'`).all() as Array<{inputs_json: string}>;
			expect(decisions.map(d => JSON.parse(d.inputs_json).machine)).toContain('beta');
		} finally {
			db.close();
		}
	});

	it('the status-line hook never connects (and never loads the PostgreSQL client); the next command flushes what it recorded', async () => {
		const connections: net.Socket[] = [];
		const trap = net.createServer(socket => {
			connections.push(socket);
			socket.destroy();
		});
		await new Promise<void>(resolve => trap.listen(0, '127.0.0.1', resolve));
		const trapUrl = `postgres://127.0.0.1:${(trap.address() as net.AddressInfo).port}/test`;
		try {
			const [alpha, beta] = await twoMachines();
			const script = `
				import {registerHooks} from 'node:module';
				const seen = [];
				registerHooks({resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); }});
				process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'statusline'];
				process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen.filter(s => /^postgres(\\/|$)/.test(s)))));
				await import(${JSON.stringify(CLI)});
			`;
			const hook = await new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
				const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
					env: {...process.env, ...alpha.env, QUOTA_TUI_DATABASE_URL: trapUrl, QUOTA_TUI_HOME: alpha.home, QUOTA_TUI_NOW: '2026-11-22T12:00:00Z', CLAUDE_CONFIG_DIR: alpha.claude},
				});
				let stdout = '';
				let stderr = '';
				child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
				child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
				child.on('close', code => resolve({code, stdout, stderr}));
				child.stdin.end(fixtureText('statusline-epoch.json'));
			});
			expect(hook.code).toBe(0);
			expect(hook.stdout).toBe('5h 23% ↺1h12m · 7d 41% ↺3d4h\n');
			expect(hook.stderr).toContain('LOADED []');
			expect(connections).toHaveLength(0);
			const db = openDatabase(path.join(alpha.home, 'quota.db'));
			expect(outboxStats(db).pending).toBeGreaterThan(0);
			await ok(alpha, ['status', '--json'], '2026-11-22T12:00:05Z');
			expect(outboxStats(db).pending).toBe(0);
			db.close();
			const onBeta = json(await ok(beta, ['status', '--json'], '2026-11-22T12:00:10Z')).accounts[0];
			expect(onBeta.windows.find((w: {kind: string}) => w.kind === 'seven_day')).toMatchObject({utilization: 0.412, origin: 'statusline'});
		} finally {
			await new Promise<void>(resolve => trap.close(() => resolve()));
		}
	});

	it('a live session (dashboard, serve) on B pulls A\'s push on its notification: the sync latency between two machines', async () => {
		server = await startServer({status: 200, body: LIVE});
		const [alpha, beta] = await twoMachines();
		// A loaded CI machine can take longer than the default 3 s to connect and check the schema: this
		// test measures latency after the connection, not the connection itself.
		await ok(beta, ['config', 'set', 'store.hubTimeoutSeconds', '20']);
		const ctx = openContext({env: {...process.env, ...beta.env, QUOTA_TUI_HOME: beta.home, QUOTA_TUI_NOW: NOW}});
		const synced: Array<{report: SyncReport; at: number}> = [];
		const session = await startHubSession(ctx, {live: true, onSynced: report => synced.push({report, at: performance.now()})});
		try {
			expect(session).toBeDefined();
			await session!.sync();
			expect((await session!.connected())?.machine).toBe('beta');
			// The instant alpha's push commits: its notification, heard here as B hears it.
			const pushedAt: number[] = [];
			const listening = await t.sql.listen(`${t.schema}_obs`, payload => {
				if (payload === 'alpha') pushedAt.push(performance.now());
			});
			synced.length = 0;
			const latencies: number[] = [];
			for (let i = 0; i < 3; i++) {
				server.reply({status: 200, body: LIVE.replace('"utilization": 22.0', `"utilization": ${30 + i}.0`)});
				pushedAt.length = 0;
				await ok(alpha, ['status', '--json'], new Date(Date.parse(NOW) + (i + 1) * 20 * 60_000).toISOString());
				const exited = performance.now();
				while (!synced.some(s => s.report.pulled.observations > 0) && performance.now() < exited + 10_000) await new Promise(resolve => setTimeout(resolve, 5));
				const hit = synced.find(s => s.report.pulled.observations > 0);
				expect(hit, 'B pulled within 10 s of A exiting').toBeDefined();
				expect(pushedAt.length).toBeGreaterThan(0);
				latencies.push(hit!.at - pushedAt[0]!);
				synced.length = 0;
			}
			await listening.unlisten();
			console.log(`[team] sync latency, A's push committed → B's live session has applied it (NOTIFY, then pull): ${latencies.map(ms => `${ms.toFixed(0)} ms`).join(', ')}`);
			const history = windowHistory(ctx.db, 'max', {kinds: ['five_hour']}).map(r => r.utilization);
			expect(history).toEqual(expect.arrayContaining([0.3, 0.31, 0.32]));
		} finally {
			await session?.close();
			ctx.close();
		}
	});
});

describeHub('a machine cut off from the hub', {timeout: 180_000}, () => {
	it('keeps recording locally, never hangs a command, warns once, and catches up after a 10-minute partition', async () => {
		proxy = await startProxy();
		const [alpha, beta] = await twoMachines(proxy.url);

		await proxy.cut('refuse');
		const t0 = Date.parse('2026-11-22T12:00:00Z');
		const at = (s: number) => new Date(t0 + s * 1000).toISOString();
		const during = await run(alpha, ['status', '--json'], at(5));
		expect(during.code).toBe(0);
		expect(during.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^team mode: cannot reach the team hub at postgres:\/\/127\.0\.0\.1:\d+\/\w+: connection refused; working on local data/)]);

		// Ten minutes of status-line observations, one a second (accelerated: recorded through the
		// hook's own code path into alpha's database), the 5-hour window climbing 1 % every 10 s.
		const db = openDatabase(path.join(alpha.home, 'quota.db'));
		for (let s = 0; s < 600; s++) {
			const u = 0.1 + Math.floor(s / 10) / 100;
			recordFresh(db, {name: 'max'}, {
				ok: true, origin: 'statusline', observedAt: at(s), partial: true, requested: false,
				windows: [{kind: 'five_hour', utilization: Number(u.toFixed(2)), resetsAt: at(4 * 3600), durationMs: 5 * 3600_000, source: 'provider-detected', origin: 'statusline', observedAt: at(s)}],
			}, t0 + s * 1000);
		}
		const backlog = outboxStats(db).pending;
		expect(backlog).toBeGreaterThanOrEqual(120);

		// Commands go on during the partition, without a second warning; one against a hub that accepts
		// and never answers ends within the timeout.
		const later = await run(alpha, ['status', '--json'], at(300));
		expect(later.code).toBe(0);
		expect(later.stderr).toBe('');
		await proxy.resume();
		await proxy.cut('blackhole');
		fs.writeFileSync(path.join(alpha.home, 'config.json'), JSON.stringify({...JSON.parse(fs.readFileSync(path.join(alpha.home, 'config.json'), 'utf8')), store: {hubTimeoutSeconds: 1}}));
		const started = performance.now();
		const held = await run(alpha, ['status', '--json'], at(400));
		const heldMs = performance.now() - started;
		expect(held.code).toBe(0);
		expect(heldMs).toBeLessThan(20_000);
		fs.writeFileSync(path.join(alpha.home, 'config.json'), JSON.stringify({...JSON.parse(fs.readFileSync(path.join(alpha.home, 'config.json'), 'utf8')), store: {}}));

		// Nothing reached beta meanwhile.
		expect(json(await ok(beta, ['status', '--json'], at(600))).accounts[0].windows).toEqual([]);

		// The hub comes back: alpha's next process catches up (timed here: the session's first sync),
		// its next command finds nothing left; beta sees all of it.
		await proxy.resume();
		const ctx = openContext({env: {...process.env, ...alpha.env, QUOTA_TUI_HOME: alpha.home, QUOTA_TUI_NOW: at(610)}});
		const pushed: SyncReport[] = [];
		const catchUpStart = performance.now();
		const session = await startHubSession(ctx, {onSynced: report => pushed.push(report)});
		const catchUpMs = performance.now() - catchUpStart;
		await session?.close();
		ctx.close();
		// At least the partition's backlog (a row written while the first sync runs may ride along).
		expect(pushed[0]?.pushed).toBeGreaterThanOrEqual(backlog);
		expect(outboxStats(db).pending).toBe(0);
		const back = await run(alpha, ['status', '--json'], at(615));
		expect(back.code).toBe(0);
		expect(back.stderr).toBe('');
		db.close();
		const pullStart = performance.now();
		const onBeta = json(await ok(beta, ['status', '--json'], at(620))).accounts[0];
		const pullMs = performance.now() - pullStart;
		expect(onBeta.windows.find((w: {kind: string}) => w.kind === 'five_hour')).toMatchObject({utilization: 0.69, origin: 'statusline'});
		const idleStart = performance.now();
		await ok(beta, ['status', '--json'], at(630));
		const idleMs = performance.now() - idleStart;
		const betaDb = openDatabase(path.join(beta.home, 'quota.db'));
		const values = new Set(windowHistory(betaDb, 'max', {kinds: ['five_hour']}).map(r => r.utilization));
		betaDb.close();
		for (let i = 0; i < 60; i++) expect(values.has(Number((0.1 + i / 100).toFixed(2))), `0.${10 + i} on beta`).toBe(true);
		console.log(`[team] catch-up after a 10-minute partition: ${backlog} outbox entries (600 observations) — alpha's first sync (connect, push, pull) ${catchUpMs.toFixed(0)} ms; beta's next command incl. its pull ${pullMs.toFixed(0)} ms (the same command with nothing to sync: ${idleMs.toFixed(0)} ms); a command against a silent hub (timeout 1 s): ${heldMs.toFixed(0)} ms`);
	});
});
