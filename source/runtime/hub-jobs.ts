/**
 * The team queue at run time (DESIGN §12): what dispatch (and so auto-spend, serve and the dashboard,
 * which dispatch through it) does before it claims a job locally, what the job's supervisor does while
 * the job runs, and how the queue's views show the team's state.
 *
 * - Claim: in team mode a job is claimed on the hub first, in one transaction (`FOR UPDATE SKIP
 *   LOCKED`) with this machine's dispatch key and a lease; a second machine is told "already claimed by
 *   HOST". Claiming is the one thing that needs the hub online: while it is unreachable nothing is
 *   dispatched (the job stays queued, exit 75), everything else goes on locally.
 * - Run: the supervisor marks the job running on the hub, renews its lease every third of
 *   `store.jobLeaseSeconds` with the log's tail, and reports how it ended. A machine that dies stops
 *   renewing: after the lease any machine's sync makes the job `interrupted` — never re-run.
 * - Views: a job another machine claimed shows that machine's state and name here.
 */
import fs from 'node:fs';
import type {Hub} from '../store/hub/client.js';
import {hubSettings} from '../store/hub/settings.js';
import {getJob, requestCancel} from '../store/jobs.js';
import {membership} from '../store/outbox.js';
import {getTeamJob, putTeamJob, teamJobsById, type TeamJob} from '../store/team-jobs.js';
import type {Context} from './context.js';
import {hubSessionOf} from './hub-sync.js';
import {signalGroup} from './process.js';

export type TeamClaim =
	| {ok: true; team: boolean; /** The local claim or start failed: give the hub claim up. */ abandon(message: string): Promise<void>}
	| {ok: false; status: 'already-claimed' | 'not-queued' | 'hub-unreachable'; message: string; machine: string | null};

const none: TeamClaim = {ok: true, team: false, abandon: async () => undefined};

const leaseMs = (ctx: Context) => Math.round(ctx.config.store.jobLeaseSeconds * 1000);

/** Claim job `id` on the hub for `account` (of `provider`), before the local claim. */
export async function teamClaim(ctx: Context, id: string, account: string, provider: string): Promise<TeamClaim> {
	const session = hubSessionOf(ctx);
	if (!session) return none;
	const machine = session.settings.machine;
	const hub = await session.connected();
	if (!hub) {
		return {ok: false, status: 'hub-unreachable', machine: null, message: `Not dispatched: in team mode a job is claimed on the team hub, and it is unreachable (see the warning above); job ${id} stays queued — retry when the hub is back`};
	}
	const claims = await import('../store/hub/claims.js');
	const {publishJobs, teamRowOf} = await import('../store/hub/team-queue.js');
	try {
		// A job queued here a moment ago may not be on the hub yet.
		if (!(await claims.getJob(hub, id))) await publishJobs(hub, ctx.db, ctx.clock.now());
		const dispatchKey = claims.newDispatchKey();
		const claimed = await claims.claimJob(hub, {machine, accounts: [account], providers: [provider], dispatchKey, leaseMs: leaseMs(ctx), jobId: id});
		if (!claimed) {
			const current = await claims.getJob(hub, id);
			if (current) putTeamJob(ctx.db, teamRowOf(current, 0, ctx.clock.now()));
			if (current && (current.state === 'claimed' || current.state === 'running')) {
				return {ok: false, status: 'already-claimed', machine: current.claimedBy, message: `Job ${id} is already claimed by ${current.claimedBy ?? 'another machine'} (${current.state}${current.claimedAccount ? ` on ${current.claimedAccount}` : ''} since ${current.claimedAt ?? 'an unknown time'}); not dispatched again.`};
			}
			if (current && current.state !== 'queued') {
				return {ok: false, status: 'not-queued', machine: current.claimedBy, message: `Job ${id} is ${current.state} on the team hub${current.claimedBy ? ` (by ${current.claimedBy})` : ''}, not queued.`};
			}
			return {ok: false, status: 'not-queued', machine: null, message: `Job ${id} cannot be claimed on the team hub for ${account} (its affinity names another machine, account or provider, or it is not due yet).`};
		}
		putTeamJob(ctx.db, {...teamRowOf(claimed, 0, ctx.clock.now()), dispatchKey});
		return {
			ok: true,
			team: true,
			async abandon(message) {
				await claims.finishJob(hub, {jobId: id, dispatchKey, state: 'failed', message}).catch(() => undefined);
				const after = await claims.getJob(hub, id).catch(() => null);
				if (after) putTeamJob(ctx.db, teamRowOf(after, 0, ctx.clock.now()));
			},
		};
	} catch (error) {
		return {ok: false, status: 'hub-unreachable', machine: null, message: `Not dispatched: the team hub failed while claiming job ${id} (${(error as Error).message}); it stays queued`};
	}
}

export type TeamCancel =
	| {team: false}
	| {team: true; state: 'cancelled' | 'already-ended' | 'pending'; machine: string | null; message: string};

/**
 * Cancel job `id` for the whole team (after the local cancel): on the hub a queued job never runs
 * anywhere and a running one is stopped by the machine running it at its next lease renewal. With the
 * hub unreachable the cancel waits in this database and goes out with the next sync.
 */
export async function teamCancel(ctx: Context, id: string): Promise<TeamCancel> {
	const session = hubSessionOf(ctx);
	if (!session || !membership(ctx.db)) return {team: false};
	const queue = await import('../store/hub/team-queue.js');
	const hub = await session.connected();
	const pending = (): TeamCancel => {
		queue.addPendingCancel(ctx.db, id, ctx.clock.now());
		return {team: true, state: 'pending', machine: null, message: `the team hub is unreachable: the cancel of ${id} goes to the other machines with the next sync`};
	};
	if (!hub) return pending();
	try {
		const {changed, job} = await queue.cancelOnHub(hub, ctx.db, id, ctx.clock.now());
		if (!job) return {team: false};
		const elsewhere = job.claimedBy !== null && job.claimedBy !== session.settings.machine ? job.claimedBy : null;
		if (!changed) return {team: true, state: 'already-ended', machine: job.claimedBy, message: `on the team hub it had already ended (${job.state}${job.claimedBy ? ` on ${job.claimedBy}` : ''})`};
		const stopSeconds = Math.round(leaseMs(ctx) / 3000);
		return {
			team: true, state: 'cancelled', machine: elsewhere,
			message: elsewhere ? `cancelled on the team hub; ${elsewhere} stops its run within ${stopSeconds} s` : 'cancelled on the team hub: no machine will run it',
		};
	} catch {
		return pending();
	}
}

/** The team's state of each job, for views: who holds a job another machine claimed, where, how it ended. */
export type TeamView = {state: TeamJob['state']; /** This machine claimed it. */ here: boolean; machine: string | null; account: string | null; createdBy: string; message: string | null; logTail: string | null};

/**
 * Overlay the team state on local job views: a job this machine did not claim shows the hub's state,
 * machine and account (a job queued here but run elsewhere is not "queued" here any more).
 */
export function withTeamState<T extends {id: string; state: string; account: string | null; claimedBy: string | null; message: string | null}>(ctx: Context, jobs: readonly T[]): Array<T & {team: TeamView | null}> {
	if (!membership(ctx.db)) return jobs.map(job => ({...job, team: null}));
	const team = teamJobsById(ctx.db);
	return jobs.map(job => {
		const row = team.get(job.id);
		if (!row) return {...job, team: null};
		const view: TeamView = {state: row.state, here: row.dispatchKey !== null, machine: row.machine, account: row.account, createdBy: row.createdBy, message: row.message, logTail: row.logTail};
		// Run here (or still queued everywhere): the local record is the fuller one.
		if (row.dispatchKey !== null || row.state === 'queued' || job.state !== 'queued') return {...job, team: view};
		return {...job, state: row.state, account: row.account, claimedBy: row.machine, message: row.message, team: view};
	});
}

/** True when the team has taken job `id` elsewhere (claimed, run or ended on another machine, or cancelled). */
export function takenByTeam(ctx: Context, id: string): boolean {
	const row = getTeamJob(ctx.db, id);
	return row !== null && row.state !== 'queued' && row.dispatchKey === null;
}

// ---------------------------------------------------------------------------------------------------
// The supervisor's side

export type TeamRun = {finish(): Promise<void>};

const TAIL_BYTES = 2048;

function tail(file: string | null): string | undefined {
	if (!file) return undefined;
	try {
		const size = fs.statSync(file).size;
		const length = Math.min(size, TAIL_BYTES);
		const buffer = Buffer.alloc(length);
		const fd = fs.openSync(file, 'r');
		try {
			fs.readSync(fd, buffer, 0, length, size - length);
		} finally {
			fs.closeSync(fd);
		}
		return buffer.toString('utf8');
	} catch {
		return undefined;
	}
}

/** The team cancelled a job this machine runs: the supervisor's own cancel path (SIGTERM, then SIGKILL). */
function stopCancelled(ctx: Context, id: string): void {
	if (!requestCancel(ctx.db, id, ctx.clock.now())) return;
	const job = getJob(ctx.db, id);
	if (job?.pid == null) return;
	signalGroup(job.pid, 'SIGTERM');
	const pid = job.pid;
	setTimeout(() => {
		const now = getJob(ctx.db, id);
		if (now && (now.state === 'running' || now.state === 'claimed')) signalGroup(pid, 'SIGKILL');
	}, STOP_GRACE_MS).unref();
}

const STOP_GRACE_MS = 10_000;

/**
 * Start keeping the hub claim of job `id` (when this machine claimed it on the hub): running on the
 * hub, the lease renewed with the log's tail until `finish()` reports the local outcome. Undefined when
 * the job is not a team claim of this machine. A hub that cannot be reached is not retried here: the
 * run goes on, the lease lapses, and a late report is kept aside on the hub (`late_result`).
 */
export async function startTeamRun(ctx: Context, id: string): Promise<TeamRun | undefined> {
	const row = getTeamJob(ctx.db, id);
	if (!row?.dispatchKey || !membership(ctx.db)) return undefined;
	const settings = hubSettings(ctx.config, ctx.env);
	if (!settings) return undefined;
	const dispatchKey = row.dispatchKey;
	const lease = leaseMs(ctx);
	const {connectHub} = await import('../store/hub/client.js');
	const claims = await import('../store/hub/claims.js');
	let hub: Hub | undefined;
	try {
		hub = await connectHub(settings, {max: 1});
		const job = getJob(ctx.db, id);
		await claims.startJob(hub, {jobId: id, dispatchKey, account: job?.account ?? row.account ?? '', leaseMs: lease});
	} catch {
		await hub?.close();
		return undefined;
	}
	const connected = hub;
	const timer = setInterval(() => {
		void claims.renewJobLease(connected, {jobId: id, dispatchKey, leaseMs: lease, logTail: tail(getJob(ctx.db, id)?.logPath ?? null)})
			.then(answer => {
				// Cancelled by another machine (queue cancel there): stop the run as a local cancel would.
				if (!answer.ok && answer.state === 'cancelled') stopCancelled(ctx, id);
			})
			.catch(() => undefined);
	}, Math.max(500, Math.floor(lease / 3)));
	return {
		async finish() {
			clearInterval(timer);
			const job = getJob(ctx.db, id);
			try {
				if (job && ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) {
					const state = job.state === 'interrupted' ? 'failed' : (job.state as 'succeeded' | 'failed' | 'cancelled');
					const done = await claims.finishJob(connected, {
						jobId: id, dispatchKey, state, exitCode: job.exitCode, message: job.message, logTail: tail(job.logPath),
						result: {costUsd: job.costUsd, account: job.account, machine: settings.machine, localState: job.state},
					});
					const {teamRowOf} = await import('../store/hub/team-queue.js');
					if (done.job) putTeamJob(ctx.db, teamRowOf(done.job, 0, ctx.clock.now()));
				}
			} catch {
				// The lease lapses; the job is interrupted on the hub, the local record keeps the outcome.
			} finally {
				await connected.close();
			}
		},
	};
}
