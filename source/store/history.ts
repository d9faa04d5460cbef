/**
 * Window history (DESIGN §7.5): every observation of every window, with the window's identity
 * (account, kind, reset instant), so closed windows can be told apart and their final values read.
 *
 * One row per run of equal observations of one window: an observation equal to the latest row of the
 * same (account, kind, stream) — same utilization, same reset — only moves that row's `last_seen`
 * forward (deduplicated when unchanged). Two streams are kept apart: `detected` (provider data, written
 * by insertSnapshot) and `manual` (user-entered windows, written by `budget set --window`), so a manual
 * override never interleaves with the provider's series.
 */
import type {QuotaWindow, WindowKind, WindowSource} from '../engine/types.js';
import type {Db} from './db.js';

export type HistoryStream = 'detected' | 'manual';

/** One run of equal observations of one window. */
export type WindowObservation = {
	account: string;
	kind: WindowKind;
	stream: HistoryStream;
	/** The window's reset instant (its identity), null when the source did not say. */
	resetsAtMs: number | null;
	/** The reset instant as the source wrote it (offset kept). */
	resetsAt: string | null;
	durationMs: number | null;
	utilization: number;
	source: WindowSource;
	origin: string;
	/** First and last time this value was observed (epoch ms). */
	firstSeenMs: number;
	lastSeenMs: number;
	/** How many observations the run holds. */
	observations: number;
};

type Row = {
	id: number;
	account: string;
	kind: string;
	stream: string;
	resets_at_ms: number | null;
	resets_at: string | null;
	duration_ms: number | null;
	utilization: number;
	source: string;
	origin: string;
	first_seen_ms: number;
	last_seen_ms: number;
	observations: number;
};

const fromRow = (row: Row): WindowObservation => ({
	account: row.account,
	kind: row.kind as WindowKind,
	stream: row.stream as HistoryStream,
	resetsAtMs: row.resets_at_ms,
	resetsAt: row.resets_at,
	durationMs: row.duration_ms,
	utilization: row.utilization,
	source: row.source as WindowSource,
	origin: row.origin,
	firstSeenMs: row.first_seen_ms,
	lastSeenMs: row.last_seen_ms,
	observations: row.observations,
});

const resetMsOf = (iso: string | null): number | null => {
	if (iso === null) return null;
	const ms = Date.parse(iso);
	return Number.isFinite(ms) ? ms : null;
};

/**
 * Record the windows of one observation at `observedMs` (joins the caller's transaction, if any).
 * A window carried over from an earlier read (its own `observedAt` is older, e.g. the windows a status
 * line does not report) counts at its own time, so it never extends its run past when it was really
 * seen. Windows with unknown utilization are not observations and are skipped. Returns how many rows
 * were added (the rest extended an existing run).
 */
export function recordWindowObservations(db: Db, account: string, windows: readonly QuotaWindow[], observedMs: number, stream: HistoryStream): number {
	if (!Number.isFinite(observedMs)) return 0;
	return db.transaction(() => {
		let inserted = 0;
		for (const window of windows) {
			if (window.utilization === null || !Number.isFinite(window.utilization)) continue;
			const ownMs = Date.parse(window.observedAt);
			const atMs = Number.isFinite(ownMs) && ownMs < observedMs ? ownMs : observedMs;
			const resetsAtMs = resetMsOf(window.resetsAt);
			const latest = db
				.prepare(
					`SELECT id, utilization, resets_at_ms, first_seen_ms, last_seen_ms FROM window_history
					 WHERE account = ? AND kind = ? AND stream = ? ORDER BY last_seen_ms DESC, id DESC LIMIT 1`,
				)
				.get(account, window.kind, stream) as Pick<Row, 'id' | 'utilization' | 'resets_at_ms' | 'first_seen_ms' | 'last_seen_ms'> | undefined;
			if (latest && latest.utilization === window.utilization && latest.resets_at_ms === resetsAtMs && atMs >= latest.first_seen_ms) {
				if (atMs > latest.last_seen_ms) {
					db.prepare('UPDATE window_history SET last_seen_ms = ?, observations = observations + 1, source = ?, origin = ? WHERE id = ?')
						.run(atMs, window.source, window.origin, latest.id);
				}
				continue;
			}
			db.prepare(
				`INSERT INTO window_history (account, kind, stream, resets_at_ms, resets_at, duration_ms, utilization, source, origin,
				 first_seen_ms, last_seen_ms, observations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			).run(account, window.kind, stream, resetsAtMs, window.resetsAt, window.durationMs, window.utilization, window.source, window.origin, atMs, atMs);
			inserted += 1;
		}
		return inserted;
	});
}

/**
 * A user moved the reset of a manual window that has not reset yet (a correction, not a new window):
 * the manual observations of the still-open window move to the new reset, so they are not mistaken for
 * a closed window later. Returns how many rows moved.
 */
export function moveManualReset(db: Db, account: string, kind: WindowKind | string, resetsAt: string | null, nowMs: number): number {
	const target = resetMsOf(resetsAt);
	return db.transaction(() => {
		const latest = db
			.prepare(`SELECT resets_at_ms FROM window_history WHERE account = ? AND kind = ? AND stream = 'manual' ORDER BY last_seen_ms DESC, id DESC LIMIT 1`)
			.get(account, kind) as Pick<Row, 'resets_at_ms'> | undefined;
		if (!latest || latest.resets_at_ms === null || latest.resets_at_ms <= nowMs || latest.resets_at_ms === target) return 0;
		return Number(
			db.prepare(`UPDATE window_history SET resets_at_ms = ?, resets_at = ? WHERE account = ? AND kind = ? AND stream = 'manual' AND resets_at_ms = ?`)
				.run(target, resetsAt, account, kind, latest.resets_at_ms).changes,
		);
	});
}

export type HistoryQuery = {
	/** Only runs last seen at or after this instant. */
	sinceMs?: number | undefined;
	kinds?: readonly string[] | undefined;
	stream?: HistoryStream | undefined;
};

/** The account's observation runs, oldest first. */
export function windowHistory(db: Db, account: string, query: HistoryQuery = {}): WindowObservation[] {
	const clauses = ['account = ?', 'last_seen_ms >= ?'];
	const params: Array<string | number> = [account, query.sinceMs ?? Number.MIN_SAFE_INTEGER];
	if (query.stream) {
		clauses.push('stream = ?');
		params.push(query.stream);
	}
	if (query.kinds && query.kinds.length > 0) {
		clauses.push(`kind IN (${query.kinds.map(() => '?').join(', ')})`);
		params.push(...query.kinds);
	}
	const rows = db
		.prepare(`SELECT * FROM window_history WHERE ${clauses.join(' AND ')} ORDER BY first_seen_ms ASC, id ASC`)
		.all(...params) as Row[];
	return rows.map(fromRow);
}

/**
 * The account's history for reports over [`sinceMs`, now]: every run of the windows that reset after
 * `detailSinceMs` (or have no known reset and were seen since then), and for the windows that reset
 * before it only what their final value needs — per (kind, stream, reset instant) one row: the run last
 * seen before the reset (its utilization and last-seen time), with the window's first-seen time and
 * observation count. Closed windows are what most of a long history is; this keeps reading it cheap.
 */
export function windowHistoryForReport(db: Db, account: string, sinceMs: number, detailSinceMs: number): WindowObservation[] {
	const detail = db
		.prepare(
			`SELECT * FROM window_history WHERE account = ?
			 AND ((resets_at_ms IS NULL AND last_seen_ms >= ?) OR resets_at_ms >= ?)`,
		)
		.all(account, detailSinceMs, detailSinceMs) as Row[];
	// One row per closed window (SQLite takes the bare columns from the row holding the single MAX):
	// the run seen last before the reset, else (all seen after it) the earliest one.
	const closed = db
		.prepare(
			`SELECT id, account, kind, stream, resets_at_ms, resets_at, duration_ms, utilization, source, origin, first_seen_ms,
				last_seen_ms, SUM(observations) AS observations,
				MAX(CASE WHEN first_seen_ms < resets_at_ms THEN min(last_seen_ms, resets_at_ms) ELSE -first_seen_ms END) AS pick
			 FROM window_history WHERE account = ? AND resets_at_ms < ? AND resets_at_ms >= ?
			 GROUP BY kind, stream, resets_at_ms`,
		)
		.all(account, detailSinceMs, sinceMs) as Row[];
	const firstSeen = new Map(
		(db
			.prepare(
				`SELECT kind, stream, resets_at_ms, MIN(first_seen_ms) AS first FROM window_history
				 WHERE account = ? AND resets_at_ms < ? AND resets_at_ms >= ? GROUP BY kind, stream, resets_at_ms`,
			)
			.all(account, detailSinceMs, sinceMs) as Array<{kind: string; stream: string; resets_at_ms: number; first: number}>)
			.map(row => [`${row.kind}|${row.stream}|${row.resets_at_ms}`, row.first]),
	);
	for (const row of closed) row.first_seen_ms = firstSeen.get(`${row.kind}|${row.stream}|${row.resets_at_ms}`) ?? row.first_seen_ms;
	return [...closed, ...detail].map(fromRow).toSorted((a, b) => a.firstSeenMs - b.firstSeenMs);
}

/** Delete runs last seen before `olderThanMs` (history.retentionDays); returns how many. */
export function pruneWindowHistory(db: Db, olderThanMs: number): number {
	return db.transaction(() => Number(db.prepare('DELETE FROM window_history WHERE last_seen_ms < ?').run(olderThanMs).changes));
}
