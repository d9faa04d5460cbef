/**
 * The y/n questions of the dashboard (dispatch, switch onto an account that should be confirmed, use a
 * banked reset, cancel a job) and why a switch asks first. Pure: no React, no clock.
 */
import type {AccountReport} from '../engine/report.js';
import {windowShortLabel} from '../engine/status.js';
import type {DispatchPreview} from '../runtime/types.js';
import type {CancelJobConfirm} from './detail-state.js';
import {formatCountdown, formatLocalTime, formatPercent, parseInstant} from './format.js';
import {statusBadge} from './view-model.js';

export type DispatchConfirm = {
	readonly kind: 'dispatch';
	readonly jobId: string;
	readonly title: string;
	/** checking: waiting for the gate; ready: y dispatches; refused: any of y/n/Esc closes. */
	readonly state: 'checking' | 'ready' | 'refused';
	readonly account: string | null;
	readonly message: string;
};

export type SwitchConfirm = {
	readonly kind: 'switch';
	readonly account: string;
	/** Why the switch asks first (`demo-codex is exhausted: 5h at 100%, resets 14:35 (in 26m)`). */
	readonly message: string;
};

export type ResetConfirm = {
	readonly kind: 'reset';
	readonly account: string;
	readonly creditId: string;
	/** The y/n question (`Redeem reset credit codex-cx-1 of cx (5-hour + weekly, expires Fri 18:00)?`). */
	readonly message: string;
};

export type Confirm = DispatchConfirm | SwitchConfirm | ResetConfirm | CancelJobConfirm;

const ASK_STATUSES = new Set<AccountReport['status']>(['rejected', 'invalid_key', 'token_expired', 'policy_rejected', 'unreachable']);

/**
 * Why switching onto `account` should be confirmed first, or null when it should simply happen: it is
 * exhausted or otherwise unusable, disabled, or the last resort (kept for emergencies).
 */
export function switchWarning(account: AccountReport, now: number, recommended: string | null): string | null {
	const reasons: string[] = [];
	if (account.disabled) {
		reasons.push(`${account.name} is disabled in the config`);
	} else if (account.status === 'rejected') {
		const full = [...account.windows].filter(window => window.utilization !== null).sort((a, b) => (b.utilization ?? 0) - (a.utilization ?? 0))[0];
		const reset = parseInstant(full?.resetsAt);
		const when = reset === null ? '' : `, resets ${formatLocalTime(reset, now)} (in ${formatCountdown(reset, now)})`;
		reasons.push(`${account.name} is exhausted${full ? `: ${windowShortLabel(full.kind)} window at ${formatPercent(full.utilization)}${when}` : ''}`);
	} else if (ASK_STATUSES.has(account.status)) {
		reasons.push(`${account.name} is ${statusBadge(account).text}${account.message ? `: ${account.message}` : ''}`);
	}

	if (account.lastResort) {
		reasons.push(`${account.name} is the last-resort account, kept for when nothing else is usable`);
	}

	if (reasons.length === 0) {
		return null;
	}

	if (recommended !== null && recommended !== account.name) {
		reasons.push(`the recommendation is ${recommended}`);
	}

	return reasons.join('; ');
}

/** The gate answered the dispatch question of `jobId`. */
export function previewResolved<S extends {readonly confirm: Confirm | null}>(state: S, jobId: string, preview: DispatchPreview): S {
	const {confirm} = state;
	if (confirm?.kind !== 'dispatch' || confirm.jobId !== jobId || confirm.state !== 'checking') {
		return state;
	}

	return {...state, confirm: {...confirm, title: preview.title, state: preview.go ? 'ready' : 'refused', account: preview.account, message: preview.message}};
}

/** Asking the gate about `jobId` failed. */
export function previewFailed<S extends {readonly confirm: Confirm | null}>(state: S, jobId: string, message: string): S {
	const {confirm} = state;
	if (confirm?.kind !== 'dispatch' || confirm.jobId !== jobId) {
		return state;
	}

	return {...state, confirm: {...confirm, state: 'refused', message}};
}
