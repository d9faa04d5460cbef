/**
 * A user-entered budget as it stands at `now` (shared by the gate, dollar ceilings and status).
 */
import {instantMs, nextRecurrence, parseRecurrence} from './time.js';
import type {Budget} from './types.js';

/** The budget as it stands at `now`: a passed reset rolls forward (recurrence) and starts from 0. */
export function effectiveBudget(budget: Budget, now: number): Budget & {resetPassed: boolean} {
	const resetMs = instantMs(budget.resetAt);
	if (resetMs === undefined || resetMs > now || !budget.resetAt) return {...budget, resetPassed: false};
	const recurrence = budget.recurrence ? parseRecurrence(budget.recurrence) : undefined;
	const next = recurrence && !('error' in recurrence) ? nextRecurrence(budget.resetAt, recurrence, now) : undefined;
	return {...budget, used: 0, resetAt: next ?? null, source: 'estimated', resetPassed: true};
}

/** A budget's standing at `now` for status, its JSON and the dashboard (seed 003 "mission status"). */
export type BudgetStanding = {
	scope: string;
	unit: string;
	used: number;
	limit: number;
	remaining: number;
	/** used / limit (may exceed 1). */
	utilization: number;
	resetAt: string | null;
	recurrence: string | null;
	resetPassed: boolean;
	source: Budget['source'];
	/** `over` at or past its limit, `near` at or past the warning threshold, else `ok`. */
	level: 'ok' | 'near' | 'over';
};

/** Every budget (not the manual windows of accounts) as it stands at `now`, fullest first. */
export function budgetStandings(budgets: readonly Budget[], now: number, warnThreshold: number): BudgetStanding[] {
	return budgets
		.filter(b => !b.window && b.limit > 0)
		.map(raw => {
			const b = effectiveBudget(raw, now);
			const utilization = b.used / b.limit;
			return {
				scope: b.scope,
				unit: b.unit,
				used: b.used,
				limit: b.limit,
				remaining: Math.max(0, b.limit - b.used),
				utilization,
				resetAt: b.resetAt,
				recurrence: b.recurrence ?? null,
				resetPassed: b.resetPassed,
				source: b.source,
				level: utilization >= 1 - 1e-9 ? 'over' as const : utilization >= warnThreshold - 1e-9 ? 'near' as const : 'ok' as const,
			};
		})
		.toSorted((a, b) => b.utilization - a.utilization || (a.scope < b.scope ? -1 : 1));
}

function amount(n: number, unit: string): string {
	if (unit === 'usd') return `$${n.toFixed(2)}`;
	return `${Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2)} ${unit}`;
}

/** "project:p at 50 of 50 messages (100%, over)" */
export function budgetSentence(b: BudgetStanding): string {
	const used = b.unit === 'usd' ? amount(b.used, 'usd') : Number.isInteger(b.used) ? b.used.toLocaleString('en-US') : b.used.toFixed(2);
	return `${b.scope} at ${used} of ${amount(b.limit, b.unit)} (${Math.round(b.utilization * 100)}%${b.level === 'ok' ? '' : `, ${b.level}`})`;
}
