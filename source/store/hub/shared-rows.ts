/**
 * Budgets and reset credits shared by the team (DESIGN §12, hub migration 2): small rows any machine
 * may change, so unlike observations (one writer per row) they are replicated last writer wins.
 *
 * - Locally, triggers (migration 9) stamp `hub_row_clock` with the instant a budget or credit changed
 *   and, while this database is a member, add an outbox entry (kind `budget`: ref [scope, window];
 *   kind `credit`: ref the credit's id).
 * - A push reads each named row as it is now (missing = deleted) and upserts it into `shared_rows`
 *   only when its change is newer than the hub's version (and differs from it).
 * - A pull applies other machines' versions that are newer than this database's own change of the same
 *   row, with the triggers off, and takes their instant as the row's clock. Rows from the hub are
 *   validated column by column: a damaged row is skipped, never written half.
 */
import {z} from 'zod';
import type {Db} from '../db.js';
import {applyingHubData, getCursor, setCursor, type OutboxEntry} from '../outbox.js';
import type {Hub, HubSql} from './client.js';

export type SharedKind = 'budget' | 'credit';
export const SHARED_KINDS: readonly SharedKind[] = ['budget', 'credit'];

/** One row as it crosses machines: `row` null = deleted. */
export type SharedItem = {kind: SharedKind; ref: string; row: Record<string, unknown> | null; updatedAtMs: number};

const BATCH = 500;

const text = z.string();
const maybeText = z.string().nullable();
const num = z.number().finite();
const maybeNum = z.number().finite().nullable();

const BUDGET = z.object({
	scope: text.min(1), window: text, limit_value: num, unit: text, used: num, reset_at: maybeText, recurrence: maybeText,
	source: text, checked_at: text,
});

const CREDIT = z.object({
	id: text.min(1), account: text.min(1), source: text, provider_id: maybeText, kind: text, model: maybeText, count: z.number().int(),
	status: text, provider_usable: maybeNum, expires_at: maybeText, expires_at_ms: maybeNum, starts_at: maybeText, granted_at: maybeText,
	title: maybeText, note: maybeText, first_seen_ms: num, observed_at: text, observed_at_ms: num, closed_at: maybeText,
	closed_at_ms: maybeNum, redeem_key: maybeText,
});

const SCHEMA = {budget: BUDGET, credit: CREDIT} as const;
const TABLE = {budget: 'budgets', credit: 'reset_credits'} as const;
const COLUMNS = {budget: Object.keys(BUDGET.shape), credit: Object.keys(CREDIT.shape)} as const;

const isShared = (kind: string): kind is SharedKind => (SHARED_KINDS as readonly string[]).includes(kind);

function clockOf(db: Db, kind: SharedKind, ref: string): number | undefined {
	const row = db.prepare('SELECT changed_ms FROM hub_row_clock WHERE kind = ? AND ref = ?').get(kind, ref) as {changed_ms: number} | undefined;
	return row === undefined ? undefined : Number(row.changed_ms);
}

function setClock(db: Db, kind: SharedKind, ref: string, ms: number): void {
	db.prepare('INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES (?, ?, ?) ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms').run(kind, ref, ms);
}

function localRow(db: Db, kind: SharedKind, ref: string): Record<string, unknown> | null {
	if (kind === 'credit') return (db.prepare('SELECT * FROM reset_credits WHERE id = ?').get(ref) as Record<string, unknown> | undefined) ?? null;
	const key = parseBudgetRef(ref);
	if (!key) return null;
	return (db.prepare('SELECT * FROM budgets WHERE scope = ? AND window = ?').get(key[0], key[1]) as Record<string, unknown> | undefined) ?? null;
}

function parseBudgetRef(ref: string): [string, string] | null {
	try {
		const key = JSON.parse(ref) as unknown;
		return Array.isArray(key) && key.length === 2 && typeof key[0] === 'string' && typeof key[1] === 'string' ? [key[0], key[1]] : null;
	} catch {
		return null;
	}
}

/** The shared rows named by these outbox entries, as they are now (other kinds are ignored). */
export function sharedItems(db: Db, entries: readonly OutboxEntry[], nowMs: number): SharedItem[] {
	return entries.flatMap(entry => {
		if (!isShared(entry.kind)) return [];
		const row = localRow(db, entry.kind, entry.ref);
		return [{kind: entry.kind, ref: entry.ref, row: row === null ? null : plain(row), updatedAtMs: clockOf(db, entry.kind, entry.ref) ?? nowMs}];
	});
}

/** Every budget and credit this database has (team join), each with its change instant. */
export function allSharedItems(db: Db): SharedItem[] {
	const budgets = db.prepare('SELECT * FROM budgets ORDER BY scope, window').all() as Array<Record<string, unknown>>;
	const credits = db.prepare('SELECT * FROM reset_credits ORDER BY id').all() as Array<Record<string, unknown>>;
	const items: SharedItem[] = [];
	for (const row of budgets) {
		const ref = JSON.stringify([row['scope'], row['window']]);
		items.push({kind: 'budget', ref, row: plain(row), updatedAtMs: clockOf(db, 'budget', ref) ?? (Date.parse(String(row['checked_at'])) || 0)});
	}
	for (const row of credits) {
		const ref = String(row['id']);
		items.push({kind: 'credit', ref, row: plain(row), updatedAtMs: clockOf(db, 'credit', ref) ?? Number(row['observed_at_ms'] ?? 0)});
	}
	return items;
}

/** SQLite hands back numbers (and bigints for large integers): plain JSON values. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]));
}

/** Upsert into the hub: a version replaces the hub's only when it is newer and differs. */
export async function upsertShared(tx: HubSql, machine: string, items: readonly SharedItem[]): Promise<number> {
	if (items.length === 0) return 0;
	const values = items.map(item => ({kind: item.kind, ref: item.ref, row: item.row === null ? null : tx.json(item.row as never), machine, updated_at_ms: item.updatedAtMs}));
	return (await tx`
		INSERT INTO shared_rows ${tx(values)}
		ON CONFLICT (kind, ref) DO UPDATE SET row = excluded.row, machine = excluded.machine, updated_at_ms = excluded.updated_at_ms, seq = nextval('change_seq')
		WHERE excluded.updated_at_ms > shared_rows.updated_at_ms AND shared_rows.row IS DISTINCT FROM excluded.row
		RETURNING 1`).length;
}

type HubShared = {kind: string; ref: string; row: unknown; machine: string; updated_at_ms: string | number; seq: string | number; top: string | number};

export type SharedPull = {applied: number; skipped: number};

/** Apply other machines' newer budgets and credits here. */
export async function pullShared(hub: Hub, db: Db, nowMs: number): Promise<SharedPull> {
	const result: SharedPull = {applied: 0, skipped: 0};
	for (;;) {
		const cursor = getCursor(db, 'shared_rows');
		const rows = await hub.sql<HubShared[]>`
			SELECT t.*, (SELECT coalesce(max(seq), 0) FROM shared_rows) AS top FROM shared_rows t
			WHERE t.seq > ${cursor} AND t.machine <> ${hub.machine} ORDER BY t.seq LIMIT ${BATCH}`;
		const full = rows.length === BATCH;
		const next = full ? Number(rows.at(-1)!.seq) : Math.max(cursor, Number(rows[0]?.top ?? (await topSeq(hub))));
		applyingHubData(db, () => {
			for (const row of rows) {
				if (applyShared(db, row)) result.applied += 1;
				else result.skipped += 1;
			}
			setCursor(db, 'shared_rows', next, nowMs);
		});
		if (!full) return result;
	}
}

async function topSeq(hub: Hub): Promise<number> {
	const [row] = await hub.sql<Array<{top: string | number}>>`SELECT coalesce(max(seq), 0) AS top FROM shared_rows`;
	return Number(row?.top ?? 0);
}

/** Apply one hub row when it is newer than this database's own change; false when skipped. */
function applyShared(db: Db, hubRow: HubShared): boolean {
	const kind = hubRow.kind;
	const updatedAtMs = Number(hubRow.updated_at_ms);
	if (!isShared(kind) || !Number.isFinite(updatedAtMs)) return false;
	const known = clockOf(db, kind, hubRow.ref);
	if (known !== undefined && known >= updatedAtMs) return false;
	if (hubRow.row === null) {
		if (kind === 'credit') db.prepare('DELETE FROM reset_credits WHERE id = ?').run(hubRow.ref);
		else {
			const key = parseBudgetRef(hubRow.ref);
			if (!key) return false;
			db.prepare('DELETE FROM budgets WHERE scope = ? AND window = ?').run(key[0], key[1]);
		}
		setClock(db, kind, hubRow.ref, updatedAtMs);
		return true;
	}
	const parsed = SCHEMA[kind].safeParse(hubRow.row);
	if (!parsed.success) return false;
	const row = parsed.data as Record<string, unknown>;
	const ref = kind === 'credit' ? String(row['id']) : JSON.stringify([row['scope'], row['window']]);
	if (ref !== hubRow.ref) return false;
	const columns = COLUMNS[kind];
	db.prepare(`INSERT OR REPLACE INTO ${TABLE[kind]} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
		.run(...columns.map(column => row[column] as string | number | null));
	setClock(db, kind, hubRow.ref, updatedAtMs);
	return true;
}
