/**
 * Seed 003: Mosaic budget windows with arbitrary reset datetimes. Driven through the CLI in-process
 * (main()) on a real SQLite file; the dashboard as its one printed frame.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor} from '../helpers/fake-runner.js';
import {killServers, startServe} from '../helpers/serve.js';

const NOW = '2026-11-20T10:00:00Z';
const FIVE_RESET = '2026-11-20T13:00:00Z';
const SEVEN_RESET = '2026-11-25T09:00:00Z';

async function ok(args: string[], home: string, now = NOW) {
	const r = await runMain(args, {home, now});
	expect(r.stderr, args.join(' ')).toBe('');
	expect(r.code, args.join(' ')).toBe(0);
	return r;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
async function json(args: string[], home: string, now = NOW): Promise<{code: number; json: any}> {
	const r = await runMain(args, {home, now});
	return {code: r.code, json: JSON.parse(r.stdout)};
}

/** A manual account with plenty of room (5h 10 %, 7d 10 %). */
async function roomy(name = 'solo'): Promise<string> {
	const home = tempHome();
	await ok(['accounts', 'add', name, '--provider', 'manual'], home);
	await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'five_hour', '--used', '10', '--reset-at', FIVE_RESET], home);
	await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', '10', '--reset-at', SEVEN_RESET], home);
	return home;
}

describe('seed 003: budgets reach queued work', {timeout: 90_000}, () => {
	it('003-2 a project budget at 50/50 messages stops the dispatch of a job queued with --scope project:p, and of a Fleet follow-up of folder p; auto-spend excludes them', async () => {
		const home = await roomy();
		const project = path.join(tempHome('qt-projects-'), 'p');
		fs.mkdirSync(project);
		await ok(['budget', 'set', '--scope', 'project:p', '--limit', '50', '--unit', 'messages', '--used', '50', '--reset-at', '2026-11-21T00:00:00Z'], home);
		const queued = await runMain(['queue', 'add', '--title', 'Scoped', '--prompt', 'work', '--cwd', project, '--scope', 'project:p', '--estimate-pct', '5%'], {home, now: NOW});
		expect(queued.stdout).toMatch(/^Queued (q-[0-9a-f]+) "Scoped" .*; budgets of project:p apply\.$/m);
		const id = /Queued (q-[0-9a-f]+)/.exec(queued.stdout)![1]!;
		expect((await json(['queue', 'list', '--json'], home)).json.jobs.find((j: {id: string}) => j.id === id).scopes).toEqual(['project:p']);
		const dry = await runMain(['dispatch', id, '--dry-run'], {home, now: NOW});
		expect(dry.code).toBe(75);
		expect(dry.stderr).toMatch(/^Not dispatched: Stopping: project:p budget at 50 of 50 messages; resets at 2026-11-21T00:00:00Z/);
		// A Fleet follow-up in the project folder p carries project:p by itself.
		const file = path.join(project, '.fleet', 'tasks', 'T1', 'follow-ups.yaml');
		fs.mkdirSync(path.dirname(file), {recursive: true});
		fs.writeFileSync(file, '- {id: fu-1, title: Follow up, severity: warning, prompt: check it, kind: finding}\n');
		await ok(['config', 'set', 'sources.fleet.roots', JSON.stringify([project])], home);
		const fleet = (await json(['queue', 'list', '--json'], home)).json.jobs.find((j: {source: string}) => j.source === 'fleet');
		expect(fleet.scopes).toEqual(['project:p']);
		const fleetDry = await runMain(['dispatch', fleet.id, '--dry-run'], {home, now: NOW});
		expect(fleetDry.code).toBe(75);
		expect(fleetDry.stderr).toMatch(/^Not dispatched: Stopping: project:p budget at 50 of 50 messages/);
		// auto-spend plans neither (the gate of each names the project budget).
		const plan = (await json(['auto-spend', '--dry-run', '--json'], home)).json;
		expect(plan.planned).toEqual([]);
		expect(plan.excluded).toEqual(expect.arrayContaining([
			expect.objectContaining({jobId: id, reasons: [expect.stringMatching(/^gate on solo: Stopping: project:p budget at 50 of 50 messages/)]}),
			expect.objectContaining({jobId: fleet.id, reasons: [expect.stringMatching(/^gate on solo: Stopping: project:p budget at 50 of 50 messages/)]}),
		]));
		// Another project's job still goes; a bad scope is refused like gate's.
		const other = await runMain(['queue', 'add', '--title', 'Other', '--prompt', 'work', '--cwd', project, '--scope', 'project:q', '--json'], {home, now: NOW});
		const otherDry = await runMain(['dispatch', JSON.parse(other.stdout).id, '--dry-run', '--json'], {home, now: NOW});
		expect(JSON.parse(otherDry.stdout).gate).toMatchObject({verdict: 'go'});
		const bad = await runMain(['queue', 'add', '--title', 'Bad', '--prompt', 'work', '--cwd', project, '--scope', 'team'], {home, now: NOW});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--scope: expected account:NAME, role:NAME or project:NAME, got "team"');
	});

	it('003-4 gate takes estimates in tokens, messages and credits, matched to budgets of that unit', async () => {
		const home = await roomy();
		await ok(['budget', 'set', '--scope', 'role:reviewer', '--limit', '1000000', '--unit', 'tokens', '--used', '990000', '--reset-at', '2026-11-21T00:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'project:x', '--limit', '100', '--unit', 'messages', '--used', '98', '--reset-at', '2026-11-21T00:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'role:pool', '--limit', '40', '--unit', 'credits', '--used', '30', '--reset-at', '2026-11-21T00:00:00Z'], home);
		const stop = await runMain(['gate', '--scope', 'role:reviewer', '--estimate-tokens', '20000'], {home, now: NOW});
		expect(stop.code).toBe(75);
		expect(stop.stdout.split('\n')[0]).toBe('Stopping: role:reviewer budget at 990000 + 20000 estimated of 1000000 tokens; resets at 2026-11-21T00:00:00Z');
		expect((await runMain(['gate', '--scope', 'role:reviewer', '--estimate-tokens', '5000'], {home, now: NOW})).code).toBe(0);
		// The estimate only counts against budgets of its unit.
		expect((await runMain(['gate', '--scope', 'role:reviewer', '--estimate-messages', '5000'], {home, now: NOW})).code).toBe(0);
		const messages = await runMain(['gate', '--scope', 'project:x', '--estimate-messages', '3'], {home, now: NOW});
		expect(messages.code).toBe(75);
		expect(messages.stdout).toMatch(/^Stopping: project:x budget at 98 \+ 3 estimated of 100 messages/);
		expect((await runMain(['gate', '--scope', 'project:x', '--scope', 'role:pool', '--estimate-messages', '2', '--estimate-credits', '10'], {home, now: NOW})).code).toBe(0);
		expect((await runMain(['gate', '--scope', 'project:x', '--scope', 'role:pool', '--estimate-credits', '11'], {home, now: NOW})).stdout).toMatch(/^Stopping: role:pool budget at 30 \+ 11 estimated of 40 credits/);
		expect((await runMain(['gate', '--estimate-tokens', '-1'], {home, now: NOW})).code).toBe(2);
	});

	it('003-20 status --json has budgets[]; status text and the dashboard show the budgets near or over', async () => {
		const home = await roomy();
		await ok(['budget', 'set', '--scope', 'project:p', '--limit', '50', '--unit', 'messages', '--used', '50', '--reset-at', '2026-11-21T00:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'role:ci', '--limit', '10', '--unit', 'usd', '--used', '8.5', '--reset-at', '2026-11-23T00:00:00Z', '--recurrence', 'weekly:monday'], home);
		await ok(['budget', 'set', '--scope', 'project:calm', '--limit', '100', '--unit', 'credits', '--used', '10'], home);
		const status = (await json(['status', '--json'], home)).json;
		expect(status.budgets).toEqual([
			expect.objectContaining({scope: 'project:p', unit: 'messages', used: 50, limit: 50, remaining: 0, utilization: 1, resetAt: '2026-11-21T00:00:00Z', level: 'over'}),
			expect.objectContaining({scope: 'role:ci', unit: 'usd', used: 8.5, limit: 10, level: 'near', recurrence: 'weekly:monday'}),
			expect.objectContaining({scope: 'project:calm', unit: 'credits', level: 'ok', resetAt: null}),
		]);
		const text = (await ok(['status'], home)).stdout;
		expect(text).toContain('Budgets near or over their limit (quota-tui budget status):');
		expect(text).toContain('  project:p at 50 of 50 messages (100%, over); resets 2026-11-21T00:00:00Z (in 14h)');
		expect(text).toContain('  role:ci at $8.50 of $10.00 (85%, near); resets 2026-11-23T00:00:00Z');
		expect(text).not.toContain('project:calm');
		const frame = (await ok(['dashboard'], home)).stdout;
		expect(frame).toContain('! budget project:p at 50 of 50 messages (100%, over) (+1 more) · quota-tui budget status');
	});

	it('003-29 a reset that has already passed rolls forward by its recurrence and says so, or exits 2 naming --reset-at; a project budget with --used keeps its label', async () => {
		const home = await roomy();
		const refused = await runMain(['budget', 'set', '--scope', 'project:old', '--unit', 'usd', '--limit', '5', '--used', '2', '--reset-at', '2026-11-19T08:00+02:00'], {home, now: NOW});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('--reset-at: 2026-11-19T08:00:00+02:00 has already passed (now 2026-11-20T10:00:00Z); give the next reset, or --recurrence R to roll it forward');
		expect((await json(['budget', 'status', '--json'], home)).json.budgets.filter((b: {scope: string}) => b.scope === 'project:old')).toEqual([]);
		const rolled = await ok(['budget', 'set', '--scope', 'project:old', '--unit', 'usd', '--limit', '5', '--used', '2', '--reset-at', '2026-11-19T08:00+02:00', '--recurrence', 'daily'], home);
		expect(rolled.stdout).toBe('Set project:old: 2 of 5 usd, resets 2026-11-21T08:00:00+02:00 (2026-11-21T06:00:00Z UTC), recurring daily (the reset 2026-11-19T08:00:00+02:00 has already passed: rolled forward by its recurrence daily to 2026-11-21T08:00:00+02:00)\n');
		const later = await ok(['budget', 'status', '--scope', 'project:old'], home);
		expect(later.stdout.split('\n')[0]).toBe('project:old: 2 of 5 usd (3 left)');
		expect(later.stdout).not.toContain('local logs');
	});
});

describe('seed 003: prefer a cheaper model', {timeout: 90_000}, () => {
	it('003-16 weekly Opus at 95% with the week at 40%: recommend answers the same account with sonnet, gate --model sonnet goes, dispatch runs the runner with --model sonnet', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'big', '--provider', 'manual', '--model', 'claude-opus-4-6'], home);
		await ok(['budget', 'set', '--scope', 'account:big', '--window', 'five_hour', '--used', '10', '--reset-at', FIVE_RESET], home);
		await ok(['budget', 'set', '--scope', 'account:big', '--window', 'seven_day', '--used', '40', '--reset-at', SEVEN_RESET], home);
		await ok(['budget', 'set', '--scope', 'account:big', '--window', 'seven_day_opus', '--used', '95', '--reset-at', SEVEN_RESET], home);
		const text = await runMain(['recommend'], {home, now: NOW});
		expect(text.code).toBe(0);
		expect(text.stdout).toBe('big sonnet\n');
		const rec = (await json(['recommend', '--json'], home)).json;
		expect(rec).toMatchObject({account: 'big', model: 'sonnet'});
		expect(rec.reason).toContain('weekly Opus usage at 95%; using sonnet');
		// The account's own model is still stopped; the gate says which model has room.
		const opus = await runMain(['gate', '--account', 'big'], {home, now: NOW});
		expect(opus.code).toBe(75);
		expect(opus.stdout.split('\n')[0]).toBe('Stopping: weekly Opus quota usage at 95% (configured max: 90%)');
		expect(opus.stdout).toContain('the next model down policy.modelLadder has room: weekly Opus usage at 95%; using sonnet (gate --model sonnet)');
		const sonnet = await runMain(['gate', '--account', 'big', '--model', 'sonnet', '--json'], {home, now: NOW});
		expect(sonnet.code).toBe(0);
		expect(JSON.parse(sonnet.stdout)).toMatchObject({verdict: 'go', model: 'sonnet'});
		// dispatch routes the job to sonnet: the default runner template passes --model before "--".
		const project = tempHome('qt-project-');
		const id = JSON.parse((await runMain(['queue', 'add', '--title', 'T', '--prompt', 'do it', '--cwd', project, '--json'], {home, now: NOW})).stdout).id as string;
		const dry = JSON.parse((await runMain(['dispatch', id, '--dry-run', '--json'], {home, now: NOW})).stdout);
		expect(dry.gate).toMatchObject({verdict: 'go'});
		expect(dry.argv).toEqual(['claude', '-p', '--output-format', 'json', '--model', 'sonnet', '--', 'do it']);
		// Without a model-scoped window over the threshold, no model is chosen and no --model is passed.
		await ok(['budget', 'set', '--scope', 'account:big', '--window', 'seven_day_opus', '--used', '50', '--reset-at', SEVEN_RESET], home);
		expect((await runMain(['recommend'], {home, now: NOW})).stdout).toBe('big claude-opus-4-6\n');
		const plain = JSON.parse((await runMain(['dispatch', id, '--dry-run', '--json'], {home, now: NOW})).stdout);
		expect(plain.argv).toEqual(['claude', '-p', '--output-format', 'json', '--', 'do it']);
	});
});

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

	it('003-19 with the weekly reset near (within policy.imminentMinutes), auto-spend may use the weekly quota that would expire anyway; an hour away it may not', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'solo', '--provider', 'manual'], home);
		await ok(['config', 'set', 'autoUtilization.notify', 'none'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '10', '--reset-at', '2026-11-20T14:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '75', '--reset-at', '2026-11-20T10:20:00Z'], home);
		await addJob(home, 'Critical fix ready');
		const near = JSON.parse((await ok(['auto-spend', '--dry-run', '--json'], home)).stdout);
		const solo = near.accounts.find((a: any) => a.account === 'solo');
		expect(solo).toMatchObject({idle: true, spendable: 0.25});
		expect(solo.reasons[0]).toMatch(/the weekly window resets at 2026-11-20T10:20:00Z \(within 30 min, policy\.imminentMinutes\), so its 25% headroom would expire unused: minHeadroom7d is waived/);
		expect(near.planned.map((p: any) => p.title)).toEqual(['Critical fix ready']);
		// An hour before the reset the usual rule holds.
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '75', '--reset-at', '2026-11-20T11:00:00Z'], home);
		const far = JSON.parse((await runMain(['auto-spend', '--dry-run', '--json'], {home, now: NOW})).stdout);
		expect(far.accounts[0]).toMatchObject({idle: false});
		expect(far.accounts[0].reasons.join(' ')).toContain('weekly headroom 25% is not above 30% (minHeadroom7d)');
		expect(far.planned).toEqual([]);
	});
	/* eslint-enable @typescript-eslint/no-explicit-any */
});

describe('slice A (decide): decisions on current data', {timeout: 60_000}, () => {
	it('003-30 dispatch, auto-spend and estimate read stale sources first: observed at 20 % at 10:20, the provider says 95 % at 11:00 — dispatch --dry-run stops at once', async () => {
		const {startServer, claudeDir, childPath, tempDir} = await import('../helpers/providers.js');
		const {FAKE_RUNNER} = await import('../helpers/fake-runner.js');
		const usage = (pct: number) => ({status: 200, body: JSON.stringify({five_hour: {utilization: 10, resets_at: '2026-11-20T13:00:00Z'}, seven_day: {utilization: pct, resets_at: '2026-11-24T10:00:00Z'}})});
		const server = await startServer(usage(20));
		try {
			const home = tempHome();
			const user = tempDir('qt-user-');
			const project = tempHome('qt-project-');
			fs.writeFileSync(path.join(project, 'agent'), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_RUNNER}' "$@"\n`, {mode: 0o755});
			const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false)};
			const run = (args: string[], now: string) => runMain(args, {home, now, env});
			expect((await run(['accounts', 'add', 'cl', '--provider', 'claude', '--config-dir', claudeDir(path.join(user, '.claude-cl')), '--usage-endpoint'], '2026-11-20T10:20:00Z')).code).toBe(0);
			expect((await run(['config', 'set', 'runners.claude', '["./agent", "-p", "--", "{prompt}"]'], '2026-11-20T10:20:00Z')).code).toBe(0);
			expect((await run(['status'], '2026-11-20T10:20:00Z')).stdout).toContain('20%');
			const id = JSON.parse((await run(['queue', 'add', '--title', 'T', '--prompt', 'cost=0.1 t', '--cwd', project, '--json'], '2026-11-20T10:20:00Z')).stdout).id as string;
			server.reply(usage(95));
			const reads = server.requests.length;
			const dry = await run(['dispatch', id, '--dry-run'], '2026-11-20T11:00:00Z');
			expect(server.requests.length).toBeGreaterThan(reads);
			expect(dry.code).toBe(75);
			expect(dry.stderr).toMatch(/Not dispatched: Stopping: weekly quota usage at 95%/);
			const estimate = JSON.parse((await run(['estimate', '--json'], '2026-11-20T11:00:00Z')).stdout) as {accounts: Array<{weeklyHeadroom: number}>};
			expect(estimate.accounts).toEqual([expect.objectContaining({name: 'cl', weeklyHeadroom: expect.closeTo(0.05, 6)})]);
		} finally {
			await server.close();
		}
	});
});
