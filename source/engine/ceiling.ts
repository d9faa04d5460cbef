/**
 * Dollar ceilings (seed 002, approaches c/d): an account's own usd budget (`budget set --scope
 * account:NAME --unit usd`) is the quota of that account in dollars when no provider gives numbers.
 * policy.maxQuotaPercent applies to it like to a weekly window ($12 at 90 % stops at $10.80), and an
 * account governed only by its ceiling is usable by selection and the gate.
 */
import {effectiveBudget} from './budget-state.js';
import {bindingUtilization} from './status.js';
import {parseRecurrence} from './time.js';
import type {AccountCeiling, AccountState, Budget} from './types.js';

export type Ceiling = AccountCeiling;

/** The period word of a recurrence (`weekly:monday` → weekly), null when it has none. */
export function recurrencePeriod(recurrence: string | null | undefined): string | null {
	if (!recurrence) return null;
	const parsed = parseRecurrence(recurrence);
	if ('error' in parsed) return null;
	if (parsed.kind === 'weekly') return 'weekly';
	if (parsed.kind === 'monthly') return 'monthly';
	const hours = parsed.duration.as('hours');
	if (hours === 5) return '5-hour';
	if (hours === 24) return 'daily';
	if (hours === 24 * 7) return 'weekly';
	if (parsed.duration.months === 1 && hours === 0) return 'monthly';
	return null;
}

/** True for an account's dollar ceiling: its own usd budget (not a manual window). */
export function isCeilingBudget(budget: Budget, account?: string): boolean {
	return budget.unit === 'usd' && !budget.window && (account === undefined ? budget.scope.startsWith('account:') : budget.scope === `account:${account}`);
}

/** The account's dollar ceiling as it stands at `now`, if it has one. */
export function accountCeiling(budgets: readonly Budget[], account: string, now: number): Ceiling | undefined {
	const raw = budgets.find(b => isCeilingBudget(b, account));
	if (!raw || raw.limit <= 0) return undefined;
	const b = effectiveBudget(raw, now);
	return {
		scope: b.scope,
		limitUsd: b.limit,
		usedUsd: b.used,
		utilization: b.used / b.limit,
		resetAt: b.resetAt,
		period: recurrencePeriod(b.recurrence),
		source: b.source,
	};
}

/** States with their dollar ceiling attached (`ceiling` absent when the account has none). */
export function withCeilings(states: readonly AccountState[], budgets: readonly Budget[], now: number): AccountState[] {
	return states.map(state => {
		const ceiling = accountCeiling(budgets, state.account.name, now);
		if (!ceiling) {
			if (!state.ceiling) return state;
			const {ceiling: _dropped, ...rest} = state;
			return rest;
		}
		return {...state, ceiling};
	});
}

export function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

/** "the $12.00 weekly ceiling" */
export function ceilingName(c: Pick<Ceiling, 'limitUsd' | 'period'>): string {
	return `the ${money(c.limitUsd)} ${c.period ? `${c.period} ` : ''}ceiling`;
}

/**
 * What is left of a ceiling: `remainingUsd` to its limit, and `spendableUsd` to the share
 * maxQuotaPercent allows (the rest is the reserve kept for interactive use).
 */
export function ceilingRemaining(c: Pick<Ceiling, 'limitUsd' | 'usedUsd'>, maxQuotaPercent: number): {remainingUsd: number; spendableUsd: number; reserveUsd: number; capUsd: number} {
	const capUsd = c.limitUsd * Math.min(1, maxQuotaPercent / 100);
	const round = (n: number) => Math.round(Math.max(0, n) * 100) / 100;
	return {
		remainingUsd: round(c.limitUsd - c.usedUsd),
		spendableUsd: round(capUsd - c.usedUsd),
		reserveUsd: round(c.limitUsd - capUsd),
		capUsd: round(capUsd),
	};
}

/** "$9.90 of the $12.00 weekly ceiling (83%)" */
export function ceilingText(c: Ceiling): string {
	return `${money(c.usedUsd)} of ${ceilingName(c)} (${Math.round(c.utilization * 100)}%)`;
}

/**
 * The utilization that governs the account: the highest of its gating windows and its dollar ceiling.
 * Null when neither is known.
 */
export function governingUtilization(state: AccountState): number | null {
	const windows = bindingUtilization(state.windows, state.account.model);
	const ceiling = state.ceiling?.utilization;
	if (ceiling === undefined || !Number.isFinite(ceiling)) return windows;
	return windows === null ? ceiling : Math.max(windows, ceiling);
}

/** True when the ceiling, not a window, is what binds the account. */
export function ceilingBinds(state: AccountState): boolean {
	if (!state.ceiling) return false;
	const windows = bindingUtilization(state.windows, state.account.model);
	return windows === null || state.ceiling.utilization > windows;
}

export type Remaining = {
	/** Dollars left to the limit (the ceiling, or the weekly window priced at the plan's weekly value). */
	remainingUsd: number | null;
	/** Dollars left below maxQuotaPercent (what automated work may still spend). */
	spendableUsd: number | null;
	/** Where the numbers come from. */
	basis: 'ceiling' | 'weekly' | null;
	/** "the $12.00 weekly ceiling" / "the week's $23.08" */
	of: string | null;
	/** The used share of that basis (null when unknown). */
	utilization: number | null;
};

/**
 * The quota left on an account in dollars (seed 002 "remaining quota ~$8.20"): from its dollar ceiling
 * when it has one, else its weekly window priced at the plan's weekly value; with what maxQuotaPercent
 * still lets automated work spend (the rest is the reserve for interactive use).
 */
export function remainingQuota(state: AccountState, weeklyValueUsd: number | null, maxQuotaPercent: number): Remaining {
	const round = (n: number) => Math.round(Math.max(0, n) * 100) / 100;
	if (state.ceiling) {
		const left = ceilingRemaining(state.ceiling, maxQuotaPercent);
		return {remainingUsd: left.remainingUsd, spendableUsd: left.spendableUsd, basis: 'ceiling', of: ceilingName(state.ceiling), utilization: state.ceiling.utilization};
	}
	const weekly = state.windows.find(w => w.kind === 'seven_day');
	const used = weekly?.utilization ?? null;
	if (used === null || !Number.isFinite(used) || weeklyValueUsd === null) return {remainingUsd: null, spendableUsd: null, basis: null, of: null, utilization: used};
	return {
		remainingUsd: round((1 - used) * weeklyValueUsd),
		spendableUsd: round((Math.min(1, maxQuotaPercent / 100) - used) * weeklyValueUsd),
		basis: 'weekly',
		of: `the week's ${money(weeklyValueUsd)}`,
		utilization: used,
	};
}
