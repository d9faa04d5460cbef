/**
 * The follow-up queue in quota.db (DESIGN §7.4). Every write is one `BEGIN IMMEDIATE` transaction;
 * claiming a job is a single conditional UPDATE inside one, so two processes never run the same job.
 */
import type {FailureKind, Job, JobSource, JobState, Severity, UtilizationPoint} from '../engine/jobs.js';
import type {RealUse} from '../engine/outcomes.js';
import type {Priority, WhenReady} from '../engine/resume.js';
import type {Decision} from '../engine/types.js';
import type {Db} from './db.js';
import {insertOutcome} from './outcomes.js';
import {recordDecision} from './repositories.js';

type JobRow = {
	id: string;
	title: string;
	prompt: string;
	cwd: string;
	severity: string;
	created_at: string;
	created_at_ms: number;
	source: string;
	source_ref: string | null;
	source_file: string | null;
	source_hash: string | null;
	kind: string;
	module: string | null;
	provider: string | null;
	estimate_usd: number | null;
	estimate_pct: number | null;
	state: string;
	auto_utilization: number;
	account: string | null;
	claimed_by: string | null;
	claimed_at: string | null;
	claimed_at_ms: number | null;
	pid: number | null;
	pid_start: string | null;
	supervisor_pid: number | null;
	supervisor_start: string | null;
	log_path: string | null;
	started_at: string | null;
	started_at_ms: number | null;
	finished_at: string | null;
	finished_at_ms: number | null;
	exit_code: number | null;
	signal: string | null;
	cost_usd: number | null;
	utilization_before_json: string | null;
	utilization_after_json: string | null;
	message: string | null;
	failure_kind: string | null;
	cancel_requested_at_ms: number | null;
	removed: number;
	updated_at_ms: number;
	not_before: string | null;
	not_before_ms: number | null;
	resume_priority: string | null;
	resume_account: string | null;
	scopes_json: string | null;
	model: string | null;
};

/** A job plus what only the store needs (process identity, source bookkeeping). */
export type StoredJob = Job & {
	sourceFile: string | null;
	sourceHash: string | null;
	createdAtMs: number;
	claimedAtMs: number | null;
	startedAtMs: number | null;
	finishedAtMs: number | null;
	/** Identity of the runner process beyond its pid (Linux: start time in clock ticks). */
	pidStart: string | null;
	supervisorStart: string | null;
	removed: boolean;
};

const parseJson = <T>(text: string | null): T | null => {
	if (text === null) return null;
	try {
		return JSON.parse(text) as T;
	} catch {
		return null;
	}
};

function fromRow(row: JobRow): StoredJob {
	return {
		id: row.id,
		title: row.title,
		prompt: row.prompt,
		cwd: row.cwd,
		severity: row.severity as Severity,
		createdAt: row.created_at,
		createdAtMs: row.created_at_ms,
		source: row.source as JobSource,
		sourceRef: row.source_ref,
		sourceFile: row.source_file,
		sourceHash: row.source_hash,
		kind: row.kind,
		module: row.module,
		provider: row.provider,
		estimateUsd: row.estimate_usd,
		estimatePct: row.estimate_pct,
		state: row.state as JobState,
		autoUtilization: row.auto_utilization === 1,
		account: row.account,
		pid: row.pid,
		pidStart: row.pid_start,
		supervisorPid: row.supervisor_pid,
		supervisorStart: row.supervisor_start,
		claimedBy: row.claimed_by,
		claimedAt: row.claimed_at,
		claimedAtMs: row.claimed_at_ms,
		logPath: row.log_path,
		startedAt: row.started_at,
		startedAtMs: row.started_at_ms,
		finishedAt: row.finished_at,
		finishedAtMs: row.finished_at_ms,
		exitCode: row.exit_code,
		signal: row.signal,
		costUsd: row.cost_usd,
		utilizationBefore: parseJson<UtilizationPoint>(row.utilization_before_json),
		utilizationAfter: parseJson<UtilizationPoint>(row.utilization_after_json),
		message: row.message,
		failureKind: row.failure_kind as FailureKind | null,
		cancelRequested: row.cancel_requested_at_ms !== null,
		notBefore: row.not_before ?? null,
		scopes: parseJson<string[]>(row.scopes_json) ?? [],
		model: row.model ?? null,
		whenReady: row.resume_priority ? {priority: row.resume_priority as Priority, account: row.resume_account ?? null} : null,
		removed: row.removed === 1,
	};
}

/** A job to queue: what describes it (from Job), the rest optional; the run fields start empty. */
export type NewJob = Pick<Job, 'id' | 'title' | 'prompt' | 'cwd' | 'severity' | 'createdAt' | 'source' | 'kind'>
	& Partial<Pick<Job, 'sourceRef' | 'module' | 'provider' | 'estimateUsd' | 'estimatePct' | 'scopes'>>
	& {sourceFile?: string | null; sourceHash?: string | null};

function msOf(iso: string, what: string): number {
	const ms = Date.parse(iso);
	if (!Number.isFinite(ms)) throw new TypeError(`${what}: expected an ISO 8601 instant, received ${JSON.stringify(iso)}`);
	return ms;
}

function insert(db: Db, job: NewJob, nowMs: number): void {
	db.prepare(
		`INSERT INTO jobs (id, title, prompt, cwd, severity, created_at, created_at_ms, source, source_ref, source_file, source_hash,
		 kind, module, provider, estimate_usd, estimate_pct, scopes_json, state, updated_at_ms)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
	).run(
		job.id, job.title, job.prompt, job.cwd, job.severity, job.createdAt, msOf(job.createdAt, `job ${job.id}: createdAt`), job.source,
		job.sourceRef ?? null, job.sourceFile ?? null, job.sourceHash ?? null, job.kind, job.module ?? null, job.provider ?? null,
		job.estimateUsd ?? null, job.estimatePct ?? null, job.scopes && job.scopes.length > 0 ? JSON.stringify(job.scopes) : null, nowMs,
	);
}

/** Add a queued job. Throws when the id exists. */
export function addJob(db: Db, job: NewJob, nowMs: number): StoredJob {
	return db.transaction(() => {
		insert(db, job, nowMs);
		return getJob(db, job.id)!;
	});
}

export function getJob(db: Db, id: string): StoredJob | null {
	const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
	return row ? fromRow(row) : null;
}

/** Jobs whose id starts with `prefix` (not removed). */
export function findJobsByPrefix(db: Db, prefix: string): StoredJob[] {
	const rows = db.prepare("SELECT * FROM jobs WHERE removed = 0 AND substr(id, 1, length(?)) = ? ORDER BY id").all(prefix, prefix) as JobRow[];
	return rows.map(fromRow);
}

export type ListOptions = {
	states?: readonly JobState[];
	/** Include soft-removed Fleet jobs. */
	includeRemoved?: boolean;
	account?: string;
};

/** Jobs, optionally filtered by state and account (no particular order: callers sort). */
export function listJobs(db: Db, options: ListOptions = {}): StoredJob[] {
	const where: string[] = [];
	const params: (string | number)[] = [];
	if (!options.includeRemoved) where.push('removed = 0');
	if (options.states) {
		if (options.states.length === 0) return [];
		where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
		params.push(...options.states);
	}
	if (options.account !== undefined) {
		where.push('account = ?');
		params.push(options.account);
	}
	const rows = db.prepare(`SELECT * FROM jobs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms, id`).all(...params) as JobRow[];
	return rows.map(fromRow);
}

// ---------------------------------------------------------------------------------------------------
// Source sync (Fleet follow-ups)

export type SourceSync = {
	/** Jobs as the source delivers them now. */
	jobs: readonly NewJob[];
	/** Source files read successfully: their queued jobs that are no longer delivered are withdrawn. */
	filesRead: readonly string[];
	/** Queued jobs whose entries were closed in the source (`status: done`), by id, with a sentence. */
	closed?: ReadonlyMap<string, string>;
};

export type SyncResult = {added: string[]; updated: string[]; withdrawn: string[]};

/**
 * Bring the queue in line with a read-only source: new entries are added as queued jobs; queued jobs
 * whose entry changed are updated; queued jobs whose entry disappeared from a file that was read (or was
 * closed there) are cancelled with a message. Running and finished jobs are never touched; a removed
 * job is never re-added. Writes only when something changed.
 */
export function syncSourceJobs(db: Db, source: JobSource, sync: SourceSync, nowMs: number): SyncResult {
	const result: SyncResult = {added: [], updated: [], withdrawn: []};
	const existing = new Map(
		(db.prepare('SELECT * FROM jobs WHERE source = ?').all(source) as JobRow[]).map(row => [row.id, fromRow(row)]),
	);
	const delivered = new Set(sync.jobs.map(job => job.id));
	const files = new Set(sync.filesRead);
	const work: Array<() => void> = [];
	for (const job of sync.jobs) {
		const current = existing.get(job.id);
		if (!current) {
			work.push(() => insert(db, job, nowMs));
			result.added.push(job.id);
			continue;
		}
		if (current.state !== 'queued' || current.removed || current.sourceHash === (job.sourceHash ?? null)) continue;
		work.push(() => {
			db.prepare(
				`UPDATE jobs SET title = ?, prompt = ?, cwd = ?, severity = ?, created_at = ?, created_at_ms = ?, source_ref = ?, source_file = ?,
				 source_hash = ?, kind = ?, module = ?, provider = ?, estimate_usd = ?, estimate_pct = ?, updated_at_ms = ?
				 WHERE id = ? AND state = 'queued'`,
			).run(
				job.title, job.prompt, job.cwd, job.severity, job.createdAt, msOf(job.createdAt, `job ${job.id}: createdAt`), job.sourceRef ?? null,
				job.sourceFile ?? null, job.sourceHash ?? null, job.kind, job.module ?? null, job.provider ?? null, job.estimateUsd ?? null,
				job.estimatePct ?? null, nowMs, job.id,
			);
		});
		result.updated.push(job.id);
	}
	for (const job of existing.values()) {
		if (job.state !== 'queued' || job.removed || delivered.has(job.id)) continue;
		const closedWhy = sync.closed?.get(job.id);
		if (closedWhy === undefined && !(job.sourceFile !== null && files.has(job.sourceFile))) continue;
		const message = closedWhy ?? `withdrawn: no longer listed in ${job.sourceFile}`;
		work.push(() => {
			db.prepare("UPDATE jobs SET state = 'cancelled', message = ?, finished_at_ms = ?, updated_at_ms = ? WHERE id = ? AND state = 'queued'").run(message, nowMs, nowMs, job.id);
		});
		result.withdrawn.push(job.id);
	}
	if (work.length > 0) {
		db.transaction(() => {
			for (const step of work) step();
		});
	}
	return result;
}

// ---------------------------------------------------------------------------------------------------
// Claim and run

export type ClaimRequest = {
	id: string;
	account: string;
	/** Who claims: `pid@host`. */
	claimedBy: string;
	autoUtilization: boolean;
	at: string;
	utilizationBefore: UtilizationPoint | null;
	logPath: string;
	/** Recorded in the same transaction. */
	decision: Decision;
	/**
	 * Manual work: if this run is paused by a usage limit, it resumes by itself with this priority and
	 * account (engine/resume). Null (automatic work) leaves the job to auto-utilization's rules.
	 */
	whenReady?: WhenReady | null | undefined;
	/** The model routing chose (policy.modelLadder); null: the account's own. */
	model?: string | null | undefined;
};

export type ClaimResult =
	| {ok: true; job: StoredJob}
	| {ok: false; reason: 'missing'; job: null}
	| {ok: false; reason: 'not-queued' | 'account-busy'; job: StoredJob; busyWith?: string | undefined};

/**
 * Claim a queued job for an account: one transaction that re-reads the job, checks it is still queued
 * (and, for automatic work, that no other automatic job holds the account), moves it to `claimed` and
 * records the dispatch decision. The loser of a race gets `not-queued`.
 */
export function claimJob(db: Db, request: ClaimRequest): ClaimResult {
	const atMs = msOf(request.at, `claim of ${request.id}: at`);
	return db.transaction((): ClaimResult => {
		const job = getJob(db, request.id);
		if (!job || job.removed) return {ok: false, reason: 'missing', job: null};
		if (job.state !== 'queued' && job.state !== 'paused_quota') return {ok: false, reason: 'not-queued', job};
		if (request.autoUtilization) {
			const busy = db.prepare("SELECT id FROM jobs WHERE account = ? AND auto_utilization = 1 AND state IN ('claimed', 'running') LIMIT 1").get(request.account) as {id: string} | undefined;
			if (busy) return {ok: false, reason: 'account-busy', job, busyWith: busy.id};
		}
		const changes = db.prepare(
			`UPDATE jobs SET state = 'claimed', account = ?, claimed_by = ?, claimed_at = ?, claimed_at_ms = ?, auto_utilization = ?,
			 utilization_before_json = ?, log_path = ?, pid = NULL, pid_start = NULL, supervisor_pid = NULL, supervisor_start = NULL,
			 started_at = NULL, started_at_ms = NULL, finished_at = NULL, finished_at_ms = NULL, exit_code = NULL, signal = NULL,
			 cost_usd = NULL, utilization_after_json = NULL, message = NULL, failure_kind = NULL, cancel_requested_at_ms = NULL,
			 not_before = NULL, not_before_ms = NULL, resume_priority = ?, resume_account = ?, model = ?, updated_at_ms = ?
			 WHERE id = ? AND state IN ('queued', 'paused_quota')`,
		).run(
			request.account, request.claimedBy, request.at, atMs, request.autoUtilization ? 1 : 0,
			request.utilizationBefore ? JSON.stringify(request.utilizationBefore) : null, request.logPath,
			request.whenReady?.priority ?? null, request.whenReady?.account ?? null, request.model ?? null, atMs, request.id,
		).changes;
		if (Number(changes) !== 1) return {ok: false, reason: 'not-queued', job};
		recordDecision(db, request.decision);
		return {ok: true, job: getJob(db, request.id)!};
	});
}

/**
 * A waiting job (queued or paused_quota) the gate deferred: it keeps `notBefore` (the gate's retry
 * instant); with `whenReady` a person asked for it to run by itself once ready (null clears that;
 * undefined leaves it as it is). False when the job is no longer waiting.
 */
export function deferJob(db: Db, id: string, defer: {notBefore: string | null; whenReady?: WhenReady | null | undefined}, nowMs: number): boolean {
	const notBeforeMs = defer.notBefore ? msOf(defer.notBefore, `notBefore of ${id}`) : null;
	return db.transaction(() => {
		const keep = defer.whenReady === undefined;
		return Number(db.prepare(
			`UPDATE jobs SET not_before = ?, not_before_ms = ?,
			 resume_priority = CASE WHEN ? THEN resume_priority ELSE ? END, resume_account = CASE WHEN ? THEN resume_account ELSE ? END,
			 updated_at_ms = ? WHERE id = ? AND state IN ('queued', 'paused_quota')`,
		).run(defer.notBefore, notBeforeMs, keep ? 1 : 0, defer.whenReady?.priority ?? null, keep ? 1 : 0, defer.whenReady?.account ?? null, nowMs, id).changes) === 1;
	});
}

/** The supervisor took the job over (its own pid), before starting the runner. */
export function markSupervised(db: Db, id: string, supervisorPid: number, supervisorStart: string | null, nowMs: number): boolean {
	return db.transaction(() => Number(db.prepare(
		"UPDATE jobs SET supervisor_pid = ?, supervisor_start = ?, updated_at_ms = ? WHERE id = ? AND state = 'claimed'",
	).run(supervisorPid, supervisorStart, nowMs, id).changes) === 1);
}

/** The runner started. */
export function markRunning(db: Db, id: string, run: {pid: number; pidStart: string | null; at: string}): boolean {
	const atMs = msOf(run.at, `start of ${id}`);
	return db.transaction(() => Number(db.prepare(
		"UPDATE jobs SET state = 'running', pid = ?, pid_start = ?, started_at = ?, started_at_ms = ?, updated_at_ms = ? WHERE id = ? AND state = 'claimed'",
	).run(run.pid, run.pidStart, run.at, atMs, atMs, id).changes) === 1);
}

export type Finish = {
	state: Extract<JobState, 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'paused_quota'>;
	/** paused_quota: when the job may run again (the usage limit's reset). */
	notBefore?: string | null;
	/** The real-use outcome of this run, recorded in the same transaction. */
	outcome?: RealUse | undefined;
	at: string;
	exitCode?: number | null;
	signal?: string | null;
	costUsd?: number | null;
	utilizationAfter?: UtilizationPoint | null;
	message?: string | null;
	failureKind?: FailureKind | null;
	/** Also record this decision in the same transaction. */
	decision?: Decision;
};

/**
 * Record how a job ended, only if it is still claimed or running (the first writer wins: the
 * supervisor's exit and a reconcile that found the process gone never both apply).
 */
export function finishJob(db: Db, id: string, finish: Finish): boolean {
	const atMs = msOf(finish.at, `finish of ${id}`);
	return db.transaction(() => {
		const changed = Number(db.prepare(
			`UPDATE jobs SET state = ?, finished_at = ?, finished_at_ms = ?, exit_code = ?, signal = ?, cost_usd = coalesce(?, cost_usd),
			 utilization_after_json = coalesce(?, utilization_after_json), message = ?, failure_kind = ?, not_before = ?, not_before_ms = ?,
			 updated_at_ms = ? WHERE id = ? AND state IN ('claimed', 'running')`,
		).run(
			finish.state, finish.at, atMs, finish.exitCode ?? null, finish.signal ?? null, finish.costUsd ?? null,
			finish.utilizationAfter ? JSON.stringify(finish.utilizationAfter) : null, finish.message ?? null, finish.failureKind ?? null,
			finish.notBefore ?? null, finish.notBefore ? msOf(finish.notBefore, `notBefore of ${id}`) : null, atMs, id,
		).changes) === 1;
		if (changed && finish.decision) recordDecision(db, finish.decision);
		if (changed && finish.outcome) insertOutcome(db, finish.outcome);
		return changed;
	});
}

/** Ask a running job to stop (the supervisor reads this to tell a cancel from a crash). */
export function requestCancel(db: Db, id: string, nowMs: number): boolean {
	return db.transaction(() => Number(db.prepare(
		"UPDATE jobs SET cancel_requested_at_ms = coalesce(cancel_requested_at_ms, ?), updated_at_ms = ? WHERE id = ? AND state IN ('claimed', 'running')",
	).run(nowMs, nowMs, id).changes) === 1);
}

/** Cancel a queued job. Returns false when it is not queued. */
export function cancelQueuedJob(db: Db, id: string, message: string, nowMs: number): boolean {
	return db.transaction(() => Number(db.prepare(
		"UPDATE jobs SET state = 'cancelled', message = ?, finished_at_ms = ?, updated_at_ms = ? WHERE id = ? AND state IN ('queued', 'paused_quota')",
	).run(message, nowMs, nowMs, id).changes) === 1);
}

/**
 * Remove a job that is not running: a backlog job is deleted; a Fleet job is hidden (its source file is
 * read-only, so the row stays as a tombstone that keeps it from coming back).
 */
export function removeJob(db: Db, id: string, nowMs: number): 'deleted' | 'hidden' | 'running' | 'missing' {
	return db.transaction(() => {
		const job = getJob(db, id);
		if (!job || job.removed) return 'missing';
		if (job.state === 'claimed' || job.state === 'running') return 'running';
		if (job.source === 'backlog') {
			db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
			return 'deleted';
		}
		db.prepare('UPDATE jobs SET removed = 1, updated_at_ms = ? WHERE id = ?').run(nowMs, id);
		return 'hidden';
	});
}

/** Put a finished (failed, interrupted, cancelled) job back in the queue, by the user's explicit request. */
export function requeueJob(db: Db, id: string, nowMs: number): 'requeued' | 'not-finished' | 'missing' {
	return db.transaction(() => {
		const job = getJob(db, id);
		if (!job || job.removed) return 'missing';
		if (job.state === 'queued' || job.state === 'paused_quota' || job.state === 'claimed' || job.state === 'running') return 'not-finished';
		db.prepare(
			`UPDATE jobs SET state = 'queued', account = NULL, claimed_by = NULL, claimed_at = NULL, claimed_at_ms = NULL, pid = NULL,
			 pid_start = NULL, supervisor_pid = NULL, supervisor_start = NULL, started_at = NULL, started_at_ms = NULL, finished_at = NULL,
			 finished_at_ms = NULL, exit_code = NULL, signal = NULL, cost_usd = NULL, utilization_before_json = NULL,
			 utilization_after_json = NULL, message = NULL, failure_kind = NULL, cancel_requested_at_ms = NULL, auto_utilization = 0,
			 not_before = NULL, not_before_ms = NULL, resume_priority = NULL, resume_account = NULL, updated_at_ms = ? WHERE id = ?`,
		).run(nowMs, id);
		return 'requeued';
	});
}

/** Finished jobs (for learning estimates), newest first. */
export function finishedJobs(db: Db, limit = 500): StoredJob[] {
	const rows = db.prepare("SELECT * FROM jobs WHERE state IN ('succeeded', 'failed', 'interrupted', 'cancelled') AND finished_at_ms IS NOT NULL ORDER BY finished_at_ms DESC LIMIT ?").all(limit) as JobRow[];
	return rows.map(fromRow);
}

/** Automatic jobs that finished or started since `sinceMs` (for weeklyAutoCapUsd and the utilization report). */
export function autoJobsSince(db: Db, sinceMs: number): StoredJob[] {
	const rows = db.prepare(
		"SELECT * FROM jobs WHERE auto_utilization = 1 AND (state IN ('claimed', 'running') OR coalesce(finished_at_ms, claimed_at_ms, 0) >= ?) ORDER BY claimed_at_ms",
	).all(sinceMs) as JobRow[];
	return rows.map(fromRow);
}
