/**
 * Per-machine 5-hour blocks on the hub (hub migration 3), for `report blocks --all-machines`: each
 * machine pushes the blocks its own log index computed (`log_blocks`), keyed by (machine, account,
 * start); the hub never sees a request. The outbox names changed blocks by [account, start_ms].
 */
import type {Db} from '../db.js';
import type {OutboxEntry} from '../outbox.js';
import type {HubSql} from './client.js';

export type BlockRecord = {
	account: string; start_ms: number; end_ms: number; actual_end_ms: number; entries: number; input_tokens: number; output_tokens: number;
	cache_creation_tokens: number; cache_read_tokens: number; cost_usd: number; models: string;
};

const keyOf = (ref: string): [string, number] | null => {
	try {
		const key = JSON.parse(ref) as unknown;
		return Array.isArray(key) && typeof key[0] === 'string' && typeof key[1] === 'number' ? [key[0], key[1]] : null;
	} catch {
		return null;
	}
};

/** The blocks named by these outbox entries: the ones still there, and the keys of deleted ones. */
export function blocksOf(db: Db, entries: readonly OutboxEntry[]): {rows: BlockRecord[]; gone: Array<[string, number]>} {
	const get = db.prepare('SELECT * FROM log_blocks WHERE account = ? AND start_ms = ?');
	const rows: BlockRecord[] = [];
	const gone: Array<[string, number]> = [];
	for (const entry of entries) {
		if (entry.kind !== 'block') continue;
		const key = keyOf(entry.ref);
		if (!key) continue;
		const row = get.get(key[0], key[1]) as BlockRecord | undefined;
		if (row) rows.push(row);
		else gone.push(key);
	}
	return {rows, gone};
}

/** Every block of the local index (team join). */
export function allBlocks(db: Db): BlockRecord[] {
	return db.prepare('SELECT * FROM log_blocks ORDER BY account, start_ms').all() as BlockRecord[];
}

const models = (text: string): string[] => {
	try {
		const value = JSON.parse(text) as unknown;
		return Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string') : [];
	} catch {
		return [];
	}
};

export async function upsertBlocks(tx: HubSql, machine: string, rows: readonly BlockRecord[]): Promise<number> {
	if (rows.length === 0) return 0;
	const values = rows.map(r => ({
		machine, account: r.account, start_ms: r.start_ms, end_ms: r.end_ms, actual_end_ms: r.actual_end_ms, entries: r.entries, input_tokens: r.input_tokens,
		output_tokens: r.output_tokens, cache_creation_tokens: r.cache_creation_tokens, cache_read_tokens: r.cache_read_tokens, cost_usd: r.cost_usd,
		models: tx.json(models(r.models)),
	}));
	return (await tx`
		INSERT INTO usage_blocks ${tx(values)}
		ON CONFLICT (machine, account, start_ms) DO UPDATE SET end_ms = excluded.end_ms, actual_end_ms = excluded.actual_end_ms, entries = excluded.entries,
			input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, cache_creation_tokens = excluded.cache_creation_tokens,
			cache_read_tokens = excluded.cache_read_tokens, cost_usd = excluded.cost_usd, models = excluded.models, seq = nextval('change_seq')
		WHERE (usage_blocks.end_ms, usage_blocks.actual_end_ms, usage_blocks.entries, usage_blocks.input_tokens, usage_blocks.output_tokens,
			usage_blocks.cache_creation_tokens, usage_blocks.cache_read_tokens, usage_blocks.cost_usd, usage_blocks.models)
			IS DISTINCT FROM (excluded.end_ms, excluded.actual_end_ms, excluded.entries, excluded.input_tokens, excluded.output_tokens,
			excluded.cache_creation_tokens, excluded.cache_read_tokens, excluded.cost_usd, excluded.models)
		RETURNING 1`).length;
}

export async function deleteBlocks(tx: HubSql, machine: string, keys: ReadonlyArray<[string, number]>): Promise<number> {
	if (keys.length === 0) return 0;
	return (await tx`
		DELETE FROM usage_blocks b USING jsonb_array_elements(${tx.json(keys.map(k => [...k]))}) AS k(key)
		WHERE b.machine = ${machine} AND b.account = k.key->>0 AND b.start_ms = (k.key->>1)::bigint
		RETURNING 1`).length;
}
