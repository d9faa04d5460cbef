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
import {spawn} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {parseClaudeUsage} from './claude-usage.js';
import type {Failure, Outcome} from './types.js';
import {isoUtc, isRecord} from './util.js';

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
	const home = homeDir ?? env['HOME'] ?? os.homedir();
	const child: NodeJS.ProcessEnv = {...env};
	if (path.resolve(configDir) === path.resolve(home, '.claude')) delete child['CLAUDE_CONFIG_DIR'];
	else child['CLAUDE_CONFIG_DIR'] = configDir;
	return child;
}

/** Ask the installed `claude` for the usage of the account in `configDir`. */
export function fetchViaClaudeCli(options: ClaudeCliOptions): Promise<Outcome> {
	const requestId = `quota-tui-usage-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
	const timeoutMs = options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS;
	return new Promise(resolve => {
		let settled = false;
		let stdout = '';
		let stderr = '';
		const child = spawn(options.executable, [...CLAUDE_USAGE_ARGS], {
			env: claudeEnv(options.configDir, options.env, options.homeDir),
			stdio: ['pipe', 'pipe', 'pipe'],
			cwd: os.tmpdir(),
			...(options.signal ? {signal: options.signal} : {}),
		});
		const finish = (outcome: Outcome) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			child.stdin.end();
			// Give it a moment to exit on its own after stdin closes, then stop it.
			const stop = setTimeout(() => child.kill('SIGTERM'), 500);
			stop.unref();
			child.once('exit', () => clearTimeout(stop));
			resolve(outcome);
		};
		const timer = setTimeout(() => {
			finish(failure(`claude did not answer the get_usage request within ${Math.round(timeoutMs / 1000)} s`, {status: 'unreachable'}));
			child.kill('SIGKILL');
		}, timeoutMs);

		child.on('error', error => {
			const code = (error as NodeJS.ErrnoException).code;
			finish(failure(`cannot run ${options.executable} (${code ?? error.message})`, {requested: false}));
		});
		child.stdin.on('error', () => undefined); // EPIPE when the CLI exits early: reported by 'exit'
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-2000);
		});
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => {
			stdout += chunk;
			let newline: number;
			while ((newline = stdout.indexOf('\n')) >= 0) {
				const line = stdout.slice(0, newline).trim();
				stdout = stdout.slice(newline + 1);
				const outcome = line ? answer(line, requestId, options.now) : undefined;
				if (outcome) finish(outcome);
			}
		});
		child.on('close', (code, signal) => {
			const tail = stdout.trim() ? answer(stdout.trim(), requestId, options.now) : undefined;
			if (tail) return finish(tail);
			const said = stderr.trim().split('\n').at(-1)?.slice(0, 200);
			finish(failure(`claude exited (${signal ?? `code ${code}`}) without answering get_usage${said ? `: ${said}` : ''}`));
		});

		child.stdin.write(`${JSON.stringify({type: 'control_request', request_id: requestId, request: {subtype: 'get_usage', skip_behaviors: true}})}\n`);
	});
}

/** The outcome when `line` is the control response to `requestId`; undefined for any other line. */
export function answer(line: string, requestId: string, now: number): Outcome | undefined {
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
	if (body['rate_limits_available'] === false) {
		return failure('claude reports no subscription rate limits for this login (API key, Bedrock or Vertex authentication)');
	}
	const observedAt = isoUtc(now);
	const parsed = parseClaudeUsage(body['rate_limits'], 'claude-cli', observedAt);
	if (parsed.windows.length === 0 && !parsed.extraUsage) return failure('claude answered get_usage without rate limits');
	return {ok: true, origin: 'claude-cli', observedAt, windows: parsed.windows, extraUsage: parsed.extraUsage, partial: false, plan, requested: true};
}
