/**
 * `quota-tui hook claude`: a Claude Code hook (UserPromptSubmit, PreToolUse) that stops the agent when
 * the account it runs under is over its quota ceiling (issue 12, DESIGN §13).
 *
 * Claude Code runs it before every prompt or tool call, so it is a light entry like the status-line
 * hook (source/cli.ts dispatches here before loading the CLI): node built-ins, node:sqlite, the store
 * and the pure engine; no Ink/React, no zod, no conf. It decides with the engine's gate on the stored
 * data of the account whose configDir is this CLAUDE_CONFIG_DIR, holding the weekly windows to
 * `policy.hookStopPercent` (default `policy.maxQuotaPercent`).
 *
 * It fails open: stale, unknown or missing data, a config or database it cannot read, a lock, any
 * error — it prints nothing and exits 0, and Claude Code continues. Only a gate that says "pause" on
 * fresh data stops the agent, with Claude Code's own stop response (verified against the
 * @anthropic-ai/claude-code 2.1.332 bundle's hook output schema):
 *   {"continue": false, "stopReason": "…"}  (+ for PreToolUse: hookSpecificOutput.permissionDecision "deny")
 */
import fs from 'node:fs';
import {DEFAULT_POLICY, type Policy} from '../engine/types.js';
import {isRecord} from '../providers/util.js';
import {openDatabase} from '../store/db.js';
import {hookStop} from '../runtime/hook-gate.js';
import {accountFor, clockNow, readStdin, where, type CaptureIo} from './statusline-capture.js';

/** Never wait long on a database another process holds: the agent is waiting. */
const BUSY_TIMEOUT_MS = 150;

/** The policy from config.json read raw (no zod on this path); a wrong type falls back to the default. */
function rawPolicy(configFile: string): {policy: Policy; stopPercent: number} {
	const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as unknown;
	const given = isRecord(raw) && isRecord(raw['policy']) ? raw['policy'] : {};
	const number = (key: string, fallback: number, max: number) => {
		const value = given[key];
		return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max ? value : fallback;
	};
	const policy: Policy = {
		...DEFAULT_POLICY,
		warnThreshold: number('warnThreshold', DEFAULT_POLICY.warnThreshold, 1),
		switchThreshold: number('switchThreshold', DEFAULT_POLICY.switchThreshold, 1),
		maxQuotaPercent: number('maxQuotaPercent', DEFAULT_POLICY.maxQuotaPercent, 100),
		imminentMinutes: number('imminentMinutes', DEFAULT_POLICY.imminentMinutes, 10_000),
	};
	// null (the default) means maxQuotaPercent.
	return {policy, stopPercent: number('hookStopPercent', policy.maxQuotaPercent, 100)};
}

/** The decision, or undefined to let Claude Code continue. Throws on anything unexpected (the caller fails open). */
export function decide(input: string, env: NodeJS.ProcessEnv, now: number): Record<string, unknown> | undefined {
	const payload = input.trim() === '' ? {} : JSON.parse(input) as unknown;
	const event = isRecord(payload) && typeof payload['hook_event_name'] === 'string' ? payload['hook_event_name'] : undefined;
	const paths = where(env);
	if (!fs.existsSync(paths.configFile) || !fs.existsSync(paths.dbFile)) return undefined;
	const match = accountFor(paths.configFile, env);
	if (!match) return undefined;
	const {policy, stopPercent} = rawPolicy(paths.configFile);
	const db = openDatabase(paths.dbFile, {busyTimeoutMs: BUSY_TIMEOUT_MS});
	try {
		return hookStop(db, {name: match.name, model: match.model}, policy, stopPercent, event, env, now);
	} finally {
		db.close();
	}
}

/** The hook. Always resolves to 0. */
export async function runClaudeHook(io: CaptureIo): Promise<number> {
	try {
		const now = clockNow(io.env);
		const response = decide(await readStdin(io.stdin), io.env, now);
		if (response) io.stdout.write(`${JSON.stringify(response)}\n`);
	} catch {
		// Fail open: Claude Code continues.
	}
	return 0;
}
