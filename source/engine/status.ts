/**
 * Status derivation: which windows bind an account, how full it is, and the status that follows.
 */
import type {Account, AccountStatus, ExtraUsage, QuotaWindow, WindowKind} from './types.js';

/** Human names of window kinds, for sentences and labels. */
export function windowLabel(kind: WindowKind): string {
	switch (kind) {
		case 'five_hour': return '5-hour';
		case 'seven_day': return 'weekly';
		case 'seven_day_opus': return 'weekly Opus';
		case 'seven_day_sonnet': return 'weekly Sonnet';
		case 'monthly': return 'monthly';
		case 'extra_usage': return 'extra usage';
		default: {
			const [prefix, rest] = splitKind(kind);
			return prefix === 'weekly' ? `weekly ${rest}` : rest;
		}
	}
}

/** Short labels used in compact output (`5h`, `7d`, …). */
export function windowShortLabel(kind: WindowKind): string {
	switch (kind) {
		case 'five_hour': return '5h';
		case 'seven_day': return '7d';
		case 'seven_day_opus': return '7d opus';
		case 'seven_day_sonnet': return '7d sonnet';
		case 'monthly': return 'month';
		case 'extra_usage': return 'extra';
		default: return splitKind(kind)[1];
	}
}

function splitKind(kind: string): [string, string] {
	const index = kind.indexOf(':');
	return index < 0 ? [kind, kind] : [kind.slice(0, index), kind.slice(index + 1)];
}

/** True when the window limits work with `model` (account.model; undefined = the account's default). */
export function windowGates(kind: WindowKind, model: string | undefined): boolean {
	if (kind === 'extra_usage') return false;
	const m = model?.toLowerCase();
	if (kind === 'seven_day_opus') return m !== undefined && m.includes('opus');
	if (kind === 'seven_day_sonnet') return m !== undefined && m.includes('sonnet');
	if (kind.startsWith('weekly:')) return m !== undefined && m.includes(kind.slice('weekly:'.length).toLowerCase());
	return true;
}

/** The windows that gate the account's model. */
export function gatingWindows(windows: readonly QuotaWindow[], model: string | undefined): QuotaWindow[] {
	return windows.filter(w => windowGates(w.kind, model));
}

/**
 * Binding utilization: the highest utilization of the windows that gate the account's model.
 * Null when none of them is known (unknown data never counts as healthy).
 */
export function bindingUtilization(windows: readonly QuotaWindow[], model: string | undefined): number | null {
	let max: number | null = null;
	for (const w of gatingWindows(windows, model)) {
		if (w.utilization === null || !Number.isFinite(w.utilization)) continue;
		max = max === null ? w.utilization : Math.max(max, w.utilization);
	}
	return max;
}

/** The gating window with the highest utilization. */
export function bindingWindow(windows: readonly QuotaWindow[], model: string | undefined): QuotaWindow | undefined {
	let best: QuotaWindow | undefined;
	for (const w of gatingWindows(windows, model)) {
		// Same windows as bindingUtilization: unknown or non-finite values never bind.
		if (w.utilization === null || !Number.isFinite(w.utilization)) continue;
		if (!best || w.utilization > (best.utilization ?? -1)) best = w;
	}
	return best;
}

/** True when extra (pay-as-you-go) usage can still absorb work past an exhausted window. */
export function extraUsageLeft(extra: ExtraUsage | undefined): boolean {
	if (!extra?.enabled) return false;
	if (extra.limitUsd === null) return true;
	return (extra.usedUsd ?? 0) < extra.limitUsd;
}

/** "$4.20 of $20.00 extra-usage credit left" (or "extra usage with no limit"), for reasons. */
export function extraUsageText(extra: ExtraUsage | undefined): string {
	if (!extra?.enabled) return 'no extra usage';
	const sign = extra.currency === 'USD' ? '$' : `${extra.currency} `;
	if (extra.limitUsd === null) return 'extra usage with no limit';
	const left = Math.max(0, extra.limitUsd - (extra.usedUsd ?? 0));
	return `${sign}${left.toFixed(2)} of ${sign}${extra.limitUsd.toFixed(2)} extra-usage credit left`;
}

/**
 * Status from quota numbers, for sources that report only windows (manual, demo, status line).
 * Credential problems (invalid_key, token_expired, …) come from the provider and are kept as they are.
 */
export function deriveStatus(
	windows: readonly QuotaWindow[],
	account: Pick<Account, 'model'>,
	warnThreshold: number,
	extraUsage?: ExtraUsage,
): AccountStatus {
	const binding = bindingUtilization(windows, account.model);
	if (binding === null) return 'unknown';
	if (binding >= 1 && !extraUsageLeft(extraUsage)) return 'rejected';
	if (binding >= warnThreshold) return 'allowed_warning';
	return 'allowed';
}

/** Statuses that mean the quota numbers can be used for work. */
export function isUsableStatus(status: AccountStatus): boolean {
	return status === 'allowed' || status === 'allowed_warning';
}

/** Statuses that mean the credential itself is refused: the user must act. */
export function isCredentialProblem(status: AccountStatus): boolean {
	return status === 'invalid_key' || status === 'token_expired' || status === 'policy_rejected';
}

/** A sentence for a status, used in reasons. */
export function statusSentence(status: AccountStatus): string {
	switch (status) {
		case 'allowed': return 'allowed';
		case 'allowed_warning': return 'allowed, near its limit';
		case 'rejected': return 'exhausted';
		case 'invalid_key': return 'its credential is invalid (401)';
		case 'token_expired': return 'its token has expired (run the provider CLI to refresh it)';
		case 'policy_rejected': return 'the provider refuses this credential for this use';
		case 'unreachable': return 'the provider is unreachable';
		case 'unknown': return 'no usage data yet';
	}
}

/** `23%` — utilization as a whole percent (fractions may exceed 1). */
export function pct(fraction: number): string {
	return `${Math.round(fraction * 100)}%`;
}
