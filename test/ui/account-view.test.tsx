process.env.TZ = 'UTC';
/**
 * The account view (issue 13 item 3): Enter opens it, Esc returns, `s` still switches from the list;
 * every window as its own bar with a pace marker, reset in local time and as a countdown, projection,
 * source/origin/age, 7-day history, waste ledger, budgets, decisions. A weekly-only (Ultra) account
 * shows weekly bars only, each with a pace marker, plus its Opus/Fable weekly bars.
 */
import {describe, expect, test} from 'vitest';
import type {AccountUtilization} from '../../source/engine/waste.js';
import {PACE_MARKER, paceBar, paceOf, paceWord, windowName} from '../../source/ui/views/account-view.js';
import type {AccountDetail, DetailSubject} from '../../source/runtime/types.js';
import {KEYS, frameHeight, frameWidth} from '../helpers/render.js';
import {DAY, HOUR, MINUTE, NOW, SECOND, createTestRuntime, demoDecisions, demoReport, makeAccount, makeWindow, type TestRuntime} from './fixtures.js';
import {frameText as text, mountDashboard as mount} from './mount.js';


type DetailRuntime = TestRuntime & {opened: Array<DetailSubject | null>};

/** A test runtime that records openDetail and answers an account subject with `detail`. */
function detailRuntime(report = demoReport(), detail?: (subject: DetailSubject) => AccountDetail | undefined): DetailRuntime {
	const base = createTestRuntime(report);
	const runtime: DetailRuntime = Object.assign(base, {
		opened: [] as Array<DetailSubject | null>,
		openDetail(subject: DetailSubject | null) {
			runtime.opened.push(subject);
			runtime.update({detail: subject === null ? undefined : detail?.(subject)});
		},
	});
	return runtime;
}

const lineStarting = (frame: string, start: string) => frame.split('\n').find(line => line.startsWith(start)) ?? '';

describe('pace', () => {
	test('the elapsed share of the window, null without a length or a reset', () => {
		const window = {resetsAt: new Date(NOW + 2 * DAY).toISOString(), durationMs: 7 * DAY, resetPassed: false};
		expect(paceOf(window, NOW)).toBeCloseTo(5 / 7);
		expect(paceOf({...window, durationMs: null}, NOW)).toBeNull();
		expect(paceOf({...window, resetsAt: null}, NOW)).toBeNull();
		expect(paceOf({...window, resetPassed: true}, NOW)).toBeNull();
	});

	test('the marker sits where an even spend would be, inside the bar, the bar as wide as asked', () => {
		const parts = paceBar(0.2, 0.5, 20, 'ok');
		const bar = parts.map(part => part.text).join('');
		expect([...bar]).toHaveLength(20);
		expect([...bar].indexOf(PACE_MARKER)).toBe(10);
		expect(parts.find(part => part.text === PACE_MARKER)?.tone).toBe('accent');
		expect(paceBar(0.2, null, 20, 'ok').map(part => part.text).join('')).not.toContain(PACE_MARKER);
		expect([...paceBar(1, 1, 10, 'ok').map(part => part.text).join('')].at(-1)).toBe(PACE_MARKER);
	});

	test('ahead of, on or under pace', () => {
		expect(paceWord(0.8, 0.5)?.text).toBe('ahead of pace');
		expect(paceWord(0.52, 0.5)?.text).toBe('on pace');
		expect(paceWord(0.1, 0.5)?.text).toBe('under pace');
		expect(paceWord(null, 0.5)).toBeNull();
	});

	test('window names: model weeklies by their model', () => {
		expect(windowName('seven_day_opus')).toBe('weekly Opus');
		expect(windowName('weekly:fable')).toBe('weekly Fable');
		expect(windowName('five_hour')).toBe('5-hour');
	});
});

describe('opening and closing', () => {
	test('Enter opens the selected account (no switch), Esc returns to the list, s still switches', async () => {
		const runtime = detailRuntime();
		const result = await mount(runtime);
		await result.press('j', KEYS.enter);
		let frame = text(result);
		expect(frame).toContain('account personal');
		expect(frame).toContain('WINDOWS');
		expect(runtime.calls.switchTo).toEqual([]);
		expect(runtime.opened).toEqual([{kind: 'account', name: 'personal'}]);
		expect(frame.split('\n').at(-1)).toContain('Esc back');

		await result.press(KEYS.escape);
		frame = text(result);
		expect(frame).not.toContain('account personal');
		expect(frame).toContain('ACCOUNT');
		expect(runtime.opened.at(-1)).toBeNull();

		await result.press('s');
		expect(runtime.calls.switchTo).toEqual(['personal']);
	});

	test('the list footer says Enter opens and s switches', async () => {
		const result = await mount(detailRuntime(), {columns: 140, rows: 30});
		const footer = text(result).split('\n').at(-1)!;
		expect(footer).toContain('Enter open');
		expect(footer).toContain('s switch');
	});

	test('j/k scroll the view, the title says where', async () => {
		const runtime = detailRuntime();
		const result = await mount(runtime, {columns: 80, rows: 14});
		await result.press(KEYS.enter);
		const before = text(result);
		expect(before).toMatch(/Esc back · 1–\d+ of \d+/);
		await result.press('j', 'j');
		expect(text(result)).toMatch(/Esc back · 3–\d+ of \d+/);
		await result.press('k');
		expect(text(result)).toMatch(/Esc back · 2–\d+ of \d+/);
	});
});

describe('what the account view shows', () => {
	const utilization: AccountUtilization = {
		name: 'work', provider: 'claude', plan: 'max20', weeklyValueUsd: 46.15,
		fiveHour: {value: 0.5, windows: 3}, sevenDay: {value: 0.6, windows: 2},
		closedWeeks: [
			{resetsAt: new Date(NOW - 8 * DAY).toISOString(), opensAt: null, final: 0.7, finalObservedAt: new Date(NOW - 8 * DAY - HOUR).toISOString(), gapBeforeResetMs: HOUR, largeGap: false, wasteUsd: 13.85, userEntered: false},
			{resetsAt: new Date(NOW - DAY).toISOString(), opensAt: null, final: 0.95, finalObservedAt: new Date(NOW - DAY - 10 * HOUR).toISOString(), gapBeforeResetMs: 10 * HOUR, largeGap: true, wasteUsd: 2.31, userEntered: false},
		],
		missingWeeks: 0,
		openWeek: {resetsAt: null, resetsInMs: null, utilization: 0.41, projectedAtReset: 0.58, ratePerHour: 0.01, exhaustsAt: null, projectedWasteUsd: 19.38},
		wasteUsdPerWeek: 8.08, estimateBasis: 'closed-weeks', sparkline: [], exhausts: null,
	};
	const history = (kind: string) => Array.from({length: 168}, (_, i) => (kind === 'seven_day' ? i / 168 : 0.5));

	test('each window: bar with pace marker, percent, reset in local time and countdown, projection, origin/source/age, 7-day history', async () => {
		const runtime = detailRuntime(demoReport(), subject => (subject.kind === 'account' ? {kind: 'account', name: subject.name, history: {five_hour: history('five_hour'), seven_day: history('seven_day')}, historySteps: 168, decisions: demoDecisions()} : undefined));
		runtime.update({utilization: {
			generatedAt: new Date(NOW).toISOString(), days: 7, fiveHourSince: '', sevenDaySince: '',
			averageFiveHour: {value: 0.5, windows: 3}, averageSevenDay: {value: 0.6, windows: 2},
			estimatedWasteUsdPerWeek: 8.08, projectedWasteUsd: 19.38, autoSpend: null, pending: null,
			accounts: [utilization], useItOrLoseIt: [], notes: [],
		}});
		const result = await mount(runtime, {columns: 100, rows: 60});
		await result.press(KEYS.enter);
		const frame = text(result);
		const five = lineStarting(frame, '5-hour');
		expect(five).toContain(PACE_MARKER);
		expect(five).toContain('23%');
		expect(five).toMatch(/pace \(\d+%\)/);
		// 1h12m left of 5 hours: an even spend would be at 76 % now; 23 % is under pace.
		expect(five).toContain('under pace (76%)');
		expect(frame).toContain('resets 15:12 (in 1h12m)');
		expect(frame).toContain('34% at reset');
		expect(frame).toContain('oauth-usage · provider-detected · 2m ago');
		const weekly = lineStarting(frame, 'weekly ');
		expect(weekly).toContain(PACE_MARKER);
		expect(weekly).toContain('41%');
		expect(frame).toContain('resets Thu 18:00 (in 3d4h)');
		// The history: a full-width sparkline under each window.
		const spark = frame.split('\n').filter(line => line.startsWith('  7 days'));
		expect(spark).toHaveLength(2);
		expect(frameWidth(spark[1]!)).toBeGreaterThan(80);
		expect(spark[1]).toContain('█');
		// The waste ledger (newest closed week first), the open week, budgets, decisions.
		expect(frame).toContain('WASTE LEDGER');
		const ledger = frame.split('\n').filter(line => line.includes('$13.85') || line.includes('$2.31'));
		expect(ledger[0]).toContain('$2.31');
		expect(ledger[0]).toContain('may have been used more');
		expect(frame).toContain('$19.38 projected waste');
		expect(frame).toContain('BUDGETS');
		expect(frame).toContain('DECISIONS');
		expect(frame).toContain('work: switched');
		expect(frameWidth(frame)).toBeLessThanOrEqual(100);
	});

	test('the clock redraws the view only when what it shows changes (a countdown ticking over), not every second', async () => {
		const runtime = detailRuntime();
		const result = await mount(runtime, {columns: 100, rows: 40});
		await result.press(KEYS.enter);
		expect(text(result)).toContain('resets 15:12 (in 1h12m)');
		// One second on, 1h11m59s are left: the countdown ticks over once…
		runtime.clock.tick(SECOND);
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(text(result)).toContain('resets 15:12 (in 1h11m)');
		// …and then nothing changes for the rest of the minute: no frame.
		const before = result.frames.length;
		for (let i = 0; i < 5; i++) runtime.clock.tick(SECOND);
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(result.frames.length).toBe(before);
		runtime.clock.tick(MINUTE);
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(text(result)).toContain('resets 15:12 (in 1h10m)');
	});

	test('a narrow pane (50 columns): the bar keeps its line, the pace moves to the details, nothing is cut', async () => {
		const result = await mount(detailRuntime(), {columns: 50, rows: 40});
		await result.press(KEYS.enter);
		const frame = text(result);
		const five = lineStarting(frame, '5-hour');
		expect(five).toContain(PACE_MARKER);
		expect(five).toMatch(/23%$/);
		expect(frame).toContain('under pace (76%)');
		expect(frameWidth(frame)).toBeLessThanOrEqual(50);
	});

	test('extra usage, banked resets, pool and the budgets that apply', async () => {
		const account = makeAccount('cx', {
			provider: 'codex', pool: 'shared:cx', extraUsage: {enabled: true, limitUsd: 50, usedUsd: 12.5, currency: 'USD'},
			resets: [{id: 'c1', kind: 'seven_day', model: null, count: 1, expiresAt: new Date(NOW + DAY).toISOString(), expiresInMs: DAY, startsAt: null, source: 'codex-app-server', status: 'available', usableNow: true, lapsed: false, redeemable: true, title: null, note: null, valueIfLapsedUsd: 4.6, valueBasis: '', observedAt: new Date(NOW - MINUTE).toISOString()}],
			windows: [makeWindow('five_hour', 0.2, 2 * HOUR), makeWindow('seven_day', 0.4, 3 * DAY)],
		});
		const report = demoReport({
			accounts: [account, makeAccount('cy', {pool: 'shared:cx', windows: [makeWindow('seven_day', 0.5, 3 * DAY)]})], active: 'cx',
			pools: [{id: 'shared:cx', members: ['cx', 'cy'], basis: 'configured', reason: 'configured in accounts[].pool'} as never],
			budgets: [{scope: 'account:cx', unit: 'usd', used: 30, limit: 40, remaining: 10, utilization: 0.75, resetAt: new Date(NOW + 2 * DAY).toISOString(), recurrence: 'weekly:mon', resetPassed: false, source: 'user-entered', level: 'ok'}],
		});
		const result = await mount(detailRuntime(report), {columns: 120, rows: 50});
		await result.press(KEYS.enter);
		const frame = text(result);
		expect(lineStarting(frame, 'extra usage')).toContain('25%');
		expect(frame).toContain('$12.50 used of $50.00');
		expect(lineStarting(frame, 'banked resets')).toContain('1× weekly');
		expect(lineStarting(frame, 'banked resets')).toContain('usable now (u)');
		// The pool is a bar too: its members share one quota, the highest reading (cy's 50 %) is its use.
		expect(lineStarting(frame, 'pool')).toMatch(/[\u2580-\u259F]+ +50%$/);
		expect(frame).toContain('shared with cy');
		expect(frame).toContain('highest of 2 readings: cy');
		expect(frame).toContain('30 of 40');
		expect(frame).toContain('weekly:mon');
	});
});

describe('a weekly-only (Ultra) account', () => {
	const ultra = makeAccount('ultra', {
		plan: 'ultra', weeklyOnly: true, weeklyOnlyReason: 'plan ultra (Ultra) has weekly windows only',
		windows: [
			// A user-entered 5-hour window would still be in the report: the view shows weekly bars only.
			makeWindow('five_hour', 0.1, 2 * HOUR, {source: 'user-entered', origin: 'manual'}),
			makeWindow('seven_day', 0.3, 3 * DAY),
			makeWindow('seven_day_opus', 0.55, 3 * DAY),
			makeWindow('weekly:fable', 0.2, 5 * DAY),
		],
	});

	test.each([[80, 24], [100, 30], [140, 40]])('%d×%d: weekly bars only, each with a pace marker, Opus and Fable included, inside the terminal', async (columns, rows) => {
		const report = demoReport({accounts: [ultra, makeAccount('pro', {windows: [makeWindow('five_hour', 0.2, 2 * HOUR), makeWindow('seven_day', 0.4, 3 * DAY)]})], active: 'ultra'});
		const result = await mount(detailRuntime(report), {columns, rows: 60});
		await result.press(KEYS.enter);
		const frame = text(result);
		expect(frame).toContain('account ultra');
		expect(frame).toContain('weekly only');
		expect(lineStarting(frame, '5-hour')).toBe('');
		const bars = frame.split('\n').filter(line => /^(weekly|weekly Opus|weekly Fable) +[█░▏▎▍▌▋▊▉│]/.test(line));
		expect(bars.map(line => line.split(/ {2,}/)[0])).toEqual(['weekly', 'weekly Opus', 'weekly Fable']);
		for (const bar of bars) expect(bar).toContain(PACE_MARKER);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);

		// At the real height the frame still fits the terminal.
		const small = await mount(detailRuntime(report), {columns, rows});
		await small.press(KEYS.enter);
		expect(frameHeight(text(small))).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(text(small))).toBeLessThanOrEqual(columns);
	});
});
