/**
 * Real outcomes outrank quota numbers (DESIGN §7.1 step 1): an account on which a job just failed
 * because the provider refused its credential is unusable for selection until one of these says it
 * works again: a later job on it succeeded, a live source (status line, Claude CLI, usage endpoints,
 * Codex app-server) reported it usable after the failure, or a day passed.
 */
import {isUsableStatus} from '../engine/status.js';
import {DAY} from '../engine/time.js';
import type {Snapshot} from '../engine/types.js';
import type {Db} from '../store/db.js';

/** Origins that only answer when the credential works. */
const LIVE_ORIGINS = new Set(['statusline', 'claude-cli', 'oauth-usage', 'codex-app-server', 'wham-usage']);

export const UNUSABLE_FOR_MS = DAY;

type Row = {id: string; account: string; state: string; failure_kind: string | null; message: string | null; finished_at: string | null; finished_at_ms: number};

/** Account name → why it is unusable, from the newest finished job on each account. */
export function unusableAccounts(db: Db, snapshots: ReadonlyMap<string, Snapshot>, now: number): Map<string, string> {
	const rows = db.prepare(
		`SELECT id, account, state, failure_kind, message, finished_at, finished_at_ms FROM (
			SELECT *, ROW_NUMBER() OVER (PARTITION BY account ORDER BY finished_at_ms DESC, id DESC) AS rank
			FROM jobs WHERE account IS NOT NULL AND finished_at_ms IS NOT NULL AND state IN ('succeeded', 'failed') AND finished_at_ms >= ?
		) WHERE rank = 1`,
	).all(now - UNUSABLE_FOR_MS) as Row[];
	const result = new Map<string, string>();
	for (const row of rows) {
		if (row.state !== 'failed' || row.failure_kind !== 'credential') continue;
		const snapshot = snapshots.get(row.account);
		const observed = snapshot ? Date.parse(snapshot.observedAt) : Number.NaN;
		const live = snapshot?.windows.some(w => LIVE_ORIGINS.has(w.origin)) ?? false;
		if (snapshot && live && isUsableStatus(snapshot.status) && observed > row.finished_at_ms) continue;
		result.set(row.account, `job ${row.id} failed at ${row.finished_at ?? 'an unknown time'} because the provider refused the credential (${row.message ?? 'no message'}); log in again with the provider's CLI`);
	}
	return result;
}
