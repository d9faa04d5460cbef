/**
 * One poller per account for the whole team, against the real PostgreSQL server and a local fake
 * usage endpoint: three "machines" (each its own QUOTA_TUI_HOME, quota.db, machine name, hub session
 * and login of the same account) refresh on their own schedules over an hour of accelerated time,
 * and together read the endpoint at most once per account per read interval (3 minutes).
 */
import path from 'node:path';
import {afterEach, beforeEach, expect, it} from 'vitest';
import {openContext, type Context} from '../../source/runtime/context.js';
import {startHubSession, type HubSession} from '../../source/runtime/hub-sync.js';
import {refreshStale} from '../../source/runtime/refresh.js';
import {latestSnapshot} from '../../source/store/repositories.js';
import {runCli, tempHome} from '../helpers/cli.js';
import {describeHub, freshSchema, machineEnv, type TestSchema} from '../helpers/hub.js';
import {claudeDir, fixtureText, runCliAsync, startServer, tempDir, type TestServer} from '../helpers/providers.js';

let t: TestSchema;
let server: TestServer;
const open: Array<{ctx: Context; session: HubSession | undefined}> = [];

beforeEach(async () => {
	t = await freshSchema();
	server = await startServer({status: 200, body: fixtureText('oauth-live-max.json')});
});
afterEach(async () => {
	for (const {ctx, session} of open.splice(0)) {
		await session?.close();
		ctx.close();
	}
	await server.close();
	await t.drop();
});

const T0 = Date.parse('2026-04-18T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A machine holding its own login of the Claude account "max" (OAuth endpoint opted in), joined to the hub. */
async function joinedMachine(name: string, init = false): Promise<{name: string; home: string; env: Record<string, string>}> {
	const home = tempHome(`qt-${name}-`);
	const claude = claudeDir(path.join(tempDir(), `.claude-${name}`), {email: 'max@example.com'});
	const env = {...machineEnv(t.schema, name), HOME: path.dirname(claude), QUOTA_TUI_ANTHROPIC_BASE_URL: server.url};
	expect(runCli(['accounts', 'add', 'max', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home, env: {HOME: env.HOME}}).code).toBe(0);
	for (const args of init ? [['team', 'init'], ['team', 'join']] : [['team', 'join']]) {
		const result = await runCliAsync(args, {home, now: iso(T0), env});
		expect(result.code, result.stderr).toBe(0);
	}
	return {name, home, env};
}

describeHub('poll leases in the poller', {timeout: 180_000}, () => {
	it('three machines over an hour of accelerated time: ≤ 1 endpoint read per account per 3 minutes in total, and every machine stays current', async () => {
		const machines = [await joinedMachine('alpha', true), await joinedMachine('beta'), await joinedMachine('gamma')];
		for (const m of machines) {
			const ctx = openContext({env: {...process.env, ...m.env, QUOTA_TUI_HOME: m.home, QUOTA_TUI_NOW: iso(T0)}});
			open.push({ctx, session: await startHubSession(ctx)});
		}
		const reads: number[] = [];
		const holders = new Map<string, number>();
		let worstAgeMs = 0;
		// Every minute of team time each machine (in a rotating order) pulls, refreshes what is stale, pushes.
		for (let s = 0; s <= 3600; s += 60) {
			const now = T0 + s * 1000;
			for (let i = 0; i < open.length; i++) {
				const {ctx, session} = open[(i + s / 60) % open.length]!;
				const before = server.requests.length;
				await session!.sync();
				await refreshStale(ctx, {now});
				await session!.sync();
				if (server.requests.length > before) {
					reads.push(now);
					holders.set(session!.settings.machine, (holders.get(session!.settings.machine) ?? 0) + 1);
				}
			}
			if (s >= 600) {
				for (const {ctx} of open) {
					const seen = latestSnapshot(ctx.db, 'max')?.windows.map(w => Date.parse(w.observedAt)) ?? [];
					worstAgeMs = Math.max(worstAgeMs, now - Math.max(...seen));
				}
			}
		}
		const gaps = reads.slice(1).map((at, i) => at - reads[i]!);
		console.log(`[team] poll leases: 3 machines, 1 account, 1 hour of accelerated time (a refresh per machine every 60 s): ${reads.length} endpoint reads in total (by ${[...holders].map(([m, n]) => `${m} ${n}`).join(', ')}), smallest gap ${Math.min(...gaps) / 1000} s; without the lease each machine would read on its own (~${3 * reads.length})`);
		expect(server.requests.length).toBe(reads.length);
		expect(reads.length).toBeLessThanOrEqual(Math.floor(3600 / 180) + 1);
		expect(reads.length).toBeGreaterThanOrEqual(10);
		expect(Math.min(...gaps)).toBeGreaterThanOrEqual(180_000);
		// Nobody is left behind: every machine's newest data is at most freshness (5 min) + one step old.
		expect(worstAgeMs).toBeLessThanOrEqual(5 * 60_000 + 120_000);
	});

	it('the holder going away hands the lease to another machine after it expires; the last read time travels with it', async () => {
		const [alpha, beta] = [await joinedMachine('alpha', true), await joinedMachine('beta')];
		const first = await runCliAsync(['status', '--json'], {home: alpha.home, now: iso(T0), env: alpha.env});
		expect(first.code).toBe(0);
		expect(server.requests).toHaveLength(1);
		// beta's data (alpha's read) goes stale after 5 minutes: alpha still holds the lease (6 minutes).
		const stale = await runCliAsync(['status', '--json'], {home: beta.home, now: iso(T0 + 330_000), env: beta.env});
		expect(stale.code).toBe(0);
		expect(server.requests).toHaveLength(1);
		// alpha is gone; the lease expires at 6 minutes and beta takes it over.
		const taken = await runCliAsync(['status', '--json'], {home: beta.home, now: iso(T0 + 361_000), env: beta.env});
		expect(taken.code).toBe(0);
		expect(server.requests).toHaveLength(2);
		const [lease] = await t.sql`SELECT machine, last_read_at FROM poll_leases WHERE account = 'max'`;
		expect(lease).toMatchObject({machine: 'beta', last_read_at: new Date(T0 + 361_000)});
	});
});
