/**
 * Weekly-only accounts (issue 11): accounts with no 5-hour window, only weekly ones (Claude Ultra since
 * 2026-10-30, ChatGPT Free, some Codex Plus accounts). Pure: `now` is a parameter.
 *
 * An account is weekly-only when
 * - its plan has weekly windows only (unless a 5-hour window was reported in the last 24 h: during the
 *   rollout some Ultra accounts still get temporary 5-hour limits), or
 * - its sources reported no 5-hour window for 24 h while weekly windows kept arriving. On Claude, where
 *   the 5-hour window is also absent simply because none is open (more than 5 h idle), that takes
 *   evidence of use: weekly usage rose in that stretch without a 5-hour window ever opening.
 * A Claude account whose 5-hour window is merely absent because none is open is not weekly-only: its
 * 5-hour usage counts as 0 % (`estimated`).
 */
import {isWeeklyOnlyPlan, planOf} from './plans.js';
import {deriveStatus} from './status.js';
import {DAY, FIVE_HOURS, instantMs, isoAt} from './time.js';
import type {AccountState, QuotaWindow, WindowSource} from './types.js';

/** One run of equal observations of one window (store/history's WindowObservation, engine side). */
export type WindowSeen = {
	kind: string;
	source: WindowSource;
	utilization: number;
	resetsAtMs: number | null;
	firstSeenMs: number;
	lastSeenMs: number;
	observations: number;
};

export type WeeklyOnlyBasis = 'plan' | 'observed';

export type WeeklyOnly = {
	weeklyOnly: boolean;
	/** What decided weekly-only (null when the account is not). */
	basis: WeeklyOnlyBasis | null;
	/** Why, as a sentence (null when there is nothing to say). */
	reason: string | null;
	/** When a 5-hour window was last reported (ISO), null when not in the history looked at. */
	fiveHourLastSeenAt: string | null;
	/** True when no 5-hour window is open (idle): 5-hour usage counts as 0 % (estimated). */
	fiveHourIdle: boolean;
};

/** How long the 5-hour window must stay absent (while weekly windows arrive) to call an account weekly-only. */
export const WEEKLY_ONLY_AFTER_MS = DAY;
/** A rise of weekly usage smaller than this is noise (rounding of the provider's percent). */
const RISE = 0.005;

export const isWeeklyKind = (kind: string) => kind === 'seven_day' || kind === 'seven_day_opus' || kind === 'seven_day_sonnet' || kind.startsWith('weekly:');

export type WeeklyOnlyInput = {
	state: Pick<AccountState, 'account' | 'windows'>;
	/** Detected-window history of the account (the last 8 days is plenty). */
	history: readonly WindowSeen[];
	now: number;
};

function hours(ms: number): string {
	return `${Math.round(ms / 3_600_000)} h`;
}

/** Is the account weekly-only at `now`, and why. */
export function deriveWeeklyOnly(input: WeeklyOnlyInput): WeeklyOnly {
	const {state, now} = input;
	const account = state.account;
	// The current windows count as observations too (the snapshot may be newer than the history).
	const current: WindowSeen[] = state.windows.flatMap(w => {
		const at = instantMs(w.observedAt);
		return at === undefined || w.utilization === null ? [] : [{kind: w.kind, source: w.source, utilization: w.utilization, resetsAtMs: instantMs(w.resetsAt) ?? null, firstSeenMs: at, lastSeenMs: at, observations: 1}];
	});
	const seen = [...input.history, ...current].filter(o => o.source === 'provider-detected' && o.firstSeenMs <= now);
	const fiveTimes = seen.filter(o => o.kind === 'five_hour').map(o => Math.min(o.lastSeenMs, now));
	const lastFive = fiveTimes.length > 0 ? Math.max(...fiveTimes) : undefined;
	const fiveHourLastSeenAt = lastFive === undefined ? null : isoAt(lastFive);
	const hasFiveNow = state.windows.some(w => w.kind === 'five_hour');
	const weeklyNow = state.windows.some(w => isWeeklyKind(w.kind) && w.source === 'provider-detected');
	const idleClaude = account.provider === 'claude' && !hasFiveNow && weeklyNow;
	const plan = planOf(account);

	if (isWeeklyOnlyPlan(account)) {
		if (lastFive !== undefined && now - lastFive < WEEKLY_ONLY_AFTER_MS) {
			return {weeklyOnly: false, basis: null, fiveHourLastSeenAt, fiveHourIdle: idleClaude,
				reason: `plan ${plan!.id} has weekly windows only, but a 5-hour window was reported at ${fiveHourLastSeenAt}: it counts (a temporary 5-hour limit) until none is reported for 24 h`};
		}
		return {weeklyOnly: true, basis: 'plan', fiveHourLastSeenAt, fiveHourIdle: false, reason: `plan ${plan!.id} (${plan!.info!.label}) has weekly windows only`};
	}

	const weekly = seen.filter(o => isWeeklyKind(o.kind) && o.lastSeenMs > (lastFive ?? Number.NEGATIVE_INFINITY));
	const count = weekly.reduce((n, o) => n + o.observations, 0);
	if (weekly.length > 0 && count >= 2) {
		const start = Math.max(lastFive ?? Number.NEGATIVE_INFINITY, Math.min(...weekly.map(o => o.firstSeenMs)));
		const end = Math.min(now, Math.max(...weekly.map(o => o.lastSeenMs)));
		if (end - start >= WEEKLY_ONLY_AFTER_MS) {
			const since = lastFive === undefined ? `in ${hours(end - start)} of history` : `since ${fiveHourLastSeenAt} (${hours(end - lastFive)})`;
			const groups = new Map<string, number[]>();
			for (const o of weekly) {
				const key = `${o.kind}|${o.resetsAtMs ?? ''}`;
				groups.set(key, [...(groups.get(key) ?? []), o.utilization]);
			}
			const rose = [...groups.values()].some(values => Math.max(...values) - Math.min(...values) > RISE);
			if (account.provider === 'claude' && !rose) {
				return {weeklyOnly: false, basis: null, fiveHourLastSeenAt, fiveHourIdle: idleClaude,
					reason: `no 5-hour window open ${since} and weekly usage did not rise: idle, not weekly-only; 5-hour usage counts as 0 % (estimated)`};
			}
			const planNote = plan?.info && !plan.info.weeklyOnly ? ` (plan ${plan.id} says it has one: is the plan right?)` : '';
			return {weeklyOnly: true, basis: 'observed', fiveHourLastSeenAt, fiveHourIdle: false,
				reason: `no 5-hour window reported ${since} while weekly windows kept arriving${rose ? ' and weekly usage rose' : ''}${planNote}`};
		}
	}
	return {weeklyOnly: false, basis: null, fiveHourLastSeenAt, fiveHourIdle: idleClaude,
		reason: idleClaude ? 'no 5-hour window open (none since the last use): 5-hour usage counts as 0 % (estimated)' : null};
}

/**
 * The account state with its 5-hour window as the verdict says: a weekly-only account shows no 5-hour
 * window (a carried, rolled-forward or log-estimated one is dropped; a user-entered one stays), and an
 * idle Claude account gets 0 % (`estimated`, reset unknown: the next window opens with the next use).
 */
export function applyWeeklyOnly(state: AccountState, verdict: WeeklyOnly, warnThreshold: number): AccountState {
	const withVerdict = {...state, weeklyOnly: verdict};
	if (verdict.weeklyOnly) {
		const windows = state.windows.filter(w => w.kind !== 'five_hour' || w.source === 'user-entered');
		if (windows.length === state.windows.length) return withVerdict;
		const projections = {...state.projections};
		if (!windows.some(w => w.kind === 'five_hour')) delete projections['five_hour'];
		return {...withVerdict, windows, projections, status: requote(state, windows, warnThreshold)};
	}
	if (verdict.fiveHourIdle && !state.windows.some(w => w.kind === 'five_hour')) {
		const weekly = state.windows.filter(w => isWeeklyKind(w.kind) && w.source === 'provider-detected').toSorted((a, b) => (instantMs(b.observedAt) ?? 0) - (instantMs(a.observedAt) ?? 0))[0]!;
		const idle: QuotaWindow & {resetPassed: boolean} = {kind: 'five_hour', utilization: 0, resetsAt: null, durationMs: FIVE_HOURS, source: 'estimated', origin: weekly.origin, observedAt: weekly.observedAt, resetPassed: false};
		return {...withVerdict, windows: [idle, ...state.windows], projections: {...state.projections, five_hour: {ratePerHour: 0, atReset: null, exhaustsAt: null, samples: 0}}};
	}
	return withVerdict;
}

/** Quota states follow the windows; credential and reachability problems stay as reported. */
function requote(state: AccountState, windows: readonly QuotaWindow[], warnThreshold: number) {
	return state.status === 'allowed' || state.status === 'allowed_warning' || state.status === 'rejected' || state.status === 'unknown'
		? deriveStatus(windows, state.account, warnThreshold, state.extraUsage)
		: state.status;
}
