/**
 * The decision behind `quota-tui hook claude` (cli/hook-claude.ts reads stdin, config and paths on its
 * light path and asks here): the engine gate on the stored data of one Claude account, weekly usage held
 * to `stopPercent`, answered with Claude Code's stop response — or undefined to let the agent go on.
 * Stale or unknown data never stops it.
 */
import {accountState} from '../engine/assemble.js';
import {gate} from '../engine/gate.js';
import {instantMs} from '../engine/time.js';
import type {Account, Policy} from '../engine/types.js';
import type {Db} from '../store/db.js';
import {latestSnapshot, listBudgets} from '../store/repositories.js';

/** "Fri 10:00" in the local zone (TZ). */
function localShort(iso: string, env: NodeJS.ProcessEnv): string | undefined {
	const ms = instantMs(iso);
	if (ms === undefined) return undefined;
	try {
		const format = new Intl.DateTimeFormat('en-GB', {weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false, ...(env['TZ'] ? {timeZone: env['TZ']} : {})});
		return format.format(ms).replace(',', '');
	} catch {
		return undefined;
	}
}

/** Claude Code's stop response for this hook event. */
export function stopResponse(event: string | undefined, sentence: string): Record<string, unknown> {
	const response: Record<string, unknown> = {continue: false, stopReason: sentence};
	if (event === 'PreToolUse') response['hookSpecificOutput'] = {hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: sentence};
	return response;
}

export function hookStop(db: Db, match: {name: string; model?: string | undefined}, policy: Policy, stopPercent: number, event: string | undefined, env: NodeJS.ProcessEnv, now: number): Record<string, unknown> | undefined {
	const account: Account = {name: match.name, provider: 'claude', ...(match.model ? {model: match.model} : {})};
	const overrides = listBudgets(db).filter(b => b.window && b.scope === `account:${match.name}`);
	const state = accountState({account, snapshot: latestSnapshot(db, match.name), overrides}, policy, now);
	// Fail open on data that is stale or unknown: the hook must never stop work on a guess.
	if (state.stale || state.ageMs === null || state.status === 'unknown' || state.status === 'unreachable') return undefined;
	const result = gate({state, budgets: [], request: {}, policy: {...policy, maxQuotaPercent: stopPercent}, now});
	if (result.verdict !== 'pause') return undefined;
	const first = result.reasons[0] ?? `Stopping: ${match.name} is out of quota`;
	const when = result.retryAt ? localShort(result.retryAt, env) : undefined;
	return stopResponse(event, when ? `${first}; resets ${when}` : first);
}
