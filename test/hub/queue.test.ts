/**
 * One queue for the team, against the real PostgreSQL server: "machines" are CLI runs with their own
 * QUOTA_TUI_HOME and QUOTA_TUI_MACHINE (in-process; real processes where machines race for a job), a
 * fake `claude` runner on PATH (one record of every run, whichever machine started it) and a project
 * directory they all see.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, expect, it} from 'vitest';
import {runCli, runCliAsync, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner, runCliAsync as spawnCliAsync, waitFor, type FakeRunner} from '../helpers/fake-runner.js';
import {describeHub, freshSchema, hubText, machineEnv, startProxy, type Proxy, type TestSchema} from '../helpers/hub.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T14:00:00Z';
const SEVEN_RESET = '2026-11-25T12:00:00Z';

let t: TestSchema;
let runner: FakeRunner;
let project: string;
let proxy: Proxy | undefined;

beforeEach(async () => {
	t = await freshSchema();
	runner = installFakeRunner();
	project = tempHome('qt-project-');
});
afterEach(async () => {
	await proxy?.close();
	proxy = undefined;
	await t.drop();
});

type Machine = {name: string; home: string; env: Record<string, string>};

/** A machine with one Claude account "work" (its own login directory, usage entered by hand), joined to the hub. */
function machine(name: string, config: Record<string, unknown> = {}, url?: string): Machine {
	const home = tempHome(`qt-${name}-`);
	const env = {...machineEnv(t.schema, name, url), ...runner.env};
	const local = (args: string[]) => expect(runCli(args, {home, now: NOW}).code).toBe(0);
	local(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', tempHome(`qt-claude-${name}-`), '--plan', 'max']);
	local(['budget', 'set', '--scope', 'account:work', '--window', 'five_hour', '--used', '30', '--reset-at', FIVE_RESET]);
	local(['budget', 'set', '--scope', 'account:work', '--window', 'seven_day', '--used', '30', '--reset-at', SEVEN_RESET]);
	if (Object.keys(config).length > 0) {
		const file = path.join(home, 'config.json');
		const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
		fs.writeFileSync(file, JSON.stringify({...current, ...config}));
	}
	return {name, home, env};
}

/** A command on machine `m`, in-process (test/helpers/cli.ts). */
const run = (m: Machine, args: string[]) => runCliAsync(args, {home: m.home, now: NOW, env: m.env});
/** The same as a real process of its own: for races between machines, where the process boundary is the point. */
const spawned = (m: Machine, args: string[]) => spawnCliAsync(args, {home: m.home, now: NOW, env: m.env});

async function ok(m: Machine, args: string[]) {
	const result = await run(m, args);
	expect(result.code, `${m.name} ${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result;
}

/**
 * Machines that joined one hub; a job's lease lasts `leaseSeconds` (long enough for a supervisor to start
 * on a loaded machine). They wait up to 20 s for the hub: on a loaded 2-core machine three processes
 * connecting at once can take longer than the default 3 s, and these tests are about claims, not that.
 */
async function team(leaseSeconds: number, ...names: string[]): Promise<Machine[]> {
	const machines = names.map(name => machine(name, {store: {jobLeaseSeconds: leaseSeconds, hubTimeoutSeconds: 20}}));
	await ok(machines[0]!, ['team', 'init']);
	for (const m of machines) await ok(m, ['team', 'join']);
	return machines;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
function jobOn(m: Machine, id: string): any {
	return runJson(['queue', 'list', '--all', '--json'], {home: m.home, now: NOW, env: m.env}).json.jobs.find((j: {id: string}) => j.id === id);
}

describeHub('one queue across machines', {timeout: 240_000}, () => {
	it('a job queued on one machine, dispatched by three at once: it runs once; the others are told "already claimed by HOST"; every machine sees where it ran and how it ended', async () => {
		const [alpha, beta, gamma] = (await team(30, 'alpha', 'beta', 'gamma')) as [Machine, Machine, Machine];
		const added = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Team race', '--prompt', 'sleep=1 cost=0.2 team race', '--cwd', project, '--json'])).stdout) as {id: string};
		// The job reached the others (their next command pulls it).
		expect(jobOn(beta, added.id)).toMatchObject({state: 'queued', source: 'team', team: {state: 'queued', createdBy: 'alpha'}});

		const results = await Promise.all([alpha, beta, gamma].map(m => spawned(m, ['dispatch', added.id])));
		const winners = results.filter(r => r.code === 0);
		const losers = results.filter(r => r.code === 75);
		expect(winners, results.map(r => r.stderr).join('\n')).toHaveLength(1);
		expect(losers, results.map(r => `${r.code}: ${r.stderr}`).join('\n')).toHaveLength(2);
		const winner = [alpha, beta, gamma][results.indexOf(winners[0]!)]!;
		for (const loser of losers) expect(loser.stderr).toMatch(new RegExp(`^Job ${added.id} is already claimed by ${winner.name} \\((claimed|running) on work since `));

		await waitFor(() => (jobOn(winner, added.id).state === 'succeeded' ? true : undefined), 20_000, 'the job to finish on the winner');
		expect(runner.runs().filter(r => r.jobId === added.id)).toHaveLength(1);
		for (const other of [alpha, beta, gamma].filter(m => m !== winner)) {
			let last: unknown;
			const seen = await waitFor(() => {
				const job = jobOn(other, added.id);
				last = job;
				return job.state === 'succeeded' ? job : undefined;
			}, 20_000, `the outcome on ${other.name}`).catch(error => {
				throw new Error(`${(error as Error).message}: ${JSON.stringify(last)}`);
			});
			expect(seen).toMatchObject({state: 'succeeded', account: 'work', team: {machine: winner.name, here: false}});
			expect(seen.team.logTail).toContain('succeeded');
			const text = runCli(['queue', 'list'], {home: other.home, now: NOW, env: other.env}).stdout;
			expect(text).toContain(`succeeded on ${winner.name}`);
		}
		// The winner's dispatch decision reached the others, saying which machine made it.
		const [{n}] = (await t.sql`SELECT count(*)::int AS n FROM decisions WHERE kind = 'dispatch' AND subject = ${added.id}`) as unknown as [{n: number}];
		expect(n).toBe(1);
		// No credential crossed: the login directories' tokens are nowhere on the hub.
		expect(await hubText(t.sql)).not.toContain('accessToken');
	});

	it('killing the machine running a job makes it interrupted on every machine after the lease (never re-run)', async () => {
		const [alpha, beta] = (await team(6, 'alpha', 'beta')) as [Machine, Machine];
		const added = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Long one', '--prompt', 'sleep=60 long', '--cwd', project, '--json'])).stdout) as {id: string};
		await ok(alpha, ['dispatch', added.id]);
		const running = await waitFor(() => {
			const job = jobOn(alpha, added.id);
			return job.state === 'running' && job.pid ? job : undefined;
		}, 20_000, 'the job to run');
		const [hubRow] = await t.sql`SELECT state, claimed_by FROM jobs WHERE id = ${added.id}`;
		expect(hubRow).toMatchObject({state: 'running', claimed_by: 'alpha'});
		// The machine dies: its supervisor and the runner go at once (no outcome is reported).
		process.kill(running.supervisorPid, 'SIGKILL');
		process.kill(-running.pid, 'SIGKILL');
		// Interrupted once the lease (6 s from alpha's last renewal) has expired: beta's next look says so.
		const onBeta = await waitFor(() => {
			const job = jobOn(beta, added.id);
			return job.state === 'interrupted' ? job : undefined;
		}, 20_000, 'interrupted on beta');
		expect(onBeta.team).toMatchObject({state: 'interrupted', machine: 'alpha'});
		expect(onBeta.message).toMatch(/lease expired at .*: alpha stopped renewing it \(the job is not run again\)/);
		expect(jobOn(alpha, added.id).state).toBe('interrupted');
		// Nobody runs it again.
		const again = await run(beta, ['dispatch', added.id]);
		expect(again.code).not.toBe(0);
		expect(runner.runs().filter(r => r.jobId === added.id)).toHaveLength(1);
	});

	it('claiming needs the hub: while it is unreachable dispatch exits 75 within the timeout, runs nothing and leaves the job queued; once it is back the job runs', async () => {
		proxy = await startProxy();
		const alpha = machine('alpha', {}, proxy.url);
		await ok(alpha, ['team', 'init']);
		await ok(alpha, ['team', 'join']);
		const added = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Offline', '--prompt', 'cost=0.1 offline', '--cwd', project, '--json'])).stdout) as {id: string};
		expect((await ok(alpha, ['queue', 'list'])).stderr).toBe('');
		// The hub stops answering (connections accepted, never served); a command waits at most 1 s for it.
		const file = path.join(alpha.home, 'config.json');
		fs.writeFileSync(file, JSON.stringify({...JSON.parse(fs.readFileSync(file, 'utf8')), store: {hubTimeoutSeconds: 1}}));
		await proxy.cut('blackhole');
		const started = performance.now();
		const refused = await run(alpha, ['dispatch', added.id]);
		const ms = performance.now() - started;
		expect(refused.code).toBe(75);
		expect(refused.stderr).toMatch(/^team mode: cannot reach the team hub at postgres:\/\/127\.0\.0\.1:\d+\/\w+: .*; working on local data/m);
		expect(refused.stderr).toContain(`Not dispatched: in team mode a job is claimed on the team hub, and it is unreachable (see the warning above); job ${added.id} stays queued`);
		expect(ms).toBeLessThan(20_000);
		expect(runner.runs()).toHaveLength(0);
		expect(jobOn(alpha, added.id).state).toBe('queued');
		await proxy.resume();
		fs.writeFileSync(file, JSON.stringify({...JSON.parse(fs.readFileSync(file, 'utf8')), store: {}}));
		// The failure is remembered for 30 s (no command pays the timeout twice): a later instant tries again.
		const later = await runCliAsync(['dispatch', added.id], {home: alpha.home, now: '2026-11-22T12:01:00Z', env: alpha.env});
		expect(later.code, later.stderr).toBe(0);
		await waitFor(() => (runner.runs().length === 1 ? true : undefined), 20_000, 'the job to run');
	});

	it('queue cancel is the team\'s: a queued job cancelled on one machine never runs on another; a job running on another machine stops within a third of its lease', async () => {
		const [alpha, beta] = (await team(6, 'alpha', 'beta')) as [Machine, Machine];
		// Queued on alpha, cancelled on beta: alpha cannot dispatch it any more.
		const queued = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Not wanted', '--prompt', 'sleep=1 never', '--cwd', project, '--json'])).stdout) as {id: string};
		expect(jobOn(beta, queued.id)).toMatchObject({state: 'queued', team: {state: 'queued'}});
		const cancelled = await ok(beta, ['queue', 'cancel', queued.id]);
		expect(cancelled.stdout).toContain('Team: cancelled on the team hub: no machine will run it.');
		const refused = await run(alpha, ['dispatch', queued.id]);
		expect(refused.code).not.toBe(0);
		expect(jobOn(alpha, queued.id)).toMatchObject({team: {state: 'cancelled'}});

		// Running on alpha, cancelled from beta: alpha's supervisor stops the runner at its next renewal (2 s).
		const long = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Long one', '--prompt', 'sleep=60 long', '--cwd', project, '--json'])).stdout) as {id: string};
		await ok(alpha, ['dispatch', long.id]);
		await waitFor(() => (jobOn(alpha, long.id).state === 'running' ? true : undefined), 20_000, 'the job to run');
		const stop = await ok(beta, ['queue', 'cancel', long.id]);
		expect(stop.stdout).toContain('Team: cancelled on the team hub; alpha stops its run within 2 s.');
		const ended = await waitFor(() => {
			const job = jobOn(alpha, long.id);
			return job.state === 'cancelled' ? job : undefined;
		}, 20_000, 'the run on alpha to stop');
		expect(ended.state).toBe('cancelled');
		const [row] = await t.sql`SELECT state, message FROM jobs WHERE id = ${long.id}`;
		expect(row).toMatchObject({state: 'cancelled', message: 'cancelled on beta while it ran on alpha'});
		expect(runner.runs().filter(r => r.jobId === queued.id)).toHaveLength(0);
	});
});

describeHub('budget scopes travel with team jobs', {timeout: 120_000}, () => {
	it('a job queued with --scope project:p on one machine is gated by the project budget on another (scopes travel in the hub payload)', async () => {
		const [alpha, beta] = (await team(30, 'alpha', 'beta')) as [Machine, Machine];
		await ok(alpha, ['budget', 'set', '--scope', 'project:p', '--limit', '50', '--unit', 'messages', '--used', '50', '--reset-at', SEVEN_RESET]);
		const added = JSON.parse((await ok(alpha, ['queue', 'add', '--title', 'Scoped', '--prompt', 'cost=0.1 scoped', '--cwd', project, '--scope', 'project:p', '--json'])).stdout) as {id: string};
		expect(jobOn(beta, added.id)).toMatchObject({source: 'team', scopes: ['project:p']});
		const dry = await run(beta, ['dispatch', added.id, '--dry-run']);
		expect(dry.code).toBe(75);
		expect(dry.stderr).toMatch(/Stopping: project:p budget at 50 of 50 messages/);
	});
});
