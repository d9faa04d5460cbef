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

const HOUR_MS = 60 * 60_000;
/** The longest a source backs off after failing again and again with the same cause (item 10). */
export const MAX_BACKOFF_MS = HOUR_MS;

/** A failure message with its numbers blurred: "the same cause" despite a changing count or time. */
const cause = (message: string | null) => (message === null ? null : message.replace(/\d+(\.\d+)?/g, '#'));

/**
 * Record an endpoint source's attempt and set when it may be asked again: a success clears any hold;
 * a failure with the same cause as the previous (unbroken) failure doubles the hold, from `baseMs` up
 * to MAX_BACKOFF_MS; `holdMs` (a login that cannot report usage) holds at least that long.
 */
export function recordSourceAttempt(db: Db, account: string, source: string, now: number, result: {ok: boolean; error?: string | null; baseMs: number; holdMs?: number | undefined}): void {
	db.transaction(() => {
		const row = db.prepare('SELECT * FROM poll_state WHERE account = ? AND source = ?').get(account, source) as Row | undefined;
		let next: number | null = null;
		if (!result.ok) {
			const error = result.error ?? 'failed';
			const failingBefore = row?.last_error != null && (row.last_success_ms ?? 0) < (row.last_attempt_ms ?? 0);
			const previousHold = row?.next_allowed_ms != null && row.last_attempt_ms != null ? row.next_allowed_ms - row.last_attempt_ms : 0;
			const same = failingBefore && cause(row!.last_error) === cause(error) && previousHold > 0;
			const backoff = same ? Math.min(MAX_BACKOFF_MS, Math.max(result.baseMs, previousHold * 2)) : result.baseMs;
			next = now + Math.max(backoff, result.holdMs ?? 0);
		}
		db.prepare(
			`INSERT INTO poll_state (account, source, last_attempt_ms, last_success_ms, next_allowed_ms, last_error) VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (account, source) DO UPDATE SET
			   last_attempt_ms = excluded.last_attempt_ms,
			   last_success_ms = COALESCE(excluded.last_success_ms, poll_state.last_success_ms),
			   next_allowed_ms = excluded.next_allowed_ms,
			   last_error = excluded.last_error`,
		).run(account, source, now, result.ok ? now : null, next, result.ok ? null : (result.error ?? 'failed'));
	});
}

type HostReads = {reads: number[]; nextMs: number};

/**
 * The per-host cap on usage-endpoint reads for the whole machine (item 10; the endpoints also limit
 * per IP), claimed in one IMMEDIATE transaction and stored in `kv` as `host-reads:<host>`:
 * - never more than `perHour` reads in any rolling hour;
 * - reads are spread: each read moves the host's theoretical next read (`nextMs`) on by `gapMs` (the
 *   even share of the hour, jittered by the caller so accounts never fall into lockstep), and a read is
 *   let through while `nextMs` is at most `burst` gaps ahead (a few accounts starting together all get
 *   their first read). `firstRead` (an account with no data at all) skips the spreading, not the cap.
 */
export function claimHostRead(db: Db, host: string, now: number, options: {perHour: number; gapMs: number; burst?: number | undefined; firstRead?: boolean | undefined}): Claim {
	const key = `host-reads:${host}`;
	const even = HOUR_MS / options.perHour;
	const tolerance = (options.burst ?? 3) * even;
	return db.transaction(() => {
		const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as {value: string} | undefined;
		let state: HostReads = {reads: [], nextMs: 0};
		try {
			const parsed = row ? (JSON.parse(row.value) as Partial<HostReads>) : {};
			state = {reads: Array.isArray(parsed.reads) ? parsed.reads.filter(x => typeof x === 'number') : [], nextMs: typeof parsed.nextMs === 'number' ? parsed.nextMs : 0};
		} catch {
			// A damaged value starts over.
		}
		// The last hour only; reads stamped after now (a clock that was ahead) are forgotten, and so is a
		// next read further ahead than an hour plus the tolerance.
		const reads = state.reads.filter(at => at > now - HOUR_MS && at <= now);
		const nextMs = state.nextMs - now > HOUR_MS + tolerance ? now : state.nextMs;
		if (reads.length >= options.perHour) return {claimed: false, nextAllowedMs: Math.min(...reads) + HOUR_MS};
		if (!options.firstRead && nextMs - now > tolerance) return {claimed: false, nextAllowedMs: nextMs - tolerance};
		reads.push(now);
		const value = JSON.stringify({reads, nextMs: Math.max(nextMs, now) + options.gapMs});
		db.prepare('INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms').run(key, value, now);
		return {claimed: true} as const;
	});
}

/** Reads counted against `host` in the hour before `now`. */
export function hostReads(db: Db, host: string, now: number): number {
	const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(`host-reads:${host}`) as {value: string} | undefined;
	try {
		const parsed = row ? (JSON.parse(row.value) as Partial<HostReads>) : {};
		return (Array.isArray(parsed.reads) ? parsed.reads : []).filter(at => typeof at === 'number' && at > now - HOUR_MS && at <= now).length;
	} catch {
		return 0;
	}
}
