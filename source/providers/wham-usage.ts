/**
 * ChatGPT's `wham/usage` endpoint (provider-formats §4.4), opt-in per account (`usageEndpoint: true`).
 * The access token and account id are read from `<CODEX_HOME>/auth.json`, read-only: never refreshed,
 * written, logged or stored. An access token whose JWT `exp` has passed gives `token_expired` without a
 * request (Codex refreshes it on its next run).
 */
import path from 'node:path';
import {codexWindows, whamFamily, type CodexFamily} from './codex-limits.js';
import {DEFAULT_HTTP_TIMEOUT_MS, httpGet, parseJsonBody} from './http.js';
import type {Failure, Outcome} from './types.js';
import {isoUtc, isRecord, jwtClaims, readJsonFile, redact, retryAfterMs} from './util.js';

export const CHATGPT_BASE_URL = 'https://chatgpt.com/backend-api';

export type CodexAuth = {
	accessToken: string;
	accountId: string | undefined;
	/** Epoch ms from the access token's `exp`, when it is a JWT. */
	expiresAt: number | undefined;
	/** Claims of the id_token (plan, email), when present. */
	idClaims: Record<string, unknown> | undefined;
};

export const authFile = (home: string) => path.join(home, 'auth.json');

/** The ChatGPT login of a Codex home, or a sentence saying why there is none. */
export function readCodexAuth(home: string): CodexAuth | {error: string} {
	const file = authFile(home);
	const read = readJsonFile(file);
	if ('error' in read) return {error: read.missing ? `${file} does not exist (codex login stores it; with the keyring credential store there is no file)` : read.error};
	const tokens = isRecord(read.value) ? read.value['tokens'] : undefined;
	if (!isRecord(tokens) || typeof tokens['access_token'] !== 'string' || tokens['access_token'] === '') {
		return {error: `${file}: no tokens.access_token (not a ChatGPT login)`};
	}
	const exp = jwtClaims(tokens['access_token'])?.['exp'];
	return {
		accessToken: tokens['access_token'],
		accountId: typeof tokens['account_id'] === 'string' ? tokens['account_id'] : undefined,
		expiresAt: typeof exp === 'number' ? exp * 1000 : undefined,
		idClaims: jwtClaims(tokens['id_token']),
	};
}

/** The usage URL for a base (Codex's path styles: `/backend-api/wham/usage` or `/api/codex/usage`). */
export function whamUrl(baseUrl: string | undefined): string {
	let base = (baseUrl?.trim() || CHATGPT_BASE_URL).replace(/\/+$/, '');
	if (/^https:\/\/(chatgpt\.com|chat\.openai\.com)$/.test(base)) base += '/backend-api';
	return base.includes('/backend-api') ? `${base}/wham/usage` : `${base}/api/codex/usage`;
}

export type WhamOptions = {
	home: string;
	now: number;
	/** QUOTA_TUI_CHATGPT_BASE_URL, else https://chatgpt.com/backend-api. */
	baseUrl?: string | undefined;
	timeoutMs?: number | undefined;
	signal?: AbortSignal | undefined;
};

const failure = (message: string, fields: Partial<Failure> = {}): Failure => ({ok: false, origin: 'wham-usage', message, requested: false, ...fields});

/**
 * Why a 200 body is not a wham/usage answer (audit D4): neither `rate_limit` nor
 * `additional_rate_limits` present, or present with the wrong type. An explicit null is data.
 */
export function unrecognisedWham(body: Record<string, unknown>): string | undefined {
	if (!('rate_limit' in body) && !('additional_rate_limits' in body)) return 'unrecognised usage payload (no rate_limit)';
	const main = body['rate_limit'];
	if (main !== null && main !== undefined && !isRecord(main)) return 'unrecognised usage payload (rate_limit is not an object)';
	if (isRecord(main)) {
		for (const slot of ['primary_window', 'secondary_window']) {
			const value = main[slot];
			if (value !== null && value !== undefined && !isRecord(value)) return `unrecognised usage payload (rate_limit.${slot} is not an object)`;
			if (isRecord(value) && value['used_percent'] !== undefined && value['used_percent'] !== null && typeof value['used_percent'] !== 'number') {
				return `unrecognised usage payload (rate_limit.${slot}.used_percent is not a number)`;
			}
		}
	}
	const extra = body['additional_rate_limits'];
	if (extra !== null && extra !== undefined && !Array.isArray(extra)) return 'unrecognised usage payload (additional_rate_limits is not a list)';
	return undefined;
}

/** Windows from a wham/usage body. */
export function parseWham(body: Record<string, unknown>, now: number): {windows: ReturnType<typeof codexWindows>; plan: string | undefined} {
	const families: CodexFamily[] = [];
	const main = whamFamily(body['rate_limit'], 'codex', null, now);
	if (main) families.push(main);
	const additional = body['additional_rate_limits'];
	if (Array.isArray(additional)) {
		for (const entry of additional) {
			if (!isRecord(entry)) continue;
			const id = typeof entry['metered_feature'] === 'string' ? entry['metered_feature'] : typeof entry['limit_name'] === 'string' ? entry['limit_name'] : 'limit';
			const family = whamFamily(entry['rate_limit'], id, typeof entry['limit_name'] === 'string' ? entry['limit_name'] : null, now);
			if (family) families.push(family);
		}
	}
	return {windows: codexWindows(families, 'wham-usage', isoUtc(now), now), plan: typeof body['plan_type'] === 'string' ? body['plan_type'] : undefined};
}

/** The problems found without a request (no login, expired access token), or the login to use. */
export function whamPrecheck(home: string, now: number): {failure: Failure} | {auth: CodexAuth} {
	const auth = readCodexAuth(home);
	if ('error' in auth) return {failure: failure(`wham/usage: ${auth.error}`)};
	if (auth.expiresAt !== undefined && auth.expiresAt <= now) {
		return {failure: failure(`the ChatGPT access token in ${authFile(home)} expired at ${isoUtc(auth.expiresAt)}; run codex with CODEX_HOME=${home} to refresh it (quota-tui never refreshes tokens)`, {status: 'token_expired'})};
	}
	return {auth};
}

/** Read the ChatGPT plan usage of the login in `home`. */
export async function fetchWhamUsage(options: WhamOptions): Promise<Outcome> {
	const checked = whamPrecheck(options.home, options.now);
	if ('failure' in checked) return checked.failure;
	const auth = checked.auth;
	const clean = (text: string) => redact(text, [auth.accessToken]);
	const headers: Record<string, string> = {authorization: `Bearer ${auth.accessToken}`, accept: 'application/json', 'user-agent': 'quota-tui (usage monitor)'};
	if (auth.accountId) headers['chatgpt-account-id'] = auth.accountId;
	const response = await httpGet(whamUrl(options.baseUrl), headers, options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, options.signal);
	if (!response.ok) return failure(`wham/usage: ${clean(response.message)}`, {status: 'unreachable', requested: true});
	if (response.status === 200) {
		const body = parseJsonBody(response.body);
		if (!isRecord(body)) return failure('wham/usage answered 200 with a body that is not a JSON object', {requested: true});
		const bad = unrecognisedWham(body);
		if (bad) return failure(`wham/usage: ${bad}`, {requested: true});
		const parsed = parseWham(body, options.now);
		return {ok: true, origin: 'wham-usage', observedAt: isoUtc(options.now), windows: parsed.windows, partial: false, plan: parsed.plan, requested: true};
	}
	if (response.status === 401 || response.status === 403) {
		return failure(`wham/usage refused the token (${response.status}); run codex login with CODEX_HOME=${options.home}`, {status: 'invalid_key', requested: true});
	}
	if (response.status === 429) {
		const wait = retryAfterMs(response.headers['retry-after'], options.now);
		return failure(`wham/usage rate-limited (429${wait === undefined ? ', no Retry-After' : `, Retry-After ${Math.round(wait / 1000)} s`})`, {rateLimited: true, retryAfterMs: wait, requested: true});
	}
	if (response.status >= 500) return failure(`wham/usage server error ${response.status}`, {status: 'unreachable', requested: true});
	return failure(`wham/usage answered ${response.status}`, {requested: true});
}
