/**
 * Poll cooldowns shared by every quota-tui process on the machine (the `poll_state` table): a
 * dashboard per tmux pane, one-shot commands and cron jobs all claim the same slots, so together they
 * stay within one endpoint read per account per interval, and a provider's Retry-After holds for all.
 *
 * Rows: (account, source). `source` is an origin (`oauth-usage`, `claude-cli`, …) for per-source state
 * (last error, Retry-After), or `endpoint` for the per-account read budget all endpoint sources share.
 */
import type {Db} from './db.js';

export type PollState = {
	account: string;
	source: string;
	lastAttemptMs: number | null;
	lastSuccessMs: number | null;
	nextAllowedMs: number | null;
	lastError: string | null;
};

type Row = {account: string; source: string; last_attempt_ms: number | null; last_success_ms: number | null; next_allowed_ms: number | null; last_error: string | null};

const fromRow = (row: Row): PollState => ({
	account: row.account,
	source: row.source,
	lastAttemptMs: row.last_attempt_ms,
	lastSuccessMs: row.last_success_ms,
	nextAllowedMs: row.next_allowed_ms,
	lastError: row.last_error,
});

export function getPollState(db: Db, account: string, source: string): PollState | undefined {
	const row = db.prepare('SELECT * FROM poll_state WHERE account = ? AND source = ?').get(account, source) as Row | undefined;
	return row ? fromRow(row) : undefined;
}

export function listPollStates(db: Db, account?: string): PollState[] {
	const rows = (account === undefined
		? db.prepare('SELECT * FROM poll_state ORDER BY account, source').all()
		: db.prepare('SELECT * FROM poll_state WHERE account = ? ORDER BY source').all(account)) as Row[];
	return rows.map(fromRow);
}

export type Claim = {claimed: true} | {claimed: false; nextAllowedMs: number};

/**
 * Take the (account, source) slot at `now` unless another process holds it: one `BEGIN IMMEDIATE`
 * transaction reads `next_allowed_ms` and, when it has passed, moves it to `nextAllowedMs`.
 * A slot whose next_allowed_ms lies more than `maxAheadMs` ahead (a clock that jumped back) is taken.
 */
export function claimSlot(db: Db, account: string, source: string, now: number, nextAllowedMs: number, maxAheadMs = Number.POSITIVE_INFINITY): Claim {
	return db.transaction(() => {
		const row = db.prepare('SELECT next_allowed_ms FROM poll_state WHERE account = ? AND source = ?').get(account, source) as Pick<Row, 'next_allowed_ms'> | undefined;
		const next = row?.next_allowed_ms ?? null;
		if (next !== null && next > now && next - now <= maxAheadMs) return {claimed: false, nextAllowedMs: next};
		db.prepare(
			`INSERT INTO poll_state (account, source, last_attempt_ms, next_allowed_ms) VALUES (?, ?, ?, ?)
			 ON CONFLICT (account, source) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms, next_allowed_ms = excluded.next_allowed_ms`,
		).run(account, source, now, nextAllowedMs);
		return {claimed: true} as const;
	});
}

/**
 * Record how an attempt went. `holdUntilMs` (a Retry-After or back-off) only ever pushes the slot's
 * next_allowed_ms later.
 */
export function recordPoll(db: Db, account: string, source: string, now: number, result: {ok: boolean; error?: string | null; holdUntilMs?: number | undefined}): void {
	db.transaction(() => {
		db.prepare(
			`INSERT INTO poll_state (account, source, last_attempt_ms, last_success_ms, next_allowed_ms, last_error) VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (account, source) DO UPDATE SET
			   last_attempt_ms = excluded.last_attempt_ms,
			   last_success_ms = COALESCE(excluded.last_success_ms, poll_state.last_success_ms),
			   next_allowed_ms = MAX(COALESCE(poll_state.next_allowed_ms, 0), COALESCE(excluded.next_allowed_ms, 0)),
			   last_error = excluded.last_error`,
		).run(account, source, now, result.ok ? now : null, result.holdUntilMs ?? null, result.ok ? null : (result.error ?? 'failed'));
	});
}

/** Replace the message of a stored snapshot row (a new failure sentence on unchanged data). */
export function setSnapshotMessage(db: Db, id: number, message: string | null): void {
	db.transaction(() => {
		db.prepare('UPDATE snapshots SET message = ? WHERE id = ?').run(message, id);
	});
}
