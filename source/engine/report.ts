/**
 * The shapes every face shows: `status --json`, the dashboard and (later) the HTTP API all read a
 * StatusReport. Field names are a contract (DESIGN §5): camelCase, ISO instants with offset.
 */
import type {BudgetStanding} from './budget-state.js';
import type {LocalUsageReport} from './local-usage.js';
import type {ApiCredits} from './plans.js';
import type {Pool} from './pools.js';
import type {ResetKind, ResetSource, ResetStatus} from './resets.js';
import type {AccountStatus, Decision, ExtraUsage, Origin, ProviderId, WindowKind, WindowSource} from './types.js';

export type AutoMode = 'off' | 'suggest' | 'auto';

export type WindowReport = {
	kind: WindowKind;
	utilization: number | null;
	resetsAt: string | null;
	/** Milliseconds until the reset at the report's `generatedAt`; null when unknown. */
	resetsInMs: number | null;
	durationMs: number | null;
	source: WindowSource;
	origin: Origin;
	observedAt: string;
	/** Age of the observation at `generatedAt`. */
	ageMs: number;
	/** True when the observation is older than its freshness bound. */
	stale: boolean;
	/** True when the reported reset has passed and the window is shown as fresh (estimated 0 %). */
	resetPassed: boolean;
	/** Projected utilization at the reset (burn rate × time left), null when unknown. */
	projectedAtReset: number | null;
	/** Burn rate in utilization per hour. */
	ratePerHour: number | null;
	/** When 100 % is reached at the current rate, if before the reset. */
	exhaustsAt: string | null;
	/**
	 * When a user-entered value is in effect (source `user-entered`), the detected value it hides, kept
	 * visible until the override is cleared or its window resets.
	 */
	detected?: {utilization: number | null; resetsAt: string | null; origin: Origin; observedAt: string} | undefined;
};

export type AccountReport = {
	name: string;
	provider: ProviderId;
	plan: string | null;
	model: string | null;
	configDir: string | null;
	home: string | null;
	chainOrder: number;
	lastResort: boolean;
	disabled: boolean;
	status: AccountStatus;
	/** Highest utilization of the windows that gate the account's model. */
	bindingUtilization: number | null;
	stale: boolean;
	ageMs: number | null;
	message: string | null;
	active: boolean;
	recommended: boolean;
	windows: WindowReport[];
	/** Pay-as-you-go extra usage (Anthropic `extra_usage`, in its currency's major unit), when the provider reports it. */
	extraUsage?: ExtraUsage | null | undefined;
	/** What the account's local logs show (current window, burn rate, tokens per 1 %), when they are indexed. */
	localUsage?: LocalUsageReport | undefined;
	/** Monthly value used to price unused quota (the account's own, else its plan's); null = unknown. */
	valueUsdPerMonth?: number | null | undefined;
	/** The plan's monthly API credits: a separate pool, never Claude Code headroom. */
	apiCredits?: ApiCredits | null | undefined;
	/** True when the account has weekly windows only (no 5-hour window). */
	weeklyOnly?: boolean | undefined;
	/** Why weekly-only (or why a missing 5-hour window counts as 0 %), null when there is nothing to say. */
	weeklyOnlyReason?: string | null | undefined;
	/** Banked limit resets: open ones and those closed in the last 7 days. */
	resets?: ResetCreditReport[] | undefined;
	/** The shared quota pool the account belongs to, null when none. */
	pool?: string | null | undefined;
	/** Team mode: the machines that hold the account and how old the newest observation each made is. */
	team?: TeamHolderReport[] | undefined;
};

/** One machine holding an account (team mode), as of this machine's last pull. */
export type TeamHolderReport = {machine: string; here: boolean; login: boolean; newestAgeMs: number | null};

/** One reset credit as status shows it. */
export type ResetCreditReport = {
	id: string;
	kind: ResetKind;
	model: string | null;
	count: number;
	expiresAt: string | null;
	expiresInMs: number | null;
	startsAt: string | null;
	source: ResetSource;
	status: ResetStatus;
	usableNow: boolean;
	lapsed: boolean;
	/** True when quota-tui can redeem it (`resets use`: Codex credits); Claude resets are redeemed in Claude Code. */
	redeemable: boolean;
	title: string | null;
	note: string | null;
	/** What it would lose if it lapsed unused (its share of the weekly value at its expiry), null when unknown. */
	valueIfLapsedUsd: number | null;
	valueBasis: string;
	observedAt: string;
};

export type Alternative = {name: string; reason: string};

export type Recommendation = {
	/** The account to use now; null when nothing is usable. */
	account: string | null;
	model: string | null;
	/** True when only the last-resort account is left. */
	emergency: boolean;
	/** Why this account (or why none). */
	reason: string;
	/** Every other account, each with why it was not chosen. */
	alternatives: Alternative[];
	/** 0 = a normal choice, 3 = emergency fallback, 1 = nothing usable. */
	exitCode: 0 | 1 | 3;
};

export type StatusReport = {
	generatedAt: string;
	/** True when the accounts are the built-in simulated ones. */
	demo: boolean;
	active: string | null;
	recommended: string | null;
	recommendation: Recommendation;
	mode: AutoMode;
	accounts: AccountReport[];
	decisions: Decision[];
	/** Non-fatal problems worth showing (unreadable source, stale data…). */
	warnings: string[];
	/** Shared quota pools (configured or detected). */
	pools?: Pool[] | undefined;
	/** Every budget (project, role, account dollars, credits…) as it stands, fullest first. */
	budgets?: BudgetStanding[] | undefined;
};
