/**
 * Waste and utilization (DESIGN §7.5): what share of the paid-for quota was used, what the unused part
 * was worth, and what the open week is heading for.
 *
 * - Waste of a closed 7-day window = (1 − final utilization, floored at 0) × weekly value
 *   (monthly plan value × 12 / 52, or the account's override).
 * - Average 5h = mean final utilization of the closed 5-hour windows that opened in the last N days
 *   (default 7); average 7d = mean final utilization of the 7-day windows that closed in the last
 *   max(N, 28) days. Finals above 100 % (extra usage) count as 100 % in averages.
 * - Estimated waste per week = per account, the mean waste of those closed weeks (else the projected
 *   waste of the open week), summed over accounts.
 * - Projected waste of the open week = (1 − projected utilization at reset, floored at 0) × weekly value.
 * - A week with no observation at all is missing, not zero: it is counted and said, never priced.
 */
import {identifyWindows, utilizationSeries, type Observation, type WindowRecord} from './history.js';
import {weeklyValue} from './plans.js';
import {gatingWindows, pct, windowShortLabel} from './status.js';
import {DAY, instantMs, isoAt, MINUTE, SEVEN_DAYS} from './time.js';
import type {Account, AccountState, WindowKind} from './types.js';
import type {ResetCreditView} from './resets.js';
import {resetLedger, type ResetLedger} from './waste-resets.js';

/** Sparkline resolution: 28 points over the last 7 days (one per 6 hours). */
export const SPARK_STEPS = 28;
export const SPARK_SPAN_MS = SEVEN_DAYS;

export type ClosedWeek = {
	resetsAt: string;
	opensAt: string | null;
	/** The last value seen before the reset (may exceed 1 with extra usage). */
	final: number;
	/** When it was last seen. */
	finalObservedAt: string;
	gapBeforeResetMs: number;
	/** The last observation was long before the reset: the week may have been used more than seen. */
	largeGap: boolean;
	/** (1 − final, floored at 0) × weekly value; null when the account's value is unknown. */
	wasteUsd: number | null;
	userEntered: boolean;
};

export type OpenWeek = {
	resetsAt: string | null;
	resetsInMs: number | null;
	utilization: number | null;
	projectedAtReset: number | null;
	ratePerHour: number | null;
	exhaustsAt: string | null;
	projectedWasteUsd: number | null;
};

export type Average = {value: number | null; windows: number};

export type AccountUtilization = {
	name: string;
	provider: string;
	plan: string | null;
	weeklyValueUsd: number | null;
	fiveHour: Average;
	sevenDay: Average;
	/** Closed 7-day windows in the period, oldest first. */
	closedWeeks: ClosedWeek[];
	/** Weeks in the period with no observation at all (not counted anywhere). */
	missingWeeks: number;
	openWeek: OpenWeek | null;
	/** Mean waste of the closed weeks, else the open week's projected waste. */
	wasteUsdPerWeek: number | null;
	estimateBasis: 'closed-weeks' | 'projection' | 'none';
	/** 7-day utilization over the last 7 days, SPARK_STEPS points, oldest first; null = no data yet. */
	sparkline: Array<number | null>;
	/** The first gating window projected to hit 100 % before its reset. */
	exhausts: {kind: string; at: string; inMs: number} | null;
	/** The shared quota pool of the account (null when none): its waste is counted once, on its first member. */
	pool?: string | null | undefined;
	/** False for the other members of a pool: their waste is the first member's, not counted again. */
	countedInTotals?: boolean | undefined;
	/** Banked limit resets: those lapsing soon and those that lapsed unused in the last 7 days. */
	resetCredits?: ResetLedger | undefined;
};

export type UseItOrLoseIt = {
	account: string;
	resetsAt: string;
	resetsInMs: number;
	/** Share of the week unused now, and at the reset at the current pace. */
	unused: number;
	unusedAtReset: number;
	valueUsd: number | null;
};

export type AutoSpend = {jobs: number; usd: number; since: string};
export type Pending = {count: number; estimateUsd: number};

export type UtilizationReport = {
	generatedAt: string;
	days: number;
	/** 5-hour windows that opened after this instant count. */
	fiveHourSince: string;
	/** 7-day windows that closed after this instant count. */
	sevenDaySince: string;
	averageFiveHour: Average;
	averageSevenDay: Average;
	estimatedWasteUsdPerWeek: number | null;
	/** Sum of the open weeks' projected waste. */
	projectedWasteUsd: number | null;
	/** Null when the job queue is not available. */
	autoSpend: AutoSpend | null;
	pending: Pending | null;
	accounts: AccountUtilization[];
	useItOrLoseIt: UseItOrLoseIt[];
	/** Reset credits: how many lapsed unused in the last 7 days and their value (in the waste estimate), and those lapsing soon. */
	resetCredits?: {lapsedCount: number; lapsedUsd: number; lapsing: string[]} | undefined;
	notes: string[];
};

export type AccountHistoryInput = {
	account: Account;
	/** The account's observations; at least the last max(days, 28) + 7 days. */
	observations: readonly Observation[];
	/** The account's state at `now` (open windows, projections). */
	state?: AccountState | undefined;
	/** The account's reset credits at `now` (open ones and those closed in the last 7 days). */
	resetCredits?: readonly ResetCreditView[] | undefined;
};

export type UtilizationInput = {
	accounts: readonly AccountHistoryInput[];
	now: number;
	/** @default 7 */
	days?: number | undefined;
	/** "Use it or lose it" when more than this share of a week would be left unused (autoUtilization.minHeadroom7d). */
	headroom7d: number;
	/** How soon a reset counts as "within a day". @default 24 h */
	alertWithinMs?: number | undefined;
	autoSpend?: AutoSpend | null | undefined;
	pending?: Pending | null | undefined;
	offsetMinutes?: number | undefined;
	/** Prints an instant in the user's words (`Fri 18:00`) for the reset-credit sentences. */
	formatWhen?: ((iso: string) => string) | undefined;
};

/** How far back history is needed for a report over `days`. */
export function historySpanMs(days = 7): number {
	return Math.max(days, 28) * DAY + SEVEN_DAYS + DAY;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;
const fraction = (value: number): number => Math.round(value * 10_000) / 10_000;
const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** (1 − utilization, floored at 0) × weekly value. */
export function wasteUsd(utilization: number, weeklyValueUsd: number): number {
	return Math.max(0, 1 - utilization) * weeklyValueUsd;
}

function average(records: readonly WindowRecord[]): Average {
	const value = mean(records.map(r => Math.min(1, Math.max(0, r.final))));
	return {value: value === null ? null : fraction(value), windows: records.length};
}

/** Weeks with no observation between consecutive weekly windows (resets more than a week apart). */
function missingBetween(weekly: readonly WindowRecord[], fromMs: number): number {
	let missing = 0;
	for (let i = 1; i < weekly.length; i++) {
		const a = weekly[i - 1]!;
		const b = weekly[i]!;
		if (b.resetsAtMs <= fromMs) continue;
		const duration = b.durationMs ?? SEVEN_DAYS;
		const gaps = Math.round((b.resetsAtMs - a.resetsAtMs) / duration) - 1;
		if (gaps > 0) missing += gaps;
	}
	return missing;
}

function exhaustion(state: AccountState | undefined, now: number): AccountUtilization['exhausts'] {
	if (!state) return null;
	let best: AccountUtilization['exhausts'] = null;
	for (const w of gatingWindows(state.windows, state.account.model)) {
		const at = state.projections[w.kind]?.exhaustsAt ?? null;
		const ms = instantMs(at);
		if (at === null || ms === undefined || (w.utilization ?? 0) >= 1) continue;
		if (!best || ms - now < best.inMs) best = {kind: w.kind, at, inMs: Math.max(0, ms - now)};
	}
	return best;
}

function openWeekOf(state: AccountState | undefined, weekly: number | null, now: number): OpenWeek | null {
	const w = state?.windows.find(x => x.kind === 'seven_day');
	if (!state || !w) return null;
	const projection = state.projections['seven_day'];
	const resetMs = instantMs(w.resetsAt);
	const atReset = projection?.atReset ?? null;
	return {
		resetsAt: w.resetsAt,
		resetsInMs: resetMs === undefined ? null : resetMs - now,
		utilization: w.utilization === null ? null : fraction(w.utilization),
		projectedAtReset: atReset === null ? null : fraction(atReset),
		ratePerHour: projection ? projection.ratePerHour : null,
		exhaustsAt: projection?.exhaustsAt ?? null,
		projectedWasteUsd: weekly === null || atReset === null ? null : cents(wasteUsd(atReset, weekly)),
	};
}

/** The utilization report of `utilization` and the dashboard's waste panel. */
export function utilizationReport(input: UtilizationInput): UtilizationReport {
	const {now} = input;
	const days = input.days ?? 7;
	const fiveHourSince = now - days * DAY;
	const sevenDaySince = now - Math.max(days, 28) * DAY;
	const within = input.alertWithinMs ?? DAY;
	const offset = input.offsetMinutes ?? 0;
	const notes: string[] = [];
	const allFive: WindowRecord[] = [];
	const allSeven: WindowRecord[] = [];
	const alerts: UseItOrLoseIt[] = [];

	const accounts = input.accounts.map(({account, observations, state, resetCredits}): AccountUtilization => {
		const weekly = weeklyValue(account);
		const records = identifyWindows(observations, now);
		const five = records.filter(r => r.kind === 'five_hour' && r.closed && r.opensAtMs !== null && r.opensAtMs >= fiveHourSince);
		const weeklyRecords = records.filter(r => r.kind === 'seven_day');
		const seven = weeklyRecords.filter(r => r.closed && r.resetsAtMs > sevenDaySince);
		allFive.push(...five);
		allSeven.push(...seven);
		const closedWeeks = seven.map((r): ClosedWeek => ({
			resetsAt: r.resetsAt,
			opensAt: r.opensAtMs === null ? null : isoAt(r.opensAtMs, offset),
			final: fraction(r.final),
			finalObservedAt: isoAt(r.finalSeenMs, offset),
			gapBeforeResetMs: r.gapBeforeResetMs ?? 0,
			largeGap: r.largeGap,
			wasteUsd: weekly === null ? null : cents(wasteUsd(r.final, weekly)),
			userEntered: r.userEntered,
		}));
		const openWeek = openWeekOf(state, weekly, now);
		const wastes = weekly === null ? [] : seven.map(r => wasteUsd(r.final, weekly));
		const closedMean = mean(wastes);
		const wasteUsdPerWeek = closedMean !== null ? cents(closedMean) : openWeek?.projectedWasteUsd ?? null;
		const estimateBasis = closedMean !== null ? 'closed-weeks' : openWeek?.projectedWasteUsd != null ? 'projection' : 'none';
		const missingWeeks = missingBetween(weeklyRecords, sevenDaySince);
		if (weekly === null && (seven.length > 0 || openWeek)) notes.push(`${account.name}: no plan value (set --plan or --value-usd) — its waste is not priced`);
		if (missingWeeks > 0) notes.push(`${account.name}: ${missingWeeks} week${missingWeeks === 1 ? '' : 's'} without any observation (not counted)`);
		for (const week of closedWeeks.filter(w => w.largeGap)) {
			notes.push(`${account.name}: the week ending ${week.resetsAt} was last seen ${spanText(week.gapBeforeResetMs)} before its reset — its use may be higher and its waste lower than shown`);
		}

		// Use it or lose it: the week resets within a day with more than the headroom left unused.
		const weekWindow = state?.windows.find(x => x.kind === 'seven_day');
		if (state && weekWindow && weekWindow.utilization !== null && openWeek?.resetsInMs != null && !account.disabled) {
			const inMs = openWeek.resetsInMs;
			const unused = Math.max(0, 1 - weekWindow.utilization);
			const unusedAtReset = Math.max(0, 1 - (openWeek.projectedAtReset ?? weekWindow.utilization));
			if (inMs > 0 && inMs <= within && unusedAtReset > input.headroom7d) {
				alerts.push({
					account: account.name,
					resetsAt: weekWindow.resetsAt!,
					resetsInMs: inMs,
					unused: fraction(unused),
					unusedAtReset: fraction(unusedAtReset),
					valueUsd: weekly === null ? null : cents(unusedAtReset * weekly),
				});
			}
		}

		return {
			name: account.name,
			provider: account.provider,
			plan: account.plan ?? null,
			weeklyValueUsd: weekly === null ? null : cents(weekly),
			fiveHour: average(five),
			sevenDay: average(seven),
			closedWeeks,
			missingWeeks,
			openWeek,
			wasteUsdPerWeek,
			estimateBasis,
			sparkline: utilizationSeries(observations, 'seven_day', now, SPARK_SPAN_MS, SPARK_STEPS).map(v => (v === null ? null : fraction(v))),
			exhausts: exhaustion(state, now),
			...(state?.pool ? {pool: state.pool} : {}),
			...(state && resetCredits && resetCredits.length > 0 ? {resetCredits: resetLedger(state, resetCredits, now, input.formatWhen ?? (iso => iso))} : {}),
		};
	});

	// A shared pool is one quota: its waste counts once (on its first member), whatever the members report.
	const poolFirst = new Map<string, string>();
	for (const a of accounts) {
		if (!a.pool) continue;
		const first = poolFirst.get(a.pool);
		if (first === undefined) {
			poolFirst.set(a.pool, a.name);
			a.countedInTotals = true;
		} else {
			a.countedInTotals = false;
			notes.push(`${a.name} shares the quota pool ${a.pool} with ${first}: its waste is counted once, under ${first}`);
		}
	}
	const counted = accounts.filter(a => a.countedInTotals !== false);
	// Reset credits that lapsed unused in the last 7 days are waste too (counted once per pool).
	const lapsedUsd = cents(counted.reduce((sum, a) => sum + (a.resetCredits?.lapsedUsd ?? 0), 0));
	const lapsedCount = counted.reduce((n, a) => n + (a.resetCredits?.lapsedCount ?? 0), 0);
	const lapsing = accounts.flatMap(a => (a.resetCredits?.lapsing ? [`${a.name}: ${a.resetCredits.lapsing.sentence}`] : []));
	const perWeek = [...counted.map(a => a.wasteUsdPerWeek).filter((x): x is number => x !== null), ...(lapsedUsd > 0 ? [lapsedUsd] : [])];
	const projected = counted.map(a => a.openWeek?.projectedWasteUsd).filter((x): x is number => x !== null && x !== undefined);
	const countedNames = new Set(counted.map(a => a.name));
	return {
		generatedAt: isoAt(now, offset),
		days,
		fiveHourSince: isoAt(fiveHourSince, offset),
		sevenDaySince: isoAt(sevenDaySince, offset),
		averageFiveHour: average(allFive),
		averageSevenDay: average(allSeven),
		estimatedWasteUsdPerWeek: perWeek.length === 0 ? null : cents(perWeek.reduce((a, b) => a + b, 0)),
		projectedWasteUsd: projected.length === 0 ? null : cents(projected.reduce((a, b) => a + b, 0)),
		autoSpend: input.autoSpend ?? null,
		pending: input.pending ?? null,
		accounts,
		useItOrLoseIt: alerts.filter(alert => countedNames.has(alert.account)).toSorted((a, b) => a.resetsInMs - b.resetsInMs),
		resetCredits: {lapsedCount, lapsedUsd, lapsing},
		notes,
	};
}

// ---------------------------------------------------------------------------------------------------
// Sentences (the CLI and the dashboard print the same ones)

/** `2h10m`, `3d4h`, `45m` — the two largest units. */
export function spanText(ms: number): string {
	const minutes = Math.max(0, Math.round(ms / MINUTE));
	const d = Math.floor(minutes / (24 * 60));
	const h = Math.floor((minutes % (24 * 60)) / 60);
	const m = minutes % 60;
	if (d > 0) return h > 0 ? `${d}d${h}h` : `${d}d`;
	if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`;
	return `${m}m`;
}

/** `$12.40`. */
export function usd(value: number): string {
	return `$${value.toFixed(2)}`;
}

/** The §7.5 summary lines: average 5h, average 7d, waste per week, auto-spend, pending follow-ups. */
export function summaryLines(report: UtilizationReport): {fiveHour: string; sevenDay: string; waste: string; autoSpend: string; pending: string} {
	const five = report.averageFiveHour.value === null
		? `No 5h windows closed in the last ${report.days} day${report.days === 1 ? '' : 's'}`
		: `${pct(report.averageFiveHour.value)} average 5h utilization`;
	const seven = report.averageSevenDay.value === null
		? 'No 7d windows closed yet'
		: `${pct(report.averageSevenDay.value)} average 7d utilization`;
	const lapsed = report.resetCredits && report.resetCredits.lapsedUsd > 0 ? ` (incl. ${usd(report.resetCredits.lapsedUsd)} of ${report.resetCredits.lapsedCount} reset credit${report.resetCredits.lapsedCount === 1 ? '' : 's'} lapsed unused)` : '';
	const waste = report.estimatedWasteUsdPerWeek === null
		? 'Estimated waste: unknown (no priced weeks yet)'
		: `Estimated waste: ~${usd(report.estimatedWasteUsdPerWeek)}/week${lapsed}`;
	const autoSpend = report.autoSpend === null
		? 'Auto-spend this week: none recorded'
		: `Auto-spend this week: ${report.autoSpend.jobs} job${report.autoSpend.jobs === 1 ? '' : 's'} (${usd(report.autoSpend.usd)})`;
	const pending = report.pending === null
		? 'Pending follow-ups: none recorded'
		: `Pending follow-ups: ${report.pending.count} (est. ${usd(report.pending.estimateUsd)})`;
	return {fiveHour: five, sevenDay: seven, waste, autoSpend, pending};
}

/** `→ 87% at reset` for the open week (null when unknown). */
export function projectionText(account: AccountUtilization): string | null {
	const atReset = account.openWeek?.projectedAtReset;
	return atReset === null || atReset === undefined ? null : `→ ${pct(atReset)} at reset`;
}

/** `empty in 2h10m` (with the window when it is not the weekly one) — null when no wall is ahead. */
export function exhaustionText(account: AccountUtilization): string | null {
	if (!account.exhausts) return null;
	return `${windowShortLabel(account.exhausts.kind as WindowKind)} empty in ${spanText(account.exhausts.inMs)}`;
}

/** The "use it or lose it" sentence. */
export function useItOrLoseItText(alert: UseItOrLoseIt): string {
	const value = alert.valueUsd === null ? '' : ` (~${usd(alert.valueUsd)})`;
	return `Use it or lose it: ${alert.account}'s week resets in ${spanText(alert.resetsInMs)} with ${pct(alert.unusedAtReset)} unused${value}`;
}

