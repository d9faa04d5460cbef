/**
 * Turning a provider's outcome into stored snapshots, without ever losing good data:
 *
 * - Fresh data becomes the account's newest snapshot. A source that only ever reports some window kinds
 *   (`partial`: the status line, rollout logs) keeps the other kinds from the previous snapshot, each
 *   with its own observedAt (so their age and staleness stay true), and the previous extra usage.
 * - Data older than what is stored is not recorded (a rollout line from before the last endpoint read).
 * - Time moves forward only as far as now (audit D2): observation times beyond `now` plus a small slack
 *   are clamped to `now`, and stored rows from beyond it are dropped when new data arrives.
 * - A failure keeps the previous windows untouched, at their old observation time (so they show as
 *   stale with their real age), and adds the failure as the account's status and message.
 *
 * Used by the status-line hook too: engine types and the pure status module only (no luxon, no zod).
 */
import {oneLine} from '../engine/sanitize.js';
import {fromTheFuture, FUTURE_SLACK_MS} from '../engine/skew.js';
import {deriveStatus, isCredentialProblem} from '../engine/status.js';
import type {Account, QuotaWindow, Snapshot} from '../engine/types.js';
import type {Failure, Fresh} from '../providers/types.js';
import {isoUtc} from '../providers/util.js';
import type {Db} from '../store/db.js';
import {setSnapshotMessage} from '../store/poll-state.js';
import {dropFutureObservations, insertSnapshot, latestSnapshot} from '../store/repositories.js';

/** Windows kept from earlier snapshots for at most this long when a partial source does not report them. */
export const CARRY_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

const ms = (iso: string | undefined | null): number => (iso ? Date.parse(iso) : Number.NaN);

export type RecordResult = {recorded: boolean; snapshot: Snapshot; reason?: string | undefined};

/** Record fresh data for `account`. */
export function recordFresh(db: Db, account: Pick<Account, 'name' | 'model'>, given: Fresh, now: number, warnThreshold = 0.8): RecordResult {
	const fresh = clampToNow(given, now);
	let previous = latestSnapshot(db, account.name);
	if (previous && fromTheFuture(ms(previous.observedAt), now)) {
		// Stored data from the future (a clock that was ahead) is replaced, never a reason to drop new data.
		dropFutureObservations(db, account.name, now + FUTURE_SLACK_MS);
		previous = latestSnapshot(db, account.name);
	}
	const freshMs = ms(fresh.observedAt);
	if (previous && Number.isFinite(freshMs) && freshMs < ms(previous.observedAt)) {
		return {recorded: false, snapshot: previous, reason: `older than the stored data (${previous.observedAt})`};
	}
	const kinds = new Set(fresh.windows.map(w => w.kind));
	const carried: QuotaWindow[] = fresh.partial && previous
		? previous.windows.filter(w => !kinds.has(w.kind) && w.source !== 'estimated' && now - ms(w.observedAt) <= CARRY_MAX_AGE_MS && !fromTheFuture(ms(w.observedAt), now))
		: [];
	const windows = [...fresh.windows, ...carried];
	const extraUsage = fresh.extraUsage ?? (fresh.partial ? previous?.extraUsage : undefined);
	const snapshot: Snapshot = {
		account: account.name,
		observedAt: fresh.observedAt,
		status: deriveStatus(windows, account, warnThreshold, extraUsage),
		windows,
		...(extraUsage ? {extraUsage} : {}),
		...(fresh.warning ? {message: oneLine(fresh.warning)} : {}),
	};
	insertSnapshot(db, snapshot, now);
	return {recorded: true, snapshot};
}

/** `fresh` with every observation time after `now + FUTURE_SLACK_MS` moved back to `now`. */
function clampToNow(fresh: Fresh, now: number): Fresh {
	const limit = now + FUTURE_SLACK_MS;
	const clamp = (iso: string) => (ms(iso) > limit ? isoUtc(now) : iso);
	if (ms(fresh.observedAt) <= limit && fresh.windows.every(w => ms(w.observedAt) <= limit)) return fresh;
	return {...fresh, observedAt: clamp(fresh.observedAt), windows: fresh.windows.map(w => ({...w, observedAt: clamp(w.observedAt)}))};
}

/** Record a failure for `account`: its status and message beside the last good windows. */
export function recordFailure(db: Db, account: Pick<Account, 'name'>, failure: Failure, now: number): RecordResult {
	const previous = latestSnapshot(db, account.name);
	// A failure that asked nothing (a held slot, a cooldown) changes no answer: a credential refusal seen
	// last stays the status (so real use can still relabel it "quota data unavailable", 001-16).
	const status = failure.status && (isCredentialProblem(failure.status) || failure.status === 'unreachable')
		? failure.status
		: previous && (!isCredentialProblem(previous.status) || !failure.requested) ? previous.status : 'unknown';
	const snapshot: Snapshot = {
		account: account.name,
		// The last good observation time: a failure must not make old data look fresh.
		observedAt: previous?.observedAt ?? isoUtc(now),
		status,
		windows: previous?.windows ?? [],
		...(previous?.extraUsage ? {extraUsage: previous.extraUsage} : {}),
		// Provider and child-process words reach terminals: stored without escape sequences (D14).
		message: oneLine(failure.message),
	};
	const result = insertSnapshot(db, snapshot, now);
	// Same data and status as the stored row: only the sentence may be new.
	if (!result.inserted) setSnapshotMessage(db, result.id, snapshot.message!);
	return {recorded: true, snapshot};
}
