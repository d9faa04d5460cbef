/**
 * History fed through the real CLI at successive QUOTA_TUI_NOW instants (issue 5, done-when): manual
 * windows become observations, closed weeks are priced, and `recommend` leaves an account projected to
 * hit 100 % before its reset while it is still under the threshold.
 */
import {describe, expect, it, vi} from 'vitest';
import {runCli, runJson, tempHome} from '../helpers/cli.js';

// Each test runs the real CLI up to ten times: allow for a busy machine.
vi.setConfig({testTimeout: 60_000});

function setUp(...accounts: string[][]): string {
	const home = tempHome('qt-util-cli-');
	for (const args of accounts) expect(runCli(['accounts', 'add', ...args], {home}).code).toBe(0);
	return home;
}

const week = (home: string, now: string, used: number, resetAt: string) =>
	runCli(['budget', 'set', '--scope', 'account:max', '--window', 'seven_day', '--used', String(used), '--reset-at', resetAt], {home, now});

describe('utilization', () => {
	it('two resets of a Max-20x account ending at 40 % and 70 % → $27.69 and $13.85 of waste, their mean per week', () => {
		const home = setUp(['max', '--provider', 'manual', '--plan', 'max20']);
		// The first week, seen twice (the second entry only extends the run), then the second week.
		expect(week(home, '2026-11-12T10:00:00Z', 15, '2026-11-16T09:00:00Z').code).toBe(0);
		expect(week(home, '2026-11-16T08:00:00Z', 40, '2026-11-16T09:00:00Z').code).toBe(0);
		expect(week(home, '2026-11-20T12:00:00Z', 35, '2026-11-23T09:00:00Z').code).toBe(0);
		expect(week(home, '2026-11-23T08:30:00Z', 70, '2026-11-23T09:00:00Z').code).toBe(0);

		const {code, json} = runJson(['utilization', '--json'], {home, now: '2026-11-23T10:00:00Z'});
		expect(code).toBe(0);
		const [account] = json.accounts;
		expect(account.weeklyValueUsd).toBe(46.15);
		expect(account.closedWeeks.map((w: {resetsAt: string; final: number; wasteUsd: number; userEntered: boolean}) => [w.resetsAt, w.final, w.wasteUsd, w.userEntered])).toEqual([
			['2026-11-16T09:00:00Z', 0.4, 27.69, true],
			['2026-11-23T09:00:00Z', 0.7, 13.85, true],
		]);
		expect(account.wasteUsdPerWeek).toBe(20.77);
		expect(json.estimatedWasteUsdPerWeek).toBe(20.77);
		expect(json.averageSevenDay).toEqual({value: 0.55, windows: 2});
		expect(json).toMatchObject({demo: false, days: 7, generatedAt: '2026-11-23T10:00:00Z', autoSpend: {jobs: 0, usd: 0}, pending: {count: 0, estimateUsd: 0}});

		const text = runCli(['utilization'], {home, now: '2026-11-23T10:00:00Z'});
		expect(text.code).toBe(0);
		expect(text.stdout.split('\n').slice(0, 7)).toEqual([
			'Quota Utilization (last 7 days)',
			'              No 5h windows closed in the last 7 days',
			'  ██████░░░░  55% average 7d utilization',
			'  Estimated waste: ~$20.77/week',
			'',
			'  Auto-spend this week: 0 jobs ($0.00)',
			'  Pending follow-ups: 0 (est. $0.00)',
		]);
		expect(text.stdout).toContain('max  manual ultra · $46.15/week');
		expect(text.stdout).toMatch(/week ending Mon 16 Nov 09:00 +40% used +~\$27\.69 unused/);
		expect(text.stdout).toMatch(/week ending Mon 23 Nov 09:00 +70% used +~\$13\.85 unused/);
		expect(text.stdout).toContain('waste      ~$20.77/week (mean of 2 closed weeks)');
	});

	it('--days widens the 5-hour period; weekly figures cover at least 4 weeks', () => {
		const home = setUp(['max', '--provider', 'manual', '--plan', 'max20']);
		for (const [now, used, reset] of [['2026-11-10T12:00:00Z', 80, '2026-11-10T13:00:00Z'], ['2026-11-20T12:00:00Z', 40, '2026-11-20T13:00:00Z']] as const) {
			expect(runCli(['budget', 'set', '--scope', 'account:max', '--window', 'five_hour', '--used', String(used), '--reset-at', reset], {home, now}).code).toBe(0);
		}
		const seven = runJson(['utilization', '--json'], {home, now: '2026-11-21T12:00:00Z'}).json;
		expect(seven.averageFiveHour).toEqual({value: 0.4, windows: 1});
		const fourteen = runJson(['utilization', '--json', '--days', '14'], {home, now: '2026-11-21T12:00:00Z'}).json;
		expect(fourteen.averageFiveHour).toEqual({value: 0.6, windows: 2});
		expect(fourteen).toMatchObject({days: 14, fiveHourSince: '2026-11-07T12:00:00Z', sevenDaySince: '2026-10-24T12:00:00Z'});
	});

	it('bad input is exit 2 naming the flag; no accounts says how to add one; --help documents the numbers', () => {
		const home = setUp(['max', '--provider', 'manual', '--plan', 'max20']);
		const bad = runCli(['utilization', '--days', 'soon'], {home});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--days: expected a number, got "soon"');
		expect(runCli(['utilization', '--days', '0'], {home}).code).toBe(2);
		const empty = runCli(['utilization'], {home: tempHome()});
		expect(empty.code).toBe(2);
		expect(empty.stderr).toContain('No accounts configured.');
		const help = runCli(['utilization', '--help'], {home});
		expect(help.code).toBe(0);
		expect(help.stdout).toContain('(1 − final) × weekly value');
	});

	it('--demo: the simulated history, with the use-it-or-lose-it line', () => {
		const result = runCli(['utilization', '--demo'], {home: tempHome(), now: '2026-11-22T14:30:00Z'});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('DEMO');
		expect(result.stdout).toContain("Use it or lose it: demo-spare's week resets in 14h18m with 81% unused (~$3.76)");
		expect(result.stdout).toMatch(/demo-team .*\n(?:.*\n)*? {2}forecast {3}5h empty in 1h12m \(before its reset\)/);
	});
});

describe('recommend anticipates the wall', () => {
	it('switches away from an account projected to hit 100 % before its reset while it is under the threshold', () => {
		const home = setUp(['a', '--provider', 'manual', '--plan', 'max20'], ['b', '--provider', 'manual', '--plan', 'max5']);
		const five = (account: string, now: string, used: number) =>
			runCli(['budget', 'set', '--scope', `account:${account}`, '--window', 'five_hour', '--used', String(used), '--reset-at', '2026-11-23T14:00:00Z'], {home, now});
		expect(five('b', '2026-11-23T10:00:00Z', 10).code).toBe(0);
		expect(five('a', '2026-11-23T10:00:00Z', 20).code).toBe(0);
		expect(runCli(['switch', 'a'], {home, now: '2026-11-23T10:00:00Z'}).code).toBe(0);
		// 20 % at 10:00: at the pace since the window opened (09:00) it reaches 100 % exactly at the reset — stay.
		expect(runCli(['recommend'], {home, now: '2026-11-23T10:00:00Z'}).stdout.trim()).toBe('a');

		// 50 % an hour later: 30 %/h → 100 % at 12:40, before the 14:00 reset, while still under 90 %.
		expect(five('a', '2026-11-23T11:00:00Z', 50).code).toBe(0);
		const {code, json} = runJson(['recommend', '--json'], {home, now: '2026-11-23T11:00:00Z'});
		expect(code).toBe(0);
		expect(json.account).toBe('b');
		expect(json.reason).toBe('a is active but its 5-hour window is projected to reach 100% at 2026-11-23T12:40:00Z, before its reset; switching to b: first healthy account in chain order (5-hour usage at 10%, under the 90% switch threshold)');
		expect(json.alternatives).toEqual([{name: 'a', reason: 'its 5-hour window is projected to reach 100% at 2026-11-23T12:40:00Z, before its reset'}]);
		const status = runJson(['status', '--json'], {home, now: '2026-11-23T11:00:00Z'}).json;
		const window = status.accounts.find((x: {name: string}) => x.name === 'a').windows[0];
		expect(window).toMatchObject({utilization: 0.5, exhaustsAt: '2026-11-23T12:40:00Z'});
		expect(window.ratePerHour).toBeCloseTo(0.3, 10);
		expect(window.projectedAtReset).toBeCloseTo(1.4, 10);
	});
});
