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

	it('report daily --all-machines sums the daily aggregates of every machine (each still reads only its own logs); utilization --by-machine splits the weekly window', async () => {
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
