/**
 * Reset credits in quota.db (table `reset_credits`, migration 5). Every write is one IMMEDIATE
 * transaction; rows are kept after a credit is redeemed, lapses or disappears (history for the waste
 * ledger), and a provider read never touches hand-entered rows.
 */
import type {ProviderCredits, ResetCredit, ResetKind, ResetSource, ResetStatus} from '../engine/resets.js';
import type {Db} from './db.js';
import {membership} from './outbox.js';

type Row = {
	id: string;
	account: string;
	source: string;
	provider_id: string | null;
	kind: string;
	model: string | null;
	count: number;
	status: string;
	provider_usable: number | null;
	expires_at: string | null;
	expires_at_ms: number | null;
	starts_at: string | null;
	granted_at: string | null;
	title: string | null;
	note: string | null;
	first_seen_ms: number;
	observed_at: string;
	observed_at_ms: number;
	closed_at: string | null;
	closed_at_ms: number | null;
	redeem_key: string | null;
};

const fromRow = (row: Row): ResetCredit => ({
	id: row.id,
	account: row.account,
	kind: row.kind as ResetKind,
	model: row.model,
	count: row.count,
	expiresAt: row.expires_at,
	startsAt: row.starts_at,
	grantedAt: row.granted_at,
	source: row.source as ResetSource,
	providerId: row.provider_id,
	status: row.status as ResetStatus,
	providerUsable: row.provider_usable === null ? null : row.provider_usable === 1,
	title: row.title,
	note: row.note,
	observedAt: row.observed_at,
	closedAt: row.closed_at,
	redeemKey: row.redeem_key,
});

const msOf = (iso: string | null): number | null => {
	if (iso === null) return null;
	const ms = Date.parse(iso);
	return Number.isFinite(ms) ? ms : null;
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export type ResetQuery = {
	account?: string | undefined;
	/** Include redeemed, gone and long-lapsed rows (default: open ones and those closed in the last 7 days). */
	all?: boolean | undefined;
	/** `now` for the "recently closed" cut (epoch ms). */
	now?: number | undefined;
};

/** Credits, soonest expiry first (no expiry last). */
export function listResetCredits(db: Db, query: ResetQuery = {}): ResetCredit[] {
	const clauses: string[] = [];
	const params: Array<string | number> = [];
	if (query.account) {
		clauses.push('account = ?');
		params.push(query.account);
	}
	if (!query.all) {
		const since = (query.now ?? Date.now()) - 7 * 24 * 3_600_000;
		clauses.push(`(status IN ('available', 'redeeming', 'unknown') OR coalesce(closed_at_ms, expires_at_ms, observed_at_ms) >= ?)`);
		params.push(since);
	}
	const rows = db
		.prepare(`SELECT * FROM reset_credits ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
			ORDER BY account, expires_at_ms IS NULL, expires_at_ms, id`)
		.all(...params) as Row[];
	return rows.map(fromRow);
}

export function getResetCredit(db: Db, id: string): ResetCredit | undefined {
	const row = db.prepare('SELECT * FROM reset_credits WHERE id = ?').get(id) as Row | undefined;
	return row ? fromRow(row) : undefined;
}

const idFor = (source: string, providerId: string) => `${source === 'claude-usage' ? 'claude' : 'codex'}-${providerId.replaceAll(/[^A-Za-z0-9._-]/g, '').slice(0, 96) || 'credit'}`;

/**
 * Store what a provider read said (the source's rows of that account are replaced by it): credits it
 * lists are inserted or updated; its open rows it no longer lists become `expired` when their expiry
 * passed, else `gone` (redeemed elsewhere or withdrawn); quota-tui's own unconfirmed redemption stays. A count without rows (`availableCount` beyond
 * the rows) is kept as one row of that count. A read older than the stored one changes nothing.
 */
export function syncResetCredits(db: Db, account: string, read: ProviderCredits, nowMs: number): void {
	const observedMs = msOf(read.observedAt) ?? nowMs;
	db.transaction(() => {
		const latest = db.prepare('SELECT max(observed_at_ms) AS at FROM reset_credits WHERE account = ? AND source = ?').get(account, read.source) as {at: number | null};
		if (latest.at !== null && observedMs < latest.at) return;
		const credits = [...read.credits];
		const listed = credits.reduce((n, c) => n + (c.status === 'available' ? c.count : 0), 0);
		if (read.availableCount !== undefined && read.availableCount > listed) {
			credits.push({providerId: 'count', kind: 'both', count: read.availableCount - listed, status: 'available', expiresAt: null,
				note: 'the provider gave a count only (no per-credit rows): expiry unknown'});
		}
		const seen = new Set<string>();
		for (const credit of credits) {
			const id = idFor(read.source, `${account}-${credit.providerId ?? 'count'}`);
			if (seen.has(id)) continue;
			seen.add(id);
			const existing = getResetCredit(db, id);
			// quota-tui's own redemption in flight stays so until the provider confirms it.
			const status = existing?.status === 'redeeming' && credit.status === 'available' ? 'redeeming' : credit.status;
			db.prepare(`INSERT INTO reset_credits (id, account, source, provider_id, kind, model, count, status, provider_usable, expires_at, expires_at_ms,
					starts_at, granted_at, title, note, first_seen_ms, observed_at, observed_at_ms, closed_at, closed_at_ms, redeem_key)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
				ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, model = excluded.model, count = excluded.count, status = ?, provider_usable = excluded.provider_usable,
					expires_at = excluded.expires_at, expires_at_ms = excluded.expires_at_ms, starts_at = excluded.starts_at, granted_at = excluded.granted_at,
					title = excluded.title, note = excluded.note, observed_at = excluded.observed_at, observed_at_ms = excluded.observed_at_ms`)
				.run(id, account, read.source, credit.providerId === 'count' ? null : credit.providerId, credit.kind, credit.model ?? null, credit.count, status,
					credit.providerUsable === undefined || credit.providerUsable === null ? null : credit.providerUsable ? 1 : 0,
					credit.expiresAt, msOf(credit.expiresAt), credit.startsAt ?? null, credit.grantedAt ?? null, credit.title ?? null, credit.note ?? null,
					observedMs, read.observedAt, observedMs, status);
		}
		// quota-tui's own unconfirmed redemption stays "redeeming" (its retry with the same key confirms it).
		const open = db.prepare(`SELECT id, expires_at_ms FROM reset_credits WHERE account = ? AND source = ? AND (status IN ('available', 'unknown') OR (status = 'redeeming' AND redeem_key IS NULL))`)
			.all(account, read.source) as Array<{id: string; expires_at_ms: number | null}>;
		for (const row of open) {
			if (seen.has(row.id)) continue;
			const lapsed = row.expires_at_ms !== null && row.expires_at_ms <= observedMs;
			db.prepare('UPDATE reset_credits SET status = ?, closed_at = ?, closed_at_ms = ? WHERE id = ?')
				.run(lapsed ? 'expired' : 'gone', lapsed ? iso(row.expires_at_ms!) : read.observedAt, lapsed ? row.expires_at_ms : observedMs, row.id);
		}
	});
}

export type ManualCredit = {
	account: string;
	kind: ResetKind;
	model?: string | null | undefined;
	count: number;
	expiresAt: string | null;
	startsAt?: string | null | undefined;
	providerUsable?: boolean | null | undefined;
	note?: string | null | undefined;
};

/**
 * Enter a credit by hand; returns it (id `m1`, `m2`, …; in team mode `m3-laptop`: credits are shared,
 * and two machines entering one while apart must not take the same id).
 */
export function addManualResetCredit(db: Db, credit: ManualCredit, nowMs: number): ResetCredit {
	return db.transaction(() => {
		const {n} = db.prepare(`SELECT coalesce(max(CAST(substr(id, 2) AS INTEGER)), 0) + 1 AS n FROM reset_credits WHERE id GLOB 'm[0-9]*'`).get() as {n: number};
		const machine = membership(db)?.machine.replaceAll(/[^A-Za-z0-9._-]/g, '');
		const id = machine ? `m${n}-${machine}` : `m${n}`;
		const observedAt = iso(nowMs);
		db.prepare(`INSERT INTO reset_credits (id, account, source, provider_id, kind, model, count, status, provider_usable, expires_at, expires_at_ms,
				starts_at, granted_at, title, note, first_seen_ms, observed_at, observed_at_ms) VALUES (?, ?, 'manual', NULL, ?, ?, ?, 'available', ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`)
			.run(id, credit.account, credit.kind, credit.model ?? null, credit.count, credit.providerUsable === undefined || credit.providerUsable === null ? null : credit.providerUsable ? 1 : 0,
				credit.expiresAt, msOf(credit.expiresAt), credit.startsAt ?? null, credit.note ?? null, nowMs, observedAt, nowMs);
		return getResetCredit(db, id)!;
	});
}

/** Delete a credit row; returns whether it existed. */
export function removeResetCredit(db: Db, id: string): boolean {
	return db.transaction(() => Number(db.prepare('DELETE FROM reset_credits WHERE id = ?').run(id).changes) > 0);
}

/** Record a redemption attempt starting (its idempotency key, reused on retry). */
export function markRedeeming(db: Db, id: string, key: string, nowMs: number): void {
	db.transaction(() => db.prepare(`UPDATE reset_credits SET status = 'redeeming', redeem_key = ?, observed_at = ?, observed_at_ms = ? WHERE id = ?`).run(key, iso(nowMs), nowMs, id));
}

/** Close a redemption: `redeemed` (one of count used), back to `available` (nothing was consumed) or `gone`. */
export function finishRedemption(db: Db, id: string, outcome: 'redeemed' | 'available' | 'gone', nowMs: number): void {
	db.transaction(() => {
		const row = getResetCredit(db, id);
		if (!row) return;
		if (outcome === 'redeemed' && row.count > 1) {
			// One of several: the rest stay available; the used one is its own row.
			db.prepare(`UPDATE reset_credits SET count = count - 1, status = 'available', redeem_key = NULL WHERE id = ?`).run(id);
			db.prepare(`INSERT INTO reset_credits (id, account, source, provider_id, kind, model, count, status, provider_usable, expires_at, expires_at_ms, starts_at,
					granted_at, title, note, first_seen_ms, observed_at, observed_at_ms, closed_at, closed_at_ms, redeem_key)
				SELECT id || '-used-' || ?, account, source, provider_id, kind, model, 1, 'redeemed', provider_usable, expires_at, expires_at_ms, starts_at, granted_at, title, note,
					first_seen_ms, ?, ?, ?, ?, ? FROM reset_credits WHERE id = ?`)
				.run(nowMs, iso(nowMs), nowMs, iso(nowMs), nowMs, row.redeemKey, id);
			return;
		}
		const closed = outcome === 'available' ? null : nowMs;
		db.prepare(`UPDATE reset_credits SET status = ?, closed_at = ?, closed_at_ms = ?, redeem_key = CASE WHEN ? = 'available' THEN NULL ELSE redeem_key END WHERE id = ?`)
			.run(outcome, closed === null ? null : iso(closed), closed, outcome, id);
	});
}
