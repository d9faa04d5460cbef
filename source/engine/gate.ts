/**
 * The dispatch gate (DESIGN §7.2): may a task start now on this account?
 */
import {accountCeiling, ceilingName, isCeilingBudget, money} from './ceiling.js';
import {planValue} from './plans.js';
import {extraUsageLeft, extraUsageText, gatingWindows, isCredentialProblem, pct, statusSentence, windowLabel} from './status.js';
import {effectiveBudget} from './budget-state.js';
import {DAY, instantMs, isoAt, MINUTE} from './time.js';
import type {AccountState, Budget, Policy, QuotaWindow} from './types.js';

export type Verdict = 'go' | 'defer' | 'pause' | 'deny';

export type GateRequest = {
	/** Estimated cost in dollars (API-equivalent), if known. */
	estimateUsd?: number | undefined;
	/** Estimated share of the weekly window (fraction, 0.05 = 5 %), if known. */
	estimatePct?: number | undefined;
	/** Judge the windows this model uses (`gate --model sonnet`); default: the account's model. */
	model?: string | undefined;
	/** Estimates in a budget's own unit (`tokens`, `messages`, `credits`, …), matched to budgets of that unit. */
	estimateUnits?: Readonly<Record<string, number>> | undefined;
	/** Budget scopes the task belongs to (`project:x`, `role:y`); the account's own scope is added. */
	scopes?: readonly string[] | undefined;
	priority?: 'critical' | 'normal' | 'low' | undefined;
	/** Automatic work (auto-utilization, overnight pipelines) yields to manual work. */
	automatic?: boolean | undefined;
	/**
	 * Extra (pay-as-you-go) usage may absorb this task past the included quota: policy.extraUsage as
	 * the decision service decides it for this account among the others (select.extraUsagePermitted).
	 * Unset: allowed for manual work. Automatic work never runs on extra usage.
	 */
	extraUsage?: boolean | undefined;
	/**
	 * The caller named this account (`dispatch --account NAME`): when its only problem is its quota
	 * API refusing the credential (no real run failed), manual work may run there to prove liveness.
	 */
	explicitAccount?: boolean | undefined;
};

export type GateResult = {
	verdict: Verdict;
	/** 0 go, 75 wait (pause/defer), 69 unknown state blocked by policy or a refused account. */
	exitCode: 0 | 69 | 75;
	account: string;
	/** Human sentences; the first one says the verdict. */
	reasons: string[];
	/** When to try again (defer and pause), if known. */
	retryAt: string | null;
	/** Budgets that applied, with their state at `now`. */
	budgets: {scope: string; unit: string; used: number; limit: number; resetAt: string | null}[];
};

export type GateInput = {
	state: AccountState;
	budgets: readonly Budget[];
	request: GateRequest;
	policy: Pick<Policy, 'maxQuotaPercent' | 'reservedBudgetUsd' | 'imminentMinutes' | 'unknownPolicy' | 'warnThreshold'>;
	/** Monthly value of the account in dollars (for reservedBudgetUsd). */
	valueUsdPerMonth?: number | undefined;
	now: number;
};

const EXIT: Record<Verdict, 0 | 69 | 75> = {go: 0, defer: 75, pause: 75, deny: 69};

/** `value` is above `limit` by more than float noise (0.85 + 0.05 is not above 0.9). */
function over(value: number, limit: number): boolean {
	return value > limit + 1e-9 * Math.max(1, Math.abs(limit));
}

/** 7-day windows: the account's weekly window, model-scoped weekly ones, and custom windows about a week long. */
function isWeeklyWindow(w: QuotaWindow): boolean {
	if (w.kind === 'seven_day' || w.kind === 'seven_day_opus' || w.kind === 'seven_day_sonnet' || w.kind.startsWith('weekly:')) return true;
	return w.kind !== 'monthly' && w.durationMs !== null && w.durationMs >= 6 * DAY && w.durationMs <= 8 * DAY;
}

/** Estimate of a task in a budget's unit; undefined when the task says nothing in that unit. */
function estimateIn(unit: string, request: GateRequest): number | undefined {
	if (unit === 'usd') return request.estimateUsd;
	if (unit === 'percent') return request.estimatePct === undefined ? undefined : request.estimatePct * 100;
	return request.estimateUnits?.[unit];
}

function fmtNumber(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Decide whether a task may start now. */
export function gate(input: GateInput): GateResult {
	const {state, request, policy, now} = input;
	const name = state.account.name;
	const automatic = request.automatic === true || request.priority === 'low';
	const estimatePct = request.estimatePct ?? 0;
	const reasons: string[] = [];
	const warnings: string[] = [];
	const budgets: GateResult['budgets'] = [];

	const result = (verdict: Verdict, first: string, retryAt: string | null = null): GateResult => ({
		verdict,
		exitCode: EXIT[verdict],
		account: name,
		reasons: [first, ...reasons, ...warnings],
		retryAt,
		budgets,
	});

	if (state.account.disabled) return result('deny', `Denied: account ${name} is disabled`);
	// Real use outranks quota numbers: a real refusal denies; a quota API's refusal alone does not stop
	// manual work on an account the caller named (the run proves whether the credential works).
	const quotaApiOnly = isCredentialProblem(state.status) && !state.unusableReason && request.explicitAccount === true && !automatic;
	if (state.unusableReason || (isCredentialProblem(state.status) && !quotaApiOnly)) {
		return result('deny', `Denied: account ${name} cannot be used: ${state.unusableReason ?? statusSentence(state.status)}`);
	}
	if (quotaApiOnly) {
		reasons.push(`quota data unavailable: ${statusSentence(state.status)} says its usage source, but no real run on ${name} has failed; it was named explicitly, so this run shows whether the credential works`);
	}
	if (state.quotaDataUnavailable) reasons.push(state.quotaDataUnavailable);
	if (state.realUseLimit) reasons.push(state.realUseLimit);

	// Windows that passed their reset are already fresh (effectiveWindow); say so.
	for (const w of state.windows as readonly (QuotaWindow & {resetPassed?: boolean})[]) {
		if (w.resetPassed) reasons.push(`the ${windowLabel(w.kind)} window has reset since it was observed: counted as fresh (0%, estimated) until new data arrives`);
	}

	const gating = gatingWindows(state.windows, request.model ?? state.account.model);
	// Every gating 7-day window (the weekly one and, for its model, Opus/Sonnet/weekly:<model>) is held to
	// maxQuotaPercent; the account's own weekly window decides the reserve and the unknown-state check.
	const weeklies = gating.filter(isWeeklyWindow);
	const weekly = weeklies.find(w => w.kind === 'seven_day') ?? weeklies[0];
	const known = gating.filter(w => w.utilization !== null && Number.isFinite(w.utilization));

	// The account's dollar ceiling (its own usd budget): the live measurement when the caller has one.
	const ceiling = accountCeiling(input.budgets, name, now) ?? state.ceiling;

	// Unknown utilization or reset: manual tasks go with a warning; automatic ones defer (unknownPolicy decides).
	// An account governed by its dollar ceiling is not unknown: the ceiling is its quota (seed 002 c/d).
	const unknownWhat = ceiling ? undefined : state.status === 'unknown' || state.status === 'unreachable' || known.length === 0
		? `the quota state of ${name} is unknown (${statusSentence(state.status)})`
		: weekly && (weekly.utilization === null || !Number.isFinite(weekly.utilization)) ? `the weekly usage of ${name} is unknown`
			: weekly && instantMs(weekly.resetsAt) === undefined ? `the weekly reset time of ${name} is unknown`
				: undefined;
	if (ceiling && (state.status === 'unknown' || state.status === 'unreachable' || known.length === 0)) {
		reasons.push(`no provider numbers for ${name}: its quota is ${ceilingName(ceiling)}`);
	}
	if (unknownWhat) {
		if (policy.unknownPolicy === 'block') return result('deny', `Blocked: ${unknownWhat} and policy.unknownPolicy is "block"`);
		if (policy.unknownPolicy === 'defer-auto' && automatic) {
			return result('defer', `Deferring automatic work: ${unknownWhat}`, isoAt(now + 15 * MINUTE));
		}
		warnings.push(`Warning: ${unknownWhat}; going ahead because this is ${automatic ? 'allowed by policy' : 'manual work'}`);
	}

	// Extra usage, one rule (policy.extraUsage), never for automatic work. maxQuotaPercent holds the
	// included quota; past it the work runs at extra cost, until the extra-usage limit.
	const onExtra = !automatic && (request.extraUsage ?? true) && extraUsageLeft(state.extraUsage);
	// Exhausted windows pause until their reset (unless extra usage can absorb the work).
	const exhausted = known.filter(w => (w.utilization ?? 0) >= 1);
	if (exhausted.length > 0 && onExtra) {
		reasons.push(`${exhausted.map(w => `${windowLabel(w.kind)} included quota exhausted (${pct(w.utilization ?? 0)})`).join(' and ')}: the work runs on extra usage at extra cost (${extraUsageText(state.extraUsage)})`);
	}
	if (exhausted.length > 0 && !onExtra) {
		const resets = exhausted.map(w => w.resetsAt).filter((x): x is string => x !== null);
		const latest = resets.toSorted((a, b) => (instantMs(a) ?? 0) - (instantMs(b) ?? 0)).at(-1) ?? null;
		const labels = exhausted.map(w => `${windowLabel(w.kind)} quota exhausted (${pct(w.utilization ?? 0)})`).join(' and ');
		return result('pause', `Stopping: ${labels}${latest ? `; resets at ${latest}` : '; reset time unknown'}`, latest);
	}

	const imminent = (w: QuotaWindow | undefined) => {
		const ms = instantMs(w?.resetsAt);
		return ms !== undefined && ms - now <= policy.imminentMinutes * MINUTE;
	};
	const mayUseAll = request.priority === 'critical' || !automatic;

	// Weekly ceiling: maxQuotaPercent, or all of it when the reset is imminent (it would expire anyway).
	const max = policy.maxQuotaPercent / 100;
	const estimateText = estimatePct > 0 ? ` + ${pct(estimatePct)} estimated` : '';
	for (const w of weeklies) {
		if (!known.includes(w)) continue;
		const used = w.utilization!;
		const withEstimate = used + estimatePct;
		const label = windowLabel(w.kind);
		if (over(withEstimate, max)) {
			if (onExtra) {
				if (!exhausted.includes(w)) reasons.push(`${label} included quota at ${pct(used)}${estimateText} is over the configured max of ${policy.maxQuotaPercent}%: extra usage takes the rest at extra cost (${extraUsageText(state.extraUsage)})`);
			} else if (imminent(w) && mayUseAll && !over(withEstimate, 1)) {
				reasons.push(`${label} quota usage at ${pct(used)}${estimateText} is over the configured max of ${policy.maxQuotaPercent}%, but the window resets at ${w.resetsAt} (within ${policy.imminentMinutes} min): the remaining headroom would expire anyway`);
			} else {
				return result('pause', `Stopping: ${label} quota usage at ${pct(used)}${estimateText} (configured max: ${policy.maxQuotaPercent}%)`, w.resetsAt);
			}
		} else {
			reasons.push(`${label} quota usage at ${pct(used)}${estimateText} (configured max: ${policy.maxQuotaPercent}%)`);
		}
	}
	// The dollar ceiling is held to maxQuotaPercent too ($12 at 90 % stops at $10.80), and never past 100 %.
	if (ceiling) {
		budgets.push({scope: ceiling.scope, unit: 'usd', used: ceiling.usedUsd, limit: ceiling.limitUsd, resetAt: ceiling.resetAt});
		const estimateUsd = request.estimateUsd ?? 0;
		const capUsd = ceiling.limitUsd * max;
		const withEstimate = ceiling.usedUsd + estimateUsd;
		const at = `quota usage at ${pct(withEstimate / ceiling.limitUsd)} of ${ceilingName(ceiling)} (${money(ceiling.usedUsd)}${estimateUsd > 0 ? ` + ${money(estimateUsd)} estimated` : ''}; configured max: ${policy.maxQuotaPercent}% = ${money(capUsd)})`;
		const soon = imminent({resetsAt: ceiling.resetAt} as QuotaWindow) && mayUseAll;
		if (over(withEstimate, ceiling.limitUsd) || (over(withEstimate, capUsd) && !soon)) {
			return result('pause', `Stopping: ${at}`, ceiling.resetAt);
		}
		reasons.push(over(withEstimate, capUsd)
			? `${at} is over the configured max, but the ceiling resets at ${ceiling.resetAt} (within ${policy.imminentMinutes} min): the remaining headroom would expire anyway`
			: at);
		if (policy.reservedBudgetUsd !== null) {
			const left = ceiling.limitUsd - withEstimate;
			if (over(policy.reservedBudgetUsd, left) && !soon) {
				return result('pause', `Stopping: ${ceilingName(ceiling)} would have ~${money(Math.max(0, left))} left (reserved: ${money(policy.reservedBudgetUsd)})`, ceiling.resetAt);
			}
		}
	}
	// Reserved dollars: the weekly value left must stay above the reserve.
	const valueUsdPerMonth = input.valueUsdPerMonth ?? planValue(state.account) ?? undefined;
	if (weekly && known.includes(weekly) && policy.reservedBudgetUsd !== null && valueUsdPerMonth !== undefined) {
		const weeklyValue = (valueUsdPerMonth * 12) / 52;
		const left = Math.max(0, 1 - weekly.utilization!) * weeklyValue - (request.estimateUsd ?? 0);
		if (over(policy.reservedBudgetUsd, left) && !(imminent(weekly) && mayUseAll)) {
			return result('pause', `Stopping: weekly quota left would be ~${money(Math.max(0, left))} (reserved: ${money(policy.reservedBudgetUsd)})`, weekly.resetsAt);
		}
		reasons.push(`weekly quota left after this task: ~${money(Math.max(0, left))} (reserved: ${money(policy.reservedBudgetUsd)})`);
	}

	// Other gating windows (5-hour, monthly, custom): the estimate must fit before 100 %, unless extra
	// (pay-as-you-go) usage takes the rest.
	const extraLeft = onExtra;
	for (const w of known) {
		if (weeklies.includes(w)) continue;
		const used = w.utilization!;
		if (over(used + estimatePct, 1) && !(imminent(w) && mayUseAll)) {
			if (extraLeft && !automatic) {
				reasons.push(`${windowLabel(w.kind)} quota usage at ${pct(used)}${estimateText} passes 100%: extra usage (pay-as-you-go) covers the rest`);
				continue;
			}
			return result('defer', `Deferring: ${windowLabel(w.kind)} quota usage at ${pct(used)} + ${pct(estimatePct)} estimated would pass 100%${w.resetsAt ? `; retry after its reset at ${w.resetsAt}` : ''}`, w.resetsAt);
		}
	}

	// Automatic work leaves the last stretch (above the warning threshold) to manual work.
	if (automatic) {
		for (const w of known) {
			const used = w.utilization! + estimatePct;
			if (over(used, policy.warnThreshold) && !imminent(w)) {
				return result('defer', `Deferring automatic work: ${windowLabel(w.kind)} usage would reach ${pct(used)}, above the ${pct(policy.warnThreshold)} kept for manual work`, w.resetsAt);
			}
		}
	}

	// Budgets: every applicable one must have room for the estimate.
	const scopes = new Set([`account:${name}`, ...(request.scopes ?? [])]);
	for (const raw of input.budgets) {
		if (raw.window || !scopes.has(raw.scope)) continue;
		// The account's dollar ceiling was judged above (with maxQuotaPercent).
		if (ceiling && isCeilingBudget(raw, name)) continue;
		const budget = effectiveBudget(raw, now);
		budgets.push({scope: budget.scope, unit: budget.unit, used: budget.used, limit: budget.limit, resetAt: budget.resetAt});
		const estimate = estimateIn(budget.unit, request) ?? 0;
		const label = `${budget.scope} budget at ${fmtNumber(budget.used)}${estimate > 0 ? ` + ${fmtNumber(estimate)} estimated` : ''} of ${fmtNumber(budget.limit)} ${budget.unit}`;
		if (budget.resetPassed) reasons.push(`the ${budget.scope} budget has reset: counted from 0 (estimated)`);
		if (over(budget.used + estimate, budget.limit) || budget.used >= budget.limit) {
			return result('pause', `Stopping: ${label}${budget.resetAt ? `; resets at ${budget.resetAt}` : ''}`, budget.resetAt);
		}
		reasons.push(label);
	}

	return result('go', `Go: ${name} has room for this task`);
}
