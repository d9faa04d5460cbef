/**
 * Small builders for engine tests: windows, accounts and account states at a fixed `NOW`.
 */
import {deriveStatus} from '../../source/engine/status.js';
import {HOUR, isoAt, SEVEN_DAYS, FIVE_HOURS} from '../../source/engine/time.js';
import type {Account, AccountState, AccountStatus, ExtraUsage, Projection, QuotaWindow, WindowKind} from '../../source/engine/types.js';

/** Wednesday 2026-12-02 12:00 UTC. */
export const NOW = Date.parse('2026-12-02T12:00:00Z');

/** ISO instant `hours` from NOW (UTC). */
export function inHours(hours: number, offsetMinutes = 0): string {
	return isoAt(NOW + hours * HOUR, offsetMinutes);
}

export function win(kind: WindowKind, utilization: number | null, resetsAt: string | null = inHours(48), extra: Partial<QuotaWindow> = {}): QuotaWindow {
	return {
		kind,
		utilization,
		resetsAt,
		durationMs: kind === 'five_hour' ? FIVE_HOURS : kind.startsWith('seven_day') || kind.startsWith('weekly:') ? SEVEN_DAYS : null,
		source: 'provider-detected',
		origin: 'oauth-usage',
		observedAt: isoAt(NOW - 60_000),
		...extra,
	};
}

export function account(name: string, extra: Partial<Account> = {}): Account {
	return {name, provider: 'manual', ...extra};
}

export type StateOptions = {
	account?: Partial<Account>;
	status?: AccountStatus;
	projections?: Partial<Record<string, Projection>>;
	extraUsage?: ExtraUsage;
	unusableReason?: string;
};

/** An AccountState; the status is derived from the windows (warn threshold 0.8) unless given. */
export function state(name: string, windows: QuotaWindow[], options: StateOptions = {}): AccountState {
	const acct = account(name, options.account);
	return {
		account: acct,
		status: options.status ?? deriveStatus(windows, acct, 0.8, options.extraUsage),
		windows,
		extraUsage: options.extraUsage,
		projections: options.projections ?? {},
		stale: false,
		ageMs: 60_000,
		unusableReason: options.unusableReason,
	};
}

/** A state with one 7-day window at `utilization`. */
export function weekly(name: string, utilization: number | null, options: StateOptions & {resetsAt?: string} = {}): AccountState {
	return state(name, [win('seven_day', utilization, options.resetsAt ?? inHours(72))], options);
}

export function projection(exhaustsAt: string | null, extra: Partial<Projection> = {}): Projection {
	return {ratePerHour: 0.05, atReset: exhaustsAt ? 1.3 : 0.5, exhaustsAt, samples: 5, ...extra};
}
