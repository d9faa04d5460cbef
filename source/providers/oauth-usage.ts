/**
 * The Anthropic OAuth usage endpoint (provider-formats §1), opt-in per account (`usageEndpoint: true`).
 *
 * The access token is read from `<configDir>/.credentials.json`, read-only: never refreshed (refresh
 * tokens rotate; refreshing would log the user's Claude Code out), never written, never logged, never
 * stored. An expired token gives `token_expired` without a request; a token without the `user:profile`
 * scope gives `policy_rejected` without one.
 */
import path from 'node:path';
import {oneLine} from '../engine/sanitize.js';
import {parseClaudeUsage} from './claude-usage.js';
import {DEFAULT_HTTP_TIMEOUT_MS, httpGet, parseJsonBody} from './http.js';
import type {Failure, Outcome} from './types.js';
import {isoUtc, isRecord, readJsonFile, redact, retryAfterMs} from './util.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const USAGE_PATH = '/api/oauth/usage';
export const OAUTH_BETA = 'oauth-2025-04-20';

export type ClaudeCredentials = {
	accessToken: string;
	/** Epoch ms; undefined when the file does not say (treated as expired). */
	expiresAt: number | undefined;
	scopes: string[] | undefined;
	subscriptionType: string | undefined;
	rateLimitTier: string | undefined;
};

export const credentialsFile = (configDir: string) => path.join(configDir, '.credentials.json');

/** The Claude.ai login of a config dir, or a sentence saying why there is none. */
export function readClaudeCredentials(configDir: string): ClaudeCredentials | {error: string} {
	const file = credentialsFile(configDir);
	const read = readJsonFile(file);
	if ('error' in read) {
		return {error: read.missing ? `${file} does not exist (log in with Claude Code under this CLAUDE_CONFIG_DIR; on macOS the token is in the Keychain, which quota-tui does not read)` : read.error};
	}
	const oauth = isRecord(read.value) ? read.value['claudeAiOauth'] : undefined;
	if (!isRecord(oauth) || typeof oauth['accessToken'] !== 'string' || oauth['accessToken'] === '') {
		return {error: `${file}: no claudeAiOauth.accessToken (no Claude.ai login in this config dir)`};
	}
	const expiresAt = typeof oauth['expiresAt'] === 'number' && Number.isFinite(oauth['expiresAt']) ? oauth['expiresAt'] : undefined;
	const scopes = Array.isArray(oauth['scopes']) ? oauth['scopes'].filter((s): s is string => typeof s === 'string') : undefined;
	return {
		accessToken: oauth['accessToken'],
		expiresAt,
		scopes,
		subscriptionType: typeof oauth['subscriptionType'] === 'string' ? oauth['subscriptionType'] : undefined,
		rateLimitTier: typeof oauth['rateLimitTier'] === 'string' ? oauth['rateLimitTier'] : undefined,
	};
}

export type OAuthUsageOptions = {
	configDir: string;
	now: number;
	/** QUOTA_TUI_ANTHROPIC_BASE_URL, else https://api.anthropic.com. */
	baseUrl?: string | undefined;
	timeoutMs?: number | undefined;
	userAgent?: string | undefined;
	signal?: AbortSignal | undefined;
};

const failure = (message: string, fields: Partial<Failure> = {}): Failure => ({ok: false, origin: 'oauth-usage', message, requested: false, ...fields});

function serverMessage(body: string): string | undefined {
	const parsed = parseJsonBody(body);
	if (!isRecord(parsed)) return undefined;
	const error = parsed['error'];
	// The server's words reach a terminal: no escape sequences (D14).
	if (isRecord(error) && typeof error['message'] === 'string') return oneLine(error['message']);
	return typeof parsed['message'] === 'string' ? oneLine(parsed['message']) : undefined;
}

/**
 * The problems found without a request (no login, expired token, no user:profile scope), or the
 * credentials to use.
 */
export function oauthPrecheck(configDir: string, now: number): {failure: Failure} | {credentials: ClaudeCredentials} {
	const credentials = readClaudeCredentials(configDir);
	if ('error' in credentials) return {failure: failure(`usage endpoint: ${credentials.error}`)};
	if (credentials.expiresAt === undefined || credentials.expiresAt <= now) {
		const when = credentials.expiresAt === undefined ? 'has no expiresAt' : `expired at ${isoUtc(credentials.expiresAt)}`;
		return {failure: failure(`the Claude token in ${credentialsFile(configDir)} ${when}; open Claude Code with this CLAUDE_CONFIG_DIR to refresh it (quota-tui never refreshes tokens)`, {status: 'token_expired'})};
	}
	if (credentials.scopes && !credentials.scopes.includes('user:profile')) {
		return {failure: failure('the Claude token lacks the user:profile scope (a setup-token login cannot read usage); log in with "claude /login" or turn the usage endpoint off for this account', {status: 'policy_rejected'})};
	}
	return {credentials};
}

/** Read the usage of the account logged in under `configDir`. */
export async function fetchOAuthUsage(options: OAuthUsageOptions): Promise<Outcome> {
	const checked = oauthPrecheck(options.configDir, options.now);
	if ('failure' in checked) return checked.failure;
	const credentials = checked.credentials;
	const token = credentials.accessToken;
	const clean = (text: string) => redact(text, [token]);

	const base = (options.baseUrl?.trim() || ANTHROPIC_BASE_URL).replace(/\/+$/, '');
	const response = await httpGet(`${base}${USAGE_PATH}`, {
		authorization: `Bearer ${token}`,
		'anthropic-beta': OAUTH_BETA,
		accept: 'application/json',
		'user-agent': options.userAgent ?? 'quota-tui (usage monitor)',
	}, options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, options.signal);
	if (!response.ok) return failure(`usage endpoint: ${clean(response.message)}`, {status: 'unreachable', requested: true});

	const said = serverMessage(response.body);
	const detail = said ? `: ${clean(said)}` : '';
	switch (true) {
		case response.status === 200: {
			const payload = parseJsonBody(response.body);
			if (!isRecord(payload)) return failure('usage endpoint answered 200 with a body that is not a JSON object', {requested: true});
			const observedAt = isoUtc(options.now);
			const parsed = parseClaudeUsage(payload, 'oauth-usage', observedAt);
			if (parsed.unrecognised) return failure(`usage endpoint: ${parsed.unrecognised}`, {requested: true});
			return {ok: true, origin: 'oauth-usage', observedAt, windows: parsed.windows, extraUsage: parsed.extraUsage, partial: false, plan: credentials.subscriptionType, requested: true, resetCredits: parsed.resetCredits};
		}
		case response.status === 401:
			return failure(`usage endpoint refused the token (401${detail}); run claude with this CLAUDE_CONFIG_DIR to sign in again`, {status: 'invalid_key', requested: true});
		case response.status === 403:
			return /scope|user:profile/i.test(said ?? '')
				? failure(`the Claude token lacks the user:profile scope (403${detail}); a setup-token login cannot read usage`, {status: 'policy_rejected', requested: true})
				: failure(`usage endpoint refused this credential (403${detail})`, {status: 'policy_rejected', requested: true});
		case response.status === 429: {
			const wait = retryAfterMs(response.headers['retry-after'], options.now);
			return failure(`usage endpoint rate-limited (429${wait === undefined ? ', no Retry-After' : `, Retry-After ${Math.round(wait / 1000)} s`})`, {rateLimited: true, retryAfterMs: wait, requested: true});
		}
		case response.status >= 500:
			return failure(`usage endpoint server error ${response.status}`, {status: 'unreachable', requested: true});
		default:
			return failure(`usage endpoint answered ${response.status}${detail}`, {requested: true});
	}
}
