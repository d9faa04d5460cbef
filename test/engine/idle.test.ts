process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {activeQuietHours, detectManualActivity, idleCapacity, planAutoSpend, type AutoPolicy, type IdleAccount, type PlanInput, type PlanJob} from '../../source/engine/idle.js';
import {resolveEstimate} from '../../source/engine/jobs.js';
import {HOUR, MINUTE} from '../../source/engine/time.js';
import type {AccountState} from '../../source/engine/types.js';
import {inHours, NOW, state, win} from './fixtures.js';

const policy: AutoPolicy = {minHeadroom5h: 0.4, minHeadroom7d: 0.3, maxAutoCostUsd: 3, weeklyAutoCapUsd: null, quietHours: [], manualQuietMinutes: 15};
const gatePolicy = {maxQuotaPercent: 90, reservedBudgetUsd: null, imminentMinutes: 30, unknownPolicy: 'defer-auto' as const, warnThreshold: 0.8};

function account(name: string, five: number | null, seven: number | null, extra: {fiveReset?: string; sevenReset?: string; provider?: 'manual' | 'claude' | 'codex'} = {}): AccountState {
	return state(name, [
		win('five_hour', five, extra.fiveReset ?? inHours(3)),
		win('seven_day', seven, extra.sevenReset ?? inHours(72)),
	], {account: {provider: extra.provider ?? 'manual'}});
}

function idle(s: AccountState, extra: Partial<Parameters<typeof idleCapacity>[0]> = {}): IdleAccount {
	return idleCapacity({state: s, policy, manualActivity: null, runningAutoJob: null, now: NOW, ...extra});
}

function job(id: string, pct: number, usd = 1, extra: Partial<PlanJob> = {}): PlanJob {
	return {
		id,
		title: `job ${id}`,
		severity: 'warning',
		createdAt: '2026-12-01T00:00:00Z',
		provider: null,
		estimate: resolveEstimate({estimateUsd: usd, estimatePct: pct, kind: 'task'}, undefined, {usd: 1, pct: 0.05, durationMs: 15 * MINUTE}),
		...extra,
	};
}

function plan(states: AccountState[], jobs: PlanJob[], extra: Partial<PlanInput> = {}) {
	return planAutoSpend({
		states,
		idle: states.map(s => idle(s)),
		jobs,
		policy,
		gatePolicy,
		budgets: [],
		spentThisWeekUsd: 0,
		quietHours: undefined,
		now: NOW,
		...extra,
	});
}

describe('quiet hours (local time; TZ pinned to UTC)', () => {
	const at = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00Z`);

	it.each([
		['21:59', undefined],
		['22:00', '2026-12-03T08:00:00Z'],
		['23:30', '2026-12-03T08:00:00Z'],
		['00:00', '2026-12-02T08:00:00Z'],
		['07:59', '2026-12-02T08:00:00Z'],
		['08:00', undefined],
		['12:00', undefined],
	])('22:00-08:00 at %s → ends %s', (hhmm, endsAt) => {
		expect(activeQuietHours(['22:00-08:00'], at(hhmm))?.endsAt).toBe(endsAt);
	});

	it('a daytime range, several ranges, an empty range, another zone', () => {
		expect(activeQuietHours(['12:00-13:00'], at('12:30'))).toEqual({range: '12:00-13:00', endsAt: '2026-12-02T13:00:00Z', localTime: '12:30'});
		expect(activeQuietHours(['01:00-02:00', '12:00-13:00'], at('12:00'))?.range).toBe('12:00-13:00');
		expect(activeQuietHours(['09:00-09:00'], at('09:00'))).toBeUndefined();
		// 21:30 UTC is 22:30 in Berlin (CET): inside 22:00-08:00 there.
		expect(activeQuietHours(['22:00-08:00'], at('21:30'), 'Europe/Berlin')?.endsAt).toBe('2026-12-03T08:00:00+01:00');
	});
});

describe('idle capacity and the half-headroom spend limit', () => {
	it('5h at 50 %, 7d at 40 % → idle, may spend 25 % (half of the smaller headroom, 50 %)', () => {
		const a = idle(account('a', 0.5, 0.4));
		expect(a.idle).toBe(true);
		expect(a.headroom5h).toBeCloseTo(0.5);
		expect(a.headroom7d).toBeCloseTo(0.6);
		expect(a.spendable).toBeCloseTo(0.25);
		expect(a.reasons[0]).toBe('idle: 5-hour headroom 50%, weekly headroom 60%; automatic work may spend 25% (half the smaller headroom)');
	});

	it.each([
		[0.6, 0.4, false, '5-hour headroom 40% is not above 40% (minHeadroom5h)'],
		[0.599, 0.4, true, ''],
		[0.2, 0.7, false, 'weekly headroom 30% is not above 30% (minHeadroom7d)'],
		[0.2, 0.699, true, ''],
	])('boundaries: 5h %d, 7d %d → idle %s', (five, seven, isIdle, reason) => {
		const a = idle(account('a', five, seven));
		expect(a.idle).toBe(isIdle);
		if (!isIdle) expect(a.reasons).toContain(reason);
	});

	it('the smaller headroom decides: 7d at 60 % → 20 % spendable', () => {
		expect(idle(account('a', 0.1, 0.6)).spendable).toBeCloseTo(0.2);
	});

	it.each([
		['unknown 5-hour usage', account('a', null, 0.4), '5-hour usage unknown: unknown usage never counts as idle'],
		['stale data', {...account('a', 0.1, 0.1), stale: true, ageMs: 42 * MINUTE}, 'its data is stale (42 min old): unknown usage never counts as idle'],
		['a last-resort account', state('a', [win('five_hour', 0.1), win('seven_day', 0.1)], {account: {lastResort: true}}), 'last-resort account: kept for emergencies'],
		['a refused credential', state('a', [win('five_hour', 0.1), win('seven_day', 0.1)], {unusableReason: 'job q-1 failed: 401'}), 'marked unusable: job q-1 failed: 401'],
	])('%s is never idle', (_, s, reason) => {
		expect(idle(s)).toMatchObject({idle: false, spendable: 0, reasons: [reason]});
	});

	it('manual activity and a running auto job end idleness', () => {
		const manual = {at: '2026-12-02T11:55:00Z', kind: 'five_hour', from: 0.3, to: 0.35};
		expect(idle(account('a', 0.35, 0.4), {manualActivity: manual}).reasons[0]).toBe('manual activity: 5-hour usage rose from 30% to 35% at 2026-12-02T11:55:00Z with no job of ours running (quiet for 15 min first)');
		expect(idle(account('a', 0.35, 0.4), {runningAutoJob: 'q-1'}).reasons[0]).toBe('auto job q-1 is running (one automatic job at a time per account)');
	});
});

describe('manual activity: usage rising with no job of ours running', () => {
	const sample = (minutesAgo: number, utilization: number, resetsAtMs: number | null = NOW + 3 * HOUR) => ({kind: 'five_hour', atMs: NOW - minutesAgo * MINUTE, utilization, resetsAtMs});

	it('a rise inside the quiet window with no run → activity at the later observation', () => {
		expect(detectManualActivity([sample(30, 0.2), sample(10, 0.25), sample(2, 0.3)], [], NOW, 15)).toEqual({at: '2026-12-02T11:58:00Z', kind: 'five_hour', from: 0.25, to: 0.3});
	});

	it('a rise older than the quiet window is not activity now', () => {
		expect(detectManualActivity([sample(40, 0.2), sample(20, 0.3), sample(1, 0.3)], [], NOW, 15)).toBeNull();
	});

	it('a rise while one of our jobs ran is ours', () => {
		const runs = [{startMs: NOW - 12 * MINUTE, endMs: NOW - 6 * MINUTE}];
		expect(detectManualActivity([sample(14, 0.2), sample(5, 0.3)], runs, NOW, 15)).toBeNull();
		expect(detectManualActivity([sample(14, 0.2), sample(5, 0.3)], [{startMs: NOW - MINUTE, endMs: null}], NOW, 15)).not.toBeNull();
	});

	it('a drop, a reset in between, and another series are not rises', () => {
		expect(detectManualActivity([sample(10, 0.5), sample(5, 0.4)], [], NOW, 15)).toBeNull();
		expect(detectManualActivity([sample(10, 0.2, NOW), sample(5, 0.3, NOW + 5 * HOUR)], [], NOW, 15)).toBeNull();
		expect(detectManualActivity([{...sample(10, 0.2), series: 'manual'}, {...sample(5, 0.6), series: 'detected'}], [], NOW, 15)).toBeNull();
	});
});

describe('the auto-spend plan', () => {
	it('5h 50 %, 7d 40 %: jobs that fit 25 % are planned one after another; a larger one is excluded with the reason', () => {
		const p = plan([account('a', 0.5, 0.4)], [job('j1', 0.1), job('j2', 0.1), job('big', 0.3), job('j3', 0.1)]);
		expect(p.planned.map(x => [x.jobId, x.account, x.position, x.startsNow])).toEqual([['j1', 'a', 0, true], ['j2', 'a', 1, false]]);
		expect(p.excluded).toEqual([
			{jobId: 'big', title: 'job big', reasons: ['estimate 30% does not fit the 5% still spendable on a (25% spendable, 20% planned)']},
			{jobId: 'j3', title: 'job j3', reasons: ['estimate 10% does not fit the 5% still spendable on a (25% spendable, 20% planned)']},
		]);
		const alone = plan([account('a', 0.5, 0.4)], [job('big', 0.3)]);
		expect(alone.excluded[0]!.reasons).toEqual(['estimate 30% does not fit the 25% spendable on a (half the smaller headroom: 5-hour 50%, weekly 60%)']);
	});

	it('exactly the spendable amount fits (the boundary)', () => {
		expect(plan([account('a', 0.5, 0.4)], [job('j', 0.25)]).planned).toHaveLength(1);
		expect(plan([account('a', 0.5, 0.4)], [job('j', 0.2501)]).planned).toHaveLength(0);
	});

	it('quiet hours plan nothing and say why', () => {
		const p = plan([account('a', 0.1, 0.1)], [job('j', 0.05)], {quietHours: {range: '22:00-08:00', endsAt: '2026-12-03T08:00:00Z', localTime: '23:15'}});
		expect(p.planned).toEqual([]);
		expect(p.reasons).toEqual(['quiet hours 22:00-08:00 (local time 23:15): no automatic work until 2026-12-03T08:00:00Z']);
		expect(p.excluded[0]!.reasons).toEqual(['quiet hours 22:00-08:00: automatic work waits until 2026-12-03T08:00:00Z']);
	});

	it('maxAutoCostUsd per job and weeklyAutoCapUsd over the last 7 days', () => {
		const p = plan([account('a', 0.1, 0.1)], [job('pricey', 0.05, 3.5), job('ok', 0.05, 3)]);
		expect(p.excluded[0]!.reasons[0]).toMatch(/^estimate \$3\.50 is over maxAutoCostUsd \$3\.00/);
		expect(p.planned.map(x => x.jobId)).toEqual(['ok']);
		const capped = plan([account('a', 0.1, 0.1)], [job('one', 0.05, 2), job('two', 0.05, 2)], {policy: {...policy, weeklyAutoCapUsd: 10}, spentThisWeekUsd: 7});
		expect(capped.planned.map(x => x.jobId)).toEqual(['one']);
		expect(capped.excluded[0]!.reasons[0]).toBe('would pass weeklyAutoCapUsd $10.00: $7.00 spent by automatic jobs in the last 7 days plus $2.00 planned, this job ~$2.00');
	});

	it('a job must finish before the 5-hour reset', () => {
		const soon = account('a', 0.1, 0.1, {fiveReset: new Date(NOW + 10 * MINUTE).toISOString()});
		const p = plan([soon], [job('j', 0.05)]);
		expect(p.excluded[0]!.reasons[0]).toBe('would not finish on a before its 5-hour reset at 2026-12-02T12:10:00.000Z (expected 15 min)');
	});

	it('prefers the account whose weekly window resets soonest; provider must fit', () => {
		const later = account('later', 0.1, 0.1, {sevenReset: inHours(100), provider: 'claude'});
		const sooner = account('sooner', 0.1, 0.1, {sevenReset: inHours(20), provider: 'codex'});
		const p = plan([later, sooner], [job('any', 0.05), job('claude-only', 0.05, 1, {provider: 'claude'})]);
		expect(p.planned.map(x => [x.jobId, x.account])).toEqual([['any', 'sooner'], ['claude-only', 'later']]);
		expect(p.planned[0]!.reasons).toContain(`sooner's weekly window resets soonest (${inHours(20)})`);
		const none = plan([sooner], [job('claude-only', 0.05, 1, {provider: 'claude'})]);
		expect(none.excluded[0]!.reasons).toEqual(['sooner is a codex account, the job needs claude']);
	});

	it('no idle account: every job excluded, the reason says why per account', () => {
		const p = plan([account('busy', 0.7, 0.1)], [job('j', 0.05)]);
		expect(p.reasons[0]).toBe('no account is idle (busy: 5-hour headroom 30% is not above 40% (minHeadroom5h))');
		expect(p.excluded).toEqual([{jobId: 'j', title: 'job j', reasons: ['no account is idle']}]);
	});

	it('the gate for automatic work still applies (warnThreshold kept for manual work)', () => {
		const p = plan([account('a', 0.5, 0.4)], [job('j', 0.2)], {gatePolicy: {...gatePolicy, warnThreshold: 0.6}});
		expect(p.excluded[0]!.reasons[0]).toMatch(/^gate on a: Deferring automatic work: 5-hour usage would reach 70%, above the 60% kept for manual work/);
	});
});
