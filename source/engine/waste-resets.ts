/**
 * Reset credits in the waste ledger (issue 11): per account, the open credits that lapse soon ("2 resets
 * expire Fri 18:00 unused ≈ $9.20") and the credits that lapsed unused in the last 7 days, priced by
 * what they would have given back (engine/resets lapseValue: the windows at `now`, so an estimate).
 * Pure: `now` is a parameter.
 */
import {weeklyValue} from './plans.js';
import {lapseValue, lapsingSummary, type LapsingSummary, type ResetCreditView, type ResetValue} from './resets.js';
import {instantMs, SEVEN_DAYS} from './time.js';
import type {AccountState} from './types.js';

export type ResetLedger = {
	/** Open credits lapsing within 7 days, as a sentence with their value; null when none. */
	lapsing: LapsingSummary | null;
	/** Credits that lapsed unused in the last 7 days. */
	lapsedCount: number;
	/** What they were worth (null when any of them cannot be priced). */
	lapsedUsd: number | null;
};

/** The ledger of one account's credits at `now`; `formatWhen` prints an instant in the user's words. */
export function resetLedger(state: AccountState, views: readonly ResetCreditView[], now: number, formatWhen: (iso: string) => string): ResetLedger {
	const weekly = weeklyValue(state.account);
	const values = new Map<string, ResetValue>(views.map(view => [view.id, lapseValue(view, state, weekly, now)]));
	const lapsed = views.filter(view => view.lapsed && (instantMs(view.expiresAt) ?? 0) > now - SEVEN_DAYS);
	const lapsedCount = lapsed.reduce((n, view) => n + view.count, 0);
	const priced = lapsed.map(view => values.get(view.id)?.usd ?? null);
	const lapsedUsd = priced.some(v => v === null) ? null : Math.round(priced.reduce<number>((sum, v) => sum + v!, 0) * 100) / 100;
	return {lapsing: lapsingSummary(views, values, SEVEN_DAYS, formatWhen), lapsedCount, lapsedUsd};
}
