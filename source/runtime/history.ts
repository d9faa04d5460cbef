/**
 * History at run time (DESIGN §7.5): observations per account (the database, or the demo simulation),
 * burn-rate samples for the engine, manual windows recorded as observations, and retention.
 */
import {manualWindow, type WindowHistory} from '../engine/assemble.js';
import {samplesOf, type Observation} from '../engine/history.js';
import {DAY, HOUR, SEVEN_DAYS} from '../engine/time.js';
import type {Account, Budget, WindowKind} from '../engine/types.js';
import {demoObservations} from '../providers/demo.js';
import {moveManualReset, pruneWindowHistory, recordWindowObservations, windowHistory, windowHistoryForReport, type WindowObservation} from '../store/history.js';
import {pruneNotifications} from '../store/notifications.js';
import {getKv, pruneSnapshots, setKv} from '../store/repositories.js';
import type {Context} from './context.js';

/** How far back burn rates look: the whole of the longest (weekly) window, plus a day. */
export const RATE_HISTORY_MS = SEVEN_DAYS + DAY;

/**
 * The account's observations for a report over the last `spanMs` (demo accounts: simulated ones): in
 * full for the windows of the last RATE_HISTORY_MS, condensed to what the final value needs for older
 * windows.
 */
export function accountObservations(ctx: Pick<Context, 'db'>, account: Account, now: number, spanMs: number): Observation[] {
	if (account.provider === 'demo') return demoObservations(account.name, now, spanMs);
	return windowHistoryForReport(ctx.db, account.name, now - spanMs, now - RATE_HISTORY_MS);
}

/**
 * Burn-rate samples per window kind. For a kind the user enters by hand (`manualKinds`), the manual
 * series is used when there is one; otherwise the provider's. The two are never mixed: a manual value
 * beside a detected one would read as a jump or a reset.
 */
export function historyFromObservations(observations: readonly Observation[], manualKinds: ReadonlySet<string> = new Set()): WindowHistory {
	const history: WindowHistory = {};
	const kinds = new Set(observations.map(o => o.kind));
	for (const kind of kinds) {
		const ofKind = observations.filter(o => o.kind === kind);
		const manual = ofKind.filter(o => o.stream === 'manual');
		const detected = ofKind.filter(o => o.stream !== 'manual');
		const chosen = manualKinds.has(kind) ? (manual.length > 0 ? manual : detected) : (detected.length > 0 ? detected : manual);
		history[kind] = samplesOf(chosen, kind);
	}
	return history;
}

/** Burn-rate history of a stored account (collect's input to accountState). */
export function historyFromDb(ctx: Pick<Context, 'db'>, account: string, now: number, manualKinds: ReadonlySet<string> = new Set()): WindowHistory {
	return historyFromObservations(windowHistory(ctx.db, account, {sinceMs: now - RATE_HISTORY_MS}), manualKinds);
}

/**
 * A manual window entered (`budget set --scope account:NAME --window KIND`) is also an observation of
 * that window (origin manual, source user-entered), so waste and burn rates work for manual accounts.
 * Moving the reset of a window that has not reset yet is a correction: its earlier manual observations
 * move with it.
 */
export function recordManualWindow(ctx: Pick<Context, 'db'>, budget: Budget & {window: WindowKind}, now: number): void {
	const account = budget.scope.replace(/^account:/, '');
	ctx.db.transaction(() => {
		moveManualReset(ctx.db, account, budget.window, budget.resetAt, now);
		recordWindowObservations(ctx.db, account, [manualWindow(budget)], now, 'manual');
	});
}

const PRUNED_KEY = 'history:prunedAt';

/**
 * Apply `history.retentionDays` to snapshots, window history and the notification memory, at most once
 * an hour across processes (unless `force`). Returns the rows deleted, or null when it was not due.
 */
export function pruneHistory(ctx: Pick<Context, 'db' | 'config'>, now: number, force = false): {snapshots: number; windows: number; notifications: number} | null {
	const last = Number(getKv(ctx.db, PRUNED_KEY) ?? Number.NaN);
	if (!force && Number.isFinite(last) && now - last < HOUR && now >= last) return null;
	const cutoff = now - ctx.config.history.retentionDays * DAY;
	return ctx.db.transaction(() => {
		const result = {
			snapshots: pruneSnapshots(ctx.db, cutoff),
			windows: pruneWindowHistory(ctx.db, cutoff),
			notifications: pruneNotifications(ctx.db, cutoff),
		};
		setKv(ctx.db, PRUNED_KEY, String(now), now);
		return result;
	});
}

export type {WindowObservation};
