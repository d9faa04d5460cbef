/**
 * The "once per key" memory of notifications, shared by every quota-tui process through quota.db:
 * a key (one idle episode, one weekly window…) is notified at most once, whichever process gets there
 * first.
 */
import type {Db} from './db.js';

export type SentNotification = {key: string; sentAtMs: number; sentAt: string; via: string; title: string};

type Row = {key: string; sent_at_ms: number; sent_at: string; via: string; title: string};

const fromRow = (row: Row): SentNotification => ({key: row.key, sentAtMs: row.sent_at_ms, sentAt: row.sent_at, via: row.via, title: row.title});

/**
 * Claim `key` for a notification at `nowMs` (one transaction). Returns null when this call claimed it
 * (the caller should now deliver it), or the earlier claim when the key was already taken.
 */
export function claimNotification(db: Db, key: string, title: string, nowMs: number): SentNotification | null {
	return db.transaction(() => {
		const existing = db.prepare('SELECT * FROM notifications WHERE key = ?').get(key) as Row | undefined;
		if (existing) return fromRow(existing);
		db.prepare('INSERT INTO notifications (key, sent_at_ms, sent_at, via, title) VALUES (?, ?, ?, ?, ?)')
			.run(key, nowMs, new Date(nowMs).toISOString(), 'pending', title);
		return null;
	});
}

/** Record how a claimed notification went out. */
export function markNotification(db: Db, key: string, via: string): void {
	db.transaction(() => {
		db.prepare('UPDATE notifications SET via = ? WHERE key = ?').run(via, key);
	});
}

/** Give a claim back (nothing could deliver it), so a later attempt may try again. */
export function releaseNotification(db: Db, key: string): void {
	db.transaction(() => {
		db.prepare('DELETE FROM notifications WHERE key = ?').run(key);
	});
}

/** The notification sent for `key`, if any. */
export function sentNotification(db: Db, key: string): SentNotification | null {
	const row = db.prepare('SELECT * FROM notifications WHERE key = ?').get(key) as Row | undefined;
	return row ? fromRow(row) : null;
}

/** Forget notifications older than `olderThanMs`; returns how many. */
export function pruneNotifications(db: Db, olderThanMs: number): number {
	return db.transaction(() => Number(db.prepare('DELETE FROM notifications WHERE sent_at_ms < ?').run(olderThanMs).changes));
}

/**
 * Claim `key` unless it was claimed within the last `periodMs` (one transaction): at most once per key
 * per period across every process. Returns null when this call claimed it, else the earlier claim.
 */
export function claimNotificationEvery(db: Db, key: string, title: string, nowMs: number, periodMs: number): SentNotification | null {
	return db.transaction(() => {
		const existing = db.prepare('SELECT * FROM notifications WHERE key = ?').get(key) as Row | undefined;
		if (existing && nowMs - existing.sent_at_ms < periodMs && existing.sent_at_ms <= nowMs) return fromRow(existing);
		db.prepare(`INSERT INTO notifications (key, sent_at_ms, sent_at, via, title) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET sent_at_ms = excluded.sent_at_ms, sent_at = excluded.sent_at, via = excluded.via, title = excluded.title`)
			.run(key, nowMs, new Date(nowMs).toISOString(), 'pending', title);
		return null;
	});
}
