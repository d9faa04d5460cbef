/**
 * Replication between quota.db and the hub (DESIGN §12), local first:
 *
 * - push: the outbox's rows (store/outbox.ts) are read as they are now and upserted on the hub under
 *   (machine, local id) — or (machine, account, date, model) for daily usage — only where something
 *   differs, so pushing twice changes nothing. Each push is one transaction holding an advisory lock
 *   while it draws change numbers (`seq`), so seq order is commit order; it notifies `obs`.
 * - pull: other machines' observations and decisions with seq above this database's cursor are applied
 *   through the ordinary store functions (so status, freshness, burn rates, waste and the decisions
 *   panel see them), with the outbox triggers off and each applied row remembered, so pulling twice
 *   adds nothing. A failure snapshot (a machine's own login or network problem) is not applied: the
 *   account's state on this machine is not another machine's credential trouble.
 * - backfill (`team join`): every local row this machine made, pushed the same idempotent way.
 */
import {deriveStatus} from '../../engine/status.js';
import type {Account, AccountStatus, DecisionKind, ExtraUsage, QuotaWindow} from '../../engine/types.js';
import type {Db} from '../db.js';
import {recordWindowObservations} from '../history.js';
import {
	ackOutbox, allUsageRows, applyingHubData, appliedMs, getCursor, markApplied, ownRowsAfter, readOutbox, rowsById, setCursor, usageRows,
	type DecisionRecord, type HistoryRecord, type OutboxKind, type SnapshotRecord, type UsageRecord,
} from '../outbox.js';
import {insertSnapshot, latestSnapshot, recordDecision} from '../repositories.js';
import type {Hub, HubSql} from './client.js';
import {hubChannel} from './notify.js';
import {allBlocks, blocksOf, deleteBlocks, upsertBlocks} from './blocks.js';
import {allSharedItems, pullShared, SHARED_KINDS, sharedItems, upsertShared} from './shared-rows.js';

const BATCH = 500;

export type Counts = Record<OutboxKind, number>;
const zero = (): Counts => ({observation: 0, history: 0, decision: 0, usage: 0, budget: 0, credit: 0, block: 0});

// ---------------------------------------------------------------------------------------------------
// Upserts (each returns how many hub rows it inserted or changed)

async function upsertObservations(tx: HubSql, machine: string, rows: readonly SnapshotRecord[]): Promise<number> {
	if (rows.length === 0) return 0;
	const values = rows.map(r => ({
		machine, local_id: r.id, account: r.account, first_seen_ms: r.observed_at_ms, first_seen: r.observed_at, last_seen_ms: r.last_seen_ms,
		last_seen: r.last_seen, status: r.status, windows: tx.json(JSON.parse(r.windows_json)),
		extra_usage: r.extra_usage_json === null ? null : tx.json(JSON.parse(r.extra_usage_json)), message: r.message, origin: r.origin,
	}));
	return (await tx`
		INSERT INTO observations ${tx(values)}
		ON CONFLICT (machine, local_id) DO UPDATE SET account = excluded.account, first_seen_ms = excluded.first_seen_ms, first_seen = excluded.first_seen,
			last_seen_ms = excluded.last_seen_ms, last_seen = excluded.last_seen, status = excluded.status, windows = excluded.windows,
			extra_usage = excluded.extra_usage, message = excluded.message, origin = excluded.origin, seq = nextval('change_seq')
		WHERE (observations.account, observations.first_seen_ms, observations.last_seen_ms, observations.last_seen, observations.status,
			observations.windows, observations.extra_usage, observations.message, observations.origin)
			IS DISTINCT FROM (excluded.account, excluded.first_seen_ms, excluded.last_seen_ms, excluded.last_seen, excluded.status,
			excluded.windows, excluded.extra_usage, excluded.message, excluded.origin)
		RETURNING 1`).length;
}

async function upsertHistory(tx: HubSql, machine: string, rows: readonly HistoryRecord[]): Promise<number> {
	if (rows.length === 0) return 0;
	const values = rows.map(r => ({
		machine, local_id: r.id, account: r.account, kind: r.kind, stream: r.stream, resets_at_ms: r.resets_at_ms, resets_at: r.resets_at,
		duration_ms: r.duration_ms, utilization: r.utilization, source: r.source, origin: r.origin, first_seen_ms: r.first_seen_ms,
		last_seen_ms: r.last_seen_ms, observations: r.observations,
	}));
	return (await tx`
		INSERT INTO window_history ${tx(values)}
		ON CONFLICT (machine, local_id) DO UPDATE SET account = excluded.account, kind = excluded.kind, stream = excluded.stream,
			resets_at_ms = excluded.resets_at_ms, resets_at = excluded.resets_at, duration_ms = excluded.duration_ms, utilization = excluded.utilization,
			source = excluded.source, origin = excluded.origin, first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms,
			observations = excluded.observations, seq = nextval('change_seq')
		WHERE (window_history.resets_at_ms, window_history.resets_at, window_history.utilization, window_history.source, window_history.origin,
			window_history.first_seen_ms, window_history.last_seen_ms, window_history.observations)
			IS DISTINCT FROM (excluded.resets_at_ms, excluded.resets_at, excluded.utilization, excluded.source, excluded.origin,
			excluded.first_seen_ms, excluded.last_seen_ms, excluded.observations)
		RETURNING 1`).length;
}

async function upsertDecisions(tx: HubSql, machine: string, rows: readonly DecisionRecord[]): Promise<number> {
	if (rows.length === 0) return 0;
	const values = rows.map(r => ({
		machine, local_id: r.id, at_ms: r.at_ms, at: r.at, kind: r.kind, subject: r.subject, verdict: r.verdict,
		reasons: tx.json(JSON.parse(r.reasons_json)), inputs: tx.json(JSON.parse(r.inputs_json)),
	}));
	// Decisions are never edited: a row already there is the same decision.
	return (await tx`INSERT INTO decisions ${tx(values)} ON CONFLICT (machine, local_id) DO NOTHING RETURNING 1`).length;
}

async function upsertUsage(tx: HubSql, machine: string, rows: readonly UsageRecord[]): Promise<number> {
	if (rows.length === 0) return 0;
	const values = rows.map(r => ({
		machine, account: r.account, date: r.date, model: r.model, input_tokens: r.input_tokens, output_tokens: r.output_tokens,
		cache_creation_tokens: r.cache_creation_tokens, cache_read_tokens: r.cache_read_tokens, cost_usd: r.cost_usd, priced: r.priced !== 0,
	}));
	return (await tx`
		INSERT INTO usage_daily ${tx(values)}
		ON CONFLICT (machine, account, date, model) DO UPDATE SET input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
			cache_creation_tokens = excluded.cache_creation_tokens, cache_read_tokens = excluded.cache_read_tokens, cost_usd = excluded.cost_usd,
			priced = excluded.priced, seq = nextval('change_seq')
		WHERE (usage_daily.input_tokens, usage_daily.output_tokens, usage_daily.cache_creation_tokens, usage_daily.cache_read_tokens,
			usage_daily.cost_usd, usage_daily.priced)
			IS DISTINCT FROM (excluded.input_tokens, excluded.output_tokens, excluded.cache_creation_tokens, excluded.cache_read_tokens,
			excluded.cost_usd, excluded.priced)
		RETURNING 1`).length;
}

async function deleteUsage(tx: HubSql, machine: string, keys: ReadonlyArray<readonly [string, string, string]>): Promise<number> {
	if (keys.length === 0) return 0;
	return (await tx`
		DELETE FROM usage_daily u USING jsonb_array_elements(${tx.json(keys.map(k => [...k]))}) AS k(key)
		WHERE u.machine = ${machine} AND u.account = k.key->>0 AND u.date = k.key->>1 AND u.model = k.key->>2
		RETURNING 1`).length;
}

/** One push transaction: the advisory lock that orders seq, `write`, and a notification when anything changed. */
async function pushTransaction(hub: Hub, write: (tx: HubSql) => Promise<number>): Promise<number> {
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		await sql`SELECT pg_advisory_xact_lock(hashtext(${`quota-tui push ${hub.schema}`}))`;
		const changed = await write(sql);
		if (changed > 0) await sql`SELECT pg_notify(${hubChannel(hub.schema, 'obs')}, ${hub.machine})`;
		return changed;
	}) as Promise<number>;
}

// ---------------------------------------------------------------------------------------------------
// Push

export type PushResult = {
	/** Outbox entries pushed, by kind. */
	pushed: Counts;
	/** Hub rows inserted or changed. */
	changed: number;
	/** Entries left (the deadline came first). */
	remaining: boolean;
};

const usageKey = (ref: string) => JSON.parse(ref) as [string, string, string];

/** Push the outbox, oldest first, in batches, until it is empty or `deadline` (epoch ms) passes. */
export async function pushOutbox(hub: Hub, db: Db, options: {deadline?: number | undefined} = {}): Promise<PushResult> {
	const pushed = zero();
	let changed = 0;
	for (;;) {
		const entries = readOutbox(db, BATCH);
		if (entries.length === 0) return {pushed, changed, remaining: false};
		const ids = (kind: OutboxKind) => entries.filter(e => e.kind === kind).map(e => Number(e.ref));
		const observations = rowsById(db, 'observation', ids('observation'));
		const history = rowsById(db, 'history', ids('history'));
		const decisions = rowsById(db, 'decision', ids('decision'));
		const usageKeys = entries.filter(e => e.kind === 'usage').map(e => usageKey(e.ref));
		const usage = usageRows(db, usageKeys);
		const present = new Set(usage.map(u => JSON.stringify([u.account, u.date, u.model])));
		const gone = usageKeys.filter(key => !present.has(JSON.stringify(key)));
		const shared = sharedItems(db, entries, Date.now());
		const blocks = blocksOf(db, entries);
		changed += await pushTransaction(hub, async tx =>
			(await upsertObservations(tx, hub.machine, observations)) + (await upsertHistory(tx, hub.machine, history)) +
			(await upsertDecisions(tx, hub.machine, decisions)) + (await upsertUsage(tx, hub.machine, usage)) + (await deleteUsage(tx, hub.machine, gone)) +
			(await upsertShared(tx, hub.machine, shared)) + (await upsertBlocks(tx, hub.machine, blocks.rows)) + (await deleteBlocks(tx, hub.machine, blocks.gone)));
		ackOutbox(db, entries);
		for (const entry of entries) pushed[entry.kind] += 1;
		if (options.deadline !== undefined && Date.now() > options.deadline) return {pushed, changed, remaining: readOutbox(db, 1).length > 0};
	}
}

export type BackfillResult = Record<OutboxKind, {rows: number; changed: number}>;

/** Push every row this machine made (team join). Idempotent: a second run changes nothing. */
export async function backfill(hub: Hub, db: Db): Promise<BackfillResult> {
	const result: BackfillResult = {
		observation: {rows: 0, changed: 0}, history: {rows: 0, changed: 0}, decision: {rows: 0, changed: 0}, usage: {rows: 0, changed: 0},
		budget: {rows: 0, changed: 0}, credit: {rows: 0, changed: 0}, block: {rows: 0, changed: 0},
	};
	const kinds = [
		['observation', upsertObservations],
		['history', upsertHistory],
		['decision', upsertDecisions],
	] as const;
	for (const [kind, upsert] of kinds) {
		let after = 0;
		for (;;) {
			const rows = ownRowsAfter(db, kind, after, BATCH);
			if (rows.length === 0) break;
			after = rows.at(-1)!.id;
			result[kind].rows += rows.length;
			result[kind].changed += await pushTransaction(hub, tx => (upsert as (tx: HubSql, machine: string, rows: readonly unknown[]) => Promise<number>)(tx, hub.machine, rows));
		}
	}
	const usage = allUsageRows(db);
	for (let i = 0; i < usage.length; i += BATCH) {
		const chunk = usage.slice(i, i + BATCH);
		result.usage.rows += chunk.length;
		result.usage.changed += await pushTransaction(hub, tx => upsertUsage(tx, hub.machine, chunk));
	}
	const blocks = allBlocks(db);
	for (let i = 0; i < blocks.length; i += BATCH) {
		const chunk = blocks.slice(i, i + BATCH);
		result.block.rows += chunk.length;
		result.block.changed += await pushTransaction(hub, tx => upsertBlocks(tx, hub.machine, chunk));
	}
	// Budgets and credits: last writer wins on the hub, so pushing what this machine has never
	// overwrites a newer change another machine made.
	const shared = allSharedItems(db);
	for (const kind of SHARED_KINDS) {
		const items = shared.filter(item => item.kind === kind);
		for (let i = 0; i < items.length; i += BATCH) {
			const chunk = items.slice(i, i + BATCH);
			result[kind].rows += chunk.length;
			result[kind].changed += await pushTransaction(hub, tx => upsertShared(tx, hub.machine, chunk));
		}
	}
	return result;
}

// ---------------------------------------------------------------------------------------------------
// Pull

type HubObservation = {
	machine: string; local_id: number; account: string; first_seen_ms: number; last_seen_ms: number; status: string;
	windows: QuotaWindow[]; extra_usage: ExtraUsage | null; message: string | null; seq: number; top: number;
};
type HubDecision = {
	machine: string; local_id: number; at: string; kind: string; subject: string; verdict: string;
	reasons: string[]; inputs: Record<string, unknown>; seq: number; top: number;
};

export type PullOptions = {
	/** This machine's accounts: an observation's status is derived again with this machine's settings. */
	accounts?: readonly Account[] | undefined;
	warnThreshold?: number | undefined;
	nowMs: number;
};

/** Rows applied here: observations, decisions, and budgets and reset credits (`shared`). */
export type PullResult = {observations: number; decisions: number; shared: number};

const isoOf = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * One observation of another machine at `atMs`. Newer than what this database knows: recorded as the
 * account's newest snapshot (with its window history). Older (it arrives late, after a partition): it
 * only fills the window history, so a late row never hides a newer local one — unless all this database
 * has of the account is failures without data.
 */
function applyObservation(db: Db, row: HubObservation, atMs: number, options: PullOptions): void {
	const at = isoOf(atMs);
	// The row's windows are the run's newest; at an earlier point of the run they were seen then.
	const windows = row.windows.map(w => (Date.parse(w.observedAt) > atMs ? {...w, observedAt: at} : w));
	const latest = latestSnapshot(db, row.account);
	if (latest && atMs < Date.parse(latest.observedAt)) {
		if (latest.windows.length > 0 || latest.message === undefined) {
			recordWindowObservations(db, row.account, windows, atMs, 'detected');
			return;
		}
		// This machine never had data for the account, only failures (stamped "now"): they hide nothing.
		// The team's data takes their place; this machine's next refresh records its failure on top of it.
		db.prepare(`DELETE FROM snapshots WHERE account = ? AND windows_json = '[]' AND message IS NOT NULL AND observed_at_ms > ?`).run(row.account, atMs);
	}
	const account = options.accounts?.find(a => a.name === row.account);
	const extraUsage = row.extra_usage ?? undefined;
	const status = account ? deriveStatus(windows, account, options.warnThreshold ?? 0.8, extraUsage) : (row.status as AccountStatus);
	insertSnapshot(db, {account: row.account, observedAt: at, status, windows, ...(extraUsage ? {extraUsage} : {})}, options.nowMs);
}

async function pullTable<T extends {machine: string; local_id: number; seq: number; top: number}>(
	hub: Hub, db: Db, table: 'observations' | 'decisions', options: PullOptions, apply: (row: T) => void,
): Promise<number> {
	let applied = 0;
	for (;;) {
		const cursor = getCursor(db, table);
		// `top` comes from the same snapshot as the rows: when fewer than BATCH came back, nothing at or
		// below it is unseen (pushes commit in seq order), so the cursor may pass this machine's own rows.
		const rows = await hub.sql<T[]>`
			SELECT t.*, (SELECT coalesce(max(seq), 0) FROM ${hub.sql(table)}) AS top FROM ${hub.sql(table)} t
			WHERE t.seq > ${cursor} AND t.machine <> ${hub.machine} ORDER BY t.seq LIMIT ${BATCH}`;
		const full = rows.length === BATCH;
		const next = full ? rows.at(-1)!.seq : Math.max(cursor, rows[0]?.top ?? (await topSeq(hub, table)));
		applyingHubData(db, track => {
			for (const row of rows) {
				track(row.machine, () => apply(row));
				applied += 1;
			}
			setCursor(db, table, next, options.nowMs);
		});
		if (!full) return applied;
	}
}

async function topSeq(hub: Hub, table: string): Promise<number> {
	const [row] = await hub.sql<Array<{top: number}>>`SELECT coalesce(max(seq), 0) AS top FROM ${hub.sql(table)}`;
	return row?.top ?? 0;
}

/** Apply the hub's observations and decisions from other machines that this database has not seen. */
export async function pullHub(hub: Hub, db: Db, options: PullOptions): Promise<PullResult> {
	const observations = await pullTable<HubObservation>(hub, db, 'observations', options, row => {
		const id = String(row.local_id);
		const seen = appliedMs(db, 'observation', row.machine, id);
		if (row.message === null) {
			const points = seen === undefined ? [row.first_seen_ms, row.last_seen_ms] : [row.last_seen_ms];
			for (const at of new Set(points)) if (seen === undefined || at > seen) applyObservation(db, row, at, options);
		}
		markApplied(db, 'observation', row.machine, id, row.last_seen_ms);
	});
	const decisions = await pullTable<HubDecision>(hub, db, 'decisions', options, row => {
		const id = String(row.local_id);
		if (appliedMs(db, 'decision', row.machine, id) !== undefined) return;
		recordDecision(db, {at: row.at, kind: row.kind as DecisionKind, subject: row.subject, verdict: row.verdict, reasons: row.reasons, inputs: {...row.inputs, machine: row.machine}});
		markApplied(db, 'decision', row.machine, id, 0);
	});
	const shared = await pullShared(hub, db, options.nowMs);
	return {observations, decisions, shared: shared.applied};
}
