/**
 * This machine's copy of the team queue's state (SQLite `team_jobs`, DESIGN §12): one row per job the
 * hub knows, keyed by the job's id (the same locally and on the hub). The local `jobs` row stays this
 * machine's record of the job (and of its run, when it ran here); the team row says what the team
 * did with it: queued, claimed or running on which machine and account, how it ended there.
 */
import type {Db} from './db.js';

export type TeamJobState = 'queued' | 'claimed' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled';

export type TeamJob = {
	id: string;
	state: TeamJobState;
	/** The machine that claimed it (null while queued). */
	machine: string | null;
	account: string | null;
	createdBy: string;
	/** This machine's dispatch key while it holds the claim. */
	dispatchKey: string | null;
	message: string | null;
	logTail: string | null;
	hubSeq: number;
	updatedAtMs: number;
};

type Row = {
	id: string; state: string; machine: string | null; account: string | null; created_by: string; dispatch_key: string | null;
	message: string | null; log_tail: string | null; hub_seq: number; updated_at_ms: number;
};

const fromRow = (row: Row): TeamJob => ({
	id: row.id,
	state: row.state as TeamJobState,
	machine: row.machine,
	account: row.account,
	createdBy: row.created_by,
	dispatchKey: row.dispatch_key,
	message: row.message,
	logTail: row.log_tail,
	hubSeq: row.hub_seq,
	updatedAtMs: row.updated_at_ms,
});

export function getTeamJob(db: Db, id: string): TeamJob | null {
	const row = db.prepare('SELECT * FROM team_jobs WHERE id = ?').get(id) as Row | undefined;
	return row ? fromRow(row) : null;
}

/** Every team row, by job id. */
export function teamJobsById(db: Db): Map<string, TeamJob> {
	return new Map((db.prepare('SELECT * FROM team_jobs').all() as Row[]).map(row => [row.id, fromRow(row)]));
}

/** Record the hub's state of a job (the dispatch key is kept unless `dispatchKey` is given). */
export function putTeamJob(db: Db, job: Omit<TeamJob, 'dispatchKey'> & {dispatchKey?: string | null | undefined}): void {
	db.prepare(
		`INSERT INTO team_jobs (id, state, machine, account, created_by, dispatch_key, message, log_tail, hub_seq, updated_at_ms)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET state = excluded.state, machine = excluded.machine, account = excluded.account,
		   created_by = excluded.created_by, dispatch_key = coalesce(excluded.dispatch_key, team_jobs.dispatch_key), message = excluded.message,
		   log_tail = coalesce(excluded.log_tail, team_jobs.log_tail), hub_seq = max(excluded.hub_seq, team_jobs.hub_seq), updated_at_ms = excluded.updated_at_ms`,
	).run(job.id, job.state, job.machine, job.account, job.createdBy, job.dispatchKey ?? null, job.message, job.logTail, job.hubSeq, job.updatedAtMs);
}

/** Local queued jobs the hub does not know yet (to queue there). */
export function unpublishedJobIds(db: Db): string[] {
	return (db.prepare(`SELECT id FROM jobs WHERE state = 'queued' AND removed = 0 AND id NOT IN (SELECT id FROM team_jobs) ORDER BY created_at_ms, id`).all() as Array<{id: string}>).map(row => row.id);
}

/** The team's holdings as last pulled (for status and the dashboard), or null before the first pull. */
export type TeamViewRow = {account: string; machine: string; login: boolean; disabled: boolean; newestAt: string | null; machineLastSeenAt: string};
export type TeamViewData = {pulledAtMs: number; holdings: TeamViewRow[]};

export function setTeamView(db: Db, view: TeamViewData): void {
	db.transaction(() => {
		db.prepare('INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms')
			.run('hub.team', JSON.stringify(view), view.pulledAtMs);
	});
}

export function getTeamView(db: Db): TeamViewData | null {
	const row = db.prepare("SELECT value FROM kv WHERE key = 'hub.team'").get() as {value: string} | undefined;
	if (!row) return null;
	try {
		return JSON.parse(row.value) as TeamViewData;
	} catch {
		return null;
	}
}
