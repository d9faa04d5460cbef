/**
 * Plans (DESIGN §8, December 2026 names): what a subscription is worth per month (to price unused
 * quota), whether it has a 5-hour window at all, and the monthly API credits it carries beside it.
 *
 * Plan ids are read in the account's provider, so both vendors' "pro" stay unambiguous:
 * - Claude accounts: `pro`, `max` (formerly Max 5x), `ultra` (formerly Max 20x, weekly windows only),
 *   `team`, `team-premium`, `enterprise`.
 * - Codex (ChatGPT) accounts: `free`, `go`, `plus`, `pro` (ChatGPT Pro, $200), `pro-lite`, `business`.
 * - Manual and demo accounts have no vendor: a bare id is read as Claude's first (`pro` = $20, as
 *   before), and `pro-chatgpt` names ChatGPT Pro there.
 * Old names are aliases that read and write as the new ones: `max5` → `max`, `max20` → `ultra` (any
 * provider), and on Codex accounts `pro-chatgpt` → `pro`, `prolite` → `pro-lite`, `team` → `business`
 * (ChatGPT Team was renamed Business). Any other string is kept verbatim: its value is unknown.
 */
import type {Account, ProviderId} from './types.js';

export type PlanVendor = 'claude' | 'chatgpt';

export type ApiCredits = {
	/** Dollars of API credit per month; null when the amount is not fixed per account (Team: pooled). */
	monthlyUsd: number | null;
	/** `account`: this login's own; `organization`: pooled for the whole organization. */
	scope: 'account' | 'organization';
	/** A sentence for people: where the credits can be spent (never Claude Code), when they lapse. */
	note: string;
};

export type PlanInfo = {
	/** The canonical id within its vendor. */
	id: string;
	vendor: PlanVendor;
	/** How the vendor names it. */
	label: string;
	/** Default monthly value in USD; null when it is the account's own (enterprise). */
	valueUsdPerMonth: number | null;
	/** True when the plan has no 5-hour window, only weekly ones. */
	weeklyOnly: boolean;
	/** Monthly API credits that come with the plan (a separate pool, never Claude Code headroom). */
	apiCredits: ApiCredits | null;
	/** The old name, for "formerly …". */
	formerly?: string | undefined;
};

const API_NOTE = 'Claude API credits (platform.claude.com), spendable through the API only, not in Claude Code; they lapse at the end of each billing period';

const CLAUDE: readonly PlanInfo[] = [
	{id: 'pro', vendor: 'claude', label: 'Claude Pro', valueUsdPerMonth: 20, weeklyOnly: false, apiCredits: null},
	{id: 'max', vendor: 'claude', label: 'Claude Max', valueUsdPerMonth: 100, weeklyOnly: false, apiCredits: {monthlyUsd: 100, scope: 'account', note: API_NOTE}, formerly: 'Max 5x (max5)'},
	{id: 'ultra', vendor: 'claude', label: 'Claude Ultra', valueUsdPerMonth: 200, weeklyOnly: true, apiCredits: {monthlyUsd: 200, scope: 'account', note: API_NOTE}, formerly: 'Max 20x (max20)'},
	{id: 'team', vendor: 'claude', label: 'Claude Team (standard seat)', valueUsdPerMonth: 30, weeklyOnly: false, apiCredits: {monthlyUsd: null, scope: 'organization', note: `${API_NOTE}; pooled for the organization (up to $500)`}},
	{id: 'team-premium', vendor: 'claude', label: 'Claude Team (premium seat)', valueUsdPerMonth: 150, weeklyOnly: false, apiCredits: {monthlyUsd: null, scope: 'organization', note: `${API_NOTE}; pooled for the organization (up to $500)`}},
	{id: 'enterprise', vendor: 'claude', label: 'Claude Enterprise', valueUsdPerMonth: null, weeklyOnly: false, apiCredits: null},
];

const CHATGPT: readonly PlanInfo[] = [
	{id: 'free', vendor: 'chatgpt', label: 'ChatGPT Free', valueUsdPerMonth: 0, weeklyOnly: true, apiCredits: null},
	{id: 'go', vendor: 'chatgpt', label: 'ChatGPT Go', valueUsdPerMonth: 8, weeklyOnly: false, apiCredits: null},
	{id: 'plus', vendor: 'chatgpt', label: 'ChatGPT Plus', valueUsdPerMonth: 20, weeklyOnly: false, apiCredits: null},
	{id: 'pro-lite', vendor: 'chatgpt', label: 'ChatGPT Pro ($100 tier)', valueUsdPerMonth: 100, weeklyOnly: false, apiCredits: null},
	{id: 'pro', vendor: 'chatgpt', label: 'ChatGPT Pro', valueUsdPerMonth: 200, weeklyOnly: false, apiCredits: null},
	{id: 'business', vendor: 'chatgpt', label: 'ChatGPT Business (formerly Team)', valueUsdPerMonth: 25, weeklyOnly: false, apiCredits: null},
];

/** Renamed plans, for every provider. */
const RENAMED: Readonly<Record<string, string>> = {max5: 'max', max20: 'ultra'};
/** Codex accounts: ChatGPT's own spellings and quota-tui's old id. */
const CHATGPT_ALIASES: Readonly<Record<string, string>> = {'pro-chatgpt': 'pro', 'chatgpt-pro': 'pro', prolite: 'pro-lite', team: 'business'};

const vendorOf = (provider: ProviderId | string | undefined): PlanVendor | undefined =>
	provider === 'claude' ? 'claude' : provider === 'codex' ? 'chatgpt' : undefined;

const find = (table: readonly PlanInfo[], id: string) => table.find(plan => plan.id === id);

export type ResolvedPlan = {
	/** The id to store and show (the new name for an alias; the text itself when unknown). */
	id: string;
	/** The plan, or null when the id is not one quota-tui knows (its value is then unknown). */
	info: PlanInfo | null;
	/** The old name when `plan` was an alias (`max20` for `ultra`). */
	renamedFrom: string | null;
};

/**
 * Resolve a plan string in the account's provider. Never guesses: an unknown string stays as written
 * with `info: null`.
 */
export function resolvePlan(provider: ProviderId | string | undefined, plan: string): ResolvedPlan {
	const text = plan.trim();
	const key = text.toLowerCase();
	const vendor = vendorOf(provider);
	if (vendor === 'chatgpt') {
		const id = CHATGPT_ALIASES[key] ?? key;
		const info = find(CHATGPT, id);
		return info ? {id: info.id, info, renamedFrom: id === key ? null : text} : {id: text, info: null, renamedFrom: null};
	}
	const renamed = RENAMED[key];
	const id = renamed ?? key;
	const claude = find(CLAUDE, id);
	if (claude) return {id: claude.id, info: claude, renamedFrom: renamed ? text : null};
	if (vendor === undefined) {
		// Manual/demo: ChatGPT's plans by their unambiguous names (`pro` stays Claude Pro here).
		if (key === 'pro-chatgpt' || key === 'chatgpt-pro') return {id: 'pro-chatgpt', info: find(CHATGPT, 'pro')!, renamedFrom: key === 'pro-chatgpt' ? null : text};
		const chatgpt = key === 'pro' ? undefined : find(CHATGPT, key === 'prolite' ? 'pro-lite' : key);
		if (chatgpt) return {id: chatgpt.id, info: chatgpt, renamedFrom: chatgpt.id === key ? null : text};
	}
	return {id: text, info: null, renamedFrom: null};
}

/** The plan ids valid for a provider, for help texts and errors. */
export function planIds(provider?: ProviderId | string): string[] {
	const vendor = vendorOf(provider);
	if (vendor === 'claude') return CLAUDE.map(p => p.id);
	if (vendor === 'chatgpt') return CHATGPT.map(p => p.id);
	return [...CLAUDE.map(p => p.id), ...CHATGPT.filter(p => p.id !== 'pro').map(p => p.id), 'pro-chatgpt'];
}

/** Every plan with its vendor (the README's plan table). */
export function allPlans(): readonly PlanInfo[] {
	return [...CLAUDE, ...CHATGPT];
}

/**
 * Default monthly value in USD per plan id, as before December 2026 (kept for callers that have no
 * provider): Claude ids first, ChatGPT Pro as `pro-chatgpt`, old names included.
 */
export const PLAN_VALUES: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries([
	...CHATGPT.filter(p => p.id !== 'pro').map(p => [p.id, p.valueUsdPerMonth]),
	['pro-chatgpt', 200],
	...CLAUDE.map(p => [p.id, p.valueUsdPerMonth]),
	['max5', 100],
	['max20', 200],
].filter(([, value]) => value !== null)) as Record<string, number>);

type PlanFields = Pick<Account, 'plan' | 'valueUsdPerMonth'> & {provider?: ProviderId | string | undefined};

/** The account's plan, resolved (null without a plan). */
export function planOf(account: PlanFields): ResolvedPlan | null {
	return account.plan ? resolvePlan(account.provider, account.plan) : null;
}

/** The account's monthly value: its override, else its plan's default, else null (unknown). */
export function planValue(account: PlanFields): number | null {
	if (account.valueUsdPerMonth !== undefined) return account.valueUsdPerMonth;
	return planOf(account)?.info?.valueUsdPerMonth ?? null;
}

/** Weekly value = monthly × 12 / 52. */
export function weeklyValue(account: PlanFields): number | null {
	const monthly = planValue(account);
	return monthly === null ? null : (monthly * 12) / 52;
}

/** True when the account's plan has weekly windows only (Claude Ultra, ChatGPT Free). */
export function isWeeklyOnlyPlan(account: PlanFields): boolean {
	return planOf(account)?.info?.weeklyOnly === true;
}

/** The monthly API credits of the account's plan (a pool apart from Claude Code's windows), or null. */
export function apiCreditsOf(account: PlanFields): ApiCredits | null {
	return planOf(account)?.info?.apiCredits ?? null;
}

/**
 * The account with its plan written as the new name (`max20` → `ultra`), for loading and storing
 * configs. Unknown plans are left as they are.
 */
export function withCanonicalPlan<T extends PlanFields>(account: T): T {
	if (!account.plan) return account;
	const resolved = resolvePlan(account.provider, account.plan);
	return resolved.renamedFrom === null ? account : {...account, plan: resolved.id};
}
