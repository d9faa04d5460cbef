/**
 * The inputs every decision is made on (issue 9 item 1): sources older than their freshness bound are
 * read first (within the shared read budget and cooldowns of runtime/refresh.ts), then the stored state
 * is assembled once (collect) with dollar budgets measured from the local logs now (liveBudgets). Every
 * face (CLI, HTTP, dashboard keys, the auto tick) decides on these, never on its own assembly.
 */
import type {Recommendation} from '../../engine/report.js';
import {instantMs} from '../../engine/time.js';
import type {AccountState} from '../../engine/types.js';
import {collect, type Collected, type CollectOptions} from '../collect.js';
import type {Context} from '../context.js';
import {liveBudgets, openLogIndex, refreshLogIndex, type LiveBudget} from '../local-usage.js';
import {refreshStale} from '../refresh.js';
import {listBudgets} from '../../store/repositories.js';

export type DecisionInputs = Collected & {
	/** Budgets with log-measured dollar budgets re-measured at `now`. */
	budgets: LiveBudget[];
	/** Problems met while assembling (unreadable logs); the face prints them as warnings. */
	warnings: string[];
};

export type FreshOptions = {
	/** Read stale sources first. @default true */
	refresh?: boolean | undefined;
};

/** Read every source older than its freshness bound (no-op for demo contexts; never throws). */
export async function freshen(ctx: Context, now: number, options: FreshOptions = {}): Promise<void> {
	if (options.refresh === false || ctx.demo) return;
	await refreshStale(ctx, {now});
}

/** Fresh data, assembled once: states, live budgets, the recommendation and the report. */
export async function decisionInputs(ctx: Context, now: number, options: FreshOptions & CollectOptions = {}): Promise<DecisionInputs> {
	await freshen(ctx, now, options);
	// The local logs too (limit markers count without a `report` run first); the dashboard keeps its own
	// index current, so decisions on stored data (refresh false) do not read them.
	const index = options.refresh === false || ctx.demo ? undefined : await openLogIndex(ctx);
	const logWarnings = index ? await refreshLogIndex(ctx, now, index) : [];
	// Dollar budgets measured from the logs first: a ceiling-only account is assembled on them.
	const live = await liveBudgets(ctx, listBudgets(ctx.db), now, index);
	const collected = collect(ctx, now, {...options, budgets: live.budgets});
	return {...collected, budgets: live.budgets, warnings: [...new Set([...logWarnings, ...live.warnings])]};
}

/** The earliest reset still ahead among these accounts' windows (when "nothing usable" may change). */
export function earliestReset(states: readonly AccountState[], now: number): string | null {
	// A dollar ceiling's reset counts too: a ceiling-only account becomes usable again then.
	const resets = states.flatMap(s => [...s.windows.map(w => w.resetsAt), s.ceiling?.resetAt ?? null]).filter((x): x is string => x !== null && (instantMs(x) ?? 0) > now);
	return resets.toSorted((a, b) => (instantMs(a) ?? 0) - (instantMs(b) ?? 0))[0] ?? null;
}

export type {Recommendation};
