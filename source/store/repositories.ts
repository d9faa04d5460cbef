/**
 * Reads and writes of quota.db in engine types. Every write is one `BEGIN IMMEDIATE` transaction.
 */
import type {
	AccountStatus,
	Budget,
	Decision,
	ExtraUsage,
	ProviderId,
	QuotaWindow,
	Snapshot,
	WindowKind,
	WindowSource,
} from '../engine/types.js';
import type {Db} from './db.js';
import {insertDecision, instantMs} from './decisions.js';
import {recordWindowObservations} from './history.js';

// The decision log moved to decisions.ts; its readers and writers are re-exported here.
export {decisionCount, decisionsAbout, pruneDecisions, recentDecisions, recordDecision} from './decisions.js';


const resetMs = (iso: string | null): number | null => {
	if (iso === null) {
		return null;
	}
	const ms = Date.parse(iso);
	return Number.isFinite(ms) ? ms : null;
};

// ---------------------------------------------------------------------------------------------------
// Snapshots

type SnapshotRow = {
	id: number;
	account: string;
	observed_at_ms: number;
	observed_at: string;
	last_seen_ms: number;
	last_seen: string;
	status: string;
	windows_json: string;
	extra_usage_json: string | null;
	message: string | null;
};

/** What makes two observations "the same" for history: status, per-kind utilization/reset, extra usage. */
function fingerprint(status: string, windows: readonly QuotaWindow[], extraUsage: ExtraUsage | null | undefined): string {
	const perKind = windows
		.map(window => [window.kind, window.utilization, resetMs(window.resetsAt)] as const)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return JSON.stringify([status, perKind, extraUsage ?? null]);
}

export type InsertSnapshotResult = {
	/** Row id holding this observation. */
	id: number;
	/** False when the observation equalled the account's latest row and only extended it. */
	inserted: boolean;
};

/**
 * Record a snapshot. When status, windows (utilization and reset per kind) and extra usage equal the
 * account's latest stored snapshot, no row is added: the latest row's `last_seen` is moved forward and
 * its windows/message replaced by the newer ones (history is deduplicated when unchanged).
 */
export function insertSnapshot(db: Db, snapshot: Snapshot, nowMs: number): InsertSnapshotResult {
	const observedMs = instantMs(snapshot.observedAt, `snapshot of ${snapshot.account}: observedAt`);
	const windowsJson = JSON.stringify(snapshot.windows);
	const extraJson = snapshot.extraUsage === undefined ? null : JSON.stringify(snapshot.extraUsage);
	const message = snapshot.message ?? null;
	const origins = [...new Set(snapshot.windows.map(window => window.origin))];
	const origin = origins.length === 0 ? null : origins.join(',');

	return db.transaction(() => {
		// Every observation also lands in the per-window history (window identity, final values).
		recordWindowObservations(db, snapshot.account, snapshot.windows, observedMs, 'detected');
		const latest = db
			.prepare(
				`SELECT id, observed_at_ms, last_seen_ms, status, windows_json, extra_usage_json FROM snapshots
				 WHERE account = ? ORDER BY observed_at_ms DESC, id DESC LIMIT 1`,
			)
			.get(snapshot.account) as
			| Pick<SnapshotRow, 'id' | 'observed_at_ms' | 'last_seen_ms' | 'status' | 'windows_json' | 'extra_usage_json'>
			| undefined;

		if (
			latest !== undefined &&
			observedMs >= latest.observed_at_ms &&
			fingerprint(
				latest.status,
				JSON.parse(latest.windows_json) as QuotaWindow[],
				latest.extra_usage_json === null ? null : (JSON.parse(latest.extra_usage_json) as ExtraUsage),
			) === fingerprint(snapshot.status, snapshot.windows, snapshot.extraUsage)
		) {
			// Only a newer observation moves the run's end (an older duplicate arriving late changes nothing).
			if (observedMs > latest.last_seen_ms) {
				db.prepare(
					`UPDATE snapshots SET last_seen_ms = ?, last_seen = ?, recorded_at_ms = ?, windows_json = ?,
					 extra_usage_json = ?, message = ?, origin = ? WHERE id = ?`,
				).run(observedMs, snapshot.observedAt, nowMs, windowsJson, extraJson, message, origin, latest.id);
			}
			return {id: latest.id, inserted: false};
		}

		const result = db
			.prepare(
				`INSERT INTO snapshots (account, observed_at_ms, observed_at, last_seen_ms, last_seen, recorded_at_ms,
				 status, windows_json, extra_usage_json, message, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			)
			.run(snapshot.account, observedMs, snapshot.observedAt, observedMs, snapshot.observedAt, nowMs, snapshot.status, windowsJson, extraJson, message, origin);
		return {id: Number(result.lastInsertRowid), inserted: true};
	});
}

function snapshotFromRow(row: SnapshotRow): Snapshot {
	const snapshot: Snapshot = {
		account: row.account,
		// The newest time this state was observed: what freshness is measured from.
		observedAt: row.last_seen,
		status: row.status as AccountStatus,
		windows: JSON.parse(row.windows_json) as QuotaWindow[],
	};
	if (row.extra_usage_json !== null) {
		snapshot.extraUsage = JSON.parse(row.extra_usage_json) as ExtraUsage;
	}
	if (row.message !== null) {
		snapshot.message = row.message;
	}
	return snapshot;
}

/** The newest snapshot of every account (its `observedAt` is the last time that state was seen). */
export function latestSnapshots(db: Db): Map<string, Snapshot> {
	const rows = db
		.prepare(
			`SELECT * FROM (
				SELECT *, ROW_NUMBER() OVER (PARTITION BY account ORDER BY observed_at_ms DESC, id DESC) AS rank
				FROM snapshots
			) WHERE rank = 1 ORDER BY account`,
		)
		.all() as SnapshotRow[];
	return new Map(rows.map(row => [row.account, snapshotFromRow(row)]));
}

/**
 * Forget what was observed for `account` after `limitMs` (a clock that was ahead, audit D2): such rows
 * would stay "newest" forever. Snapshots and window history that start after it go; history runs that
 * began before it end at it. Returns the snapshots removed.
 */
export function dropFutureObservations(db: Db, account: string, limitMs: number): number {
	return db.transaction(() => {
		const removed = db.prepare('DELETE FROM snapshots WHERE account = ? AND observed_at_ms > ?').run(account, limitMs).changes;
		db.prepare('DELETE FROM window_history WHERE account = ? AND first_seen_ms > ?').run(account, limitMs);
		db.prepare('UPDATE window_history SET last_seen_ms = ? WHERE account = ? AND last_seen_ms > ?').run(limitMs, account, limitMs);
		db.prepare('UPDATE snapshots SET last_seen_ms = ? WHERE account = ? AND last_seen_ms > ?').run(limitMs, account, limitMs);
		return Number(removed);
	});
}

/** The newest snapshot of one account (one indexed row read: cheap enough for the status-line hook). */
export function latestSnapshot(db: Db, account: string): Snapshot | undefined {
	const row = db
		.prepare('SELECT * FROM snapshots WHERE account = ? ORDER BY observed_at_ms DESC, id DESC LIMIT 1')
		.get(account) as SnapshotRow | undefined;
	return row ? snapshotFromRow(row) : undefined;
}

export type HistoryPoint = {observedAtMs: number; windows: QuotaWindow[]};

/**
 * The account's observations since `sinceMs`, ascending. A deduplicated run contributes its first and
 * its last observation (same windows), so a flat stretch keeps its length for burn-rate estimates.
 */
export function snapshotHistory(db: Db, account: string, sinceMs: number): HistoryPoint[] {
	const rows = db
		.prepare(
			`SELECT observed_at_ms, last_seen_ms, windows_json FROM snapshots
			 WHERE account = ? AND last_seen_ms >= ? ORDER BY observed_at_ms ASC, id ASC`,
		)
		.all(account, sinceMs) as Array<Pick<SnapshotRow, 'observed_at_ms' | 'last_seen_ms' | 'windows_json'>>;
	const points: HistoryPoint[] = [];
	for (const row of rows) {
		const windows = JSON.parse(row.windows_json) as QuotaWindow[];
		if (row.observed_at_ms >= sinceMs) {
			points.push({observedAtMs: row.observed_at_ms, windows});
		}
		if (row.last_seen_ms > row.observed_at_ms) {
			points.push({observedAtMs: row.last_seen_ms, windows: structuredClone(windows)});
		}
	}
	return points;
}

/** Delete snapshots last seen before `olderThanMs`, keeping every account's latest. Returns the count deleted. */
export function pruneSnapshots(db: Db, olderThanMs: number): number {
	return db.transaction(() => {
		const result = db
			.prepare(
				`DELETE FROM snapshots WHERE last_seen_ms < ? AND id NOT IN (
					SELECT id FROM (
						SELECT id, ROW_NUMBER() OVER (PARTITION BY account ORDER BY observed_at_ms DESC, id DESC) AS rank
						FROM snapshots
					) WHERE rank = 1
				)`,
			)
			.run(olderThanMs);
		return Number(result.changes);
	});
}

// ---------------------------------------------------------------------------------------------------
// Budgets

type BudgetRow = {
	scope: string;
	window: string;
	limit_value: number;
	unit: string;
	used: number;
	reset_at: string | null;
	recurrence: string | null;
	source: string;
	checked_at: string;
};

/** Insert or replace the budget of (scope, window). */
export function upsertBudget(db: Db, budget: Budget): void {
	db.transaction(() => {
		db.prepare(
			`INSERT INTO budgets (scope, window, limit_value, unit, used, reset_at, recurrence, source, checked_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (scope, window) DO UPDATE SET limit_value = excluded.limit_value, unit = excluded.unit,
			 used = excluded.used, reset_at = excluded.reset_at, recurrence = excluded.recurrence,
			 source = excluded.source, checked_at = excluded.checked_at`,
		).run(
			budget.scope,
			budget.window ?? '',
			budget.limit,
			budget.unit,
			budget.used,
			budget.resetAt,
			budget.recurrence ?? null,
			budget.source,
			budget.checkedAt,
		);
	});
}

/** Every budget, by scope then window (a scope's own budget before its window overrides). */
export function listBudgets(db: Db): Budget[] {
	const rows = db.prepare('SELECT * FROM budgets ORDER BY scope, window').all() as BudgetRow[];
	return rows.map(row => {
		const budget: Budget = {
			scope: row.scope,
			limit: row.limit_value,
			unit: row.unit,
			used: row.used,
			resetAt: row.reset_at,
			source: row.source as WindowSource,
			checkedAt: row.checked_at,
		};
		if (row.window !== '') {
			budget.window = row.window as WindowKind;
		}
		if (row.recurrence !== null) {
			budget.recurrence = row.recurrence;
		}
		return budget;
	});
}

/** Delete the budget of (scope, window); no window = the scope's own budget. Returns whether a row was deleted. */
export function deleteBudget(db: Db, scope: string, window?: WindowKind | string): boolean {
	return db.transaction(
		() => Number(db.prepare('DELETE FROM budgets WHERE scope = ? AND window = ?').run(scope, window ?? '').changes) > 0,
	);
}

// ---------------------------------------------------------------------------------------------------
// Key/value and the active account (DESIGN §6)

export function getKv(db: Db, key: string): string | null {
	const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as {value: string} | undefined;
	return row?.value ?? null;
}

function writeKv(db: Db, key: string, value: string, nowMs: number): void {
	db.prepare(
		'INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms',
	).run(key, value, nowMs);
}

export function setKv(db: Db, key: string, value: string, nowMs: number): void {
	db.transaction(() => writeKv(db, key, value, nowMs));
}

export type ActiveAccount = {name: string; at: string};

const activeKey = (provider?: ProviderId | string): string => (provider === undefined ? 'active' : `active:${provider}`);

/** The last switched-to account, or with `provider` the active account of that provider; null when none. */
export function getActive(db: Db, provider?: ProviderId | string): ActiveAccount | null {
	const value = getKv(db, activeKey(provider));
	if (value === null) {
		return null;
	}
	try {
		const parsed = JSON.parse(value) as Partial<ActiveAccount>;
		if (typeof parsed.name === 'string' && typeof parsed.at === 'string') {
			return {name: parsed.name, at: parsed.at};
		}
	} catch {
		// Not JSON: treated as absent below.
	}
	return null;
}

/**
 * Make `name` the active account: writes `active` (and `active:<provider>` when given) and records the
 * decision, all in one transaction. The time is the decision's `at`.
 */
export function setActive(db: Db, name: string, decision: Decision, provider?: ProviderId | string): void {
	const atMs = instantMs(decision.at, `switch to ${name}: at`);
	const value = JSON.stringify({name, at: decision.at} satisfies ActiveAccount);
	db.transaction(() => {
		writeKv(db, activeKey(), value, atMs);
		if (provider !== undefined) {
			writeKv(db, activeKey(provider), value, atMs);
		}
		insertDecision(db, decision);
	});
}
