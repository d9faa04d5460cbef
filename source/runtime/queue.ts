/**
 * The follow-up queue at runtime (DESIGN §7.4): bring Fleet follow-ups into the queue, find jobs whose
 * process is gone (they become `interrupted`, never re-run silently), stop running jobs, and present
 * jobs with their resolved estimates in queue order.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {
	compareJobs,
	learnEstimates,
	promoteLongTail,
	resolveEstimate,
	type EstimateDefaults,
	type Learned,
	type ResolvedEstimate,
	type UtilizationPoint,
} from '../engine/jobs.js';
import {dashPromptWarning} from '../engine/prompt-safety.js';
import {isoAt, MINUTE} from '../engine/time.js';
import type {AccountState} from '../engine/types.js';
import {longTailJobId, readFleetFollowUps} from '../providers/fleet.js';
import type {Config} from '../store/config.js';
import {
	cancelQueuedJob,
	finishedJobs,
	finishJob,
	getJob,
	listJobs,
	requestCancel,
	syncSourceJobs,
	type NewJob,
	type StoredJob,
	type SyncResult,
} from '../store/jobs.js';
import {localOffsetMinutes} from './collect.js';
import type {Context} from './context.js';
import {teamCancel, withTeamState, type TeamCancel, type TeamView} from './hub-jobs.js';
import {localClaimerPid, processAlive, signalGroup} from './process.js';

export type JobView = StoredJob & {
	estimate: ResolvedEstimate;
	/** Time since the job was created, at `now`. */
	ageMs: number;
	/** Run time so far (running) or in total (finished); null when it never started. */
	elapsedMs: number | null;
	/** Team mode: the job's state on the team hub (which machine claimed it, where it ran); null otherwise. */
	team?: TeamView | null | undefined;
};

export type HeldLongTail = {module: string; cwd: string; ids: string[]};

export type QueueRead = {
	jobs: JobView[];
	/** Problems with the sources (bad Fleet entries, unreadable roots), one sentence each. */
	warnings: string[];
	/** Long-tail follow-ups waiting for more on their module. */
	held: HeldLongTail[];
	/** What finished jobs taught, per kind. */
	learned: Learned[];
};

/** Local ISO instant of `now` (the offset of the machine's zone). */
export function localIso(now: number): string {
	return isoAt(now, localOffsetMinutes(now));
}

export function estimateDefaults(config: Config): EstimateDefaults {
	return {usd: config.jobs.defaultEstimateUsd, pct: config.jobs.defaultEstimatePct, durationMs: config.jobs.defaultEstimateMinutes * MINUTE};
}

/** Learned estimates per kind from the finished jobs in the database. */
export function learned(ctx: Context): Map<string, Learned> {
	return learnEstimates(finishedJobs(ctx.db));
}

/** The utilization of an account's 5-hour and 7-day windows at `now` (recorded before and after a job). */
export function utilizationPoint(state: AccountState | undefined, now: number): UtilizationPoint | null {
	if (!state) return null;
	const five = state.windows.find(w => w.kind === 'five_hour');
	const seven = state.windows.find(w => w.kind === 'seven_day');
	if (!five && !seven) return null;
	return {
		at: localIso(now),
		fiveHour: five?.utilization ?? null,
		fiveHourResetsAt: five?.resetsAt ?? null,
		sevenDay: seven?.utilization ?? null,
		sevenDayResetsAt: seven?.resetsAt ?? null,
	};
}

// ---------------------------------------------------------------------------------------------------
// Sources

export type SourceSyncResult = {warnings: string[]; held: HeldLongTail[]; sync: SyncResult | null};

/**
 * Read the Fleet follow-ups under `sources.fleet.roots` and bring the queue in line (new entries
 * queued, changed ones updated, closed or vanished ones withdrawn while still queued). Never throws:
 * problems come back as warnings.
 */
export function syncSources(ctx: Context, now: number): SourceSyncResult {
	const roots = ctx.config.sources.fleet.roots;
	if (roots.length === 0) return {warnings: [], held: [], sync: null};
	const read = readFleetFollowUps(roots, ctx.env['HOME'] || undefined);
	const promotion = promoteLongTail(read.items, longTailJobId);
	const jobs: NewJob[] = promotion.jobs.map(item => ({
		id: item.id,
		title: item.title,
		prompt: item.prompt,
		cwd: item.cwd,
		severity: item.severity,
		createdAt: item.createdAt,
		source: 'fleet',
		sourceRef: item.ref,
		// A promoted long-tail job goes with its first member's file (withdrawn when its members change).
		sourceFile: item.sourceFile ?? null,
		sourceHash: createHash('sha1').update(JSON.stringify([item.title, item.prompt, item.severity, item.createdAt, item.kind, item.module, item.estimateUsd, item.provider ?? null, item.cwd])).digest('hex'),
		kind: item.kind,
		module: item.module,
		provider: item.provider ?? null,
		estimateUsd: item.estimateUsd,
	}));
	const closed = new Map(read.closed.map(entry => [entry.jobId, `withdrawn: marked "${entry.status}" in ${entry.file}`]));
	const dashWarnings = promotion.jobs.flatMap(item => dashPromptWarning(`Fleet follow-up ${item.ref ?? item.id}`, item.prompt) ?? []);
	try {
		const sync = syncSourceJobs(ctx.db, 'fleet', {jobs, filesRead: read.filesRead, closed}, now);
		return {warnings: [...read.warnings, ...dashWarnings], held: promotion.held, sync};
	} catch (error) {
		return {warnings: [...read.warnings, ...dashWarnings, `could not update the queue from Fleet follow-ups: ${(error as Error).message}`], held: promotion.held, sync: null};
	}
}

// ---------------------------------------------------------------------------------------------------
// Supervision

/** How long a claim may wait for its supervisor before it counts as abandoned. */
const CLAIM_GRACE_MS = 2 * MINUTE;

/**
 * Find claimed and running jobs whose processes are gone and mark them `interrupted` (never re-run).
 * A running job stays running while its supervisor or its runner process is alive. Returns the ids
 * marked interrupted.
 */
export function reconcileJobs(ctx: Context, now: number): string[] {
	const interrupted: string[] = [];
	for (const job of listJobs(ctx.db, {states: ['claimed', 'running'], includeRemoved: true})) {
		if (processAlive(job.supervisorPid, job.supervisorStart)) continue;
		let why: string | undefined;
		if (job.state === 'running') {
			if (processAlive(job.pid, job.pidStart)) continue;
			why = `interrupted: its process${job.pid ? ` (pid ${job.pid})` : ''} was found gone at ${localIso(now)} with nobody left to record how it ended; not re-run (quota-tui queue requeue ${job.id} runs it again)`;
		} else {
			const claimer = localClaimerPid(job.claimedBy);
			const recent = job.claimedAtMs !== null && now - job.claimedAtMs < CLAIM_GRACE_MS;
			if (job.supervisorPid === null && claimer !== undefined && processAlive(claimer) && recent) continue;
			if (job.supervisorPid === null && claimer === undefined && recent) continue;
			why = `interrupted: claimed by ${job.claimedBy ?? 'an unknown process'} but its runner never started (the dispatching process is gone); not re-run`;
		}
		if (finishJob(ctx.db, job.id, {state: 'interrupted', at: localIso(now), message: why})) interrupted.push(job.id);
	}
	return interrupted;
}

export type CancelOutcome = {
	state: 'cancelled' | 'already-finished' | 'missing' | 'stopping';
	job: StoredJob | null;
	/** The signals sent, in order. */
	signals: NodeJS.Signals[];
	message: string;
	/** Team mode: what the cancel did on the hub. */
	team?: TeamCancel | undefined;
};

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Cancel a job: a queued one is cancelled at once; a running one gets SIGTERM (its whole process
 * group), then SIGKILL when it is still alive after `graceMs`. The supervisor records the outcome as
 * `cancelled`; when no supervisor is left, this call records it.
 */
export async function cancelJob(ctx: Context, id: string, options: {graceMs: number; now: () => number}): Promise<CancelOutcome> {
	const outcome = await cancelHere(ctx, id, options);
	if (outcome.state !== 'cancelled' && outcome.state !== 'stopping') return outcome;
	// Team mode: the job is cancelled on the hub too, so no other machine runs it (or goes on running it).
	const team = await teamCancel(ctx, id);
	return team.team ? {...outcome, team, message: `${outcome.message} Team: ${team.message}.`} : outcome;
}

async function cancelHere(ctx: Context, id: string, options: {graceMs: number; now: () => number}): Promise<CancelOutcome> {
	const job = getJob(ctx.db, id);
	if (!job || job.removed) return {state: 'missing', job: null, signals: [], message: `no job ${id}`};
	if (job.state === 'queued' || job.state === 'paused_quota') {
		cancelQueuedJob(ctx.db, id, 'cancelled by the user before it started', options.now());
		return {state: 'cancelled', job: getJob(ctx.db, id), signals: [], message: `Cancelled ${id} (it had not started).`};
	}
	if (job.state !== 'claimed' && job.state !== 'running') {
		return {state: 'already-finished', job, signals: [], message: `${id} has already finished (${job.state}); nothing to cancel`};
	}
	requestCancel(ctx.db, id, options.now());
	const signals: NodeJS.Signals[] = [];
	const current = () => getJob(ctx.db, id);
	const pidOf = () => current()?.pid ?? null;
	const runnerAlive = () => {
		const now = current();
		return now !== null && processAlive(now.pid, now.pidStart);
	};
	// A claim whose runner has not started yet: the supervisor sees the request before it spawns.
	for (let waited = 0; pidOf() === null && current()?.state === 'claimed' && waited < 3000; waited += 50) await sleep(50);
	const pid = pidOf();
	if (pid !== null && runnerAlive()) {
		signalGroup(pid, 'SIGTERM');
		signals.push('SIGTERM');
		const deadline = Date.now() + options.graceMs;
		while (runnerAlive() && Date.now() < deadline) await sleep(50);
		if (runnerAlive()) {
			signalGroup(pid, 'SIGKILL');
			signals.push('SIGKILL');
			for (let waited = 0; runnerAlive() && waited < 5000; waited += 50) await sleep(50);
		}
	}
	// Give the supervisor a moment to record the end; record it ourselves when it is gone.
	for (let waited = 0; waited < 5000; waited += 50) {
		const now = current();
		if (!now || (now.state !== 'claimed' && now.state !== 'running')) break;
		if (!processAlive(now.supervisorPid, now.supervisorStart)) {
			finishJob(ctx.db, id, {state: 'cancelled', at: localIso(options.now()), signal: signals.at(-1) ?? null, message: `cancelled by the user${signals.length > 0 ? ` (${signals.join(', then ')})` : ''}`});
			break;
		}
		await sleep(50);
	}
	const final = current();
	const done = final !== null && final.state !== 'claimed' && final.state !== 'running';
	return {
		state: done ? 'cancelled' : 'stopping',
		job: final,
		signals,
		message: done
			? `Cancelled ${id}${signals.length > 0 ? ` (sent ${signals.join(', then ')})` : ''}: ${final.state}.`
			: `Asked ${id} to stop (sent ${signals.join(', then ') || 'no signal'}); it has not ended yet.`,
	};
}

// ---------------------------------------------------------------------------------------------------
// Views

const ACTIVE_RANK: Record<string, number> = {running: 0, claimed: 1, queued: 2};

/** Display order: running and claimed first, then queued in queue order, then finished (newest first). */
export function displayOrder(a: StoredJob, b: StoredJob): number {
	const ra = ACTIVE_RANK[a.state] ?? 3;
	const rb = ACTIVE_RANK[b.state] ?? 3;
	if (ra !== rb) return ra - rb;
	if (ra === 2) return compareJobs(a, b);
	if (ra < 2) return (a.startedAtMs ?? a.claimedAtMs ?? 0) - (b.startedAtMs ?? b.claimedAtMs ?? 0);
	return (b.finishedAtMs ?? b.claimedAtMs ?? 0) - (a.finishedAtMs ?? a.claimedAtMs ?? 0) || compareJobs(a, b);
}

export function jobView(job: StoredJob, learnedByKind: ReadonlyMap<string, Learned>, defaults: EstimateDefaults, now: number): JobView {
	const elapsedMs = job.startedAtMs === null ? null : Math.max(0, (job.finishedAtMs ?? now) - job.startedAtMs);
	return {
		...job,
		estimate: resolveEstimate(job, learnedByKind.get(job.kind), defaults),
		ageMs: Math.max(0, now - job.createdAtMs),
		elapsedMs,
	};
}

export type ReadQueueOptions = {
	/** Also finished jobs older than a day. */
	all?: boolean;
	/** Read the sources and reconcile processes first (default true). */
	refresh?: boolean;
	/** With refresh: also read the sources (Fleet files); false reconciles processes only. @default true */
	sync?: boolean;
};

/** The queue at `now`: sources synced, gone processes reconciled, jobs in display order. */
export function readQueue(ctx: Context, now: number, options: ReadQueueOptions = {}): QueueRead {
	let sources: SourceSyncResult = {warnings: [], held: [], sync: null};
	if (options.refresh !== false) {
		if (options.sync !== false) sources = syncSources(ctx, now);
		reconcileJobs(ctx, now);
	}
	const learnedByKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	const recent = now - 24 * 60 * MINUTE;
	const jobs = listJobs(ctx.db)
		.filter(job => options.all || !['succeeded', 'failed', 'interrupted', 'cancelled'].includes(job.state) || (job.finishedAtMs ?? job.claimedAtMs ?? job.createdAtMs) >= recent)
		.toSorted(displayOrder)
		.map(job => jobView(job, learnedByKind, defaults, now));
	return {jobs: withTeamState(ctx, jobs), warnings: sources.warnings, held: sources.held, learned: [...learnedByKind.values()]};
}

/** Resolve a job id or a unique prefix of one; the error names the candidates. */
export function resolveJobId(ctx: Context, text: string): {id: string} | {error: string} {
	if (getJob(ctx.db, text) && !getJob(ctx.db, text)!.removed) return {id: text};
	const matches = listJobs(ctx.db).filter(job => job.id.startsWith(text));
	if (matches.length === 1) return {id: matches[0]!.id};
	if (matches.length === 0) return {error: `no job "${text}" (see quota-tui queue list)`};
	return {error: `"${text}" matches ${matches.length} jobs: ${matches.slice(0, 5).map(job => job.id).join(', ')}${matches.length > 5 ? ', …' : ''}`};
}

/** True when `dir` exists and is a directory. */
export function isDirectory(dir: string): boolean {
	try {
		return fs.statSync(dir).isDirectory();
	} catch {
		return false;
	}
}
