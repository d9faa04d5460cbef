/**
 * Reset credits from the ChatGPT reset-credit endpoint, and redeeming a Codex credit through
 * `codex app-server` (payload shapes: reset-credit-parse.ts).
 */
import {randomUUID} from 'node:crypto';
import type {ProviderCredits} from '../engine/resets.js';
import {APP_SERVER_ARGS, DEFAULT_APP_SERVER_TIMEOUT_MS} from './codex-app-server.js';
import {DEFAULT_HTTP_TIMEOUT_MS, httpGet, parseJsonBody} from './http.js';
import {exchangeJsonLines} from './json-lines.js';
import {parseChatgptResetCredits} from './reset-credit-parse.js';
import {isoUtc, isRecord, redact, retryAfterMs} from './util.js';
import {whamPrecheck, whamUrl} from './wham-usage.js';

// ---------------------------------------------------------------------------------------------------
// The ChatGPT reset-credit endpoint (opt-in with usageEndpoint, same budget rules as wham/usage)

export function resetCreditsUrl(baseUrl: string | undefined): string {
	return whamUrl(baseUrl).replace(/\/wham\/usage$/, '/wham/rate-limit-reset-credits').replace(/\/api\/codex\/usage$/, '/api/codex/rate-limit-reset-credits');
}

export type CreditsOutcome =
	| {ok: true; credits: ProviderCredits; requested: true}
	| {ok: false; message: string; requested: boolean; rateLimited?: boolean | undefined; retryAfterMs?: number | undefined};

/** Read the reset credits of the ChatGPT login in `home` (token read-only, never logged). */
export async function fetchChatgptResetCredits(options: {home: string; now: number; baseUrl?: string | undefined; timeoutMs?: number | undefined; signal?: AbortSignal | undefined}): Promise<CreditsOutcome> {
	const checked = whamPrecheck(options.home, options.now);
	if ('failure' in checked) return {ok: false, message: checked.failure.message.replace('wham/usage', 'reset credits'), requested: false};
	const auth = checked.auth;
	const headers: Record<string, string> = {authorization: `Bearer ${auth.accessToken}`, accept: 'application/json', 'user-agent': 'quota-tui (usage monitor)'};
	if (auth.accountId) headers['chatgpt-account-id'] = auth.accountId;
	const response = await httpGet(resetCreditsUrl(options.baseUrl), headers, options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, options.signal);
	const clean = (message: string) => redact(message, [auth.accessToken]);
	if (!response.ok) return {ok: false, message: `reset credits: ${clean(response.message)}`, requested: true};
	if (response.status === 429) {
		const wait = retryAfterMs(response.headers['retry-after'], options.now);
		return {ok: false, message: `reset credits: rate-limited (429${wait === undefined ? ', no Retry-After' : `, Retry-After ${Math.round(wait / 1000)} s`})`, requested: true, rateLimited: true, retryAfterMs: wait};
	}
	if (response.status === 401 || response.status === 403) return {ok: false, message: `reset credits: the endpoint refused the token (${response.status}); run codex login with CODEX_HOME=${options.home}`, requested: true};
	if (response.status !== 200) return {ok: false, message: `reset credits: the endpoint answered ${response.status}`, requested: true};
	const credits = parseChatgptResetCredits(parseJsonBody(response.body), isoUtc(options.now));
	if (!credits) return {ok: false, message: 'reset credits: the endpoint answered 200 without available_count or credits', requested: true};
	return {ok: true, credits, requested: true};
}

// ---------------------------------------------------------------------------------------------------
// Redeeming a Codex credit through `codex app-server`

export const CONSUME_OUTCOMES = ['reset', 'nothingToReset', 'noCredit', 'alreadyRedeemed'] as const;
export type ConsumeOutcome = (typeof CONSUME_OUTCOMES)[number];

export type ConsumeResult =
	| {ok: true; outcome: ConsumeOutcome}
	| {ok: false; message: string; /** True when the request may have reached Codex (retry with the same key). */ uncertain: boolean};

export const newIdempotencyKey = () => randomUUID();

/** Redeem one credit (`creditId`, or the next available when null) of the Codex login in `home`. */
export function consumeResetCredit(options: {executable: string; home: string; env: NodeJS.ProcessEnv; creditId: string | null; idempotencyKey: string; timeoutMs?: number | undefined; clientVersion?: string | undefined}): Promise<ConsumeResult> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_APP_SERVER_TIMEOUT_MS;
	let sent = false;
	return exchangeJsonLines<ConsumeResult>({
		executable: options.executable,
		args: APP_SERVER_ARGS,
		env: {...options.env, CODEX_HOME: options.home},
		timeoutMs,
		start: session => session.send({method: 'initialize', id: 1, params: {clientInfo: {name: 'quota-tui', title: 'quota-tui', version: options.clientVersion ?? '0.1.0'}}}),
		onLine(line, session) {
			let message: unknown;
			try {
				message = JSON.parse(line);
			} catch {
				return;
			}
			if (!isRecord(message) || !('id' in message)) return;
			const error = isRecord(message['error']) ? message['error'] : undefined;
			if (message['id'] === 1) {
				if (error) return session.finish({ok: false, uncertain: false, message: `codex app-server refused initialize: ${String(error['message'] ?? 'error').slice(0, 200)}`});
				session.send({method: 'initialized'});
				session.send({method: 'account/rateLimitResetCredit/consume', id: 2, params: {idempotencyKey: options.idempotencyKey, ...(options.creditId ? {creditId: options.creditId} : {})}});
				sent = true;
			} else if (message['id'] === 2) {
				if (error) return session.finish({ok: false, uncertain: false, message: `codex app-server could not redeem the reset credit: ${String(error['message'] ?? 'error').slice(0, 200)}`});
				const outcome = isRecord(message['result']) ? message['result']['outcome'] : undefined;
				if (typeof outcome === 'string' && (CONSUME_OUTCOMES as readonly string[]).includes(outcome)) return session.finish({ok: true, outcome: outcome as ConsumeOutcome});
				session.finish({ok: false, uncertain: true, message: `codex app-server answered an unknown redemption outcome ${JSON.stringify(outcome ?? null).slice(0, 80)}`});
			}
		},
		onTimeout: () => ({ok: false, uncertain: sent, message: `codex app-server did not answer the redemption within ${Math.round(timeoutMs / 1000)} s`}),
		onSpawnError: error => ({ok: false, uncertain: false, message: `cannot run ${options.executable} (${error.code ?? error.message})`}),
		onClose: ({code, signal, stderrTail}) => ({ok: false, uncertain: sent, message: `codex app-server exited (${signal ?? `code ${code}`}) without answering the redemption${stderrTail ? `: ${stderrTail}` : ''}`}),
	});
}
