/**
 * `codex app-server` (provider-formats §4.5): JSON-RPC 2.0 without the `"jsonrpc"` member, one JSON
 * object per line over stdio. Codex handles (and refreshes) its own token.
 *
 *   → {"method":"initialize","id":1,"params":{"clientInfo":{"name":"quota-tui",…}}}
 *   ← {"id":1,"result":{"userAgent":"…"}}
 *   → {"method":"initialized"}
 *   → {"method":"account/rateLimits/read","id":2}
 *   ← {"id":2,"result":{"rateLimits":{…},"rateLimitsByLimitId":{…}}}
 */
import {oneLine} from '../engine/sanitize.js';
import {appServerFamily, codexWindows, isMainFamily, type CodexFamily} from './codex-limits.js';
import {exchangeJsonLines} from './json-lines.js';
import {parseAppServerResetCredits} from './reset-credit-parse.js';
import type {Failure, Outcome} from './types.js';
import {isoUtc, isRecord} from './util.js';

export const APP_SERVER_ARGS = ['-s', 'read-only', '-a', 'never', 'app-server'] as const;
export const DEFAULT_APP_SERVER_TIMEOUT_MS = 15_000;

export type AppServerOptions = {
	executable: string;
	home: string;
	env: NodeJS.ProcessEnv;
	now: number;
	timeoutMs?: number | undefined;
	clientVersion?: string | undefined;
	signal?: AbortSignal | undefined;
};

const failure = (message: string, fields: Partial<Failure> = {}): Failure => ({ok: false, origin: 'codex-app-server', message, requested: true, ...fields});

/** Windows from an `account/rateLimits/read` result. */
export function parseRateLimitsResult(result: unknown, now: number): {windows: ReturnType<typeof codexWindows>; plan?: string | undefined} | undefined {
	if (!isRecord(result)) return undefined;
	// Neither key, or a wrong type: not a rate-limits answer (audit D4); undefined is a failure.
	if (!('rateLimits' in result) && !('rateLimitsByLimitId' in result)) return undefined;
	if (result['rateLimits'] !== null && result['rateLimits'] !== undefined && !isRecord(result['rateLimits'])) return undefined;
	const families: CodexFamily[] = [];
	const main = appServerFamily(result['rateLimits']);
	if (main) families.push(main);
	const byId = result['rateLimitsByLimitId'];
	if (isRecord(byId)) {
		for (const [id, snapshot] of Object.entries(byId)) {
			const family = appServerFamily(snapshot);
			if (!family) continue;
			family.limitId ??= id;
			if (isMainFamily(family.limitId) && main) continue;
			families.push(family);
		}
	}
	const observedAt = isoUtc(now);
	return {windows: codexWindows(families, 'codex-app-server', observedAt, now), plan: families.find(f => f.planType)?.planType};
}

/** Ask `codex app-server` for the rate limits of the account in `home`. */
export function fetchViaAppServer(options: AppServerOptions): Promise<Outcome> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_APP_SERVER_TIMEOUT_MS;
	return exchangeJsonLines<Outcome>({
		executable: options.executable,
		args: APP_SERVER_ARGS,
		env: {...options.env, CODEX_HOME: options.home},
		signal: options.signal,
		timeoutMs,
		start: session => session.send({method: 'initialize', id: 1, params: {clientInfo: {name: 'quota-tui', title: 'quota-tui', version: options.clientVersion ?? '0.1.0'}}}),
		onLine(line, session) {
			let message: unknown;
			try {
				message = JSON.parse(line);
			} catch {
				return;
			}
			if (!isRecord(message) || !('id' in message)) return; // notifications
			const error = isRecord(message['error']) ? message['error'] : undefined;
			if (message['id'] === 1) {
				if (error) return session.finish(failure(`codex app-server refused initialize: ${String(error['message'] ?? 'error')}`));
				session.send({method: 'initialized'});
				session.send({method: 'account/rateLimits/read', id: 2});
			} else if (message['id'] === 2) {
				if (error) {
					const said = oneLine(String(error['message'] ?? 'error')).slice(0, 200);
					const auth = /auth|login|token|401|unauthori/i.test(said);
					return session.finish(failure(`codex app-server could not read rate limits: ${said}${auth ? ' (run codex login)' : ''}`, auth ? {status: 'invalid_key'} : {}));
				}
				const parsed = parseRateLimitsResult(message['result'], options.now);
				if (!parsed || parsed.windows.length === 0) return session.finish(failure('codex app-server answered without rate limits'));
				session.finish({ok: true, origin: 'codex-app-server', observedAt: isoUtc(options.now), windows: parsed.windows, partial: false, plan: parsed.plan, requested: true, resetCredits: parseAppServerResetCredits(message['result'], isoUtc(options.now))});
			}
		},
		onTimeout: () => failure(`codex app-server did not answer account/rateLimits/read within ${Math.round(timeoutMs / 1000)} s`, {status: 'unreachable'}),
		onSpawnError: error => failure(`cannot run ${options.executable} (${error.code ?? error.message})`, {requested: false}),
		onClose: ({code, signal, stderrTail}) => failure(`codex app-server exited (${signal ?? `code ${code}`}) without answering${stderrTail ? `: ${stderrTail}` : ''}`),
	});
}
