/**
 * Account discovery: Claude config dirs (`~/.claude`, `~/.claude-*`, `$CLAUDE_CONFIG_DIR`) and Codex
 * homes (`~/.codex`, `$CODEX_HOME`) on this machine, named from the identity they hold.
 *
 * Reads identity and plan only: the email from `.claude.json` `oauthAccount` (or the Codex id_token
 * claims), the plan from `subscriptionType` / `rateLimitTier` (or `chatgpt_plan_type`). Tokens are never
 * returned, stored or printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import {ACCOUNT_NAME, type Account} from '../engine/types.js';
import {isRecord, jwtClaims, readJsonFile, userHome} from './util.js';

export type Discovered = {
	name: string;
	provider: 'claude' | 'codex';
	/** CLAUDE_CONFIG_DIR (Claude) or CODEX_HOME (Codex), absolute. */
	dir: string;
	/** How it was found: `~/.claude`, `$CLAUDE_CONFIG_DIR`, … */
	foundBy: string;
	email: string | null;
	plan: string | null;
	/** What the provider calls the plan (`max`, `default_claude_max_20x`, `plus`), for display. */
	planDetail: string | null;
	/** The configured account already using this directory, if any. */
	configuredAs: string | null;
	/** Things that could not be read (named), for the user. */
	notes: string[];
};

export type DiscoverOptions = {
	env: NodeJS.ProcessEnv;
	/** The user's home; defaults to HOME or os.homedir(). */
	homeDir?: string | undefined;
	/** Accounts already configured (their directories are reported, not proposed again). */
	existing?: readonly Account[] | undefined;
};

const isDir = (dir: string) => {
	try {
		return fs.statSync(dir).isDirectory();
	} catch {
		return false;
	}
};
const exists = (file: string) => fs.existsSync(file);
const real = (dir: string) => {
	try {
		return fs.realpathSync(dir);
	} catch {
		return path.resolve(dir);
	}
};

const looksLikeClaude = (dir: string) => ['.credentials.json', '.claude.json', 'settings.json', 'projects', '.config.json'].some(name => exists(path.join(dir, name)));
const looksLikeCodex = (dir: string) => ['auth.json', 'sessions', 'config.toml', 'archived_sessions'].some(name => exists(path.join(dir, name)));

export type PlanMapping = {
	/** The plan id, the login's own string kept verbatim when quota-tui does not know it, or null. */
	plan: string | null;
	/** Set when the string is not one quota-tui knows: the plan's value stays unknown (never a guess). */
	warning: string | null;
};

/** `rateLimitTier` strings quota-tui knows (provider-formats §2.1; Max 20x is Ultra since 2026-10-30). */
const CLAUDE_TIERS: Readonly<Record<string, string>> = {
	default_claude_max_5x: 'max',
	default_claude_max_20x: 'ultra',
	default_claude_ultra: 'ultra',
	claude_pro: 'pro',
};
/** Tiers that say nothing about the plan (the subscriptionType decides). */
const GENERIC_TIERS = new Set(['default_claude_ai', 'default']);

/**
 * Claude plan from the credentials' `subscriptionType` and `rateLimitTier` (table in the README).
 * `max` alone cannot tell Max from a pre-rename Max 20x (now Ultra): without a known tier it is
 * reported as unknown.
 */
export function claudePlanMapping(subscriptionType: string | undefined, tier: string | undefined): PlanMapping {
	const sub = subscriptionType?.trim().toLowerCase() || undefined;
	const t = tier?.trim().toLowerCase() || undefined;
	const unknown = (what: string, verbatim: string): PlanMapping => ({plan: verbatim.trim(), warning: `${what}: plan value unknown; set it with --plan (pro, max, ultra, team, team-premium, enterprise) or --value-usd`});
	if (t && CLAUDE_TIERS[t]) return {plan: CLAUDE_TIERS[t]!, warning: null};
	switch (sub) {
		case undefined:
			return t && !GENERIC_TIERS.has(t) ? unknown(`unknown rateLimitTier "${tier}"`, tier!) : {plan: null, warning: null};
		case 'pro':
		case 'ultra':
		case 'enterprise':
			return {plan: sub, warning: null};
		case 'team':
			return {plan: t?.includes('premium') ? 'team-premium' : 'team', warning: null};
		case 'max':
			return t && !GENERIC_TIERS.has(t)
				? unknown(`subscriptionType "max" with an unknown rateLimitTier "${tier}"`, tier!)
				: {plan: null, warning: 'subscriptionType "max" without a rateLimitTier: Max ($100) or a former Max 20x (now Ultra, $200) cannot be told apart; set it with --plan max or --plan ultra'};
		default:
			return unknown(`unknown subscriptionType "${subscriptionType}"${tier ? ` (rateLimitTier "${tier}")` : ''}`, subscriptionType!);
	}
}

/** Claude plan id (see claudePlanMapping). */
export function claudePlan(subscriptionType: string | undefined, tier: string | undefined): string | null {
	return claudePlanMapping(subscriptionType, tier).plan;
}

/** ChatGPT `plan_type` / app-server `planType` strings quota-tui knows → Codex plan ids. */
const CHATGPT_PLAN_TYPES: Readonly<Record<string, string>> = {
	free: 'free',
	go: 'go',
	plus: 'plus',
	pro: 'pro',
	prolite: 'pro-lite',
	team: 'business',
	business: 'business',
};

/** Codex plan from ChatGPT's `plan_type` (id_token `chatgpt_plan_type`, app-server `planType`). */
export function codexPlanMapping(planType: string | undefined): PlanMapping {
	const key = planType?.trim().toLowerCase();
	if (!key) return {plan: null, warning: null};
	const plan = CHATGPT_PLAN_TYPES[key];
	if (plan) return {plan, warning: null};
	return {plan: planType!.trim(), warning: `unknown ChatGPT plan_type "${planType}": plan value unknown; set it with --plan (free, go, plus, pro-lite, pro, business) or --value-usd`};
}

/** Codex plan id (see codexPlanMapping). */
export function codexPlan(planType: string | undefined): string | null {
	return codexPlanMapping(planType).plan;
}

function claudeIdentity(dir: string, homeDir: string): {email: string | null; plan: string | null; planDetail: string | null; notes: string[]} {
	const notes: string[] = [];
	// Claude Code keeps the global config in <dir>/.claude.json, or ~/.claude.json for the default dir;
	// some installs use <dir>/.config.json.
	const isDefault = path.resolve(dir) === path.resolve(homeDir, '.claude');
	const identityFiles = [path.join(dir, '.config.json'), path.join(dir, '.claude.json'), ...(isDefault ? [path.join(homeDir, '.claude.json')] : [])];
	let email: string | null = null;
	for (const file of identityFiles) {
		const read = readJsonFile(file);
		if ('error' in read) {
			if (!read.missing) notes.push(read.error);
			continue;
		}
		const account = isRecord(read.value) ? read.value['oauthAccount'] : undefined;
		if (isRecord(account) && typeof account['emailAddress'] === 'string') {
			email = account['emailAddress'];
			break;
		}
	}
	let plan: string | null = null;
	let planDetail: string | null = null;
	const credentials = readJsonFile(path.join(dir, '.credentials.json'));
	if ('value' in credentials) {
		const oauth = isRecord(credentials.value) ? credentials.value['claudeAiOauth'] : undefined;
		if (isRecord(oauth)) {
			const subscription = typeof oauth['subscriptionType'] === 'string' ? oauth['subscriptionType'] : undefined;
			const tier = typeof oauth['rateLimitTier'] === 'string' ? oauth['rateLimitTier'] : undefined;
			const mapped = claudePlanMapping(subscription, tier);
			plan = mapped.plan;
			if (mapped.warning) notes.push(mapped.warning);
			planDetail = [subscription, tier].filter(Boolean).join(', ') || null;
		}
	} else if (!credentials.missing) {
		notes.push(credentials.error);
	}
	return {email, plan, planDetail, notes};
}

function codexIdentity(dir: string): {email: string | null; plan: string | null; planDetail: string | null; notes: string[]} {
	const read = readJsonFile(path.join(dir, 'auth.json'));
	if ('error' in read) return {email: null, plan: null, planDetail: null, notes: read.missing ? [] : [read.error]};
	const tokens = isRecord(read.value) ? read.value['tokens'] : undefined;
	const claims = isRecord(tokens) ? jwtClaims(tokens['id_token']) : undefined;
	const auth = claims && isRecord(claims['https://api.openai.com/auth']) ? claims['https://api.openai.com/auth'] : undefined;
	const profile = claims && isRecord(claims['https://api.openai.com/profile']) ? claims['https://api.openai.com/profile'] : undefined;
	const email = typeof claims?.['email'] === 'string' ? claims['email'] : typeof profile?.['email'] === 'string' ? profile['email'] : null;
	const planType = typeof auth?.['chatgpt_plan_type'] === 'string' ? auth['chatgpt_plan_type'] : undefined;
	const mapped = codexPlanMapping(planType);
	return {email, plan: mapped.plan, planDetail: planType ?? null, notes: mapped.warning ? [mapped.warning] : []};
}

/** A valid account name from free text (`Alice.Smith+x` → `alice.smith-x`), or undefined. */
export function nameFrom(text: string): string | undefined {
	const name = text.toLowerCase().replaceAll(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/[-.]+$/, '');
	return name && ACCOUNT_NAME.test(name) ? name : undefined;
}

/** Find the accounts on this machine. */
export function discoverAccounts(options: DiscoverOptions): Discovered[] {
	const env = options.env;
	const homeDir = options.homeDir ?? userHome(env);
	const candidates: Array<{provider: 'claude' | 'codex'; dir: string; foundBy: string}> = [];

	const claudeEnv = env['CLAUDE_CONFIG_DIR']?.trim();
	if (claudeEnv) candidates.push({provider: 'claude', dir: path.resolve(claudeEnv), foundBy: '$CLAUDE_CONFIG_DIR'});
	candidates.push({provider: 'claude', dir: path.join(homeDir, '.claude'), foundBy: '~/.claude'});
	let names: string[] = [];
	try {
		names = fs.readdirSync(homeDir).filter(n => n.startsWith('.claude-')).sort();
	} catch {
		// no home listing: only the fixed places
	}
	for (const name of names) candidates.push({provider: 'claude', dir: path.join(homeDir, name), foundBy: `~/${name}`});
	const codexEnv = env['CODEX_HOME']?.trim();
	if (codexEnv) candidates.push({provider: 'codex', dir: path.resolve(codexEnv), foundBy: '$CODEX_HOME'});
	candidates.push({provider: 'codex', dir: path.join(homeDir, '.codex'), foundBy: '~/.codex'});

	const configured = new Map<string, string>();
	for (const account of options.existing ?? []) {
		const dir = account.provider === 'claude' ? account.configDir : account.provider === 'codex' ? account.home : undefined;
		if (dir) configured.set(`${account.provider}:${real(dir)}`, account.name);
	}
	const taken = new Set((options.existing ?? []).map(a => a.name));
	const seen = new Set<string>();
	const found: Discovered[] = [];
	for (const candidate of candidates) {
		if (!isDir(candidate.dir)) continue;
		const key = `${candidate.provider}:${real(candidate.dir)}`;
		if (seen.has(key)) continue;
		seen.add(key);
		if (candidate.provider === 'claude' ? !looksLikeClaude(candidate.dir) : !looksLikeCodex(candidate.dir)) continue;
		const identity = candidate.provider === 'claude' ? claudeIdentity(candidate.dir, homeDir) : codexIdentity(candidate.dir);
		const configuredAs = configured.get(key) ?? null;
		const name = configuredAs ?? pickName(candidate.provider, candidate.dir, identity.email, taken);
		taken.add(name);
		found.push({name, provider: candidate.provider, dir: path.resolve(candidate.dir), foundBy: candidate.foundBy, email: identity.email, plan: identity.plan, planDetail: identity.planDetail, configuredAs, notes: identity.notes});
	}
	return found;
}

/** `claude-alice`; on a clash `claude-alice-example`; then the directory's suffix; then a number. */
function pickName(provider: 'claude' | 'codex', dir: string, email: string | null, taken: ReadonlySet<string>): string {
	const options: string[] = [];
	const suffix = path.basename(dir).replace(/^\.(claude|codex)-?/, '');
	if (email) {
		const [local, domain] = email.split('@');
		const localName = local ? nameFrom(local) : undefined;
		if (localName) {
			options.push(`${provider}-${localName}`);
			const label = domain ? nameFrom(domain.split('.')[0] ?? '') : undefined;
			if (label) options.push(`${provider}-${localName}-${label}`);
		}
	}
	const suffixName = suffix ? nameFrom(suffix) : undefined;
	options.push(suffixName ? `${provider}-${suffixName}` : provider);
	for (const option of options) if (!taken.has(option)) return option;
	const base = options.at(-1)!;
	for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
