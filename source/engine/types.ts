/**
 * The domain model of quota-tui (DESIGN §2). Pure types: every module speaks these.
 *
 * Conventions:
 * - Instants travel as ISO 8601 strings *with their offset* (`2026-12-01T09:00:00+05:45`), so the offset
 *   a provider or a user gave is never lost. Engine functions take `now` as epoch milliseconds.
 * - Utilization is a fraction (0.23 = 23 %) and may exceed 1.
 */

import type {WeeklyOnly} from './weekly-only.js';

export const PROVIDERS = ['claude', 'codex', 'manual', 'demo'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

/** Account names: lower-case, start with a letter or digit. */
export const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export type Account = {
	name: string;
	provider: ProviderId;
	/** Claude: the CLAUDE_CONFIG_DIR of this account. */
	configDir?: string | undefined;
	/** Codex: the CODEX_HOME of this account. */
	home?: string | undefined;
	plan?: string | undefined;
	valueUsdPerMonth?: number | undefined;
	chainOrder?: number | undefined;
	lastResort?: boolean | undefined;
	disabled?: boolean | undefined;
	model?: string | undefined;
	usageEndpoint?: boolean | undefined;
	/** Shared quota pool override: a pool name, false = never pooled; absent = detected from the history. */
	pool?: string | false | undefined;
};

export type FixedWindowKind =
	| 'five_hour'
	| 'seven_day'
	| 'seven_day_opus'
	| 'seven_day_sonnet'
	| 'monthly'
	| 'extra_usage';
export type WindowKind = FixedWindowKind | `weekly:${string}` | `custom:${string}`;

export type WindowSource = 'provider-detected' | 'user-entered' | 'estimated' | 'unknown';
export type Origin =
	| 'statusline'
	| 'claude-cli'
	| 'oauth-usage'
	| 'codex-rollout'
	| 'codex-app-server'
	| 'wham-usage'
	| 'local-logs'
	| 'manual'
	| 'demo'
	/** A real run hit a usage limit (`quota-tui outcome NAME limit`, or a job's end). */
	| 'real-use';

export type QuotaWindow = {
	kind: WindowKind;
	/** Fraction used; null when unknown. */
	utilization: number | null;
	/** Reset instant with offset; null = unknown. */
	resetsAt: string | null;
	/** Length of the window; null when arbitrary. */
	durationMs: number | null;
	source: WindowSource;
	origin: Origin;
	/** When this value was observed (ISO). */
	observedAt: string;
};

export const STATUSES = [
	'allowed',
	'allowed_warning',
	'rejected',
	'invalid_key',
	'token_expired',
	'policy_rejected',
	'unreachable',
	'unknown',
] as const;
export type AccountStatus = (typeof STATUSES)[number];

export type ExtraUsage = {
	enabled: boolean;
	limitUsd: number | null;
	usedUsd: number | null;
	currency: string;
};

/** All windows of one account at one observation. */
export type Snapshot = {
	account: string;
	observedAt: string;
	status: AccountStatus;
	windows: QuotaWindow[];
	extraUsage?: ExtraUsage | undefined;
	/** A human sentence when the source failed (the last good windows are kept beside it). */
	message?: string | undefined;
};

export const BUDGET_UNITS = ['percent', 'usd', 'tokens', 'messages', 'credits', 'compute-minutes'] as const;

/** A user-entered limit (DESIGN §2, after the Mosaic requirement). */
export type Budget = {
	/** `account:<name>`, `role:<name>` or `project:<name>`. */
	scope: string;
	/** Set for a manual window of an account (`--window KIND`): the user-entered override of that window. */
	window?: WindowKind | undefined;
	limit: number;
	/** One of BUDGET_UNITS or a provider's own unit. */
	unit: string;
	used: number;
	resetAt: string | null;
	/** `5h`, `daily`, `weekly:<weekday>`, `monthly:<day>` or an ISO 8601 duration (`P7D`). */
	recurrence?: string | null | undefined;
	source: WindowSource;
	checkedAt: string;
};

export type DecisionKind = 'switch' | 'gate' | 'recommend' | 'dispatch' | 'defer' | 'reset-credit' | 'run';

export type Decision = {
	at: string;
	kind: DecisionKind;
	subject: string;
	verdict: string;
	reasons: string[];
	inputs: Record<string, unknown>;
};

export type Strategy = 'chain' | 'drain-soonest-reset' | 'most-headroom';

/** The `policy` config block (DESIGN §11) as the engine reads it. */
export type Policy = {
	switchThreshold: number;
	warnThreshold: number;
	strategy: Strategy;
	extraUsage: 'last' | 'normal' | 'never';
	maxQuotaPercent: number;
	/** `quota-tui hook claude` stops the agent above this weekly usage (null: maxQuotaPercent). */
	hookStopPercent: number | null;
	reservedBudgetUsd: number | null;
	imminentMinutes: number;
	unknownPolicy: 'defer-auto' | 'block' | 'allow';
	/** Reset credits: never redeem them, ask first (default), or redeem a Codex credit automatically (phase B). */
	resetCredits: 'never' | 'ask' | 'auto';
	/** Model tiers per provider, most capable first (engine/model-ladder): `{claude: ['opus', 'sonnet']}`. */
	modelLadder: Readonly<Record<string, readonly string[]>>;
};

export const DEFAULT_POLICY: Policy = {
	switchThreshold: 0.9,
	warnThreshold: 0.8,
	strategy: 'chain',
	extraUsage: 'last',
	maxQuotaPercent: 90,
	hookStopPercent: null,
	reservedBudgetUsd: null,
	imminentMinutes: 30,
	unknownPolicy: 'defer-auto',
	resetCredits: 'ask',
	modelLadder: {claude: ['opus', 'sonnet']},
};

/** Burn rate and projection of one window (engine/forecast). */
export type Projection = {
	/** Utilization per hour (fraction/h), never negative, always finite. */
	ratePerHour: number;
	/** Utilization expected at the reset (null when the reset is unknown). */
	atReset: number | null;
	/** ISO instant at which 100 % is reached at the current rate, if before the reset. */
	exhaustsAt: string | null;
	/** How many observations the rate came from. */
	samples: number;
	/** Set when the rate came from the local logs (tokens converted with the account's calibration). */
	rateSource?: 'local-logs' | undefined;
};

/** What the engine knows about one account at `now`: the input of selection and the gate. */
export type AccountState = {
	account: Account;
	status: AccountStatus;
	/** Windows as they stand at `now` (a passed reset already turned into a fresh window). */
	windows: QuotaWindow[];
	extraUsage?: ExtraUsage | undefined;
	/** Projections per window kind. */
	projections: Partial<Record<string, Projection>>;
	/** True when the newest data is older than its freshness bound. */
	stale: boolean;
	/** Age of the newest data in ms, null when there is none. */
	ageMs: number | null;
	/** Set when a real job failure (401/403/policy refusal) marked the account unusable. */
	unusableReason?: string | undefined;
	/** Set when a real run hit a usage limit whose reset is still ahead (engine/outcomes). */
	realUseLimit?: string | undefined;
	/** Set when the quota source refuses the credential while real runs succeed: usable, numbers unknown. */
	quotaDataUnavailable?: string | undefined;
	message?: string | undefined;
	/** Weekly-only verdict (engine/weekly-only), once derived from the history. */
	weeklyOnly?: WeeklyOnly | undefined;
	/** The shared quota pool the account draws on (engine/pools), null when none. */
	pool?: string | null | undefined;
	/**
	 * A usable reset credit that gives back the account's exhausted windows and lapses before their
	 * natural reset (engine/resets creditBeforeReset): worth using before paying for extra usage.
	 */
	lapsingCredit?: {id: string; expiresAt: string | null; naturalResetAt: string; redeemable: boolean} | null | undefined;
	/** The account's dollar ceiling (its own usd budget, engine/ceiling), when it has one. */
	ceiling?: AccountCeiling | undefined;
};

/** An account's dollar ceiling at `now` (engine/ceiling). */
export type AccountCeiling = {
	scope: string;
	limitUsd: number;
	usedUsd: number;
	/** used / limit (may exceed 1). */
	utilization: number;
	resetAt: string | null;
	/** `weekly`, `daily`, `monthly`, `5-hour` or null (no or another recurrence). */
	period: string | null;
	source: WindowSource;
};
