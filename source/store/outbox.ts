/**
 * The local side of team mode (DESIGN §12), in quota.db: membership, the outbox, pull cursors and the
 * provenance of rows that came from other machines. SQLite only: no network, no PostgreSQL client.
 *
 * The outbox is filled by triggers (migration 5), not by callers: every insert or update of a snapshot,
 * a window-history run or a decision, and every change of a daily usage row, adds (or bumps the version
 * of) one `hub_outbox` row naming the changed row — but only while `kv['hub.member']` exists, and never
 * while the hub's own data is being applied (`kv['hub.applying']`, set inside that one transaction). So
 * the status-line hook, the poller and every other writer feed the team without knowing about it, and a
 * machine that is not a member writes nothing extra. A push reads the named rows as they are then, and
 * deletes an outbox row only if its version did not move meanwhile.
 */
import {randomUUID} from 'node:crypto';
import type {Db} from './db.js';
import {getKv} from './repositories.js';

export type OutboxKind = 'observation' | 'history' | 'decision' | 'usage' | 'budget' | 'credit' | 'block';
export const OUTBOX_KINDS: readonly OutboxKind[] = ['observation', 'history', 'decision', 'usage', 'budget', 'credit', 'block'];

export type Membership = {
	/** hubIdentity() of the hub joined (host:port/db#schema; no user or password). */
	hub: string;
	machine: string;
	joinedAt: string;
};

const MEMBER = 'hub.member';
const APPLYING = 'hub.applying';
const DB_ID = 'hub.db_id';

const nowKv = (db: Db, key: string, value: string, nowMs: number) =>
	db.prepare('INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms').run(key, value, nowMs);

/** This database's membership, or null when it has not joined a hub (or left). */
export function membership(db: Db): Membership | null {
	const value = getKv(db, MEMBER);
	if (value === null) return null;
	try {
		const parsed = JSON.parse(value) as Partial<Membership>;
		if (typeof parsed.hub === 'string' && typeof parsed.machine === 'string') return {hub: parsed.hub, machine: parsed.machine, joinedAt: String(parsed.joinedAt ?? '')};
	} catch {
		// A damaged value counts as a membership of an unknown hub: the next join rewrites it.
	}
	return {hub: '?', machine: '?', joinedAt: ''};
}

/** Start recording local changes for the hub (from this transaction on). */
export function setMembership(db: Db, member: Membership, nowMs: number): void {
	db.transaction(() => nowKv(db, MEMBER, JSON.stringify(member), nowMs));
}

/** Stop recording: drop the membership, the outbox, the cursors and the applied marks (pulled rows stay). */
export function clearMembership(db: Db): {dropped: number} {
	return db.transaction(() => {
		const dropped = Number(db.prepare('DELETE FROM hub_outbox').run().changes);
		db.prepare(`DELETE FROM kv WHERE key = ? OR key LIKE 'hub.cursor.%'`).run(MEMBER);
		db.prepare('DELETE FROM hub_applied').run();
		return {dropped};
	});
}

/**
 * A random id of this database, made on first use. The hub remembers which database registered a
 * machine name, so a second machine (or a new quota.db) cannot silently write under the same name.
 */
export function databaseId(db: Db, nowMs: number): string {
	return db.transaction(() => {
		const existing = getKv(db, DB_ID);
		if (existing !== null) return existing;
		const id = randomUUID();
		nowKv(db, DB_ID, id, nowMs);
		return id;
	});
}

export type OutboxEntry = {kind: OutboxKind; ref: string; version: number; firstMs: number};

/** The oldest pending changes first. */
export function readOutbox(db: Db, limit: number): OutboxEntry[] {
	const rows = db.prepare('SELECT kind, ref, version, first_ms FROM hub_outbox ORDER BY first_ms, kind, ref LIMIT ?').all(limit) as Array<{kind: OutboxKind; ref: string; version: number; first_ms: number}>;
	return rows.map(row => ({kind: row.kind, ref: String(row.ref), version: row.version, firstMs: row.first_ms}));
}

/** Remove pushed entries whose row did not change again since they were read. Returns how many. */
export function ackOutbox(db: Db, entries: readonly OutboxEntry[]): number {
	if (entries.length === 0) return 0;
	return db.transaction(() => {
		const remove = db.prepare('DELETE FROM hub_outbox WHERE kind = ? AND ref = ? AND version = ?');
		let removed = 0;
		for (const entry of entries) removed += Number(remove.run(entry.kind, entry.ref, entry.version).changes);
		return removed;
	});
}

export type OutboxStats = {pending: number; oldestMs: number | null};

export function outboxStats(db: Db): OutboxStats {
	const row = db.prepare('SELECT count(*) AS pending, min(first_ms) AS oldest FROM hub_outbox').get() as {pending: number; oldest: number | null};
	return {pending: Number(row.pending), oldestMs: row.oldest === null ? null : Number(row.oldest)};
}

/** True when the outbox holds anything (one index probe: cheap enough for a 2-second check). */
export function outboxHasEntries(db: Db): boolean {
	return db.prepare('SELECT 1 FROM hub_outbox LIMIT 1').get() !== undefined;
}

// ---------------------------------------------------------------------------------------------------
// Pulling: cursors, applied marks, provenance

export function getCursor(db: Db, table: string): number {
	return Number(getKv(db, `hub.cursor.${table}`) ?? 0);
}

export function setCursor(db: Db, table: string, seq: number, nowMs: number): void {
	nowKv(db, `hub.cursor.${table}`, String(seq), nowMs);
}

/** The newest instant of a hub row already applied here (epoch ms), or undefined. */
export function appliedMs(db: Db, kind: OutboxKind, machine: string, remoteId: string): number | undefined {
	const row = db.prepare('SELECT applied_ms FROM hub_applied WHERE kind = ? AND machine = ? AND remote_id = ?').get(kind, machine, remoteId) as {applied_ms: number} | undefined;
	return row?.applied_ms;
}

export function markApplied(db: Db, kind: OutboxKind, machine: string, remoteId: string, ms: number): void {
	db.prepare(
		`INSERT INTO hub_applied (kind, machine, remote_id, applied_ms) VALUES (?, ?, ?, ?)
		 ON CONFLICT (kind, machine, remote_id) DO UPDATE SET applied_ms = max(applied_ms, excluded.applied_ms)`,
	).run(kind, machine, remoteId, ms);
}

const FOREIGN_TABLES = ['snapshots', 'window_history', 'decisions'] as const;
type ForeignTable = (typeof FOREIGN_TABLES)[number];

/** Inside applyingHubData: run `write` for one row from `machine`, marking every row it inserts as foreign. */
export type Track = (machine: string, write: () => void) => void;

/**
 * Run `fn` (which writes other machines' data through the ordinary store functions, each row through
 * `track`) in one IMMEDIATE transaction with the outbox triggers off. Rows inserted under `track` are
 * marked foreign (with their source machine), so `team join` never pushes them as this machine's.
 * Another connection never sees the flag: it lives and dies inside the transaction.
 */
export function applyingHubData<T>(db: Db, fn: (track: Track) => T): T {
	return db.transaction(() => {
		nowKv(db, APPLYING, '1', 0);
		const mark = db.prepare('INSERT OR IGNORE INTO hub_foreign (tbl, local_id, machine) VALUES (?, ?, ?)');
		const track: Track = (machine, write) => {
			const before = FOREIGN_TABLES.map(table => maxId(db, table));
			write();
			FOREIGN_TABLES.forEach((table, index) => {
				const ids = db.prepare(`SELECT id FROM ${table} WHERE id > ?`).all(before[index]!) as Array<{id: number}>;
				for (const {id} of ids) mark.run(table, id, machine);
			});
		};
		const result = fn(track);
		db.prepare('DELETE FROM kv WHERE key = ?').run(APPLYING);
		return result;
	});
}

function maxId(db: Db, table: ForeignTable): number {
	return Number((db.prepare(`SELECT coalesce(max(id), 0) AS id FROM ${table}`).get() as {id: number}).id);
}

// ---------------------------------------------------------------------------------------------------
// Local rows as the hub wants them

export type SnapshotRecord = {
	id: number; account: string; observed_at_ms: number; observed_at: string; last_seen_ms: number; last_seen: string;
	status: string; windows_json: string; extra_usage_json: string | null; message: string | null; origin: string | null;
};
export type HistoryRecord = {
	id: number; account: string; kind: string; stream: string; resets_at_ms: number | null; resets_at: string | null; duration_ms: number | null;
	utilization: number; source: string; origin: string; first_seen_ms: number; last_seen_ms: number; observations: number;
};
export type DecisionRecord = {id: number; at_ms: number; at: string; kind: string; subject: string; verdict: string; reasons_json: string; inputs_json: string};
export type UsageRecord = {
	account: string; date: string; model: string; input_tokens: number; output_tokens: number; cache_creation_tokens: number;
	cache_read_tokens: number; cost_usd: number; priced: number;
};

const TABLE_OF = {observation: 'snapshots', history: 'window_history', decision: 'decisions'} as const;
type IdKind = keyof typeof TABLE_OF;

/** The local rows with these ids (missing ones — pruned since — are simply absent). */
export function rowsById(db: Db, kind: 'observation', ids: readonly number[]): SnapshotRecord[];
export function rowsById(db: Db, kind: 'history', ids: readonly number[]): HistoryRecord[];
export function rowsById(db: Db, kind: 'decision', ids: readonly number[]): DecisionRecord[];
export function rowsById(db: Db, kind: IdKind, ids: readonly number[]): unknown[] {
	if (ids.length === 0) return [];
	return db.prepare(`SELECT * FROM ${TABLE_OF[kind]} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).all(JSON.stringify(ids));
}

/**
 * This machine's own rows of a table after `afterId`, in id order (rows that came from other machines
 * excluded): what `team join` pushes as the local history.
 */
export function ownRowsAfter(db: Db, kind: IdKind, afterId: number, limit: number): Array<{id: number}> {
	const table = TABLE_OF[kind];
	return db
		.prepare(`SELECT * FROM ${table} t WHERE id > ? AND NOT EXISTS (SELECT 1 FROM hub_foreign f WHERE f.tbl = ? AND f.local_id = t.id) ORDER BY id LIMIT ?`)
		.all(afterId, table, limit) as Array<{id: number}>;
}

/** Daily usage rows by their [account, date, model] keys; a key without a row was deleted. */
export function usageRows(db: Db, keys: ReadonlyArray<readonly [string, string, string]>): UsageRecord[] {
	const get = db.prepare('SELECT * FROM log_daily WHERE account = ? AND date = ? AND model = ?');
	return keys.flatMap(([account, date, model]) => {
		const row = get.get(account, date, model) as UsageRecord | undefined;
		return row ? [row] : [];
	});
}

/** Every daily usage row (team join). */
export function allUsageRows(db: Db): UsageRecord[] {
	return db.prepare('SELECT * FROM log_daily ORDER BY account, date, model').all() as UsageRecord[];
}
