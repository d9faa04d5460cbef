/**
 * The uses of the local-log index at run time:
 * - `localUsageOf` reads every account's stored summary (no log is touched) for `collect`: the
 *   calibration against official utilization, burn rates and estimated windows (engine/local-usage);
 * - `liveBudgets` measures dollar budgets entered without `--used` (account scope, unit usd, tagged
 *   estimated) from the API-equivalent cost since their cycle began, refreshing the index first;
 * - `apiEquivalentCost` is the cost of a time range of one account (a dispatched job whose runner
 *   reported none), optionally only in one project directory.
 */
import path from 'node:path';
import {FRESHNESS_MS} from '../engine/assemble.js';
import {effectiveBudget} from '../engine/budget-state.js';
import {applyLocalUsage, budgetCycleStart, calibrate, currentWindow, isLogMeasuredBudget, type Calibration, type LocalUsage, type LocalUsageReport, type WindowObservation} from '../engine/local-usage.js';
import {DAY, FIVE_HOURS, instantMs, isoAt, SEVEN_DAYS} from '../engine/time.js';
import type {AccountState, Budget} from '../engine/types.js';
import {mergeBatches, priceBatch, sumBetween, type TokenTotals} from '../engine/usage.js';
import {loadLogSummaries, type LogSummary} from '../store/log-index.js';
import {snapshotHistory} from '../store/repositories.js';
import type {Context} from './context.js';
import type {LocalLogIndex, LogSource} from './local-logs.js';

/**
 * The log reader (local-logs.ts and the parsers behind it) loads only when logs are read: collect() and
 * `status` use the stored summaries and never need it (start-up, issue 15).
 */
const logReader = () => import('./local-logs.js');

/** A fresh local-log index of this context (the reader loaded on first use). */
export async function openLogIndex(ctx: Context): Promise<LocalLogIndex> {
	const {indexOptionsFromEnv, LocalLogIndex} = await logReader();
	return new LocalLogIndex(ctx, indexOptionsFromEnv(ctx.env));
}

export function toLocalUsage(summary: LogSummary): LocalUsage {
	return {
		account: summary.account,
		refreshedAtMs: summary.refreshedAtMs,
		series: summary.series,
		seriesSinceMs: summary.info.seriesSinceMs,
		resets: summary.info.resets,
		lastMs: summary.info.lastMs,
	};
}

/** Official observations of an account's 5-hour and 7-day windows since `sinceMs`, for calibration. */
export function officialObservations(ctx: Pick<Context, 'db'>, account: string, sinceMs: number): Record<'five_hour' | 'seven_day', WindowObservation[]> {
	const out: Record<'five_hour' | 'seven_day', WindowObservation[]> = {five_hour: [], seven_day: []};
	for (const point of snapshotHistory(ctx.db, account, sinceMs)) {
		for (const w of point.windows) {
			if ((w.kind !== 'five_hour' && w.kind !== 'seven_day') || w.utilization === null) continue;
			if (w.source !== 'provider-detected' || w.origin === 'local-logs') continue;
			const reset = instantMs(w.resetsAt);
			if (reset === undefined) continue;
			const duration = w.kind === 'five_hour' ? FIVE_HOURS : SEVEN_DAYS;
			if (point.observedAtMs > reset || point.observedAtMs < reset - duration) continue;
			out[w.kind].push({startMs: reset - duration, atMs: point.observedAtMs, utilization: w.utilization});
		}
	}
	return out;
}

export type AccountLocal = {local: LocalUsage; calibration: Partial<Record<'five_hour' | 'seven_day', Calibration>>; report: LocalUsageReport};

/** Every account's local-log summary with its calibration (accounts without an index are absent). */
export function localUsageOf(ctx: Pick<Context, 'db'>, accounts: ReadonlyArray<{name: string}>, now: number, offsetMinutes = 0): Map<string, AccountLocal> {
	const out = new Map<string, AccountLocal>();
	let summaries: Map<string, LogSummary>;
	try {
		summaries = loadLogSummaries(ctx.db);
	} catch {
		return out;
	}
	for (const account of accounts) {
		const summary = summaries.get(account.name);
		if (!summary) continue;
		const local = toLocalUsage(summary);
		const observations = officialObservations(ctx, account.name, Math.max(local.seriesSinceMs, now - 8 * DAY));
		const calibration: AccountLocal['calibration'] = {};
		for (const kind of ['five_hour', 'seven_day'] as const) {
			const c = calibrate(kind, observations[kind], local);
			if (c) calibration[kind] = c;
		}
		const serverReset = observations.five_hour.filter(o => o.startMs + FIVE_HOURS > now).at(-1);
		const current = currentWindow(local, now, serverReset ? serverReset.startMs + FIVE_HOURS : undefined);
		const marker = [...local.resets].filter(([observed, reset]) => reset > now && observed <= now).sort((a, b) => b[0] - a[0])[0];
		const iso = (ms: number) => isoAt(ms, offsetMinutes);
		out.set(account.name, {
			local,
			calibration,
			report: {
				refreshedAt: iso(local.refreshedAtMs),
				lastActivityAt: local.lastMs === null ? null : iso(local.lastMs),
				window: {
					startedAt: current.startMs === null ? null : iso(current.startMs),
					startFrom: current.startFrom,
					tokens: current.tokens,
					costUsd: current.costUsd,
					tokensPerHour: current.tokensPerHour,
					costPerHour: current.costPerHour,
				},
				calibration: Object.values(calibration),
				limitResetAt: marker ? iso(marker[1]) : null,
			},
		});
	}
	return out;
}

/** States with the local logs applied (estimated windows, burn rates, usage-limit markers). */
export function withLocalUsage(states: readonly AccountState[], locals: ReadonlyMap<string, AccountLocal>, warnThreshold: number, now: number, offsetMinutes = 0): AccountState[] {
	return states.map(state => {
		const entry = locals.get(state.account.name);
		if (!entry) return state;
		return applyLocalUsage(state, {
			local: entry.local,
			calibration: entry.calibration,
			freshnessMs: w => FRESHNESS_MS[w.origin],
			warnThreshold,
			now,
			offsetMinutes,
		});
	});
}

// ---------------------------------------------------------------------------------------------------
// Dollar budgets measured from the logs

export type LiveBudget = Budget & {
	/** Set when `used` was measured from the logs now: since when, and from how many requests. */
	measured?: {since: number; requests: number; refreshed: boolean} | undefined;
};

/**
 * Budgets with the `used` of every log-measured one (account scope, usd, estimated) replaced by the
 * API-equivalent cost of that account since the budget's cycle began. The accounts involved are
 * refreshed first (only what changed is read). An account without local logs keeps its stored value.
 */
export async function liveBudgets(ctx: Context, budgets: readonly Budget[], now: number, index?: LocalLogIndex): Promise<{budgets: LiveBudget[]; warnings: string[]}> {
	const measured = budgets.filter(isLogMeasuredBudget);
	if (measured.length === 0) return {budgets: [...budgets], warnings: []};
	const names = new Set(measured.map(b => b.scope.slice('account:'.length)));
	const {logSources} = await logReader();
	const sources = logSources(ctx.accounts, ctx.env, {implicit: false}).filter(s => names.has(s.account));
	const logIndex = index ?? (await openLogIndex(ctx));
	const refreshed = await logIndex.refresh(sources, now);
	const warnings = refreshed.flatMap(r => r.warnings);
	const out: LiveBudget[] = budgets.map(budget => {
		if (!isLogMeasuredBudget(budget)) return budget;
		const account = budget.scope.slice('account:'.length);
		if (!sources.some(s => s.account === account)) {
			warnings.push(`${budget.scope}: no local logs for this account (a Claude account needs --config-dir, a Codex account --home); its budget keeps the stored used`);
			return budget;
		}
		const since = budgetCycleStart(budget, now);
		const totals = sumBetween(logIndex.usage(account), since, now + 1);
		// Rolled forward to the current cycle, so the gate does not read a passed reset as "used 0".
		const resetAt = effectiveBudget(budget, now).resetAt;
		return {...budget, resetAt, used: totals.costUsd, measured: {since, requests: totals.entries, refreshed: true}};
	});
	return {budgets: out, warnings};
}

/**
 * Bring the local-log index of every account with logs up to date (only what changed is read), so what
 * the logs say — usage-limit markers (`isApiErrorMessage` lines: "Claude AI usage limit reached|<epoch>"),
 * estimated windows, burn rates — counts for one-shot decisions (`gate`, `recommend`, `dispatch`) without
 * a `report` run first (seed 002-17). Returns warnings; never throws.
 */
export async function refreshLogIndex(ctx: Context, now: number, index?: LocalLogIndex): Promise<string[]> {
	if (ctx.demo) return [];
	const {logSources} = await logReader();
	const sources = logSources(ctx.accounts, ctx.env, {implicit: false});
	if (sources.length === 0) return [];
	try {
		const results = await (index ?? (await openLogIndex(ctx))).refresh(sources, now);
		// An account without logs yet is normal here (the decision does not need them): only read problems are said.
		return results.flatMap(r => r.warnings).filter(warning => !/: no (?:Claude|Codex) logs at /.test(warning));
	} catch (error) {
		return [`local logs could not be read: ${(error as Error).message}`];
	}
}

/** Cost of a time range of one account, optionally only the logs of one working directory. */
export async function apiEquivalentCost(
	ctx: Context,
	request: {account: string; startMs: number; endMs: number; cwd?: string | undefined},
	index?: LocalLogIndex,
): Promise<(TokenTotals & {source: LogSource}) | null> {
	const {logSources} = await logReader();
	const source = logSources(ctx.accounts, ctx.env, {implicit: false}).find(s => s.account === request.account);
	if (!source) return null;
	const logIndex = index ?? (await openLogIndex(ctx));
	await logIndex.refresh([source], request.endMs);
	let usage = logIndex.usage(request.account);
	if (request.cwd && source.provider === 'claude') {
		// Claude Code files a session under projects/<the cwd with "/" and "." turned into "-">.
		const slug = request.cwd.replace(/[/.]/g, '-');
		const files = logIndex.fileRecords(request.account, file => file.includes(`${path.sep}projects${path.sep}${slug}${path.sep}`));
		usage = priceBatch(mergeBatches(files.map(f => f.batch)), logIndex.priceBook);
	}
	return {...sumBetween(usage, request.startMs, request.endMs), source};
}

/**
 * The dashboard's local-log refresher: one index kept for the life of the process, refreshed in the
 * background (never two refreshes at once). Cold reads always go to a worker thread, so parsing never
 * blocks the interface; what is left on the main thread is record-by-record bookkeeping.
 */
export type LocalLogRefresher = {
	/** Resolves to true when the logs changed (the summaries other readers use were rewritten). */
	refresh(now: number): Promise<boolean>;
	dispose(): void;
};

export function createLocalLogRefresher(ctx: Context): LocalLogRefresher {
	let index: LocalLogIndex | undefined;
	let running: Promise<boolean> | null = null;
	let disposed = false;
	return {
		refresh(now) {
			if (disposed || ctx.demo) return Promise.resolve(false);
			if (running) return running;
			running = (async () => {
				const {indexOptionsFromEnv, LocalLogIndex, logSources} = await logReader();
				const sources = logSources(ctx.accounts, ctx.env, {implicit: false});
				if (sources.length === 0 || disposed) return false;
				const options = indexOptionsFromEnv(ctx.env);
				// Cold reads off the interface's thread: at least one worker.
				index ??= new LocalLogIndex(ctx, {...options, workers: options.workers === 'auto' ? 1 : Math.max(1, options.workers ?? 1)});
				const results = await index.refresh(sources, now);
				return !disposed && results.some(r => r.bytesRead > 0 || r.added > 0 || r.removed > 0 || r.reread > 0);
			})()
				.catch(() => false)
				.finally(() => {
					running = null;
				});
			return running;
		},
		dispose() {
			disposed = true;
		},
	};
}
