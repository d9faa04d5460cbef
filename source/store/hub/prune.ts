/**
 * Hub pruning (DESIGN §12): the hub keeps `store.hubRetentionDays` (90) of team history. Older
 * observations, window history, decisions, daily usage rows and 5-hour blocks, and jobs that finished that long ago,
 * are deleted; queued, claimed and running jobs, machines, accounts, holdings and poll leases never
 * are. Machines' local databases keep their own history (pruning the hub deletes nothing locally).
 * Any machine may prune; one transaction-level advisory lock lets one of them do it at a time.
 */
import type {Hub, HubSql} from './client.js';

export type PruneResult = {observations: number; windowHistory: number; decisions: number; usageDaily: number; usageBlocks: number; jobs: number};

const DAY_MS = 86_400_000;

export async function pruneHub(hub: Hub, options: {retentionDays: number; nowMs: number}): Promise<PruneResult | null> {
	const cutoffMs = options.nowMs - options.retentionDays * DAY_MS;
	const cutoffDate = new Date(cutoffMs).toISOString().slice(0, 10);
	return hub.sql.begin(async tx => {
		const sql = tx as unknown as HubSql;
		const [lock] = await sql<Array<{ok: boolean}>>`SELECT pg_try_advisory_xact_lock(hashtext(${`quota-tui prune ${hub.schema}`})) AS ok`;
		if (!lock?.ok) return null;
		const count = async (query: PromiseLike<{length: number}>) => (await query).length;
		return {
			observations: await count(sql`DELETE FROM observations WHERE last_seen_ms < ${cutoffMs} RETURNING 1`),
			windowHistory: await count(sql`DELETE FROM window_history WHERE last_seen_ms < ${cutoffMs} RETURNING 1`),
			decisions: await count(sql`DELETE FROM decisions WHERE at_ms < ${cutoffMs} RETURNING 1`),
			usageDaily: await count(sql`DELETE FROM usage_daily WHERE date < ${cutoffDate} RETURNING 1`),
			usageBlocks: await count(sql`DELETE FROM usage_blocks WHERE actual_end_ms < ${cutoffMs} RETURNING 1`),
			jobs: await count(sql`DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'interrupted', 'cancelled') AND finished_at < to_timestamp(${cutoffMs / 1000}) RETURNING 1`),
		};
	}) as Promise<PruneResult | null>;
}
