/**
 * The Claude CLI's `get_usage` control request (provider-formats §1.9): Claude Code answers with the
 * same usage payload as the OAuth endpoint, handling (and refreshing) its own token. No model call.
 *
 *   claude -p --input-format stream-json --output-format stream-json --verbose \
 *          --no-session-persistence --setting-sources ""
 *   stdin:  {"type":"control_request","request_id":"…","request":{"subtype":"get_usage","skip_behaviors":true}}
 *   stdout: {"type":"control_response","response":{"subtype":"success","request_id":"…","response":{…,"rate_limits":{…}}}}
 *
 * The account's config dir is passed as CLAUDE_CONFIG_DIR, except for the default `~/.claude`: Claude
 * Code keys its macOS Keychain item on that variable, so setting it even to the default dir would look
 * for a different login.
 */
import path from 'node:path';
import {parseClaudeUsage} from './claude-usage.js';
import {exchangeJsonLines} from './json-lines.js';
import {readClaudeCredentials} from './oauth-usage.js';
import type {Failure, Outcome} from './types.js';
import {isoUtc, isRecord, userHome} from './util.js';

export const CLAUDE_USAGE_ARGS = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--no-session-persistence', '--setting-sources', ''] as const;
export const DEFAULT_CLI_TIMEOUT_MS = 20_000;

export type ClaudeCliOptions = {
	executable: string;
	configDir: string;
	env: NodeJS.ProcessEnv;
	now: number;
	timeoutMs?: number | undefined;
	/** The user's home (default dir detection); defaults to HOME or os.homedir(). */
	homeDir?: string | undefined;
	/** Stops the child (the dashboard quitting). */
	signal?: AbortSignal | undefined;
};

const failure = (message: string, fields: Partial<Failure> = {}): Failure => ({ok: false, origin: 'claude-cli', message, requested: true, ...fields});

/** The environment the CLI runs with for `configDir`. */
export function claudeEnv(configDir: string, env: NodeJS.ProcessEnv, homeDir?: string): NodeJS.ProcessEnv {
	const home = homeDir ?? userHome(env);
	const child: NodeJS.ProcessEnv = {...env};
	if (path.resolve(configDir) === path.resolve(home, '.claude')) delete child['CLAUDE_CONFIG_DIR'];
	else child['CLAUDE_CONFIG_DIR'] = configDir;
	return child;
}

/** Ask the installed `claude` for the usage of the account in `configDir`. */
export function fetchViaClaudeCli(options: ClaudeCliOptions): Promise<Outcome> {
	const requestId = `quota-tui-usage-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
	const timeoutMs = options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS;
	return exchangeJsonLines<Outcome>({
		executable: options.executable,
		args: CLAUDE_USAGE_ARGS,
		env: claudeEnv(options.configDir, options.env, options.homeDir),
		signal: options.signal,
		timeoutMs,
		start: session => session.send({type: 'control_request', request_id: requestId, request: {subtype: 'get_usage', skip_behaviors: true}}),
		onLine(line, session) {
			const outcome = answer(line, requestId, options.now, options.configDir);
			if (outcome) session.finish(outcome);
		},
		onTimeout: () => failure(`claude did not answer the get_usage request within ${Math.round(timeoutMs / 1000)} s`, {status: 'unreachable'}),
		onSpawnError: error => failure(`cannot run ${options.executable} (${error.code ?? error.message})`, {requested: false}),
		onClose: ({code, signal, stderrTail, rest}) =>
			(rest ? answer(rest, requestId, options.now, options.configDir) : undefined)
			?? failure(`claude exited (${signal ?? `code ${code}`}) without answering get_usage${stderrTail ? `: ${stderrTail}` : ''}`),
	});
}

/** How long a login without rate limits is left alone: it will not change by itself soon (audit D8). */
export const NO_RATE_LIMITS_HOLD_MS = 6 * 60 * 60_000;

/**
 * `rate_limits_available: false` (2.1.332: "API key, Bedrock, Vertex, or missing profile scope"), told
 * apart by the subscription type and the login's scopes (audit D8): not logged in, a setup-token
 * without user:profile (policy_rejected, as the OAuth path says), or an API key / cloud login.
 */
function noRateLimits(configDir: string | undefined, plan: string | undefined): Failure {
	const hold = {holdMs: NO_RATE_LIMITS_HOLD_MS};
	const login = configDir ? readClaudeCredentials(configDir) : undefined;
	const where = configDir ? ` in ${configDir}` : '';
	if (login && !('error' in login) && login.scopes && !login.scopes.includes('user:profile')) {
		return failure(`the Claude login${where} is a setup-token without the user:profile scope: its usage cannot be read (log in with claude /login for usage data)`, {status: 'policy_rejected', ...hold});
	}
	if (login && 'error' in login && plan === undefined) {
		return failure(`claude reports no login${where} (run claude with this CLAUDE_CONFIG_DIR and /login)`, {status: 'invalid_key', ...hold});
	}
	return failure('claude reports no subscription rate limits for this login (API key, Bedrock or Vertex authentication)', hold);
}

/** The outcome when `line` is the control response to `requestId`; undefined for any other line. */
export function answer(line: string, requestId: string, now: number, configDir?: string): Outcome | undefined {
	let message: unknown;
	try {
		message = JSON.parse(line);
	} catch {
		return undefined;
	}
	if (!isRecord(message) || message['type'] !== 'control_response' || !isRecord(message['response'])) return undefined;
	const response = message['response'];
	if (response['request_id'] !== requestId) return undefined;
	if (response['subtype'] !== 'success') {
		const error = typeof response['error'] === 'string' ? response['error'] : 'unknown error';
		return failure(`claude refused get_usage: ${error.slice(0, 200)} (this Claude Code may be too old for it)`);
	}
	const body = isRecord(response['response']) ? response['response'] : {};
	const plan = typeof body['subscription_type'] === 'string' ? body['subscription_type'] : undefined;
	if (body['rate_limits_available'] === false) return noRateLimits(configDir, plan);
	const observedAt = isoUtc(now);
	const parsed = parseClaudeUsage(body['rate_limits'], 'claude-cli', observedAt);
	if (parsed.unrecognised) return failure(`claude get_usage: ${parsed.unrecognised}`);
	if (parsed.windows.length === 0 && !parsed.extraUsage) return failure('claude answered get_usage without rate limits');
	return {ok: true, origin: 'claude-cli', observedAt, windows: parsed.windows, extraUsage: parsed.extraUsage, partial: false, plan, requested: true, resetCredits: parsed.resetCredits};
}
