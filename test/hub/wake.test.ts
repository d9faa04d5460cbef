/**
 * LISTEN/NOTIFY wakes the team's dispatchers: a job queued on one machine (a CLI process) is claimed by
 * another machine's auto-utilization loop (serve's loop, in this process with its own QUOTA_TUI_HOME,
 * quota.db, machine name and live hub session) as soon as the hub's notification arrives — not at the
 * loop's next interval. Measured: the claim latency across machines, NOTIFY of the new job to the claim.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, expect, it} from 'vitest';
import {openContext, type Context} from '../../source/runtime/context.js';
import {startHubSession, type HubSession} from '../../source/runtime/hub-sync.js';
import {startAutoLoop} from '../../source/runtime/server.js';
import {runCli, runCliAsync, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor, type FakeRunner} from '../helpers/fake-runner.js';
import {describeHub, freshSchema, machineEnv, type TestSchema} from '../helpers/hub.js';

const NOW = '2026-11-22T12:00:00Z';

let t: TestSchema;
let runner: FakeRunner;
let ctx: Context | undefined;
let session: HubSession | undefined;
let stopLoop: (() => void) | undefined;

beforeEach(async () => {
	t = await freshSchema();
	runner = installFakeRunner();
});
afterEach(async () => {
	stopLoop?.();
	await session?.close();
	ctx?.close();
	await t.drop();
});

function machine(name: string, config: Record<string, unknown>) {
	const home = tempHome(`qt-${name}-`);
	const local = (args: string[]) => expect(runCli(args, {home, now: NOW}).code).toBe(0);
	local(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', tempHome(`qt-claude-${name}-`), '--plan', 'max']);
	local(['budget', 'set', '--scope', 'account:work', '--window', 'five_hour', '--used', '20', '--reset-at', '2026-11-22T16:00:00Z']);
	local(['budget', 'set', '--scope', 'account:work', '--window', 'seven_day', '--used', '20', '--reset-at', '2026-11-25T12:00:00Z']);
	const file = path.join(home, 'config.json');
	fs.writeFileSync(file, JSON.stringify({...JSON.parse(fs.readFileSync(file, 'utf8')), ...config}));
	return {name, home, env: {...machineEnv(t.schema, name), ...runner.env}};
}

describeHub('NOTIFY wakes the dispatchers of other machines', {timeout: 180_000}, () => {
	it("a job queued on alpha is claimed by beta's auto loop on the notification: the claim latency across machines", async () => {
		const alpha = machine('alpha', {});
		// beta runs automatic work, other machines' jobs included; its loop's interval (10 minutes) is far too slow to be what wakes it.
		const beta = machine('beta', {polling: {intervalSeconds: 600}, autoUtilization: {mode: 'auto', notify: 'none', sources: ['fleet', 'backlog', 'team']}});
		const project = tempHome('qt-project-');
		for (const [m, args] of [[alpha, ['team', 'init']], [alpha, ['team', 'join']], [beta, ['team', 'join']]] as const) {
			const result = await runCliAsync(args, {home: m.home, now: NOW, env: m.env});
			expect(result.code, result.stderr).toBe(0);
		}
		ctx = openContext({env: {...process.env, ...beta.env, QUOTA_TUI_HOME: beta.home, QUOTA_TUI_NOW: NOW, TZ: 'UTC'}});
		session = await startHubSession(ctx, {live: true});
		await session!.sync();
		stopLoop = startAutoLoop(ctx);

		const heard: Array<{payload: string; at: number}> = [];
		const listening = await t.sql.listen(`${t.schema}_jobs`, payload => heard.push({payload, at: performance.now()}));
		const latencies: number[] = [];
		for (let i = 0; i < 3; i++) {
			const added = await runCliAsync(['queue', 'add', '--title', `Wake ${i}`, '--prompt', `cost=0.01 wake ${i}`, '--cwd', project, '--estimate-pct', '1%', '--json'], {home: alpha.home, now: NOW, env: alpha.env});
			expect(added.code, added.stderr).toBe(0);
			const id = (JSON.parse(added.stdout) as {id: string}).id;
			const claimed = await waitFor(() => heard.find(h => h.payload === `claimed ${id}`), 20_000, `beta to claim ${id}`);
			const queued = heard.find(h => h.payload === `queued ${id}`)!;
			latencies.push(claimed.at - queued.at);
			const [row] = await t.sql`SELECT claimed_by FROM jobs WHERE id = ${id}`;
			expect(row).toMatchObject({claimed_by: 'beta'});
			// One automatic job at a time per account: let it finish before the next round.
			await waitFor(() => heard.find(h => h.payload === `succeeded ${id}`), 20_000, `${id} to finish`);
		}
		await listening.unlisten();
		console.log(`[team] claim latency across machines (alpha's job queued → NOTIFY → beta pulls it, plans, gates and claims it on the hub): ${latencies.map(ms => `${ms.toFixed(0)} ms`).join(', ')}`);
		expect(runner.runs()).toHaveLength(3);
		// The loop's own interval never came round: the notification did it.
		for (const ms of latencies) expect(ms).toBeLessThan(20_000);
	});
});
