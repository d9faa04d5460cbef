/**
 * Issue 11 phase B through the CLI: idle detection, spendable headroom, the gate and selection use the
 * windows that exist (an Ultra account has no 5-hour window; an idle Max account's absent one counts as
 * 0 %), and a shared pool's headroom counts once (auto-spend, recommend).
 */
process.env.TZ = 'UTC';

import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {childPath, claudeDir, codexHome, fakeEnv, tempDir} from '../helpers/providers.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const epoch = (hours: number) => Math.round((T0 + hours * 3_600_000) / 1000);

type Run = Awaited<ReturnType<typeof runMain>>;
const ok = (r: Run) => {
	expect(r.stderr).toBe('');
	expect(r.code).toBe(0);
	return r;
};
const parsed = (r: Run) => JSON.parse(ok(r).stdout);

/** A Claude account fed by status-line captures (what Claude Code sends to the status line). */
async function claudeAccount(plan: string) {
	const home = tempHome();
	const user = tempDir('qt-user-');
	const dir = claudeDir(path.join(user, '.claude-big'));
	const env = {PATH: childPath(false), HOME: user};
	ok(await runMain(['accounts', 'add', 'big', '--provider', 'claude', '--config-dir', dir, '--plan', plan], {home, env}));
	const capture = (hours: number, limits: Record<string, {used_percentage: number; resets_at: number}>) =>
		runMain(['statusline'], {home, now: at(hours), env: {...env, CLAUDE_CONFIG_DIR: dir}, input: JSON.stringify({model: {id: 'claude-opus-4-6'}, rate_limits: limits})});
	return {home, env, capture};
}

async function queueJobs(home: string, env: Record<string, string>, count: number, pct: string, provider?: string): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < count; i++) {
		const r = parsed(await runMain(['queue', 'add', '--title', `Job ${i + 1}`, '--prompt', `sleep=20 job ${i + 1}`, '--cwd', home, '--estimate-pct', pct, '--json', ...(provider ? ['--provider', provider] : [])], {home, env, now: at(-1 + i / 60)}));
		ids.push(r.id as string);
	}
	return ids;
}

describe('weekly-only accounts are idle on their weekly windows (issue 11)', {timeout: 60_000}, () => {
	it('an Ultra account with 7d at 30 % and five queued 10 % jobs: idle, spendable 35 %, three planned', async () => {
		const {home, env, capture} = await claudeAccount('ultra');
		await capture(0, {seven_day: {used_percentage: 30, resets_at: epoch(72)}});
		const jobs = await queueJobs(home, env, 5, '10%');
		const plan = parsed(await runMain(['auto-spend', '--dry-run', '--json'], {home, env, now: at(0)}));
		expect(plan.accounts).toEqual([expect.objectContaining({account: 'big', idle: true, weeklyOnly: true, headroom5h: null, headroom7d: 0.7, spendable: 0.35, reasons: ['idle: weekly only (no 5-hour window), weekly headroom 70%; automatic work may spend 35% (half the weekly headroom)']})]);
		expect(plan.planned.map((p: {jobId: string; account: string; startsNow: boolean}) => [p.jobId, p.account, p.startsNow])).toEqual([[jobs[0], 'big', true], [jobs[1], 'big', false], [jobs[2], 'big', false]]);
		expect(plan.planned.every((p: {gate: {verdict: string}}) => p.gate.verdict === 'go')).toBe(true);
		expect(plan.excluded.map((e: {jobId: string}) => e.jobId)).toEqual([jobs[3], jobs[4]]);
		expect(plan.excluded[0].reasons).toEqual(['estimate 10% does not fit the 5% still spendable on big (35% spendable, 30% planned)']);
		// The gate decides on the weekly window alone (no "5-hour usage unknown").
		const gate = parsed(await runMain(['gate', '--account', 'big', '--estimate-pct', '10%', '--json'], {home, env, now: at(0)}));
		expect(gate.verdict).toBe('go');
		expect(JSON.stringify(gate.reasons)).not.toMatch(/5-hour|unknown/);
	});

	it('a Max account whose 5-hour window is absent because none is open counts it as 0 % (estimated) and is idle', async () => {
		const {home, env, capture} = await claudeAccount('max');
		await capture(-10, {five_hour: {used_percentage: 40, resets_at: epoch(-7)}, seven_day: {used_percentage: 30, resets_at: epoch(72)}});
		await capture(0, {seven_day: {used_percentage: 30, resets_at: epoch(72)}});
		await queueJobs(home, env, 1, '10%');
		const plan = parsed(await runMain(['auto-spend', '--dry-run', '--json'], {home, env, now: at(0)}));
		expect(plan.accounts).toEqual([expect.objectContaining({idle: true, weeklyOnly: false, headroom5h: 1, headroom7d: 0.7, spendable: 0.35, reasons: ['idle: 5-hour headroom 100% (no 5-hour window open: 0 % used, estimated), weekly headroom 70%; automatic work may spend 35% (half the smaller headroom)']})]);
		expect(plan.planned).toHaveLength(1);
		const status = parsed(await runMain(['status', '--json'], {home, env, now: at(0)})).accounts[0];
		expect(status.windows.find((w: {kind: string}) => w.kind === 'five_hour')).toEqual(expect.objectContaining({utilization: 0, source: 'estimated'}));
	});
});

/** Two Codex accounts fed identical series by the fake app-server: detected as one pool. */
async function pooledCodex(chain: {a: number; b: number} = {a: 0, b: 1}, between = false) {
	const home = tempHome();
	const dir = tempDir();
	const payload = path.join(dir, 'payload.json');
	const env = fakeEnv({PATH: childPath(true), FAKE_CODEX_PAYLOAD: payload});
	for (const name of ['a', 'b'] as const) {
		ok(await runMain(['accounts', 'add', name, '--provider', 'codex', '--home', codexHome(path.join(dir, name)), '--plan', 'plus', '--chain-order', String(chain[name])], {home, env}));
		if (between && name === 'a') ok(await runMain(['accounts', 'add', 'm', '--provider', 'manual', '--chain-order', '5'], {home, env}));
	}
	const feed = async (minutes: number, five: number, week: number) => {
		fs.writeFileSync(payload, JSON.stringify({rateLimits: {limitId: 'codex', primary: {usedPercent: five, windowDurationMins: 300, resetsAt: epoch(3)}, secondary: {usedPercent: week, windowDurationMins: 10080, resetsAt: epoch(100)}, planType: 'plus'}, rateLimitsByLimitId: null}));
		ok(await runMain(['status', '--json'], {home, env, now: at(minutes / 60)}));
	};
	for (const [minutes, used] of [[0, 2], [6, 4], [12, 6], [18, 8]] as const) await feed(minutes, used, 4);
	return {home, env, feed};
}

describe('shared pools count their headroom once (issue 11)', {timeout: 60_000}, () => {
	it('auto-spend plans one pool\'s spendable share once, not once per member', async () => {
		const {home, env} = await pooledCodex();
		const status = parsed(await runMain(['status', '--json'], {home, env, now: at(0.31)}));
		expect(status.accounts.map((a: {pool: string | null}) => a.pool)).toEqual(['shared:a', 'shared:a']);
		// 5h 8 %, 7d 4 % used: spendable 46 % per member; six 20 % jobs would fit 2 + 2 if counted twice.
		const jobs = await queueJobs(home, env, 6, '20%', 'codex');
		// The series rose a minute ago with no job of ours: manual activity, on both members at once.
		const busy = parsed(await runMain(['auto-spend', '--dry-run', '--json'], {home, env, now: at(0.31)}));
		expect(busy.accounts.map((a: {idle: boolean}) => a.idle)).toEqual([false, false]);
		ok(await runMain(['config', 'set', 'autoUtilization.manualQuietMinutes', '0'], {home, env}));
		const plan = parsed(await runMain(['auto-spend', '--dry-run', '--json'], {home, env, now: at(0.31)}));
		expect(plan.accounts.map((a: {account: string; idle: boolean; pool: string; spendable: number}) => [a.account, a.idle, a.pool, a.spendable])).toEqual([['a', true, 'shared:a', 0.46], ['b', true, 'shared:a', 0.46]]);
		expect(plan.planned.map((p: {jobId: string; account: string; startsNow: boolean}) => [p.jobId, p.account, p.startsNow])).toEqual([[jobs[0], 'a', true], [jobs[1], 'a', false]]);
		expect(plan.planned[0].reasons[0]).toBe('20% (~$1.00) fits the 46% spendable on a (shared pool shared:a: counted once for all its members)');
		expect(plan.excluded.map((e: {jobId: string}) => e.jobId)).toEqual(jobs.slice(2));
		// Waste is counted once per pool: the totals are one member's, not the sum of both.
		const util = parsed(await runMain(['utilization', '--json'], {home, env, now: at(0.31)}));
		const [ua, ub] = util.accounts as Array<{pool: string; countedInTotals: boolean; wasteUsdPerWeek: number; openWeek: {projectedWasteUsd: number}}>;
		expect([ua!.pool, ua!.countedInTotals, ub!.pool, ub!.countedInTotals]).toEqual(['shared:a', true, 'shared:a', false]);
		expect(ua!.wasteUsdPerWeek).toBeGreaterThan(0);
		expect(ub!.wasteUsdPerWeek).toBe(ua!.wasteUsdPerWeek);
		expect(util.estimatedWasteUsdPerWeek).toBe(ua!.wasteUsdPerWeek);
		expect(util.projectedWasteUsd).toBe(ua!.openWeek.projectedWasteUsd);
		expect(util.notes).toContain('b shares the quota pool shared:a with a: its waste is counted once, under a');
		expect(plan.excluded[0].reasons).toEqual([
			'estimate 20% does not fit the 6% still spendable on a (46% spendable, 40% planned) (shared pool shared:a: counted once for all its members)',
			'estimate 20% does not fit the 6% still spendable on b (46% spendable, 40% planned) (shared pool shared:a: counted once for all its members)',
		]);
	});

	it('recommend does not move from the active pool member to another as if it were fresh headroom', async () => {
		// b comes first in the chain: without pools, leaving a at 95 % would pick b (same usage, earlier).
		const {home, env, feed} = await pooledCodex({a: 1, b: 0}, true);
		// Pool members are shown together (config order a, m, b).
		expect(parsed(await runMain(['status', '--json'], {home, env, now: at(0.31)})).accounts.map((a: {name: string}) => a.name)).toEqual(['a', 'b', 'm']);
		ok(await runMain(['switch', 'a'], {home, env, now: at(0.31)}));
		await feed(24, 95, 50);
		const r = await runMain(['recommend', '--json'], {home, env, now: at(0.41)});
		const rec = JSON.parse(r.stdout);
		expect(rec.account).toBe('a');
		expect(rec.alternatives).toEqual([{name: 'b', reason: 'shares the quota pool shared:a with a: the same quota, not fresh headroom'}, {name: 'm', reason: 'no usage data yet'}]);
		// Without the pool (detection off for b), b is just another account with the same numbers.
		ok(await runMain(['accounts', 'pool', 'clear', 'b'], {home, env}));
		expect(JSON.parse((await runMain(['recommend', '--json'], {home, env, now: at(0.41)})).stdout).account).toBe('b');
	});
});
