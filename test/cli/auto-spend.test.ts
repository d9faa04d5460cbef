/**
 * auto-spend (DESIGN §7.3) as a user runs it: manual accounts, a frozen clock, quiet hours, manual
 * activity entered through the CLI, and real dispatches through a fake runner.
 */
import {describe, expect, it} from 'vitest';
import {runCli, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor} from '../helpers/fake-runner.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T15:00:00Z';

function manualHome(five = 50, seven = 40, now = NOW): string {
	const home = tempHome();
	const ok = (args: string[], at = now) => {
		const r = runCli(args, {home, now: at});
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
	};
	ok(['accounts', 'add', 'solo', '--provider', 'manual']);
	ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', String(five), '--reset-at', FIVE_RESET]);
	ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', String(seven), '--reset-at', '2026-11-26T09:00:00Z']);
	return home;
}

let minute = 0;
/** Queue a job; each one a minute younger than the last (the order among equals is by age). */
function add(home: string, title: string, pct: string, extra: string[] = []): string {
	minute++;
	const at = new Date(Date.parse(NOW) - (60 - minute) * 60_000).toISOString();
	return runJson(['queue', 'add', '--title', title, '--prompt', `sleep=20 ${title}`, '--cwd', home, '--estimate-pct', pct, '--json', ...extra], {home, now: at}).json.id as string;
}

describe('auto-spend', {timeout: 60_000}, () => {
	it('5h at 50 %, 7d at 40 %: plans the jobs that fit 25 % of the 5-hour window and excludes a larger one, saying why', () => {
		const home = manualHome();
		const a = add(home, 'Small A', '10%');
		const big = add(home, 'Big', '30%', ['--severity', 'critical']);
		const b = add(home, 'Small B', '10%');
		const pricey = add(home, 'Pricey', '5%', ['--estimate-usd', '4']);
		const r = runJson(['auto-spend', '--dry-run', '--json'], {home, now: NOW});
		expect(r.code).toBe(0);
		expect(r.json.dryRun).toBe(true);
		expect(r.json.accounts).toEqual([expect.objectContaining({account: 'solo', idle: true, spendable: 0.25, headroom5h: 0.5, headroom7d: 0.6})]);
		expect(r.json.planned.map((p: {jobId: string; account: string; startsNow: boolean}) => [p.jobId, p.account, p.startsNow])).toEqual([[a, 'solo', true], [b, 'solo', false]]);
		expect(r.json.excluded).toEqual([
			{jobId: big, title: 'Big', reasons: ['estimate 30% does not fit the 25% spendable on solo (half the smaller headroom: 5-hour 50%, weekly 60%)']},
			{jobId: pricey, title: 'Pricey', reasons: ['estimate $4.00 is over maxAutoCostUsd $3.00 ($4.00 and 5% given)']},
		]);
		const text = runCli(['auto-spend', '--dry-run'], {home, now: NOW}).stdout;
		expect(text).toContain(`  ${a}  "Small A" → solo  10% ~$1.00  starts now`);
		expect(text).toContain(`  ${big}  "Big": estimate 30% does not fit the 25% spendable on solo`);
		// A dry run dispatches nothing and records nothing.
		expect(runJson(['queue', 'list', '--json'], {home, now: NOW}).json.jobs.every((j: {state: string}) => j.state === 'queued')).toBe(true);
		expect(runJson(['status', '--json'], {home, now: NOW}).json.decisions.filter((d: {kind: string}) => d.kind !== 'gate')).toEqual([]);
	});

	it('inside quiet hours it plans nothing and says why; at the end of quiet hours it plans again', () => {
		const home = manualHome();
		add(home, 'Small', '10%');
		expect(runCli(['config', 'set', 'autoUtilization.quietHours', '["22:00-08:00"]'], {home}).code).toBe(0);
		const night = runJson(['auto-spend', '--dry-run', '--json'], {home, now: '2026-11-22T23:30:00Z'}).json;
		expect(night.planned).toEqual([]);
		expect(night.reasons).toEqual(['quiet hours 22:00-08:00 (local time 23:30): no automatic work until 2026-11-23T08:00:00Z']);
		expect(night.excluded[0].reasons).toEqual(['quiet hours 22:00-08:00: automatic work waits until 2026-11-23T08:00:00Z']);
		expect(runCli(['auto-spend', '--dry-run'], {home, now: '2026-11-22T07:59:00Z'}).stdout).toContain('quiet hours 22:00-08:00');
		expect(runJson(['auto-spend', '--dry-run', '--json'], {home, now: '2026-11-22T08:00:00Z'}).json.quietHours).toBeNull();
	});

	it('manual activity (usage rising with no job of ours) ends idleness for manualQuietMinutes', () => {
		const home = manualHome(50, 40, '2026-11-22T11:50:00Z');
		add(home, 'Small', '10%');
		expect(runCli(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '55', '--reset-at', FIVE_RESET], {home, now: '2026-11-22T11:55:00Z'}).code).toBe(0);
		const busy = runJson(['auto-spend', '--dry-run', '--json'], {home, now: NOW}).json;
		expect(busy.planned).toEqual([]);
		expect(busy.accounts[0].idle).toBe(false);
		expect(busy.accounts[0].reasons).toEqual(['manual activity: 5-hour usage rose from 50% to 55% at 2026-11-22T11:55:00Z with no job of ours running (quiet for 15 min first)']);
		const later = runJson(['auto-spend', '--dry-run', '--json'], {home, now: '2026-11-22T12:11:00Z'}).json;
		expect(later.accounts[0].idle).toBe(true);
		expect(later.planned).toHaveLength(1);
	});

	it('runs the plan: the first job per account now, tagged autoUtilization; one automatic job at a time per account', async () => {
		const home = manualHome();
		const runner = installFakeRunner();
		const first = add(home, 'First', '10%');
		const second = add(home, 'Second', '10%');
		const big = add(home, 'Too big', '40%');
		const r = runJson(['auto-spend', '--json'], {home, now: NOW, env: runner.env});
		expect(r.code).toBe(0);
		expect(r.json.dispatched).toEqual([expect.objectContaining({dispatched: true, status: 'dispatched', account: 'solo', job: expect.objectContaining({id: first, autoUtilization: true, state: 'running'})})]);
		await waitFor(() => (runner.runs().length > 0 ? true : undefined), 10_000, 'the runner to start');
		const again = runJson(['auto-spend', '--json'], {home, now: NOW, env: runner.env}).json;
		expect(again.dispatched).toEqual([]);
		expect(again.accounts[0].reasons).toEqual([`auto job ${first} is running (one automatic job at a time per account)`]);
		// The decisions say what was dispatched and what was excluded, and why.
		const decisions = runJson(['status', '--json'], {home, now: NOW}).json.decisions;
		expect(decisions).toContainEqual(expect.objectContaining({kind: 'dispatch', subject: first, verdict: 'dispatched', reasons: expect.arrayContaining(['"First" on solo (auto-utilization)'])}));
		expect(decisions).toContainEqual(expect.objectContaining({kind: 'defer', subject: big, verdict: 'excluded', reasons: ['"Too big" excluded from auto-spend: estimate 40% does not fit the 5% still spendable on solo (25% spendable, 20% planned)']}));
		expect(runCli(['queue', 'cancel', first, '--grace', '1'], {home, now: NOW}).code).toBe(0);
		await waitFor(() => (runJson(['queue', 'list', '--json'], {home, now: NOW}).json.jobs.find((j: {id: string}) => j.id === first).state === 'cancelled' ? true : undefined));
		expect(runJson(['auto-spend', '--dry-run', '--json'], {home, now: NOW}).json.planned[0].jobId).toBe(second);
		expect(runner.runs()).toHaveLength(1);
	}, 60_000);
});
