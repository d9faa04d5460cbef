/**
 * Team views against the real PostgreSQL server: `status` says which machines hold each account and how
 * old each one's newest observation is; `report daily --all-machines` sums every machine's daily
 * aggregates (each machine reads only its own logs).
 */
import path from 'node:path';
import {afterEach, beforeEach, expect, it} from 'vitest';
import {generateClaudeLogs} from '../bench/generate-claude-logs.mjs';
import {runCli, tempHome} from '../helpers/cli.js';
import {describeHub, freshSchema, machineEnv, type TestSchema} from '../helpers/hub.js';
import {claudeDir, fixtureText, json, runCliAsync, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = '2026-04-18T12:00:00Z';

let t: TestSchema;
let server: TestServer;

beforeEach(async () => {
	t = await freshSchema();
	server = await startServer({status: 200, body: fixtureText('oauth-live-max.json')});
});
afterEach(async () => {
	await server.close();
	await t.drop();
});

type Machine = {name: string; home: string; claude: string; env: Record<string, string>};

function machine(name: string): Machine {
	const home = tempHome(`qt-${name}-`);
	const claude = claudeDir(path.join(tempDir(), `.claude-${name}`), {email: 'max@example.com'});
	const env = {...machineEnv(t.schema, name), HOME: path.dirname(claude), QUOTA_TUI_ANTHROPIC_BASE_URL: server.url};
	expect(runCli(['accounts', 'add', 'max', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home, env: {HOME: env.HOME}}).code).toBe(0);
	return {name, home, claude, env};
}

async function ok(m: Machine, args: string[], now = NOW) {
	const result = await runCliAsync(args, {home: m.home, now, env: m.env});
	expect(result.code, `${m.name} ${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result;
}

describeHub('team views', {timeout: 240_000}, () => {
	it('status shows which machines hold each account and the age of the newest observation from each', async () => {
		const [alpha, beta] = [machine('alpha'), machine('beta')];
		await ok(alpha, ['team', 'init']);
		await ok(alpha, ['team', 'join']);
		await ok(beta, ['team', 'join']);
		await ok(alpha, ['status', '--json']);
		const text = (await ok(beta, ['status'], '2026-04-18T12:02:00Z')).stdout;
		expect(text).toMatch(/team: held by alpha newest 2m ago, beta \(here\) no observation yet/);
		const report = json(await ok(beta, ['status', '--json'], '2026-04-18T12:03:00Z'));
		expect(report.team).toMatchObject({machine: 'beta', accounts: {max: [
			{machine: 'alpha', here: false, login: true, newestObservationAt: '2026-04-18T12:00:00.000Z', newestAgeMs: 180_000},
			{machine: 'beta', here: true, login: true, newestObservationAt: null, newestAgeMs: null},
		]}});
		// The dashboard's account row says the same (its printed frame, as on a pipe).
		const frame = (await runCliAsync(['dashboard'], {home: beta.home, now: '2026-04-18T12:02:00Z', env: {...beta.env, COLUMNS: '200'}})).stdout;
		expect(frame).toMatch(/held by alpha 2m, beta \(here\)/);
		// A machine that is not a member shows no team line.
		const loner = machine('loner');
		expect((await ok(loner, ['status'])).stdout).not.toContain('team:');
	});

	it('report daily|blocks --all-machines sum the aggregates and merge the blocks of every machine (each still reads only its own logs); utilization --by-machine splits the weekly window', async () => {
		const [alpha, beta] = [machine('alpha'), machine('beta')];
		generateClaudeLogs(alpha.claude, {mb: 0.05, seed: 3, days: 3, end: Date.parse('2026-04-17T20:00:00Z'), replays: false});
		generateClaudeLogs(beta.claude, {mb: 0.05, seed: 4, days: 3, end: Date.parse('2026-04-17T20:00:00Z'), replays: false});
		await ok(alpha, ['team', 'init']);
		await ok(alpha, ['team', 'join']);
		await ok(beta, ['team', 'join']);
		const own = await Promise.all([alpha, beta].map(async m => json(await ok(m, ['report', 'daily', '--json']))));
		const team = json(await ok(alpha, ['report', 'daily', '--all-machines', '--json']));
		expect(team.machines).toEqual(['alpha', 'beta']);
		const sum = own[0].totals.totalCost + own[1].totals.totalCost;
		expect(team.totals.totalCost).toBeCloseTo(sum, 6);
		expect(team.totals.machines.alpha).toBeCloseTo(own[0].totals.totalCost, 6);
		expect(team.totals.inputTokens).toBe(own[0].totals.inputTokens + own[1].totals.inputTokens);
		// report blocks --all-machines: every machine's blocks, merged per account (the window is the account's).
		const ownBlocks = await Promise.all([alpha, beta].map(async m => (json(await ok(m, ['report', 'blocks', '--json'])).blocks as Array<{isGap: boolean}>).filter(b => !b.isGap)));
		const teamBlocks = json(await ok(beta, ['report', 'blocks', '--all-machines', '--json']));
		expect(teamBlocks.machines).toEqual(['alpha', 'beta']);
		const blockCost = teamBlocks.blocks.reduce((total: number, b: {costUSD: number}) => total + b.costUSD, 0);
		expect(blockCost).toBeCloseTo(sum, 6);
		expect(teamBlocks.blocks.length).toBeLessThanOrEqual(ownBlocks[0]!.length + ownBlocks[1]!.length);
		// A block another machine opened inside one of these 5 hours joins it rather than opening its own.
		const first = teamBlocks.blocks[0] as {startTime: string; costUSD: number; machines: Record<string, number>};
		await t.sql`INSERT INTO usage_blocks (machine, account, start_ms, end_ms, actual_end_ms, entries, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, models)
			VALUES ('gamma', 'max', ${Date.parse(first.startTime) + 3_600_000}, ${Date.parse(first.startTime) + 6 * 3_600_000}, ${Date.parse(first.startTime) + 7_200_000}, 2, 10, 20, 0, 0, 1.5, ${t.sql.json(['claude-sonnet-4-5'])})`;
		const merged = json(await ok(beta, ['report', 'blocks', '--all-machines', '--json']));
		expect(merged.blocks).toHaveLength(teamBlocks.blocks.length);
		expect(merged.blocks[0].costUSD).toBeCloseTo(first.costUSD + 1.5, 6);
		expect(merged.blocks[0].machines).toMatchObject({...first.machines, gamma: 1.5});
		expect(merged.machines).toEqual(['alpha', 'beta', 'gamma']);
		await t.sql`DELETE FROM usage_blocks WHERE machine = 'gamma'`;
		for (const block of teamBlocks.blocks as Array<{startTime: string; endTime: string; account: string}>) {
			expect(Date.parse(block.endTime) - Date.parse(block.startTime)).toBe(5 * 3_600_000);
			expect(block.account).toBe('max');
		}
		expect((await ok(alpha, ['report', 'blocks', '--all-machines'])).stdout).toContain('Team 5-hour blocks from the hub (2 machines;');
		const text = (await ok(beta, ['report', 'daily', '--all-machines'])).stdout;
		expect(text).toContain('Team usage from the hub (2 machines; API-equivalent cost)');
		expect(text).toMatch(/Total .*alpha|Total/);
		// utilization --by-machine: alpha's read gives the weekly window; its rise today is nobody's logs (they end yesterday).
		await ok(alpha, ['status', '--json']);
		const split = json(await ok(beta, ['utilization', '--by-machine', '--json'], '2026-04-18T12:01:00Z')).accounts;
		expect(split).toHaveLength(1);
		expect(split[0]).toMatchObject({account: 'max', kind: 'seven_day', days: 1});
		const attributed = split[0].machines.reduce((sum: number, m: {share: number}) => sum + m.share, 0);
		expect(attributed + split[0].unattributed).toBeCloseTo(split[0].total, 6);
		expect(split[0].total).toBeGreaterThan(0);
		expect((await ok(beta, ['utilization', '--by-machine'], '2026-04-18T12:01:00Z')).stdout).toMatch(/^max 7d: .*unattributed \d+% {2}\(now \d+%, 1 day observed\)$/m);
		// Not a member: the flag says what it needs.
		const loner = machine('loner');
		const refused = await runCliAsync(['report', 'daily', '--all-machines'], {home: loner.home, now: NOW, env: {HOME: loner.env.HOME!}});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('report --all-machines needs team mode');
		const alone = await runCliAsync(['utilization', '--by-machine'], {home: loner.home, now: NOW, env: {HOME: loner.env.HOME!}});
		expect(alone.code).toBe(1);
		expect(alone.stderr).toContain('utilization --by-machine needs team mode');
	});
});
