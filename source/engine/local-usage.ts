/**
 * What the local logs add to the official numbers (DESIGN §3.4, §7.5): a calibration between local
 * tokens and official utilization (tokens per 1 % of a window), burn rates between official snapshots,
 * `estimated` windows when official data is missing or stale, usage-limit markers as observed resets,
 * and the API-equivalent dollars since a budget's cycle began. Pure: `now` is a parameter.
 */
import {project} from './forecast.js';
import {deriveStatus} from './status.js';
import {FIVE_HOURS, HOUR, instantMs, isoAt, MINUTE, parseInstant, parseRecurrence, SEVEN_DAYS} from './time.js';
import type {AccountState, Budget, QuotaWindow} from './types.js';
import {effectiveBudget} from './budget-state.js';
import {openBlockStart, seriesBetween} from './usage.js';

/** An account's local-log summary as stored by the last refresh. */
export type LocalUsage = {
	account: string;
	/** When the logs were last read. */
	refreshedAtMs: number;
	/** Minute series [minuteMs, tokens, usd, inputOutput, entries]… (engine/usage MINUTE_STRIDE). */
	series: Float64Array;
	seriesSinceMs: number;
	/** Usage-limit markers: [observedAtMs, resetAtMs]. */
	resets: ReadonlyArray<readonly [number, number]>;
	lastMs: number | null;
};

/** What `status --json` shows of an account's local logs (`accounts[].localUsage`). */
export type LocalUsageReport = {
	/** When the logs were last read (by `report`, `gate`, `budget` or the dashboard). */
	refreshedAt: string;
	lastActivityAt: string | null;
	/** The current 5-hour window as the local logs see it. */
	window: {startedAt: string | null; startFrom: 'server' | 'block' | 'none'; tokens: number; costUsd: number; tokensPerHour: number; costPerHour: number};
	/** Tokens (and API-equivalent dollars) per 1 % of each window, measured against official utilization. */
	calibration: Calibration[];
	/** The latest usage-limit marker seen in the logs, when its reset is still ahead. */
	limitResetAt: string | null;
};

/** One official observation of a window: its opening, when it was seen, how full it was. */
export type WindowObservation = {startMs: number; atMs: number; utilization: number};

export type Calibration = {
	kind: 'five_hour' | 'seven_day';
	/** Local tokens (input + output + cache) per 1 % of the window. */
	tokensPerPercent: number;
	/** API-equivalent dollars per 1 % of the window. */
	usdPerPercent: number;
	/** How many windows it was measured over. */
	windows: number;
};

/**
 * Tokens per percent from official observations of past and current windows: for each window (the
 * latest observation of each), the local tokens from its opening to that observation against its
 * utilization. Windows below 1 %, with no local tokens (used elsewhere) or opened before the local
 * series begins are left out. Null when no window qualifies.
 */
export function calibrate(kind: Calibration['kind'], observations: readonly WindowObservation[], local: LocalUsage): Calibration | null {
	const latest = new Map<number, WindowObservation>();
	for (const o of observations) {
		const key = Math.round(o.startMs / MINUTE);
		const seen = latest.get(key);
		if (!seen || o.atMs > seen.atMs) latest.set(key, o);
	}
	let tokens = 0;
	let usd = 0;
	let percent = 0;
	let windows = 0;
	for (const o of latest.values()) {
		if (o.utilization < 0.01 || o.startMs < local.seriesSinceMs || o.atMs > local.refreshedAtMs + MINUTE) continue;
		const used = seriesBetween(local.series, o.startMs, o.atMs + MINUTE);
		if (used.tokens <= 0) continue;
		tokens += used.tokens;
		usd += used.costUsd;
		percent += o.utilization * 100;
		windows++;
	}
	if (windows === 0 || percent <= 0) return null;
	return {kind, tokensPerPercent: tokens / percent, usdPerPercent: usd / percent, windows};
}

export type LocalWindowUsage = {
	/** Where the current 5-hour window began, and how that was known. */
	startMs: number | null;
	startFrom: 'server' | 'block' | 'none';
	tokens: number;
	costUsd: number;
	entries: number;
	/** Tokens per hour over the last hour of activity in the window (0 when idle). */
	tokensPerHour: number;
	costPerHour: number;
	lastActivityMs: number | null;
};

const RATE_SPAN = HOUR;

/**
 * Local usage in the current 5-hour window: the server's window (`resets_at − 5 h`) when its reset is
 * known and ahead, else ccusage's block rule over the local activity.
 */
export function currentWindow(local: LocalUsage, now: number, serverResetMs?: number | undefined): LocalWindowUsage {
	let startMs: number | null;
	let startFrom: LocalWindowUsage['startFrom'] = 'none';
	if (serverResetMs !== undefined && serverResetMs > now && serverResetMs - FIVE_HOURS <= now) {
		startMs = serverResetMs - FIVE_HOURS;
		startFrom = 'server';
	} else {
		startMs = openBlockStart(local.series, now);
		if (startMs !== null) startFrom = 'block';
	}
	if (startMs === null) return {startMs, startFrom, tokens: 0, costUsd: 0, entries: 0, tokensPerHour: 0, costPerHour: 0, lastActivityMs: local.lastMs};
	const used = seriesBetween(local.series, startMs, now + MINUTE);
	const rateStart = Math.max(startMs, now - RATE_SPAN);
	const recent = seriesBetween(local.series, rateStart, now + MINUTE);
	const hours = Math.max(now - rateStart, 10 * MINUTE) / HOUR;
	return {
		startMs,
		startFrom,
		tokens: used.tokens,
		costUsd: used.costUsd,
		entries: used.entries,
		tokensPerHour: recent.tokens / hours,
		costPerHour: recent.costUsd / hours,
		lastActivityMs: used.lastMs,
	};
}

/** What applyLocalUsage needs beside the state. */
export type LocalInput = {
	local: LocalUsage;
	calibration: Partial<Record<'five_hour' | 'seven_day', Calibration>>;
	/** Freshness bound per window: older official data counts as stale. */
	freshnessMs: (w: QuotaWindow) => number;
	warnThreshold: number;
	now: number;
	/** Offset (minutes) to write instants in. */
	offsetMinutes?: number | undefined;
};

const DURATION: Record<'five_hour' | 'seven_day', number> = {five_hour: FIVE_HOURS, seven_day: SEVEN_DAYS};

/**
 * The account state with what the local logs know:
 * - a usage-limit marker whose reset is still ahead, newer than any five-hour data (provider-detected or
 *   entered by hand), makes the five-hour window full until that reset (`estimated`, origin `local-logs`);
 * - a stale official window (older than its freshness bound, reset still ahead) is brought forward by
 *   the local tokens since it was observed, converted with the calibration (`estimated`);
 * - a missing five-hour window is estimated from the local tokens of the current block;
 * - a window whose history gives no burn rate (fewer than two samples) gets the local burn rate of the
 *   last hour, converted with the calibration, and its projection from it.
 * Without a calibration only the usage-limit markers apply.
 */
export function applyLocalUsage(state: AccountState, input: LocalInput): AccountState {
	const {local, calibration, now} = input;
	const offset = input.offsetMinutes ?? 0;
	const windows: Array<QuotaWindow & {resetPassed?: boolean}> = state.windows.map(w => ({...w}));
	const projections = {...state.projections};
	let changed = false;

	// Usage-limit markers: the API refused with a reset time.
	const marker = [...local.resets].filter(([observed, reset]) => reset > now && observed <= now).sort((a, b) => b[0] - a[0])[0];
	if (marker) {
		const [observed, reset] = marker;
		const official = windows.find(w => w.kind === 'five_hour');
		const officialMs = official ? instantMs(official.observedAt) ?? 0 : 0;
		// Real use outranks quota numbers: a limit hit after the window was observed (or entered by hand) wins.
		if (!official || officialMs < observed) {
			const window: QuotaWindow & {resetPassed?: boolean} = {
				kind: 'five_hour', utilization: Math.max(1, official?.utilization ?? 0), resetsAt: isoAt(reset, offset), durationMs: FIVE_HOURS,
				source: 'estimated', origin: 'local-logs', observedAt: isoAt(observed, offset), resetPassed: false,
			};
			if (official) windows.splice(windows.indexOf(official), 1, window);
			else windows.unshift(window);
			projections['five_hour'] = project(window.utilization, 0, window.resetsAt, now, 0);
			changed = true;
		}
	}

	for (const kind of ['five_hour', 'seven_day'] as const) {
		const cal = calibration[kind];
		if (!cal || !(cal.tokensPerPercent > 0)) continue;
		const perUnit = cal.tokensPerPercent * 100;
		const index = windows.findIndex(w => w.kind === kind);
		const w = index >= 0 ? windows[index]! : undefined;
		if (w && w.origin === 'local-logs') continue;
		if (w && w.source === 'user-entered') continue;
		const resetMs = instantMs(w?.resetsAt);
		const observedMs = instantMs(w?.observedAt);
		// Burn rate of the last hour of local activity, inside the server's window when its reset is
		// known (resets_at − duration): tokens from before the window opened do not count.
		const opened = resetMs !== undefined ? resetMs - DURATION[kind] : Number.NEGATIVE_INFINITY;
		const rateStart = Math.max(now - RATE_SPAN, opened);
		const recent = seriesBetween(local.series, rateStart, now + MINUTE);
		const localRate = recent.tokens / perUnit / (Math.max(now - rateStart, 10 * MINUTE) / HOUR);
		if (w && resetMs !== undefined && resetMs > now && observedMs !== undefined && w.utilization !== null) {
			const stale = now - observedMs > input.freshnessMs(w) && local.refreshedAtMs > observedMs;
			if (stale) {
				const since = seriesBetween(local.series, observedMs, now + MINUTE);
				const estimate = w.utilization + since.tokens / perUnit;
				windows[index] = {...w, utilization: estimate, source: 'estimated', origin: 'local-logs', observedAt: isoAt(local.refreshedAtMs, offset)};
				projections[kind] = {...project(estimate, localRate, w.resetsAt, now, 0), rateSource: 'local-logs'};
				changed = true;
				continue;
			}
			const projection = projections[kind];
			if ((!projection || projection.samples < 2) && localRate > 0) {
				projections[kind] = {...project(w.utilization, localRate, w.resetsAt, now, projection?.samples ?? 0), rateSource: 'local-logs'};
				changed = true;
			}
			continue;
		}
		if (!w && kind === 'five_hour') {
			const current = currentWindow(local, now);
			if (current.startMs === null) continue;
			const utilization = current.tokens / perUnit;
			const resetsAt = isoAt(current.startMs + FIVE_HOURS, offset);
			windows.unshift({kind, utilization, resetsAt, durationMs: DURATION[kind], source: 'estimated', origin: 'local-logs', observedAt: isoAt(local.refreshedAtMs, offset), resetPassed: false});
			projections[kind] = {...project(utilization, localRate, resetsAt, now, 0), rateSource: 'local-logs'};
			changed = true;
		}
	}
	if (!changed) return state;
	const status = state.status === 'allowed' || state.status === 'allowed_warning' || state.status === 'rejected' || state.status === 'unknown'
		? deriveStatus(windows, state.account, input.warnThreshold, state.extraUsage)
		: state.status;
	return {...state, windows, projections, status};
}

// ---------------------------------------------------------------------------------------------------
// Dollar budgets measured from the logs

/** The instant one recurrence step before `resetAt` (the start of the cycle that ends at `resetAt`). */
export function previousOccurrence(resetAt: string, recurrence: string): number | undefined {
	const parsed = parseRecurrence(recurrence);
	const reset = parseInstant(resetAt);
	if ('error' in parsed || !reset) return undefined;
	switch (parsed.kind) {
		case 'duration':
			return reset.minus(parsed.duration).toMillis();
		case 'weekly':
			return reset.minus({days: 7}).toMillis();
		case 'monthly': {
			const month = reset.minus({months: 1});
			return month.set({day: Math.min(parsed.day, month.daysInMonth ?? 28)}).toMillis();
		}
	}
}

/**
 * Where the current cycle of a budget began: one recurrence step before its (rolled-forward) reset;
 * without a recurrence, the passed reset, or else when the budget was entered.
 */
export function budgetCycleStart(budget: Budget, now: number): number {
	const effective = effectiveBudget(budget, now);
	if (budget.recurrence && effective.resetAt) {
		const start = previousOccurrence(effective.resetAt, budget.recurrence);
		if (start !== undefined) return Math.min(start, now);
	}
	const reset = instantMs(budget.resetAt);
	if (reset !== undefined && reset <= now) return reset;
	return instantMs(budget.checkedAt) ?? now;
}

/** True for a budget whose `used` is measured from the local logs (an account's dollars, `estimated`). */
export function isLogMeasuredBudget(budget: Budget): boolean {
	return budget.unit === 'usd' && budget.source === 'estimated' && !budget.window && budget.scope.startsWith('account:');
}

/** Dollars of the series in [startMs, now]. */
export function costSince(local: LocalUsage, startMs: number, now: number): number {
	return seriesBetween(local.series, startMs, now + MINUTE).costUsd;
}
