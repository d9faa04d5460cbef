/**
 * Real-use outcomes in quota.db (the `outcomes` table): one row per real run's result on an account,
 * from a job's end (classified by the supervisor) or from `quota-tui outcome` (any launcher).
 */
import {OUTCOME_KINDS, type OutcomeKind, type RealUse} from '../engine/outcomes.js';
import type {Db} from './db.js';

type Row = {id: number; account: string; kind: string; message: string | null; resets_at: string | null; at: string; at_ms: number; source: string; job_id: string | null};

export type StoredOutcome = RealUse & {id: number; atMs: number};

function fromRow(row: Row): StoredOutcome {
	return {
		id: row.id,
		account: row.account,
		kind: ((OUTCOME_KINDS as readonly string[]).includes(row.kind) ? row.kind : 'error') as OutcomeKind,
		message: row.message,
		resetsAt: row.resets_at,
		at: row.at,
		atMs: row.at_ms,
		source: row.source === 'job' ? 'job' : 'outcome',
		jobId: row.job_id,
	};
}

/** Insert one outcome (inside the caller's transaction when there is one). */
export function insertOutcome(db: Db, outcome: RealUse): number {
	const atMs = Date.parse(outcome.at);
	if (!Number.isFinite(atMs)) throw new TypeError(`outcome of ${outcome.account}: expected an ISO 8601 instant, received ${JSON.stringify(outcome.at)}`);
	const result = db.prepare('INSERT INTO outcomes (account, kind, message, resets_at, at, at_ms, source, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
		outcome.account, outcome.kind, outcome.message, outcome.resetsAt, outcome.at, atMs, outcome.source, outcome.jobId,
	);
	return Number(result.lastInsertRowid);
}

/** Record one outcome in its own transaction. */
export function recordOutcome(db: Db, outcome: RealUse): StoredOutcome {
	return db.transaction(() => {
		const id = insertOutcome(db, outcome);
		return fromRow(db.prepare('SELECT * FROM outcomes WHERE id = ?').get(id) as Row);
	});
}

/**
 * The outcomes that can still matter at `now`, per account: the newest decisive one (ok, limit,
 * credential, policy) and every limit whose stated reset is ahead. Outcomes after `now` are ignored.
 */
export function outcomesByAccount(db: Db, now: number): Map<string, StoredOutcome[]> {
	const rows = db.prepare(
		`SELECT * FROM (
			SELECT *, ROW_NUMBER() OVER (PARTITION BY account ORDER BY at_ms DESC, id DESC) AS rank
			FROM outcomes WHERE kind IN ('ok', 'limit', 'credential', 'policy') AND at_ms <= ?
		) WHERE rank <= 3 ORDER BY account, at_ms DESC, id DESC`,
	).all(now) as Row[];
	const map = new Map<string, StoredOutcome[]>();
	for (const row of rows) {
		const list = map.get(row.account) ?? [];
		list.push(fromRow(row));
		map.set(row.account, list);
	}
	return map;
}

/** Recent outcomes of one account (or all), newest first. */
export function listOutcomes(db: Db, options: {account?: string | undefined; limit?: number} = {}): StoredOutcome[] {
	const rows = (options.account === undefined
		? db.prepare('SELECT * FROM outcomes ORDER BY at_ms DESC, id DESC LIMIT ?').all(options.limit ?? 50)
		: db.prepare('SELECT * FROM outcomes WHERE account = ? ORDER BY at_ms DESC, id DESC LIMIT ?').all(options.account, options.limit ?? 50)) as Row[];
	return rows.map(fromRow);
}
