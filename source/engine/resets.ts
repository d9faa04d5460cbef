/**
 * Reset credits (banked limit resets, issue 11): a quota currency beside the windows. Codex hands out
 * reset credits with an expiry (app-server `rateLimitResetCredits`, the ChatGPT reset-credit endpoint);
 * Claude has grants of limit resets (`cedar_ember`, redeemed with `/limit-reset` in Claude Code); users
 * enter others by hand. Pure: `now` is a parameter.
 *
 * What a reset is worth: it gives back what the window it resets had used, so a reset that lapses
 * unused loses about that share of the weekly value (a weekly reset at 46 % used on a $200 plan ≈ 46 %
 * of $46.15 ≈ $21.23; a 5-hour reset ≈ the 5-hour usage × weekly value / 33.6 five-hour windows a week).
 */
import {pct} from './status.js';
import {instantMs, SEVEN_DAYS} from './time.js';
import type {AccountState, Projection, QuotaWindow} from './types.js';

/** What a reset resets: the 5-hour window, the week, both (or the user's choice), one model's week. */
export const RESET_KINDS = ['five_hour', 'seven_day', 'both', 'model', 'unknown'] as const;
export type ResetKind = (typeof RESET_KINDS)[number];

export const RESET_SOURCES = ['codex-app-server', 'chatgpt-endpoint', 'claude-usage', 'manual'] as const;
export type ResetSource = (typeof RESET_SOURCES)[number];

/**
 * `available`: can be redeemed; `redeeming`: a redemption was started (by quota-tui, with its
 * idempotency key, or elsewhere) and not confirmed; `redeemed`: used; `expired`: lapsed unused;
 * `gone`: no longer reported before its expiry (redeemed elsewhere or withdrawn); `unknown`: the
 * provider's status quota-tui does not know.
 */
export const RESET_STATUSES = ['available', 'redeeming', 'redeemed', 'expired', 'gone', 'unknown'] as const;
export type ResetStatus = (typeof RESET_STATUSES)[number];

export type ResetCredit = {
	/** quota-tui's id (`codex-…`, `claude-…`, `m1`, …): what `resets use|remove` take. */
	id: string;
	account: string;
	kind: ResetKind;
	/** For kind `model`: the model whose weekly usage it resets. */
	model: string | null;
	count: number;
	/** When it lapses (ISO with offset); null = does not expire (or unknown). */
	expiresAt: string | null;
	/** When it becomes usable (Claude grants have a start); null = already. */
	startsAt: string | null;
	grantedAt: string | null;
	source: ResetSource;
	/** The provider's own id (what a redemption names), null for hand-entered ones. */
	providerId: string | null;
	status: ResetStatus;
	/** The provider's own "usable now" (Claude `usable_now`, paused grants), null when it does not say. */
	providerUsable: boolean | null;
	title: string | null;
	note: string | null;
	/** When this state was last read or entered. */
	observedAt: string;
	/** When quota-tui redeemed it (or saw it gone). */
	closedAt: string | null;
	/** The idempotency key of quota-tui's redemption attempt, reused when that attempt is retried. */
	redeemKey: string | null;
};

/** One credit as a provider reports it. */
export type ProviderCredit = {
	providerId: string | null;
	kind: ResetKind;
	model?: string | null | undefined;
	count: number;
	status: ResetStatus;
	providerUsable?: boolean | null | undefined;
	expiresAt: string | null;
	startsAt?: string | null | undefined;
	grantedAt?: string | null | undefined;
	title?: string | null | undefined;
	note?: string | null | undefined;
};

/** A provider's whole answer about an account's credits. */
export type ProviderCredits = {
	source: Exclude<ResetSource, 'manual'>;
	observedAt: string;
	credits: ProviderCredit[];
	/** The provider's count when it gives one (may exceed the rows it lists). */
	availableCount?: number | undefined;
};

export type ResetCreditView = ResetCredit & {
	/** Usable at `now`: available, started, not expired, not paused. */
	usableNow: boolean;
	/** Milliseconds until it lapses at `now` (negative when passed), null when it does not expire. */
	expiresInMs: number | null;
	/** The expiry has passed without a redemption. */
	lapsed: boolean;
};

/** The credits as they stand at `now` (an expiry that passed makes an available credit lapsed). */
export function resetCreditsAt(credits: readonly ResetCredit[], now: number): ResetCreditView[] {
	return credits.map(credit => {
		const expiresMs = instantMs(credit.expiresAt);
		const startsMs = instantMs(credit.startsAt);
		const open = credit.status === 'available' || credit.status === 'unknown';
		const lapsed = (open || credit.status === 'expired') && expiresMs !== undefined && expiresMs <= now;
		const usableNow = credit.status === 'available' && !lapsed && (startsMs === undefined || startsMs <= now) && credit.providerUsable !== false && credit.count > 0;
		return {...credit, status: lapsed && open ? 'expired' : credit.status, usableNow, expiresInMs: expiresMs === undefined ? null : expiresMs - now, lapsed};
	});
}

/** The credits that can still be used (available or starting later, not lapsed), soonest expiry first. */
export function openCredits(views: readonly ResetCreditView[]): ResetCreditView[] {
	return views
		.filter(view => view.status === 'available' && !view.lapsed && view.count > 0)
		.toSorted((a, b) => (a.expiresInMs ?? Number.POSITIVE_INFINITY) - (b.expiresInMs ?? Number.POSITIVE_INFINITY) || a.id.localeCompare(b.id));
}

/**
 * The open credits that lapse before `beforeMs` (e.g. the natural reset of the window they would
 * reset: a credit lapsing before it is worth using first; one that outlives it can wait).
 */
export function lapsingBefore(views: readonly ResetCreditView[], beforeMs: number): ResetCreditView[] {
	return openCredits(views).filter(view => (instantMs(view.expiresAt) ?? Number.POSITIVE_INFINITY) < beforeMs);
}

/** Whether quota-tui can redeem it itself (Codex, through `codex app-server`); Claude resets never. */
export function redeemableByQuotaTui(credit: Pick<ResetCredit, 'source' | 'status'>, provider: string): boolean {
	return provider === 'codex' && (credit.status === 'available' || credit.status === 'redeeming');
}

// ---------------------------------------------------------------------------------------------------
// Value

/** Five-hour windows in a week (7 × 24 / 5): a 5-hour reset's share of the weekly value per unit used. */
export const FIVE_HOURS_PER_WEEK = 33.6;

export type ResetValue = {
	/** Dollars for all `count` resets; null when the plan value or the usage it restores is unknown. */
	usd: number | null;
	/** Share of the weekly value one reset restores. */
	sharePerReset: number | null;
	/** What the share came from, for people. */
	basis: string;
};

export type ResetValueInput = {
	kind: ResetKind;
	count: number;
	weeklyValueUsd: number | null;
	/** Weekly utilization the reset would give back (at the time it would be used). */
	weeklyUtilization: number | null;
	/** 5-hour utilization the reset would give back. */
	fiveHourUtilization: number | null;
};

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

/** What `count` resets restore, in share of the week and in dollars (see the module comment). */
export function resetValue(input: ResetValueInput): ResetValue {
	const {kind, weeklyValueUsd} = input;
	let share: number | null = null;
	let basis: string;
	const weekly = input.weeklyUtilization === null ? null : clamp01(input.weeklyUtilization);
	const five = input.fiveHourUtilization === null ? null : clamp01(input.fiveHourUtilization);
	if (kind === 'seven_day' || kind === 'model') {
		share = weekly;
		basis = weekly === null ? 'weekly usage unknown' : `gives back ${pct(weekly)} of the week`;
	} else if (kind === 'five_hour') {
		share = five === null ? null : five / FIVE_HOURS_PER_WEEK;
		basis = five === null ? '5-hour usage unknown' : `gives back ${pct(five)} of a 5-hour window (1/${FIVE_HOURS_PER_WEEK} of the week each)`;
	} else if (kind === 'both') {
		// The weekly part dominates: a week holds 33.6 five-hour windows.
		share = weekly === null ? null : Math.min(1, weekly + (five ?? 0) / FIVE_HOURS_PER_WEEK);
		basis = weekly === null ? 'weekly usage unknown' : `gives back ${pct(weekly)} of the week${five ? ` and ${pct(five)} of a 5-hour window` : ''}`;
	} else {
		basis = 'what it resets is unknown';
	}
	const usd = share === null || weeklyValueUsd === null ? null : Math.round(share * weeklyValueUsd * input.count * 100) / 100;
	return {usd, sharePerReset: share, basis: weeklyValueUsd === null && share !== null ? `${basis}; plan value unknown` : basis};
}

/** Utilization of `window` at `atMs` at its current burn rate (capped at 100 %, 0 after its reset). */
export function utilizationAt(window: QuotaWindow | undefined, projection: Projection | undefined, atMs: number, now: number): number | null {
	if (!window || window.utilization === null) return null;
	const resetMs = instantMs(window.resetsAt);
	if (resetMs !== undefined && resetMs <= atMs && resetMs > now) {
		// It resets first: what is used by then of the next window is unknown; the current one is the best guess.
		return clamp01(window.utilization);
	}
	const hours = Math.max(0, atMs - now) / 3_600_000;
	return clamp01(window.utilization + (projection?.ratePerHour ?? 0) * hours);
}

/**
 * The value a credit would lose if it lapsed unused: what it would give back at its expiry (the
 * account's weekly and 5-hour usage projected to then), for the waste ledger and `utilization`.
 */
export function lapseValue(credit: Pick<ResetCreditView, 'kind' | 'count' | 'model' | 'expiresAt'>, state: Pick<AccountState, 'windows' | 'projections'>, weeklyValueUsd: number | null, now: number): ResetValue {
	const atMs = Math.max(now, instantMs(credit.expiresAt) ?? now);
	const weeklyKind = credit.kind === 'model' && credit.model ? state.windows.find(w => w.kind === `weekly:${credit.model!.toLowerCase()}`)?.kind ?? 'seven_day' : 'seven_day';
	const weekly = state.windows.find(w => w.kind === weeklyKind);
	const five = state.windows.find(w => w.kind === 'five_hour');
	return resetValue({
		kind: credit.kind,
		count: credit.count,
		weeklyValueUsd,
		weeklyUtilization: utilizationAt(weekly, state.projections[weeklyKind], atMs, now),
		fiveHourUtilization: utilizationAt(five, state.projections['five_hour'], Math.min(atMs, now + SEVEN_DAYS), now),
	});
}

export type LapsingSummary = {
	count: number;
	/** The soonest expiry among them. */
	expiresAt: string;
	usd: number | null;
	sentence: string;
};

/**
 * "2 resets expire Fri 18:00 unused ≈ $9.20": the open credits that lapse within `withinMs`, with
 * their lapse value. `formatWhen` prints the instant in the user's words (local day and time).
 */
export function lapsingSummary(views: readonly ResetCreditView[], values: ReadonlyMap<string, ResetValue>, withinMs: number, formatWhen: (iso: string) => string = iso => iso): LapsingSummary | null {
	const lapsing = openCredits(views).filter(view => view.expiresInMs !== null && view.expiresInMs <= withinMs);
	if (lapsing.length === 0) return null;
	const count = lapsing.reduce((n, view) => n + view.count, 0);
	const usdValues = lapsing.map(view => values.get(view.id)?.usd ?? null);
	const usd = usdValues.some(v => v === null) ? null : Math.round(usdValues.reduce<number>((sum, v) => sum + v!, 0) * 100) / 100;
	const first = lapsing[0]!;
	const expiresAt = first.expiresAt!;
	const when = formatWhen(expiresAt);
	const lastSame = lapsing.every(view => view.expiresAt === expiresAt);
	const sentence = `${count} reset${count === 1 ? '' : 's'} ${count === 1 ? 'expires' : 'expire'} ${lastSame ? '' : 'from '}${when} unused${usd === null ? ' (value unknown)' : ` ≈ $${usd.toFixed(2)}`}`;
	return {count, expiresAt, usd, sentence};
}

// ---------------------------------------------------------------------------------------------------
// Automatic redemption (policy.resetCredits = auto)

export type AutoRedeemInput = {
	state: Pick<AccountState, 'account' | 'windows' | 'status'>;
	/** The account's credits at `now` (resetCreditsAt). */
	credits: readonly ResetCreditView[];
	/** Queued jobs that could run on the account. */
	queued: number;
	/** Another account (outside its pool) with included headroom for that work, null when none: it ranks first. */
	headroomElsewhere: string | null;
	/** When the account's newest reading was taken (ms), null when unknown. */
	observedMs: number | null;
	/** When quota-tui last redeemed one of the account's credits (ms), null when never. */
	lastRedemptionMs: number | null;
	policy: 'never' | 'ask' | 'auto';
	now: number;
};

export type AutoRedeem = {
	/** The credit to redeem now, or null. */
	credit: ResetCreditView | null;
	/** Why (or why not), as sentences. */
	reasons: string[];
};

/** Which windows a credit of `kind` gives back. */
function resets(kind: ResetKind, windowKind: string, model: string | null): boolean {
	if (kind === 'both') return windowKind === 'five_hour' || windowKind === 'seven_day';
	if (kind === 'five_hour') return windowKind === 'five_hour';
	if (kind === 'seven_day') return windowKind === 'seven_day';
	if (kind === 'model') return model !== null && windowKind === `weekly:${model.toLowerCase()}`;
	return false;
}

export type CreditBeforeReset =
	| {kind: 'found'; credit: ResetCreditView; naturalAt: string}
	| {kind: 'none' | 'reset-unknown' | 'not-exhausted'}
	| {kind: 'outlives'; naturalAt: string};

/**
 * The usable credit that gives back every exhausted window of the account and lapses before their
 * natural reset (the latest of them), soonest expiry first — a credit that outlives the reset can wait.
 */
export function creditBeforeReset(state: Pick<AccountState, 'windows'>, credits: readonly ResetCreditView[]): CreditBeforeReset {
	const exhausted = state.windows.filter(w => w.kind !== 'extra_usage' && w.utilization !== null && Number.isFinite(w.utilization) && w.utilization >= 1);
	if (exhausted.length === 0) return {kind: 'not-exhausted'};
	const fitting = openCredits(credits).filter(c => c.usableNow && exhausted.every(w => resets(c.kind, w.kind, c.model)));
	if (fitting.length === 0) return {kind: 'none'};
	const resetMs = exhausted.map(w => instantMs(w.resetsAt));
	if (resetMs.some(ms => ms === undefined)) return {kind: 'reset-unknown'};
	const naturalMs = Math.max(...(resetMs as number[]));
	const naturalAt = exhausted.find(w => instantMs(w.resetsAt) === naturalMs)!.resetsAt!;
	const lapsing = fitting.filter(c => (instantMs(c.expiresAt) ?? Number.POSITIVE_INFINITY) < naturalMs);
	return lapsing.length === 0 ? {kind: 'outlives', naturalAt} : {kind: 'found', credit: lapsing[0]!, naturalAt};
}

/**
 * policy.resetCredits `auto`: redeem a Codex credit only when the account is exhausted, work is queued
 * for it, and a credit that gives back the exhausted windows lapses before their natural reset (one that
 * outlives the reset can wait: the reset gives the quota back for free). The soonest-lapsing such credit
 * is chosen; nothing while a redemption is in flight or before a reading newer than the last redemption.
 * Claude resets are never redeemed by quota-tui.
 */
export function autoRedeemChoice(input: AutoRedeemInput): AutoRedeem {
	const {state} = input;
	const name = state.account.name;
	const none = (...reasons: string[]): AutoRedeem => ({credit: null, reasons});
	if (input.policy !== 'auto') return none(`policy.resetCredits is "${input.policy}": no automatic redemption`);
	if (state.account.provider !== 'codex') {
		return none(state.account.provider === 'claude' ? 'quota-tui never redeems a Claude reset (run /limit-reset in Claude Code)' : `${name} is a ${state.account.provider} account: only Codex credits are redeemed by quota-tui`);
	}
	const exhausted = state.windows.filter(w => w.kind !== 'extra_usage' && w.utilization !== null && Number.isFinite(w.utilization) && w.utilization >= 1);
	if (exhausted.length === 0) return none(`${name} is not exhausted: its included quota is the cheaper headroom`);
	if (input.queued === 0) return none(`no work is queued for ${name}`);
	if (input.headroomElsewhere) return none(`${input.headroomElsewhere} has included headroom at no extra cost: it ranks before a reset credit`);
	const inFlight = input.credits.find(c => c.status === 'redeeming');
	if (inFlight) return none(`a redemption of ${inFlight.id} is in flight ("quota-tui resets use ${inFlight.id}" retries it with the same key)`);
	if (input.lastRedemptionMs !== null && (input.observedMs === null || input.observedMs <= input.lastRedemptionMs)) {
		return none(`waiting for a reading of ${name} newer than the last redemption`);
	}
	const label = exhausted.map(w => `${w.kind === 'five_hour' ? '5-hour' : 'weekly'} ${pct(w.utilization!)}`).join(' and ');
	const found = creditBeforeReset(state, input.credits);
	if (found.kind === 'none') return none(`${name} is exhausted (${label}) but has no usable credit that resets ${exhausted.length === 1 ? 'that window' : 'those windows'}`);
	if (found.kind === 'reset-unknown') return none(`${name} is exhausted (${label}) but its natural reset is unknown: a credit is not redeemed on a guess`);
	if (found.kind === 'outlives') return none(`${name}'s credits outlive its natural reset at ${found.naturalAt}: waiting for the reset, which costs nothing`);
	if (found.kind !== 'found') return none(`${name} is not exhausted`);
	const naturalAt = found.naturalAt;
	const {credit} = found;
	return {credit, reasons: [
		`${name} is exhausted (${label}) with ${input.queued} job${input.queued === 1 ? '' : 's'} queued for it`,
		`${credit.id} lapses at ${credit.expiresAt}, before the natural reset at ${naturalAt}: used now rather than lost (policy.resetCredits auto)`,
	]};
}
