/**
 * Hub-side claim primitives (DESIGN §12), ready for phase B's dispatch, auto-spend, serve, dashboard
 * and poller:
 *
 * - One queue. A job says where it may run: an account, a provider, a machine (each null = any). A
 *   machine claims only what it can run: one transaction picks the first queued job that fits
 *   (`FOR UPDATE SKIP LOCKED`: racing machines never wait for or take the same row) and marks it
 *   claimed with a lease. The lease is renewed while the job runs; once it expires (the machine died,
 *   slept or lost the hub), any machine's sweep makes the job `interrupted` — never a silent re-run.
 * - Every claim carries a dispatch key chosen by the claimer: repeating a claim with the same key (the
 *   answer was lost on the network) returns the same job instead of claiming another, and only the
 *   holder of the key can renew, start or finish the job. Jobs are queued under an idempotency key, so
 *   queueing the same work twice adds one job.
 * - Poll leases: one reader per account for the whole team, with the time of the last read, so the read
 *   budget holds across machines and a new holder knows when the next read is allowed.
 *
 * Times are the hub's clock (one clock for the whole team, whatever the machines' skew), unless a call
 * passes `nowMs` (tests and accelerated time).
 */
import {randomUUID} from 'node:crypto';
import type {Hub, HubSql} from './client.js';
import {hubChannel} from './notify.js';

export type HubJobState = 'queued' | 'claimed' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled';

export type HubJob = {
	id: string;
	idempotencyKey: string;
	title: string;
	prompt: string;
	cwd: string | null;
	severity: 'critical' | 'warning' | 'info';
	kind: string;
	/** Affinity (null = any). */
	provider: string | null;
	account: string | null;
	machine: string | null;
	estimateUsd: number | null;
	estimatePct: number | null;
	payload: Record<string, unknown>;
	state: HubJobState;
	createdBy: string;
	createdAt: string;
	notBefore: string | null;
	claimedBy: string | null;
	claimedAccount: string | null;
	dispatchKey: string | null;
	claimedAt: string | null;
	leaseExpiresAt: string | null;
	heartbeatAt: string | null;
	startedAt: string | null;
	finishedAt: string | null;
	exitCode: number | null;
	message: string | null;
	result: unknown;
	lateResult: unknown;
	logTail: string | null;
};

export type NewHubJob = {
	id?: string | undefined;
	idempotencyKey: string;
	title: string;
	prompt: string;
	cwd?: string | null | undefined;
	severity?: HubJob['severity'] | undefined;
	kind?: string | undefined;
	provider?: string | null | undefined;
	account?: string | null | undefined;
	machine?: string | null | undefined;
	estimateUsd?: number | null | undefined;
	estimatePct?: number | null | undefined;
	payload?: Record<string, unknown> | undefined;
	notBefore?: string | null | undefined;
};

type JobRow = Record<string, unknown>;

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/** A hub `jobs` row as a HubJob. */
export function jobOf(row: JobRow): HubJob {
	return {
		id: row['id'] as string,
		idempotencyKey: row['idempotency_key'] as string,
		title: row['title'] as string,
		prompt: row['prompt'] as string,
		cwd: (row['cwd'] as string | null) ?? null,
		severity: row['severity'] as HubJob['severity'],
		kind: row['kind'] as string,
		provider: (row['provider'] as string | null) ?? null,
		account: (row['account'] as string | null) ?? null,
		machine: (row['machine'] as string | null) ?? null,
		estimateUsd: (row['estimate_usd'] as number | null) ?? null,
		estimatePct: (row['estimate_pct'] as number | null) ?? null,
		payload: (row['payload'] as Record<string, unknown>) ?? {},
		state: row['state'] as HubJobState,
		createdBy: row['created_by'] as string,
		createdAt: iso(row['created_at'])!,
		notBefore: iso(row['not_before']),
		claimedBy: (row['claimed_by'] as string | null) ?? null,
		claimedAccount: (row['claimed_account'] as string | null) ?? null,
		dispatchKey: (row['dispatch_key'] as string | null) ?? null,
		claimedAt: iso(row['claimed_at']),
		leaseExpiresAt: iso(row['lease_expires_at']),
		heartbeatAt: iso(row['heartbeat_at']),
		startedAt: iso(row['started_at']),
		finishedAt: iso(row['finished_at']),
		exitCode: (row['exit_code'] as number | null) ?? null,
		message: (row['message'] as string | null) ?? null,
		result: row['result'] ?? null,
		lateResult: row['late_result'] ?? null,
		logTail: (row['log_tail'] as string | null) ?? null,
	};
}

/** The instant a call works at: the hub's clock, or `nowMs` when given. */
const at = (sql: HubSql, nowMs: number | undefined) => (nowMs === undefined ? sql`now()` : sql`to_timestamp(${nowMs / 1000})`);

const notifyJobs = (sql: HubSql, schema: string, payload: string) => sql`SELECT pg_notify(${hubChannel(schema, 'jobs')}, ${payload})`;

/** A new dispatch key (what a claimer passes to claimJob and then to every call about that run). */
export const newDispatchKey = (): string => randomUUID();

/** Queue a job; the same idempotency key queues it once (`created` false, the existing job returned). */
export async function enqueueJob(hub: Hub, job: NewHubJob): Promise<{job: HubJob; created: boolean}> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const inserted = await sql<JobRow[]>`
			INSERT INTO jobs (id, idempotency_key, title, prompt, cwd, severity, kind, provider, account, machine, estimate_usd, estimate_pct, payload, created_by, not_before)
			VALUES (${job.id ?? randomUUID()}, ${job.idempotencyKey}, ${job.title}, ${job.prompt}, ${job.cwd ?? null}, ${job.severity ?? 'info'}, ${job.kind ?? 'task'},
				${job.provider ?? null}, ${job.account ?? null}, ${job.machine ?? null}, ${job.estimateUsd ?? null}, ${job.estimatePct ?? null},
				${sql.json((job.payload ?? {}) as never)}, ${hub.machine}, ${job.notBefore ?? null})
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`;
		if (inserted[0]) {
			await notifyJobs(sql, hub.schema, `queued ${inserted[0]['id'] as string}`);
			return {job: jobOf(inserted[0]), created: true};
		}
		const [existing] = await sql<JobRow[]>`SELECT * FROM jobs WHERE idempotency_key = ${job.idempotencyKey}`;
		return {job: jobOf(existing!), created: false};
	}) as Promise<{job: HubJob; created: boolean}>;
}

export type ClaimRequest = {
	/** The claiming machine. */
	machine: string;
	/** Accounts this machine holds a login for and may run on now (the caller's gate decides). */
	accounts: readonly string[];
	/** Providers of those accounts (a job with only a provider affinity runs on any of them). */
	providers: readonly string[];
	dispatchKey: string;
	leaseMs: number;
	/** Claim this job only (dispatch JOBID); otherwise the first that fits in queue order. */
	jobId?: string | undefined;
	nowMs?: number | undefined;
};

/**
 * Claim one job in one transaction: the first queued job (severity, then age) this machine may run,
 * skipping rows another machine is claiming at this instant. Null when none fits. A repeated request
 * with the same dispatch key returns the job it claimed the first time.
 */
export async function claimJob(hub: Hub, request: ClaimRequest): Promise<HubJob | null> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const [again] = await sql<JobRow[]>`SELECT * FROM jobs WHERE dispatch_key = ${request.dispatchKey} AND claimed_by = ${request.machine}`;
		if (again) return jobOf(again);
		const now = at(sql, request.nowMs);
		// Any job: skip rows another machine is claiming right now. One named job: wait for that claim to
		// commit, so the loser sees the job claimed ("already claimed by HOST") instead of a locked row
		// that still reads as queued.
		const lockClause = request.jobId ? sql`FOR UPDATE` : sql`FOR UPDATE SKIP LOCKED`;
		const [row] = await sql<JobRow[]>`
			WITH candidate AS (
				SELECT id FROM jobs
				WHERE state = 'queued'
					AND (${request.jobId ?? null}::text IS NULL OR id = ${request.jobId ?? null})
					AND (machine IS NULL OR machine = ${request.machine})
					AND (account IS NULL OR account IN (SELECT jsonb_array_elements_text(${sql.json([...request.accounts])})))
					AND (provider IS NULL OR provider IN (SELECT jsonb_array_elements_text(${sql.json([...request.providers])})))
					AND (not_before IS NULL OR not_before <= ${now})
				ORDER BY severity_rank, created_at, id
				${lockClause}
				LIMIT 1
			)
			UPDATE jobs j SET state = 'claimed', claimed_by = ${request.machine}, dispatch_key = ${request.dispatchKey},
				claimed_account = coalesce(j.account, ${request.accounts.length === 1 ? request.accounts[0]! : null}), claimed_at = ${now}, heartbeat_at = ${now},
				lease_expires_at = ${now} + make_interval(secs => ${request.leaseMs / 1000}), updated_at = ${now}, seq = nextval('change_seq')
			FROM candidate WHERE j.id = candidate.id
			RETURNING j.*`;
		if (!row) return null;
		await notifyJobs(sql, hub.schema, `claimed ${row['id'] as string}`);
		return jobOf(row);
	}) as Promise<HubJob | null>;
}

export type LeaseUpdate = {jobId: string; dispatchKey: string; leaseMs: number; nowMs?: number | undefined};
export type LeaseAnswer = {ok: true; job: HubJob} | {ok: false; state: HubJobState | 'missing'; message: string | null};

async function leaseLost(sql: HubSql, jobId: string): Promise<LeaseAnswer> {
	const [row] = await sql<JobRow[]>`SELECT state, message FROM jobs WHERE id = ${jobId}`;
	return {ok: false, state: (row?.['state'] as HubJobState | undefined) ?? 'missing', message: (row?.['message'] as string | null) ?? null};
}

/**
 * Extend the lease of a job this dispatch holds (call it well within the lease, e.g. every third of
 * it). `ok: false` means the lease is gone — expired (the job is or will be `interrupted`), cancelled
 * or finished: stop the run, do not record it as the job's outcome.
 */
export async function renewJobLease(hub: Hub, update: LeaseUpdate & {logTail?: string | undefined}): Promise<LeaseAnswer> {
	const sql = hub.sql;
	const now = at(sql, update.nowMs);
	const [row] = await sql<JobRow[]>`
		UPDATE jobs SET heartbeat_at = ${now}, lease_expires_at = ${now} + make_interval(secs => ${update.leaseMs / 1000}),
			log_tail = coalesce(${update.logTail ?? null}, log_tail), updated_at = ${now}
		WHERE id = ${update.jobId} AND dispatch_key = ${update.dispatchKey} AND state IN ('claimed', 'running') AND lease_expires_at > ${now}
		RETURNING *`;
	return row ? {ok: true, job: jobOf(row)} : leaseLost(sql, update.jobId);
}

/** The claimed job's process started on `account`: state running, lease renewed. */
export async function startJob(hub: Hub, update: LeaseUpdate & {account: string}): Promise<LeaseAnswer> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const now = at(sql, update.nowMs);
		const [row] = await sql<JobRow[]>`
			UPDATE jobs SET state = 'running', claimed_account = ${update.account}, started_at = ${now}, heartbeat_at = ${now},
				lease_expires_at = ${now} + make_interval(secs => ${update.leaseMs / 1000}), updated_at = ${now}, seq = nextval('change_seq')
			WHERE id = ${update.jobId} AND dispatch_key = ${update.dispatchKey} AND state = 'claimed' AND lease_expires_at > ${now}
			RETURNING *`;
		if (!row) return leaseLost(sql, update.jobId);
		await notifyJobs(sql, hub.schema, `running ${update.jobId}`);
		return {ok: true, job: jobOf(row)};
	}) as Promise<LeaseAnswer>;
}

export type JobOutcome = {
	jobId: string;
	dispatchKey: string;
	state: 'succeeded' | 'failed' | 'cancelled';
	exitCode?: number | null | undefined;
	message?: string | null | undefined;
	result?: Record<string, unknown> | undefined;
	logTail?: string | undefined;
	nowMs?: number | undefined;
};

/**
 * Record how a run ended. Accepted only from the dispatch that holds the job; a run that reports after
 * its lease expired finds the job `interrupted` and stays so — its report is kept as `late_result`.
 */
export async function finishJob(hub: Hub, outcome: JobOutcome): Promise<{accepted: boolean; job: HubJob | null}> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const now = at(sql, outcome.nowMs);
		const report = {state: outcome.state, exitCode: outcome.exitCode ?? null, message: outcome.message ?? null, result: outcome.result ?? null};
		const [row] = await sql<JobRow[]>`
			UPDATE jobs SET state = ${outcome.state}, finished_at = ${now}, exit_code = ${outcome.exitCode ?? null}, message = ${outcome.message ?? null},
				result = ${outcome.result === undefined ? null : sql.json(outcome.result as never)}, log_tail = coalesce(${outcome.logTail ?? null}, log_tail),
				lease_expires_at = NULL, updated_at = ${now}, seq = nextval('change_seq')
			WHERE id = ${outcome.jobId} AND dispatch_key = ${outcome.dispatchKey} AND state IN ('claimed', 'running')
			RETURNING *`;
		if (row) {
			await notifyJobs(sql, hub.schema, `${outcome.state} ${outcome.jobId}`);
			return {accepted: true, job: jobOf(row)};
		}
		const [late] = await sql<JobRow[]>`
			UPDATE jobs SET late_result = ${sql.json(report as never)}, updated_at = ${now}
			WHERE id = ${outcome.jobId} AND dispatch_key = ${outcome.dispatchKey} RETURNING *`;
		return {accepted: false, job: late ? jobOf(late) : null};
	}) as Promise<{accepted: boolean; job: HubJob | null}>;
}

/**
 * Cancel a job for the whole team: a queued one never runs anywhere; a claimed or running one loses
 * its lease at once, so the machine running it learns at its next renewal (a third of the lease) and
 * stops the run. Returns the job as it is now (null when the hub has no such job); `changed` false
 * when it had already ended.
 */
export async function cancelHubJob(hub: Hub, request: {jobId: string; machine: string; nowMs?: number | undefined}): Promise<{changed: boolean; job: HubJob | null}> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const now = at(sql, request.nowMs);
		const [row] = await sql<JobRow[]>`
			UPDATE jobs SET state = 'cancelled', finished_at = ${now}, lease_expires_at = NULL, updated_at = ${now}, seq = nextval('change_seq'),
				message = CASE WHEN state = 'queued' THEN ${`cancelled on ${request.machine} before it started`}
					ELSE ${`cancelled on ${request.machine} while it ran`} || coalesce(' on ' || claimed_by, '') END
			WHERE id = ${request.jobId} AND state IN ('queued', 'claimed', 'running')
			RETURNING *`;
		if (row) {
			await notifyJobs(sql, hub.schema, `cancelled ${request.jobId}`);
			return {changed: true, job: jobOf(row)};
		}
		const [current] = await sql<JobRow[]>`SELECT * FROM jobs WHERE id = ${request.jobId}`;
		return {changed: false, job: current ? jobOf(current) : null};
	}) as Promise<{changed: boolean; job: HubJob | null}>;
}

/**
 * Every claimed or running job whose lease has expired becomes `interrupted` (with the machine and the
 * lease's end in its message). Any machine may sweep; the rows it changed are returned (none twice).
 */
export async function expireJobLeases(hub: Hub, options: {nowMs?: number | undefined} = {}): Promise<HubJob[]> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const now = at(sql, options.nowMs);
		const rows = await sql<JobRow[]>`
			UPDATE jobs SET state = 'interrupted', finished_at = ${now}, updated_at = ${now}, seq = nextval('change_seq'),
				message = 'lease expired at ' || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ': ' || claimed_by || ' stopped renewing it (the job is not run again)',
				lease_expires_at = NULL
			WHERE state IN ('claimed', 'running') AND lease_expires_at <= ${now}
			RETURNING *`;
		for (const row of rows) await notifyJobs(sql, hub.schema, `interrupted ${row['id'] as string}`);
		return rows.map(jobOf);
	}) as Promise<HubJob[]>;
}

/** One job, or null. */
export async function getJob(hub: Hub, id: string): Promise<HubJob | null> {
	const [row] = await hub.sql<JobRow[]>`SELECT * FROM jobs WHERE id = ${id}`;
	return row ? jobOf(row) : null;
}

// ---------------------------------------------------------------------------------------------------
// Poll leases

export type PollLease = {
	account: string;
	/** The machine holding it (after the call). */
	holder: string;
	/** True when the caller holds it. */
	held: boolean;
	expiresAt: string;
	/** The last endpoint read of this account by any holder (the next is allowed a read interval later). */
	lastReadAt: string | null;
};

const leaseOf = (row: Record<string, unknown>, machine: string): PollLease => ({
	account: row['account'] as string,
	holder: row['machine'] as string,
	held: row['machine'] === machine,
	expiresAt: iso(row['expires_at'])!,
	lastReadAt: iso(row['last_read_at']),
});

/**
 * Take or renew the poll lease of `account` for `machine` (one statement: free, expired or already
 * ours → ours until now + ttl). Otherwise the current holder is returned with `held: false`.
 */
export async function acquirePollLease(hub: Hub, request: {account: string; machine: string; ttlMs: number; nowMs?: number | undefined}): Promise<PollLease> {
	const sql = hub.sql;
	const now = at(sql, request.nowMs);
	const [row] = await sql<Array<Record<string, unknown>>>`
		INSERT INTO poll_leases (account, machine, acquired_at, renewed_at, expires_at)
		VALUES (${request.account}, ${request.machine}, ${now}, ${now}, ${now} + make_interval(secs => ${request.ttlMs / 1000}))
		ON CONFLICT (account) DO UPDATE SET machine = excluded.machine, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at,
			acquired_at = CASE WHEN poll_leases.machine = excluded.machine THEN poll_leases.acquired_at ELSE excluded.acquired_at END
		WHERE poll_leases.machine = excluded.machine OR poll_leases.expires_at <= excluded.renewed_at
		RETURNING *`;
	if (row) {
		if (row['acquired_at'] instanceof Date && row['renewed_at'] instanceof Date && row['acquired_at'].getTime() === row['renewed_at'].getTime()) {
			await sql`SELECT pg_notify(${hubChannel(hub.schema, 'leases')}, ${request.account})`;
		}
		return leaseOf(row, request.machine);
	}
	const [current] = await sql<Array<Record<string, unknown>>>`SELECT * FROM poll_leases WHERE account = ${request.account}`;
	return leaseOf(current!, request.machine);
}

/** Note an endpoint read by the holder (so the next holder keeps the read interval). */
export async function notePollRead(hub: Hub, request: {account: string; machine: string; nowMs?: number | undefined}): Promise<boolean> {
	const now = at(hub.sql, request.nowMs);
	return (await hub.sql`UPDATE poll_leases SET last_read_at = ${now} WHERE account = ${request.account} AND machine = ${request.machine} RETURNING 1`).length > 0;
}

/** Give the lease up (a dashboard quitting): it expires now, its last read time stays. True when this machine held it. */
export async function releasePollLease(hub: Hub, request: {account: string; machine: string; nowMs?: number | undefined}): Promise<boolean> {
	const now = at(hub.sql, request.nowMs);
	const released = (await hub.sql`
		UPDATE poll_leases SET expires_at = ${now} WHERE account = ${request.account} AND machine = ${request.machine} AND expires_at > ${now} RETURNING 1`).length > 0;
	if (released) await hub.sql`SELECT pg_notify(${hubChannel(hub.schema, 'leases')}, ${request.account})`;
	return released;
}
