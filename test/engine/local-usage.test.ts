import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import {applyLocalUsage, budgetCycleStart, calibrate, currentWindow, isLogMeasuredBudget, previousOccurrence, type LocalUsage} from '../../source/engine/local-usage.js';
import type {Account, Budget, QuotaWindow} from '../../source/engine/types.js';
import {MINUTE_STRIDE} from '../../source/engine/usage.js';

const H = 3_600_000;
const NOW = Date.parse('2026-03-02T12:00:00Z');

/** A minute series with `tokens` (and tokens/1000 dollars) every `everyMin` minutes over [from, to). */
function local(from: number, to: number, tokens: number, everyMin = 10, extra: Partial<LocalUsage> = {}): LocalUsage {
	const values: number[] = [];
	for (let t = from; t < to; t += everyMin * 60_000) values.push(Math.floor(t / 60_000) * 60_000, tokens, tokens / 1000, tokens / 10, 1);
	return {account: 'a', refreshedAtMs: NOW, series: Float64Array.from(values), seriesSinceMs: NOW - 35 * 24 * H, resets: [], lastMs: to - 60_000, ...extra};
}

const account: Account = {name: 'a', provider: 'claude', configDir: '/c'};

function window(kind: QuotaWindow['kind'], utilization: number, resetsAt: number, observedAt: number, source: QuotaWindow['source'] = 'provider-detected'): QuotaWindow {
	return {kind, utilization, resetsAt: new Date(resetsAt).toISOString(), durationMs: kind === 'five_hour' ? 5 * H : 7 * 24 * H, source, origin: 'oauth-usage', observedAt: new Date(observedAt).toISOString()};
}

const stateWith = (windows: QuotaWindow[]) => accountState({account, snapshot: {account: 'a', observedAt: new Date(NOW).toISOString(), status: 'allowed', windows}}, {warnThreshold: 0.8}, NOW);

describe('calibration', () => {
	it('measures tokens (and dollars) per 1 % over the windows it can see, skipping tiny and foreign ones', () => {
		const l = local(NOW - 30 * H, NOW, 1000);
		const cal = calibrate('five_hour', [
			{startMs: NOW - 10 * H, atMs: NOW - 6 * H, utilization: 0.2}, // 25 ticks (both ends) × 1000 tokens over 20 %
			{startMs: NOW - 10 * H, atMs: NOW - 8 * H, utilization: 0.1}, // an older observation of the same window: ignored
			{startMs: NOW - 5 * H, atMs: NOW - 4 * H, utilization: 0.005}, // below 1 %: ignored
			{startMs: NOW - 40 * H, atMs: NOW - 36 * H, utilization: 0.3}, // no local tokens then: used elsewhere, ignored
		], l);
		expect(cal).toEqual({kind: 'five_hour', tokensPerPercent: 25_000 / 20, usdPerPercent: 25 / 20, windows: 1});
		expect(calibrate('five_hour', [], l)).toBeNull();
	});
});

describe('local usage applied to an account', () => {
	const cal = {five_hour: {kind: 'five_hour' as const, tokensPerPercent: 1000, usdPerPercent: 1, windows: 3}};
	const input = (l: LocalUsage) => ({local: l, calibration: cal, freshnessMs: () => 5 * 60_000, warnThreshold: 0.8, now: NOW});

	it('estimates a missing five-hour window from the open block and gives it a local burn rate', () => {
		const l = local(NOW - 2 * H, NOW, 500); // 12 ticks × 500 = 6000 tokens, 3000 in the last hour
		const state = applyLocalUsage(stateWith([]), input(l));
		const w = state.windows.find(x => x.kind === 'five_hour')!;
		expect(w).toMatchObject({source: 'estimated', origin: 'local-logs', utilization: 6000 / 100_000, resetsAt: '2026-03-02T15:00:00Z'});
		expect(state.projections['five_hour']).toMatchObject({rateSource: 'local-logs'});
		expect(state.projections['five_hour']!.ratePerHour).toBeCloseTo(3000 / 100_000, 9);
	});

	it('brings a stale official window forward by the tokens used since it was observed', () => {
		const observed = NOW - 2 * H;
		const l = local(observed, NOW, 1000); // 12k tokens since = 12 %
		const state = applyLocalUsage(stateWith([window('five_hour', 0.3, NOW + 2 * H, observed)]), input(l));
		const w = state.windows.find(x => x.kind === 'five_hour')!;
		expect(w.source).toBe('estimated');
		expect(w.utilization).toBeCloseTo(0.42, 9);
	});

	it('leaves fresh official data alone but gives it a burn rate when its history has none', () => {
		const l = local(NOW - H, NOW, 1000);
		const state = applyLocalUsage(stateWith([window('five_hour', 0.3, NOW + 2 * H, NOW - 60_000)]), input(l));
		const w = state.windows.find(x => x.kind === 'five_hour')!;
		expect(w.source).toBe('provider-detected');
		expect(w.utilization).toBe(0.3);
		expect(state.projections['five_hour']!.ratePerHour).toBeCloseTo(0.06, 9);
		expect(state.projections['five_hour']!.atReset).toBeCloseTo(0.3 + 0.06 * 2, 9);
	});

	it('the local burn rate counts only tokens inside the server window (resets_at − 5 h) when its reset is known', () => {
		// Heavy use before the server's window opened 30 minutes ago, light use since.
		const before = local(NOW - 2 * H, NOW - 30 * 60_000, 10_000);
		const inside = local(NOW - 30 * 60_000, NOW, 1000); // ticks at −30, −20, −10 min
		const l = {...inside, series: Float64Array.from([...before.series, ...inside.series])};
		const state = applyLocalUsage(stateWith([window('five_hour', 0.1, NOW + 4.5 * H, NOW - 60_000)]), input(l));
		expect(state.projections['five_hour']!.ratePerHour).toBeCloseTo(3000 / 100_000 / 0.5, 9);
	});

	it('a usage-limit marker newer than the official data fills the five-hour window until its reset', () => {
		const l = local(NOW - H, NOW, 10, 10, {resets: [[NOW - 10 * 60_000, NOW + 90 * 60_000]]});
		const state = applyLocalUsage(stateWith([window('five_hour', 0.5, NOW + 3 * H, NOW - 30 * 60_000)]), {...input(l), calibration: {}});
		expect(state.windows.find(x => x.kind === 'five_hour')).toMatchObject({utilization: 1, source: 'estimated', origin: 'local-logs', resetsAt: new Date(NOW + 90 * 60_000).toISOString().replace('.000Z', 'Z')});
		expect(state.status).toBe('rejected');
		// A marker whose reset passed, or one older than the official data, changes nothing.
		const passed = local(NOW - H, NOW, 10, 10, {resets: [[NOW - 3 * H, NOW - H]]});
		expect(applyLocalUsage(stateWith([]), {...input(passed), calibration: {}}).windows).toEqual([]);
	});

	it('the current window is the server one when its reset is known, else the ccusage block', () => {
		const l = local(NOW - 3 * H, NOW, 100);
		expect(currentWindow(l, NOW, NOW + 4 * H)).toMatchObject({startFrom: 'server', startMs: NOW - H, tokens: 600});
		expect(currentWindow(l, NOW)).toMatchObject({startFrom: 'block', startMs: Date.parse('2026-03-02T09:00:00Z'), tokens: 1800});
	});
});

describe('dollar budgets from the logs', () => {
	const budget = (over: Partial<Budget>): Budget => ({scope: 'account:a', limit: 100, unit: 'usd', used: 0, resetAt: '2026-03-09T09:00:00+01:00', recurrence: 'weekly:monday', source: 'estimated', checkedAt: '2026-03-04T12:00:00Z', ...over});

	it('a cycle begins one recurrence step before the reset; without recurrence when it was entered', () => {
		expect(budgetCycleStart(budget({}), NOW)).toBe(Date.parse('2026-03-02T09:00:00+01:00'));
		expect(budgetCycleStart(budget({recurrence: 'monthly:31', resetAt: '2026-03-31T00:00:00Z'}), NOW)).toBe(Date.parse('2026-02-28T00:00:00Z'));
		expect(budgetCycleStart(budget({recurrence: 'P7D'}), NOW)).toBe(Date.parse('2026-03-02T09:00:00+01:00'));
		expect(budgetCycleStart(budget({recurrence: null, checkedAt: '2026-03-01T08:00:00Z'}), NOW)).toBe(Date.parse('2026-03-01T08:00:00Z'));
		// A passed reset rolls forward: the cycle that runs now began at the last reset.
		expect(budgetCycleStart(budget({resetAt: '2026-02-23T09:00:00+01:00'}), NOW)).toBe(Date.parse('2026-03-02T09:00:00+01:00'));
		expect(previousOccurrence('2026-03-09T09:00:00+01:00', 'daily')).toBe(Date.parse('2026-03-08T09:00:00+01:00'));
	});

	it('only an account-scope usd budget tagged estimated is measured from the logs', () => {
		expect(isLogMeasuredBudget(budget({}))).toBe(true);
		expect(isLogMeasuredBudget(budget({source: 'user-entered'}))).toBe(false);
		expect(isLogMeasuredBudget(budget({scope: 'project:x'}))).toBe(false);
		expect(isLogMeasuredBudget(budget({unit: 'percent'}))).toBe(false);
	});
});

describe('series layout', () => {
	it('stride matches the engine', () => {
		expect(MINUTE_STRIDE).toBe(5);
	});
});
