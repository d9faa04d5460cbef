/**
 * Dispatch with real parts: the built CLI as real processes, a fake `claude` on PATH speaking Claude
 * Code's JSON protocol, real signals, a real SQLite file shared by every process.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner, runCliAsync, waitFor, type FakeRunner} from '../helpers/fake-runner.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T14:00:00Z';
const SEVEN_RESET = '2026-11-25T12:00:00Z';

type Setup = {home: string; runner: FakeRunner; project: string; configDir: string; env: Record<string, string>};

function setup(options: {five?: number; seven?: number; spare?: boolean} = {}): Setup {
	const home = tempHome();
	const runner = installFakeRunner();
	const project = tempHome('qt-project-');
	const configDir = tempHome('qt-claude-');
	const run = (args: string[]) => {
		const r = runCli(args, {home, now: NOW});
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
	};
	run(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', configDir, '--plan', 'max20']);
	run(['budget', 'set', '--scope', 'account:work', '--window', 'five_hour', '--used', String(options.five ?? 50), '--reset-at', FIVE_RESET]);
	run(['budget', 'set', '--scope', 'account:work', '--window', 'seven_day', '--used', String(options.seven ?? 40), '--reset-at', SEVEN_RESET]);
	if (options.spare) {
		run(['accounts', 'add', 'spare', '--provider', 'claude', '--config-dir', tempHome('qt-claude-spare-')]);
		run(['budget', 'set', '--scope', 'account:spare', '--window', 'five_hour', '--used', '10', '--reset-at', FIVE_RESET]);
		run(['budget', 'set', '--scope', 'account:spare', '--window', 'seven_day', '--used', '10', '--reset-at', SEVEN_RESET]);
	}
	return {home, runner, project, configDir, env: runner.env};
}

function addJob(s: Setup, title: string, prompt: string, extra: string[] = []): string {
	const r = runJson(['queue', 'add', '--title', title, '--prompt', prompt, '--cwd', s.project, '--json', ...extra], {home: s.home, now: NOW});
	expect(r.code).toBe(0);
	return r.json.id as string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
function jobOf(s: Setup, id: string, now = NOW): any {
	return runJson(['queue', 'list', '--all', '--json'], {home: s.home, now, env: s.env}).json.jobs.find((j: {id: string}) => j.id === id);
}

async function finished(s: Setup, id: string, timeoutMs = 15_000) {
	return waitFor(() => {
		const job = jobOf(s, id);
		return ['succeeded', 'failed', 'interrupted', 'cancelled'].includes(job.state) ? job : undefined;
	}, timeoutMs, `job ${id} to finish`);
}

describe('dispatch', () => {
	it('two dispatches of one job at the same instant: the runner runs once, the other exits 75 "already claimed"', async () => {
		const s = setup();
		const id = addJob(s, 'Race me', 'sleep=1 cost=0.1 race');
		const [a, b] = await Promise.all([
			runCliAsync(['dispatch', id], {home: s.home, now: NOW, env: s.env}),
			runCliAsync(['dispatch', id], {home: s.home, now: NOW, env: s.env}),
		]);
		const codes = [a.code, b.code].toSorted();
		expect(codes).toEqual([0, 75]);
		const loser = a.code === 75 ? a : b;
		expect(loser.stderr).toMatch(new RegExp(`^Job ${id} is already claimed \\((claimed|running) on work, by \\d+@`));
		await finished(s, id);
		expect(s.runner.runs()).toHaveLength(1);
		const decisions = runJson(['status', '--json'], {home: s.home, now: NOW}).json.decisions.filter((d: {kind: string; subject: string}) => d.kind === 'dispatch' && d.subject === id);
		expect(decisions).toHaveLength(1);
	}, 60_000);

	it('runs the runner with no shell, the prompt as one argument, in the job cwd with the account dir; records pid, exit, cost, utilization', async () => {
		const s = setup();
		const marker = path.join(s.project, 'pwned');
		const prompt = `cost=0.42 $(touch ${marker}); echo "hi" | rm -rf ~ 'q' \`id\` {cwd} {account}`;
		const id = addJob(s, 'Quote me', prompt);
		const r = runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env});
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(new RegExp(`^Dispatched ${id} "Quote me" to work: running as pid \\d+; log .*logs/${id}\\.log`));
		const job = await finished(s, id);
		const [run] = s.runner.runs();
		expect(run!.argv).toEqual(['-p', '--output-format', 'json', '--', prompt]);
		expect(run!.cwd).toBe(s.project);
		expect(run!.claudeConfigDir).toBe(s.configDir);
		expect(run!.jobId).toBe(id);
		expect(fs.existsSync(marker)).toBe(false);
		expect(job).toMatchObject({state: 'succeeded', account: 'work', exitCode: 0, signal: null, costUsd: 0.42, autoUtilization: false, pid: run!.pid});
		expect(job.utilizationBefore).toMatchObject({fiveHour: 0.5, sevenDay: 0.4, fiveHourResetsAt: FIVE_RESET});
		expect(job.utilizationAfter).toMatchObject({fiveHour: 0.5, sevenDay: 0.4});
		const log = fs.readFileSync(job.logPath, 'utf8');
		expect(log).toContain('"total_cost_usd":0.42');
		expect(log).toMatch(/=== succeeded at .* \(exit 0\), cost \$0\.42/);
	}, 60_000);

	it('kill -9 of the running job: the next queue list shows it interrupted, and nothing re-ran it', async () => {
		const s = setup();
		const id = addJob(s, 'Long job', 'sleep=30 long');
		expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		const pid = jobOf(s, id).pid as number;
		// Killed once it runs (it records itself when it starts).
		await waitFor(() => (s.runner.runs().length === 1 ? true : undefined), 10_000, 'the runner to start');
		process.kill(pid, 'SIGKILL');
		const job = await finished(s, id);
		expect(job).toMatchObject({state: 'interrupted', signal: 'SIGKILL'});
		expect(job.message).toMatch(/^interrupted: the runner was killed by SIGKILL; not re-run/);
		await new Promise(resolve => setTimeout(resolve, 1500));
		expect(jobOf(s, id).state).toBe('interrupted');
		expect(s.runner.runs()).toHaveLength(1);
		// Dispatch without a job does not pick the interrupted one.
		const again = runCli(['dispatch'], {home: s.home, now: NOW, env: s.env});
		expect(again.code).toBe(1);
		expect(again.stderr).toContain('No queued jobs');
		expect(runCli(['queue', 'requeue', id], {home: s.home, now: NOW}).stdout).toContain(`Queued ${id} again.`);
		expect(jobOf(s, id).state).toBe('queued');
	}, 60_000);

	it('a job whose supervisor and runner are both gone is found interrupted on the next refresh', async () => {
		const s = setup();
		const id = addJob(s, 'Orphan', 'sleep=30 orphan');
		expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		const running = jobOf(s, id);
		await waitFor(() => (s.runner.runs().length === 1 ? true : undefined), 10_000, 'the runner to start');
		process.kill(running.supervisorPid, 'SIGKILL');
		await new Promise(resolve => setTimeout(resolve, 300));
		// The runner outlives its supervisor: still running.
		expect(jobOf(s, id).state).toBe('running');
		process.kill(running.pid, 'SIGKILL');
		const job = await waitFor(() => (jobOf(s, id).state === 'interrupted' ? jobOf(s, id) : undefined), 10_000, 'interrupted');
		expect(job.message).toMatch(new RegExp(`^interrupted: its process \\(pid ${running.pid}\\) was found gone at .* with nobody left to record how it ended; not re-run`));
		expect(s.runner.runs()).toHaveLength(1);
	}, 60_000);

	it('queue cancel of a running job: SIGTERM, then SIGKILL after the grace period', async () => {
		const s = setup();
		const id = addJob(s, 'Stubborn', 'sleep=30 ignore-term');
		expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		await waitFor(() => (fs.existsSync(jobOf(s, id).logPath) && fs.readFileSync(jobOf(s, id).logPath, 'utf8').includes('working on') ? true : undefined), 10_000, 'runner start');
		const r = runJson(['queue', 'cancel', id, '--grace', '0.5', '--json'], {home: s.home, now: NOW, env: s.env});
		expect(r.code).toBe(0);
		expect(r.json).toMatchObject({state: 'cancelled', signals: ['SIGTERM', 'SIGKILL'], job: {state: 'cancelled', signal: 'SIGKILL'}});
		expect(fs.readFileSync(r.json.job.logPath, 'utf8')).toContain('fake runner: ignoring SIGTERM');
		// A polite runner stops at SIGTERM.
		const polite = addJob(s, 'Polite', 'sleep=30 polite');
		expect(runCli(['dispatch', polite], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		expect(runJson(['queue', 'cancel', polite, '--json'], {home: s.home, now: NOW, env: s.env}).json).toMatchObject({state: 'cancelled', signals: ['SIGTERM'], job: {state: 'cancelled', signal: 'SIGTERM'}});
	}, 60_000);

	it('jobs.timeoutMinutes stops a job that runs too long (failed, timeout); a Codex job runs runners.codex with CODEX_HOME', async () => {
		const s = setup();
		expect(runCli(['config', 'set', 'jobs.timeoutMinutes', '0.02'], {home: s.home}).code).toBe(0);
		const slow = addJob(s, 'Too slow', 'sleep=30 slow');
		expect(runCli(['dispatch', slow], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		expect(await finished(s, slow)).toMatchObject({state: 'failed', failureKind: 'timeout', signal: 'SIGTERM', message: 'timed out after 0.02 min (jobs.timeoutMinutes) and was stopped'});

		const codexHome = tempHome('qt-codex-');
		expect(runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codexHome], {home: s.home}).code).toBe(0);
		const job = addJob(s, 'Codex job', 'cost=0.2 codex work', ['--provider', 'codex']);
		// No usage data on the Codex account yet: no usable account for a Codex job (work is Claude).
		const none = runJson(['dispatch', job, '--dry-run', '--json'], {home: s.home, now: NOW, env: s.env});
		expect(none.code).toBe(75);
		expect(none.json).toMatchObject({status: 'no-account', message: expect.stringContaining(`Stopping: no usable account for job ${job} (needs codex)`)});
		expect(runCli(['budget', 'set', '--scope', 'account:cx', '--window', 'seven_day', '--used', '10', '--reset-at', SEVEN_RESET], {home: s.home, now: NOW}).code).toBe(0);
		expect(runCli(['dispatch', job], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		expect(await finished(s, job)).toMatchObject({state: 'succeeded', account: 'cx', costUsd: 0.2});
		const run = s.runner.runs().find(r => r.jobId === job)!;
		expect(run.argv).toEqual(['exec', '--json', '--', 'cost=0.2 codex work']);
		expect(run.codexHome).toBe(codexHome);
	}, 60_000);

	it('a refused credential marks the account unusable for selection until a real success (not when a day passes)', async () => {
		const s = setup({spare: true});
		const id = addJob(s, 'Doomed', 'fail=credential');
		expect(runCli(['dispatch', id, '--account', 'work'], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		const job = await finished(s, id);
		expect(job).toMatchObject({state: 'failed', failureKind: 'credential', exitCode: 1, message: 'credential refused: Invalid API key · Please run /login'});
		const rec = runJson(['recommend', '--json'], {home: s.home, now: NOW});
		expect(rec.json.account).toBe('spare');
		expect(rec.json.alternatives).toContainEqual({name: 'work', reason: expect.stringMatching(new RegExp(`^marked unusable: job ${id} failed at .* because the provider refused the credential \\(Invalid API key · Please run /login\\); cleared only by a real success`))});
		expect(runCli(['gate', '--account', 'work'], {home: s.home, now: NOW}).code).toBe(69);
		const next = addJob(s, 'Next', 'cost=0.1 next');
		const denied = runCli(['dispatch', next, '--account', 'work'], {home: s.home, now: NOW, env: s.env});
		expect(denied.code).toBe(69);
		expect(denied.stderr).toContain('Not dispatched: Denied: account work cannot be used: job');
		const decisions = runJson(['status', '--json'], {home: s.home, now: NOW}).json.decisions;
		expect(decisions).toContainEqual(expect.objectContaining({kind: 'dispatch', subject: 'work', verdict: 'unusable'}));
		// A day later it is still left out; a real success (here reported by another launcher) clears it.
		expect(runCli(['recommend'], {home: s.home, now: '2026-11-23T13:00:00Z'}).stdout.trim()).toBe('spare');
		expect(runCli(['outcome', 'work', 'ok'], {home: s.home, now: '2026-11-23T13:00:00Z'}).code).toBe(0);
		expect(runCli(['recommend'], {home: s.home, now: '2026-11-23T13:00:01Z'}).stdout.trim()).toBe('work');
	}, 60_000);

	it('learns the per-job cost of a kind from finished jobs (dollars from the runner, utilization delta from before/after)', async () => {
		const s = setup();
		const runs: Array<[string, number]> = [['0.30', 54], ['0.50', 60], ['0.70', 65]];
		for (const [index, [cost, usage]] of runs.entries()) {
			const id = addJob(s, `Finding ${index}`, `cost=${cost} usage=five_hour:${usage}@${FIVE_RESET}`, ['--kind', 'finding']);
			expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
			expect(await finished(s, id)).toMatchObject({state: 'succeeded', costUsd: Number(cost), utilizationAfter: {fiveHour: usage / 100}});
		}
		const list = runJson(['queue', 'list', '--json'], {home: s.home, now: NOW}).json;
		const finding = list.learned.find((l: {kind: string}) => l.kind === 'finding');
		expect(finding.usdSamples).toBe(3);
		expect(finding.meanUsd).toBeCloseTo(0.5, 10);
		expect(finding.pctSamples).toBe(3);
		expect(finding.meanPct).toBeCloseTo(0.05, 10);
		const fresh = runJson(['queue', 'add', '--title', 'Unestimated', '--prompt', 'p', '--cwd', s.project, '--kind', 'finding', '--json'], {home: s.home, now: NOW}).json;
		expect(fresh.estimate).toMatchObject({usdSource: 'learned', pctSource: 'learned', samples: 3, detail: '$0.50 and 5% learned from 3 finished finding jobs'});
		expect(runCli(['estimate', '--tasks', '12', '--kind', 'finding'], {home: s.home, now: NOW}).stdout.split('\n')[0]).toMatch(/^This plan has 12 tasks, estimated cost ~\$6\.00, remaining quota ~\$\d+\.\d\d$/);
		expect(runCli(['queue', 'list'], {home: s.home, now: NOW}).stdout).toContain('  finding: ~$0.50 from 3 runs, ~5% of a window from 3');
	}, 60_000);

	it('--dry-run claims nothing; the gate defers (exit 75, decision recorded); a missing runner is exit 1 and the job stays queued', () => {
		const s = setup({five: 96});
		const id = addJob(s, 'Blocked', 'p');
		const dry = runJson(['dispatch', id, '--dry-run', '--json'], {home: s.home, now: NOW, env: s.env});
		expect(dry.code).toBe(75);
		expect(dry.json).toMatchObject({dispatched: false, status: 'deferred', account: 'work', gate: {verdict: 'defer'}});
		const r = runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env});
		expect(r.code).toBe(75);
		expect(r.stderr).toContain('Not dispatched: Deferring: 5-hour quota usage at 96% + 5% estimated would pass 100%; retry after its reset at 2026-11-22T14:00:00Z');
		expect(runJson(['status', '--json'], {home: s.home, now: NOW}).json.decisions[0]).toMatchObject({kind: 'defer', subject: id, verdict: 'defer'});

		const ok = setup();
		const job = addJob(ok, 'Fine', 'p');
		const preview = runJson(['dispatch', job, '--dry-run', '--json'], {home: ok.home, now: NOW, env: ok.env});
		expect(preview.code).toBe(0);
		expect(preview.json).toMatchObject({dispatched: false, dryRun: true, status: 'dry-run', argv: ['claude', '-p', '--output-format', 'json', '--', 'p'], gate: {verdict: 'go'}});
		const missing = runCli(['dispatch', job], {home: ok.home, now: NOW, env: {PATH: '/usr/bin:/bin'}});
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('Not dispatched: the runner "claude" (runners.claude) was not found on PATH; set runners.claude to its argv template');
		expect(jobOf(ok, job).state).toBe('queued');
		expect(ok.runner.runs()).toHaveLength(0);
		expect(runCli(['dispatch', 'q-nope'], {home: ok.home, now: NOW}).code).toBe(2);
	}, 60_000);
});
