/**
 * Seed 003 (Mosaic budget windows with arbitrary reset datetimes), line by line: the CLI in-process
 * (main()), `serve` as a real process on a real socket with a frozen clock, real SQLite, the fake runner.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor} from '../helpers/fake-runner.js';
import {killServers, startServe} from '../helpers/serve.js';

afterEach(() => killServers());

describe('resume', {timeout: 120_000}, () => {
	/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON */
	const NOW = '2026-11-20T10:00:00Z';
	const FIVE_RESET = '2026-11-20T11:00:00Z';
	const SEVEN_RESET = '2026-11-24T09:00:00Z';

	async function ok(args: string[], home: string, now = NOW, env: Record<string, string> = {}) {
		const r = await runMain(args, {home, now, env});
		expect(r.stderr, args.join(' ')).toBe('');
		expect(r.code, args.join(' ')).toBe(0);
		return r;
	}

	/** One manual account at 5h `five` % (reset 11:00) and 7d `seven` %; desktop notifications off. */
	async function setup(five: number, seven = 40) {
		const home = tempHome();
		const runner = installFakeRunner();
		await ok(['accounts', 'add', 'solo', '--provider', 'manual'], home);
		await ok(['config', 'set', 'autoUtilization.notify', 'none'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', String(five), '--reset-at', FIVE_RESET], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', String(seven), '--reset-at', SEVEN_RESET], home);
		return {home, runner};
	}

	async function addJob(home: string, title: string, extra: string[] = []): Promise<string> {
		const r = await ok(['queue', 'add', '--title', title, '--prompt', `cost=0.1 ${title}`, '--cwd', home, '--json', ...extra], home);
		return JSON.parse(r.stdout).id as string;
	}

	async function job(home: string, id: string, now = NOW): Promise<any> {
		const r = await runMain(['queue', 'list', '--all', '--json'], {home, now});
		return (JSON.parse(r.stdout).jobs as any[]).find(j => j.id === id);
	}

	async function decisions(home: string, now: string): Promise<any[]> {
		return JSON.parse((await runMain(['status', '--json'], {home, now})).stdout).decisions as any[];
	}

	it('003-18 deferred work resumes by itself after the reset: dispatch --when-ready at 5h 97%, serve (suggest mode) runs it at 11:05, not at 10:30', async () => {
		const {home, runner} = await setup(97);
		const asked = await addJob(home, 'Asked when ready');
		const plain = await addJob(home, 'Dispatched plainly');
		const deferred = await runMain(['dispatch', asked, '--when-ready'], {home, now: NOW, env: runner.env});
		expect(deferred.code).toBe(75);
		expect(deferred.stderr).toMatch(/^Not dispatched: Deferring: 5-hour quota usage at 97% \+ 5% estimated would pass 100%; retry after its reset at 2026-11-20T11:00:00Z/);
		expect(deferred.stdout).toContain('kept: it is dispatched by itself when ready (next try 2026-11-20T11:00:00Z) while the dashboard or quota-tui serve runs, in any auto mode');
		expect(await job(home, asked)).toMatchObject({state: 'queued', notBefore: FIVE_RESET, whenReady: {priority: 'normal', account: null}});
		// A plain dispatch keeps notBefore too, but nobody asked for it to resume: auto mode's rules apply.
		expect((await runMain(['dispatch', plain], {home, now: NOW, env: runner.env})).code).toBe(75);
		expect(await job(home, plain)).toMatchObject({state: 'queued', notBefore: FIVE_RESET, whenReady: null});

		// 10:30, before the reset: serve's first tick leaves both alone.
		const early = await startServe(home, '2026-11-20T10:30:00Z', runner.env);
		const status = await early.request('GET', '/auto-utilization/status');
		expect(status.status).toBe(200);
		// The first tick has run when its auto-spend decision is recorded.
		for (let i = 0; i < 100 && !(await decisions(home, '2026-11-20T10:30:00Z')).some(d => d.subject === 'auto-spend'); i++) await new Promise(resolve => setTimeout(resolve, 100));
		await early.stop();
		expect(runner.runs()).toHaveLength(0);
		expect(await job(home, asked, '2026-11-20T10:30:00Z')).toMatchObject({state: 'queued'});

		// 11:05, after the reset, default (suggest) mode: the job a person asked for runs; the other waits.
		const later = '2026-11-20T11:05:00Z';
		const served = await startServe(home, later, runner.env);
		await waitFor(() => (runner.runs().length > 0 ? true : undefined), 20_000, 'the resumed job to start');
		await waitFor(() => (served.output().includes('resumed: Dispatched') ? true : undefined), 10_000, 'the serve log line');
		await served.stop();
		expect(runner.runs().map(run => run.jobId)).toEqual([asked]);
		expect((await job(home, asked, later)).state).toMatch(/^(running|succeeded)$/);
		expect(await job(home, plain, later)).toMatchObject({state: 'queued', whenReady: null});
		const dispatch = (await decisions(home, later)).find(d => d.kind === 'dispatch' && d.subject === asked);
		expect(dispatch.reasons).toContainEqual(expect.stringMatching(/^resumed by itself: a person dispatched it when ready \(normal priority; it waited until 2026-11-20T11:00:00Z\)/));
	});

	it('003-18 a job a person dispatched that a usage limit paused (paused_quota) runs again by itself after that reset', async () => {
		const {home, runner} = await setup(50);
		const reset = '2026-11-20T10:40:00Z';
		const id = await addJob(home, `fail=limit@${Date.parse(reset) / 1000}`);
		expect((await runMain(['dispatch', id], {home, now: NOW, env: runner.env})).code).toBe(0);
		let paused = await job(home, id);
		for (let i = 0; i < 200 && paused.state !== 'paused_quota'; i++) {
			await new Promise(resolve => setTimeout(resolve, 100));
			paused = await job(home, id);
		}
		expect(paused).toMatchObject({notBefore: reset, whenReady: {priority: 'normal', account: null}});
		const served = await startServe(home, '2026-11-20T10:45:00Z', runner.env);
		await waitFor(() => (runner.runs().length === 2 ? true : undefined), 20_000, 'the second run');
		await served.stop();
		expect(runner.runs().map(run => run.jobId)).toEqual([id, id]);
	});

	it('003-17 non-urgent work waits for the reset: an info job maps to low priority (deferred near the limits); dispatch --priority critical|normal|low overrides', async () => {
		const {home, runner} = await setup(90);
		const info = await addJob(home, 'Tidy the docs', ['--severity', 'info']);
		const low = await runMain(['dispatch', info, '--dry-run'], {home, now: NOW, env: runner.env});
		expect(low.code).toBe(75);
		expect(low.stderr).toMatch(/^Not dispatched: Deferring automatic work: 5-hour usage would reach 95%, above the 80% kept for manual work/);
		expect(low.stdout).toContain('low priority (info severity: non-urgent work waits near the limits like automatic work)');
		expect((await runMain(['dispatch', info, '--dry-run', '--priority', 'normal'], {home, now: NOW, env: runner.env})).code).toBe(0);
		const warning = await addJob(home, 'Fix the bug', ['--severity', 'warning']);
		expect((await runMain(['dispatch', warning, '--dry-run'], {home, now: NOW, env: runner.env})).code).toBe(0);
		const forced = await runMain(['dispatch', warning, '--dry-run', '--priority', 'low', '--json'], {home, now: NOW, env: runner.env});
		expect(forced.code).toBe(75);
		expect(JSON.parse(forced.stdout)).toMatchObject({status: 'deferred', gate: {verdict: 'defer', retryAt: FIVE_RESET}});
		const bad = await runMain(['dispatch', info, '--priority', 'urgent'], {home, now: NOW});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--priority: expected critical, normal or low, got "urgent"');
		// Deferred for real (not a dry run), the info job keeps notBefore = the reset.
		expect((await runMain(['dispatch', info], {home, now: NOW, env: runner.env})).code).toBe(75);
		expect(await job(home, info)).toMatchObject({state: 'queued', notBefore: FIVE_RESET});
		expect(runner.runs()).toHaveLength(0);
	});
});
