/**
 * From stored facts to what the faces show: account states (windows as they stand at `now`, user
 * overrides applied, projections) and the StatusReport.
 */
import {burnRate, project, type Sample} from './forecast.js';
import {fromTheFuture} from './skew.js';
import type {AccountReport, AutoMode, Recommendation, StatusReport, WindowReport} from './report.js';
import {bindingUtilization, deriveStatus, isCredentialProblem} from './status.js';
import {effectiveWindow, type EffectiveWindow, FIVE_HOURS, DAY, instantMs, isoAt, MINUTE, nextRecurrence, parseRecurrence, recurrenceDurationMs, SEVEN_DAYS} from './time.js';
import type {Account, AccountState, Budget, Decision, Origin, Policy, Projection, QuotaWindow, Snapshot, WindowKind} from './types.js';

/** How long data from each origin counts as fresh. */
export const FRESHNESS_MS: Record<Origin, number> = {
	statusline: 5 * MINUTE,
	'claude-cli': 5 * MINUTE,
	'oauth-usage': 5 * MINUTE,
	'codex-rollout': 10 * MINUTE,
	'codex-app-server': 5 * MINUTE,
	'wham-usage': 5 * MINUTE,
	'local-logs': 5 * MINUTE,
	manual: Number.POSITIVE_INFINITY,
	demo: Number.POSITIVE_INFINITY,
	// Valid until its reset; never makes an account look freshly polled.
	'real-use': Number.POSITIVE_INFINITY,
};

/** The usual length of a window kind, when the kind says it. */
export function defaultDurationMs(kind: WindowKind): number | null {
	if (kind === 'five_hour') return FIVE_HOURS;
	if (kind === 'seven_day' || kind === 'seven_day_opus' || kind === 'seven_day_sonnet' || kind.startsWith('weekly:')) return SEVEN_DAYS;
	return null;
}

/** A manual window (`budget set --scope account:NAME --window KIND`) as a quota window. */
export function manualWindow(budget: Budget & {window: WindowKind}): QuotaWindow {
	const recurrence = budget.recurrence ? parseRecurrence(budget.recurrence) : undefined;
	const fromRecurrence = recurrence && !('error' in recurrence) ? recurrenceDurationMs(recurrence) : undefined;
	return {
		kind: budget.window,
		utilization: budget.limit > 0 ? budget.used / budget.limit : null,
		resetsAt: budget.resetAt,
		durationMs: fromRecurrence ?? defaultDurationMs(budget.window),
		source: 'user-entered',
		origin: 'manual',
		observedAt: budget.checkedAt,
	};
}

function rollOverride(budget: Budget & {window: WindowKind}, now: number): QuotaWindow {
	const window = manualWindow(budget);
	// A recurring manual window rolls to its next reset like a budget.
	const recurrence = budget.recurrence ? parseRecurrence(budget.recurrence) : undefined;
	if (budget.resetAt && recurrence && !('error' in recurrence) && (instantMs(budget.resetAt) ?? Infinity) <= now) {
		return {...window, utilization: 0, source: 'estimated', resetsAt: nextRecurrence(budget.resetAt, recurrence, now) ?? null};
	}
	return window;
}

/** The detected value a user-entered window hides (kept visible). */
export type HiddenDetected = {utilization: number | null; resetsAt: string | null; origin: QuotaWindow['origin']; observedAt: string};

export type WindowWithOverride = EffectiveWindow & {detected?: HiddenDetected | undefined};

/**
 * Detected windows with user-entered overrides applied: an override wins until it is cleared or its
 * window resets; after that the detected value shows again. Both stay visible: the window carries the
 * user-entered value, and the detected one it hides is kept in `detected`.
 */
export function mergeWindows(detected: readonly QuotaWindow[], overrides: readonly Budget[], now: number): WindowWithOverride[] {
	const byKind = new Map<string, WindowWithOverride>();
	for (const w of detected) byKind.set(w.kind, effectiveWindow(w, now));
	for (const budget of overrides) {
		if (!budget.window) continue;
		const override = rollOverride(budget as Budget & {window: WindowKind}, now);
		const effective = effectiveWindow(override, now);
		const existing = byKind.get(override.kind);
		if (existing && existing.source !== 'user-entered') {
			// The override ended with its window (a recurring one too: its next period has no user value).
			const overrideResetMs = instantMs(budget.resetAt);
			if (effective.resetPassed || (overrideResetMs !== undefined && overrideResetMs <= now)) continue;
			byKind.set(override.kind, {...effective, detected: {utilization: existing.utilization, resetsAt: existing.resetsAt, origin: existing.origin, observedAt: existing.observedAt}});
			continue;
		}
		byKind.set(override.kind, effective);
	}
	const order: string[] = ['five_hour', 'seven_day', 'seven_day_sonnet', 'seven_day_opus', 'monthly', 'extra_usage'];
	const rank = (kind: string) => (order.includes(kind) ? order.indexOf(kind) : order.length);
	return [...byKind.values()].toSorted((a, b) => rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind));
}

/** History of one account: for each window kind, samples ascending. */
export type WindowHistory = Partial<Record<string, Sample[]>>;

export type AccountInput = {
	account: Account;
	/** The newest snapshot from the account's provider (undefined when none yet). */
	snapshot?: Snapshot | undefined;
	/** Budgets with `window` for this account (`account:<name>` scope). */
	overrides?: readonly Budget[] | undefined;
	history?: WindowHistory | undefined;
	unusableReason?: string | undefined;
};

function lookbackFor(kind: string): number {
	return kind === 'five_hour' ? FIVE_HOURS / 2 : DAY;
}

/** One account's state at `now`. */
export function accountState(input: AccountInput, policy: Pick<Policy, 'warnThreshold'>, now: number): AccountState {
	const {account, snapshot} = input;
	const windows = mergeWindows(snapshot?.windows ?? [], input.overrides ?? [], now);
	const projections: Record<string, Projection> = {};
	for (const w of windows) {
		const samples = [...(input.history?.[w.kind] ?? [])];
		const observedMs = instantMs(w.observedAt);
		const resetsAtMs = instantMs(w.resetsAt);
		if (w.utilization !== null && observedMs !== undefined && !w.resetPassed) samples.push({atMs: observedMs, utilization: w.utilization, resetsAtMs});
		const rate = w.resetPassed ? {ratePerHour: 0, samples: 0} : burnRate(samples, lookbackFor(w.kind), {resetsAtMs, durationMs: w.durationMs ?? defaultDurationMs(w.kind)});
		projections[w.kind] = project(w.utilization, rate.ratePerHour, w.resetsAt, now, rate.samples);
	}
	// Age is the provider data's age: a recent manual entry must not hide stale detected data.
	const detectedWindows = windows.filter(w => w.source !== 'user-entered');
	const observed = [snapshot?.observedAt, ...detectedWindows.map(w => w.observedAt), ...(detectedWindows.length === 0 && !snapshot ? windows.map(w => w.observedAt) : [])]
		.map(x => instantMs(x))
		.filter((x): x is number => x !== undefined);
	const newest = observed.length > 0 ? Math.max(...observed) : undefined;
	const ageMs = newest === undefined ? null : Math.max(0, now - newest);
	const freshness = Math.min(...windows.filter(w => w.source !== 'user-entered').map(w => FRESHNESS_MS[w.origin]), Number.POSITIVE_INFINITY);
	// Data stamped beyond now (a clock that was ahead) is stale, not "0 s old" (audit D2).
	const stale = ageMs !== null && (ageMs > freshness || fromTheFuture(newest!, now));
	// Credential and reachability problems come from the provider; quota states are derived at `now`
	// (a reset that passed turns `rejected` back into `allowed`).
	const reported = snapshot?.status;
	const status = reported && (isCredentialProblem(reported) || (reported === 'unreachable' && windows.length === 0))
		? reported
		: deriveStatus(windows, account, policy.warnThreshold, snapshot?.extraUsage);
	return {
		account,
		status,
		windows,
		extraUsage: snapshot?.extraUsage,
		projections,
		stale,
		ageMs,
		unusableReason: input.unusableReason,
		message: snapshot?.message,
	};
}

function windowReport(w: WindowWithOverride, projection: Projection | undefined, now: number): WindowReport {
	const observedMs = instantMs(w.observedAt) ?? now;
	const resetMs = instantMs(w.resetsAt);
	const ageMs = Math.max(0, now - observedMs);
	return {
		kind: w.kind,
		utilization: w.utilization,
		resetsAt: w.resetsAt,
		resetsInMs: resetMs === undefined ? null : resetMs - now,
		durationMs: w.durationMs,
		source: w.source,
		origin: w.origin,
		observedAt: w.observedAt,
		ageMs,
		stale: w.source !== 'user-entered' && (ageMs > FRESHNESS_MS[w.origin] || fromTheFuture(observedMs, now)),
		resetPassed: w.resetPassed,
		projectedAtReset: projection?.atReset ?? null,
		ratePerHour: projection ? projection.ratePerHour : null,
		exhaustsAt: projection?.exhaustsAt ?? null,
		...(w.detected ? {detected: w.detected} : {}),
	};
}

export type ReportInput = {
	states: readonly AccountState[];
	active: string | null;
	recommendation: Recommendation;
	decisions: readonly Decision[];
	demo: boolean;
	mode: AutoMode;
	warnings?: readonly string[] | undefined;
	now: number;
	/** Offset (minutes) to print `generatedAt` in; defaults to UTC. */
	offsetMinutes?: number | undefined;
};

/** The StatusReport of `status --json` and the dashboard. */
export function buildReport(input: ReportInput): StatusReport {
	const accounts: AccountReport[] = input.states.map((state, index) => ({
		name: state.account.name,
		provider: state.account.provider,
		plan: state.account.plan ?? null,
		model: state.account.model ?? null,
		configDir: state.account.configDir ?? null,
		home: state.account.home ?? null,
		chainOrder: state.account.chainOrder ?? index,
		lastResort: state.account.lastResort ?? false,
		disabled: state.account.disabled ?? false,
		status: state.status,
		bindingUtilization: bindingUtilization(state.windows, state.account.model),
		stale: state.stale,
		ageMs: state.ageMs,
		message: state.unusableReason ?? state.quotaDataUnavailable ?? state.realUseLimit ?? state.message ?? null,
		extraUsage: state.extraUsage ?? null,
		active: state.account.name === input.active,
		recommended: state.account.name === input.recommendation.account,
		windows: (state.windows as WindowWithOverride[]).map(w => windowReport(w, state.projections[w.kind], input.now)),
	}));
	return {
		generatedAt: isoAt(input.now, input.offsetMinutes ?? 0),
		demo: input.demo,
		active: input.active,
		recommended: input.recommendation.account,
		recommendation: input.recommendation,
		mode: input.mode,
		accounts,
		decisions: [...input.decisions],
		warnings: [...(input.warnings ?? [])],
	};
}
