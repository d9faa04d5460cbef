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
