process.env.TZ = 'UTC';

/**
 * Synthetic histories with a frozen clock (issue 5): steady use, bursty use, an idle weekend, a reset
 * observed late, a missing week, extra usage above 100 %. Each asserts the exact averages, waste
 * dollars and projections; burn rates stay finite and ≥ 0.
 */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import {burnRate} from '../../source/engine/forecast.js';
import {identifyWindows, samplesOf, utilizationSeries, type Observation} from '../../source/engine/history.js';
import {DAY, FIVE_HOURS, HOUR, isoAt, MINUTE, SEVEN_DAYS} from '../../source/engine/time.js';
import {DEFAULT_POLICY, type Account, type AccountState, type QuotaWindow} from '../../source/engine/types.js';
import {exhaustionText, projectionText, spanText, summaryLines, useItOrLoseItText, utilizationReport, wasteUsd, type UtilizationInput} from '../../source/engine/waste.js';

const MAX20: Account = {name: 'max', provider: 'manual', plan: 'max20'};
const WEEKLY = (200 * 12) / 52; // 46.1538…
/** Monday 2026-11-02 09:00 UTC: the first weekly reset of the synthetic histories. */
const R1 = Date.parse('2026-11-02T09:00:00Z');

function run(kind: QuotaWindow['kind'], resetMs: number | null, utilization: number, firstMs: number, lastMs = firstMs, source = 'provider-detected'): Observation {
	return {
		kind,
		resetsAtMs: resetMs,
		resetsAt: resetMs === null ? null : isoAt(resetMs),
		durationMs: kind === 'five_hour' ? FIVE_HOURS : SEVEN_DAYS,
		utilization,
		firstSeenMs: firstMs,
		lastSeenMs: lastMs,
		source,
	};
}

/** A week that closed at `resetMs` with final value `final`, observed every 6 h and one minute before its reset. */
function closedWeek(resetMs: number, final: number): Observation[] {
	const open = resetMs - SEVEN_DAYS;
	const list = Array.from({length: 27}, (_, i) => run('seven_day', resetMs, Math.round(((final * (i + 1)) / 28) * 1e4) / 1e4, open + (i + 1) * 6 * HOUR));
	list.push(run('seven_day', resetMs, final, resetMs - MINUTE));
	return list;
}

/** The account's state at `now` as collect builds it: the newest observation per kind, burn rates from the history. */
function stateAt(observations: readonly Observation[], now: number, account = MAX20): AccountState {
	const latest = new Map<string, Observation>();
	for (const o of observations) {
		if (o.firstSeenMs > now) continue;
		const current = latest.get(o.kind);
		if (!current || o.lastSeenMs >= current.lastSeenMs) latest.set(o.kind, o);
	}
	const windows: QuotaWindow[] = [...latest.values()].map(o => ({
		kind: o.kind,
		utilization: o.utilization,
		resetsAt: o.resetsAt,
		durationMs: o.durationMs,
		source: 'provider-detected',
		origin: 'statusline',
		observedAt: isoAt(Math.min(now, o.lastSeenMs)),
	}));
	const history = Object.fromEntries([...latest.keys()].map(kind => [kind, samplesOf(observations, kind)]));
	return accountState({account, snapshot: {account: account.name, observedAt: isoAt(now), status: 'allowed', windows}, history}, DEFAULT_POLICY, now);
}

function report(observations: Observation[], now: number, extra: Partial<UtilizationInput> = {}) {
	return utilizationReport({accounts: [{account: MAX20, observations, state: stateAt(observations, now)}], now, headroom7d: 0.3, ...extra});
}

function expectSaneRates(state: AccountState) {
	for (const projection of Object.values(state.projections)) {
		expect(Number.isFinite(projection!.ratePerHour)).toBe(true);
		expect(projection!.ratePerHour).toBeGreaterThanOrEqual(0);
	}
}

describe('waste of one week', () => {
	it('(1 − final) × weekly value, floored at 0', () => {
		expect(wasteUsd(0.4, WEEKLY)).toBeCloseTo(27.6923, 4);
		expect(wasteUsd(0.7, WEEKLY)).toBeCloseTo(13.8462, 4);
		expect(wasteUsd(1.15, WEEKLY)).toBe(0);
	});
});

describe('steady use', () => {
	const R3 = R1 + 2 * SEVEN_DAYS;
	const now = R3 + 3 * DAY; // Thursday 2026-11-19 09:00
	const open = Array.from({length: 72}, (_, h) => run('seven_day', R3 + SEVEN_DAYS, Math.round((0.1 * (h + 1)) / 24 * 1e6) / 1e6, R3 + (h + 1) * HOUR));
	const observations = [...closedWeek(R1, 0.5), ...closedWeek(R1 + SEVEN_DAYS, 0.6), ...closedWeek(R3, 0.7), ...open];

	it('three closed weeks: their waste, the mean as the weekly estimate, the 7d average', () => {
		const r = report(observations, now);
		const [account] = r.accounts;
		expect(account!.weeklyValueUsd).toBe(46.15);
		expect(account!.closedWeeks.map(w => [w.resetsAt, w.final, w.wasteUsd, w.largeGap])).toEqual([
			['2026-11-02T09:00:00Z', 0.5, 23.08, false],
			['2026-11-09T09:00:00Z', 0.6, 18.46, false],
			['2026-11-16T09:00:00Z', 0.7, 13.85, false],
		]);
		expect(account!.closedWeeks[0]!.gapBeforeResetMs).toBe(MINUTE);
		expect(r.averageSevenDay).toEqual({value: 0.6, windows: 3});
		expect(r.averageFiveHour).toEqual({value: null, windows: 0});
		expect(account!.wasteUsdPerWeek).toBe(18.46);
		expect(account!.estimateBasis).toBe('closed-weeks');
		expect(r.estimatedWasteUsdPerWeek).toBe(18.46);
		expect(account!.missingWeeks).toBe(0);
		expect(r.notes).toEqual([]);
	});

	it('the open week: 10 %/day for 4 more days → 70 % at reset, $13.85 projected waste', () => {
		const state = stateAt(observations, now);
		expectSaneRates(state);
		expect(state.projections['seven_day']!.ratePerHour).toBeCloseTo(0.1 / 24, 10);
		const r = report(observations, now);
		expect(r.accounts[0]!.openWeek).toMatchObject({utilization: 0.3, projectedAtReset: 0.7, projectedWasteUsd: 13.85, resetsInMs: 4 * DAY, exhaustsAt: null});
		expect(r.projectedWasteUsd).toBe(13.85);
		expect(projectionText(r.accounts[0]!)).toBe('→ 70% at reset');
		expect(exhaustionText(r.accounts[0]!)).toBeNull();
		expect(r.useItOrLoseIt).toEqual([]);
	});

	it('the summary lines of DESIGN §7.5', () => {
		const r = report(observations, now, {autoSpend: {jobs: 3, usd: 4, since: isoAt(now - SEVEN_DAYS)}, pending: {count: 5, estimateUsd: 8.5}});
		expect(summaryLines(r)).toEqual({
			fiveHour: 'No 5h windows closed in the last 7 days',
			sevenDay: '60% average 7d utilization',
			waste: 'Estimated waste: ~$18.46/week',
			autoSpend: 'Auto-spend this week: 3 jobs ($4.00)',
			pending: 'Pending follow-ups: 5 (est. $8.50)',
		});
	});

	it('the sparkline follows the week: rising, a drop at the reset, rising again', () => {
		const r = report(observations, now);
		const spark = r.accounts[0]!.sparkline;
		expect(spark).toHaveLength(28);
		// Points on the 6-hourly UTC grid (… 00:00, 06:00 …) then now (Thu 09:00): index 14 is R3 − 3 h,
		// index 15 is R3 + 3 h, just after the reset.
		expect(spark[14]).toBe(0.675); // 27/28 of the week's final 70 %, last seen before R3 − 3 h
		expect(spark[15]).toBe(0.0125); // the new week, 3 h in at 10 %/day
		expect(spark[16]).toBe(0.0375);
		expect(spark.at(-1)).toBe(0.3);
		expect(spark.slice(0, 15).every((v, i) => i === 0 || v! >= spark[i - 1]!)).toBe(true);
	});
});

describe('bursty use', () => {
	const now = Date.parse('2026-11-19T09:00:00Z');
	const reset = now + 4 * DAY;
	// 5-hour windows: four closed in the last 7 days, one opened 8 days ago (not counted).
	const fives = [
		run('five_hour', now - 8 * DAY + FIVE_HOURS, 0.1, now - 8 * DAY + HOUR),
		run('five_hour', now - 6 * DAY, 0.9, now - 6 * DAY - HOUR),
		run('five_hour', now - 4 * DAY, 0.2, now - 4 * DAY - 2 * HOUR),
		run('five_hour', now - 2 * DAY, 0.6, now - 2 * DAY - 10 * MINUTE),
		run('five_hour', now - DAY, 1, now - DAY - 3 * HOUR, now - DAY - MINUTE),
	];
	// The week: flat at 25 % until 24 h ago, one burst to 35 %, flat since.
	const week = [
		run('seven_day', reset, 0.25, now - 30 * HOUR, now - 24 * HOUR),
		run('seven_day', reset, 0.3, now - 23 * HOUR),
		run('seven_day', reset, 0.35, now - 22 * HOUR, now),
	];

	it('the 5h average counts the windows opened in the last 7 days', () => {
		const r = report([...fives, ...week], now);
		expect(r.averageFiveHour).toEqual({value: 0.675, windows: 4});
		expect(r.accounts[0]!.fiveHour).toEqual({value: 0.675, windows: 4});
		expect(summaryLines(r).fiveHour).toBe('68% average 5h utilization');
		expect(report([...fives, ...week], now, {days: 9}).averageFiveHour).toEqual({value: 0.56, windows: 5});
	});

	it('a burst is averaged over the lookback day: 10 % a day → 75 % at reset', () => {
		const state = stateAt([...fives, ...week], now);
		expectSaneRates(state);
		expect(state.projections['seven_day']!.ratePerHour).toBeCloseTo(0.1 / 24, 10);
		expect(report([...fives, ...week], now).accounts[0]!.openWeek).toMatchObject({utilization: 0.35, projectedAtReset: 0.75, projectedWasteUsd: 11.54});
	});
});

describe('an idle weekend', () => {
	const now = Date.parse('2026-11-29T21:00:00Z'); // Sunday evening
	const reset = Date.parse('2026-11-30T09:00:00Z'); // Monday 09:00, 12 h away
	const week = [
		run('seven_day', reset, 0.3, reset - 6 * DAY, reset - 5 * DAY),
		run('seven_day', reset, 0.55, Date.parse('2026-11-27T18:00:00Z'), now), // nothing since Friday 18:00
	];

	it('no use for two days: rate 0, the week ends where it is, and the panel says use it or lose it', () => {
		const state = stateAt(week, now);
		expectSaneRates(state);
		expect(state.projections['seven_day']!.ratePerHour).toBe(0);
		const r = report(week, now);
		expect(r.accounts[0]!.openWeek).toMatchObject({utilization: 0.55, projectedAtReset: 0.55, projectedWasteUsd: 20.77, resetsInMs: 12 * HOUR});
		expect(r.accounts[0]!.estimateBasis).toBe('projection');
		expect(r.estimatedWasteUsdPerWeek).toBe(20.77);
		expect(r.useItOrLoseIt).toEqual([{account: 'max', resetsAt: '2026-11-30T09:00:00Z', resetsInMs: 12 * HOUR, unused: 0.45, unusedAtReset: 0.45, valueUsd: 20.77}]);
		expect(useItOrLoseItText(r.useItOrLoseIt[0]!)).toBe("Use it or lose it: max's week resets in 12h with 45% unused (~$20.77)");
	});

	it('no alert when the headroom is under the configured one, the reset is more than a day away, or the account is disabled', () => {
		expect(report(week, now, {headroom7d: 0.5}).useItOrLoseIt).toEqual([]);
		expect(report(week, reset - 25 * HOUR).useItOrLoseIt).toEqual([]);
		const disabled = {...MAX20, disabled: true};
		expect(utilizationReport({accounts: [{account: disabled, observations: week, state: stateAt(week, now, disabled)}], now, headroom7d: 0.3}).useItOrLoseIt).toEqual([]);
	});
});

describe('a reset observed late', () => {
	const reset = Date.parse('2026-11-23T09:00:00Z');
	const now = reset + 6 * HOUR;
	const observations = [
		...closedWeek(reset - SEVEN_DAYS, 0.5),
		run('seven_day', reset, 0.6, reset - 4 * DAY, reset - 2 * DAY),
		run('seven_day', reset, 0.8, reset - 2 * DAY, reset - DAY), // last seen a day before the reset
		run('seven_day', reset + SEVEN_DAYS, 0.12, now), // the new week, first seen 6 h in, already at 12 %
	];

	it('the final value is the last one seen before the reset, flagged when seen long before it', () => {
		const r = report(observations, now);
		const week = r.accounts[0]!.closedWeeks.at(-1)!;
		expect(week).toMatchObject({resetsAt: '2026-11-23T09:00:00Z', final: 0.8, wasteUsd: 9.23, gapBeforeResetMs: DAY, largeGap: true, finalObservedAt: '2026-11-22T09:00:00Z'});
		expect(r.notes).toEqual(["max: the week ending 2026-11-23T09:00:00Z was last seen 1d before its reset — its use may be higher and its waste lower than shown"]);
		expect(r.averageSevenDay).toEqual({value: 0.65, windows: 2});
	});

	it('the jump at the reset is not read as usage: the new week burns from its opening (0 % at the reset)', () => {
		const state = stateAt(observations, now);
		expectSaneRates(state);
		const projection = state.projections['seven_day']!;
		expect(projection.ratePerHour).toBeCloseTo(0.02, 10);
		expect(projection.atReset).toBeCloseTo(0.12 + 0.02 * (SEVEN_DAYS - 6 * HOUR) / HOUR, 10);
		const r = report(observations, now);
		expect(r.accounts[0]!.exhausts).toEqual({kind: 'seven_day', at: isoAt(now + 44 * HOUR), inMs: 44 * HOUR});
		expect(exhaustionText(r.accounts[0]!)).toBe('7d empty in 1d20h');
		expect(r.accounts[0]!.openWeek).toMatchObject({projectedWasteUsd: 0});
	});

	it('a provider still reporting the old week after its reset does not move its final value', () => {
		const stale = [...observations, run('seven_day', reset, 0.8, reset + MINUTE, reset + 2 * HOUR)];
		const week = report(stale, now).accounts[0]!.closedWeeks.at(-1)!;
		expect(week).toMatchObject({final: 0.8, gapBeforeResetMs: DAY});
	});
});

describe('a missing week', () => {
	const R4 = R1 + 3 * SEVEN_DAYS;
	const now = R4 + DAY;
	const observations = [...closedWeek(R1, 0.5), ...closedWeek(R1 + SEVEN_DAYS, 0.6), ...closedWeek(R4, 0.7), run('seven_day', R4 + SEVEN_DAYS, 0.05, now)];

	it('is counted and said, never priced: averages and waste come from the observed weeks', () => {
		const r = report(observations, now);
		const account = r.accounts[0]!;
		expect(account.missingWeeks).toBe(1);
		expect(account.closedWeeks.map(w => w.wasteUsd)).toEqual([23.08, 18.46, 13.85]);
		expect(r.averageSevenDay).toEqual({value: 0.6, windows: 3});
		expect(r.estimatedWasteUsdPerWeek).toBe(18.46);
		expect(r.notes).toEqual(['max: 1 week without any observation (not counted)']);
	});
});

describe('extra usage above 100 %', () => {
	const R2 = R1 + SEVEN_DAYS;
	const now = R2 + DAY;
	const observations = [
		...closedWeek(R1, 1.15),
		...closedWeek(R2, 0.85),
		run('five_hour', now - DAY, 1.2, now - DAY - HOUR),
		run('five_hour', now - 2 * DAY, 0.6, now - 2 * DAY - HOUR),
		run('seven_day', R2 + SEVEN_DAYS, 0.1, now),
	];

	it('wastes nothing (floored at $0) and counts as 100 % in averages', () => {
		const r = report(observations, now);
		expect(r.accounts[0]!.closedWeeks.map(w => [w.final, w.wasteUsd])).toEqual([[1.15, 0], [0.85, 6.92]]);
		expect(r.averageSevenDay).toEqual({value: 0.925, windows: 2});
		expect(r.averageFiveHour).toEqual({value: 0.8, windows: 2});
		expect(r.estimatedWasteUsdPerWeek).toBe(3.46);
	});

	it('a window already past 100 % projects past it but has no wall ahead', () => {
		const state = stateAt([run('five_hour', now + 2 * HOUR, 1.05, now - HOUR), run('five_hour', now + 2 * HOUR, 1.1, now)], now);
		expectSaneRates(state);
		expect(state.projections['five_hour']!.atReset).toBeCloseTo(1.2, 10);
		expect(state.projections['five_hour']!.exhaustsAt).toBeNull();
	});
});

describe('accounts without a plan value', () => {
	it('report use but no dollars, and say why', () => {
		const account: Account = {name: 'custom', provider: 'manual'};
		const observations = closedWeek(R1, 0.5);
		const r = utilizationReport({accounts: [{account, observations, state: stateAt(observations, R1 + DAY, account)}], now: R1 + DAY, headroom7d: 0.3});
		expect(r.accounts[0]!.closedWeeks[0]!.wasteUsd).toBeNull();
		expect(r.averageSevenDay.value).toBe(0.5);
		expect(r.estimatedWasteUsdPerWeek).toBeNull();
		expect(summaryLines(r).waste).toBe('Estimated waste: unknown (no priced weeks yet)');
		expect(r.notes[0]).toMatch(/custom: no plan value/);
	});

	it('the account override wins over the plan default', () => {
		const account: Account = {name: 'x', provider: 'manual', plan: 'max20', valueUsdPerMonth: 52};
		const observations = closedWeek(R1, 0.5);
		const r = utilizationReport({accounts: [{account, observations}], now: R1 + DAY, headroom7d: 0.3});
		expect(r.accounts[0]!.weeklyValueUsd).toBe(12);
		expect(r.accounts[0]!.closedWeeks[0]!.wasteUsd).toBe(6);
	});
});

describe('identifyWindows', () => {
	it('resets reported a few seconds apart are one window; a later reset is another', () => {
		const reset = Date.parse('2026-11-23T14:00:00Z');
		const windows = identifyWindows([
			run('five_hour', reset - 2000, 0.1, reset - 4 * HOUR),
			run('five_hour', reset + 3000, 0.3, reset - 2 * HOUR),
			run('five_hour', reset + 1000, 0.45, reset - HOUR),
			run('five_hour', reset + FIVE_HOURS, 0.05, reset + HOUR),
		], reset + 2 * HOUR);
		expect(windows.map(w => [w.kind, w.closed, w.final, w.observations])).toEqual([['five_hour', true, 0.45, 3], ['five_hour', false, 0.05, 1]]);
		expect(windows[0]!.resetsAtMs).toBe(reset + 1000);
		expect(windows[0]!.gapBeforeResetMs).toBe(HOUR + 1000);
		expect(windows[0]!.largeGap).toBe(true);
		expect(windows[0]!.peak).toBe(0.45);
	});

	it('observations without a reset identify no window; kinds stay apart', () => {
		const windows = identifyWindows([run('seven_day', null, 0.4, R1), run('five_hour', R1, 0.2, R1 - HOUR), run('seven_day', R1, 0.3, R1 - HOUR)], R1 + HOUR);
		expect(windows.map(w => w.kind)).toEqual(['five_hour', 'seven_day']);
	});

	it('a user-entered final is marked as such', () => {
		const [week] = identifyWindows([run('seven_day', R1, 0.4, R1 - HOUR, R1 - HOUR, 'user-entered')], R1 + HOUR);
		expect(week!.userEntered).toBe(true);
	});
});

describe('utilizationSeries', () => {
	it('null before the first observation, the value after, 0 once its window reset', () => {
		const now = R1 + 2 * DAY;
		const series = utilizationSeries([run('seven_day', R1, 0.6, R1 - DAY), run('seven_day', R1 + SEVEN_DAYS, 0.2, R1 + DAY)], 'seven_day', now, 4 * DAY, 4);
		// Points on the daily UTC grid, then now: Mon 00:00 (0.6, seen since Sun 09:00), Tue 00:00 (that
		// window reset on Mon 09:00: 0), Wed 00:00 (0.2, seen since Tue 09:00), now.
		expect(series).toEqual([0.6, 0, 0.2, 0.2]);
		expect(utilizationSeries([], 'seven_day', now, 4 * DAY, 4)).toEqual([null, null, null, null]);
	});
});

describe('spanText', () => {
	it.each([[2 * HOUR + 10 * MINUTE, '2h10m'], [3 * DAY + 4 * HOUR, '3d4h'], [45 * MINUTE, '45m'], [DAY, '1d'], [0, '0m']])('%d ms → %s', (ms, text) => {
		expect(spanText(ms)).toBe(text);
	});
});

describe('burnRate with window identity', () => {
	it('property: finite and ≥ 0 for any samples, resets and windows', () => {
		const now = R1;
		const sample = fc.record({
			atMs: fc.integer({min: now - 10 * DAY, max: now}),
			utilization: fc.oneof(fc.double({min: 0, max: 1.5, noNaN: true}), fc.double()),
			resetsAtMs: fc.option(fc.integer({min: now - 10 * DAY, max: now + 10 * DAY}), {nil: undefined}),
		});
		fc.assert(fc.property(
			fc.array(sample, {maxLength: 30}),
			fc.integer({min: 0, max: 8 * DAY}),
			fc.option(fc.integer({min: now - DAY, max: now + 8 * DAY}), {nil: undefined}),
			fc.constantFrom(FIVE_HOURS, SEVEN_DAYS, null, 0),
			(samples, lookback, resetsAtMs, durationMs) => {
				const r = burnRate(samples, lookback, {resetsAtMs, durationMs});
				expect(Number.isFinite(r.ratePerHour)).toBe(true);
				expect(r.ratePerHour).toBeGreaterThanOrEqual(0);
			},
		));
	});

	it('samples of another window are ignored even without a drop between them', () => {
		const reset = R1 + SEVEN_DAYS;
		const samples = [
			{atMs: R1 - 2 * HOUR, utilization: 0.05, resetsAtMs: R1},
			{atMs: R1 + HOUR, utilization: 0.1, resetsAtMs: reset},
			{atMs: R1 + 3 * HOUR, utilization: 0.2, resetsAtMs: reset},
		];
		expect(burnRate(samples, DAY, {resetsAtMs: reset, durationMs: SEVEN_DAYS}).ratePerHour).toBeCloseTo(0.05, 10);
		// Without the identity the old week's last sample would count: 0.15 in 5 h.
		expect(burnRate(samples, DAY).ratePerHour).toBeCloseTo(0.03, 10);
	});
});
