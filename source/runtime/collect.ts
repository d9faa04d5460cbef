/**
 * Gather what the stores and providers know into engine states, a recommendation and the report.
 * One function for every face: `status --json`, `recommend`, `gate` and the dashboard agree.
 */
import {budgetStandings} from '../engine/budget-state.js';
import {accountState, buildReport} from '../engine/assemble.js';
import type {Recommendation, StatusReport} from '../engine/report.js';
import {withCeilings} from '../engine/ceiling.js';
import {selectAccount} from '../engine/select.js';
import type {AccountState, Budget} from '../engine/types.js';
import {demoHistory, demoSnapshot} from '../providers/demo.js';
import {getActive, latestSnapshots, listBudgets, recentDecisions} from '../store/repositories.js';
import {policyOf, type Context} from './context.js';
import {teamAccounts} from './hub-view.js';
import {realUseVerdicts, withRealUse} from './real-use.js';
import {historyFromDb} from './history.js';
import {localUsageOf, withLocalUsage} from './local-usage.js';
import {annotateReport, currencyHistories, poolsOf, withLapsingCredits, withPools, withWeeklyOnly} from './currencies.js';

export type Collected = {
	states: AccountState[];
	budgets: Budget[];
	active: string | null;
	recommendation: Recommendation;
	report: StatusReport;
};

/** The local UTC offset at `now` in minutes (for printing instants in the user's zone). */
export function localOffsetMinutes(now: number): number {
	return -new Date(now).getTimezoneOffset();
}

export type CollectOptions = {
	/** Only consider accounts of this provider for the recommendation. */
	provider?: string | undefined;
	decisions?: number | undefined;
	/** The budgets to use instead of the stored ones (dollar budgets measured from the logs now). */
	budgets?: readonly Budget[] | undefined;
};

/** Everything known at `now`. */
export function collect(ctx: Context, now: number, options: CollectOptions = {}): Collected {
	const policy = policyOf(ctx.config);
	const snapshots = ctx.demo ? new Map() : latestSnapshots(ctx.db);
	const budgets = options.budgets ? [...options.budgets] : listBudgets(ctx.db);
	// Real use outranks quota numbers (§7.1 step 1): refusals, usage limits, proven-alive accounts.
	const realUse = ctx.demo ? new Map() : realUseVerdicts(ctx.db, now);
	// What the local logs add (estimated windows, burn rates, usage-limit markers): stored summaries only.
	const locals = ctx.demo ? new Map() : localUsageOf(ctx, ctx.accounts, now, localOffsetMinutes(now));
	const assembled = withLocalUsage(ctx.accounts.map(account => {
		const overrides = budgets.filter(b => b.window && b.scope === `account:${account.name}`);
		const demo = account.provider === 'demo';
		return accountState({
			account,
			snapshot: demo ? demoSnapshot(account.name, now) : snapshots.get(account.name),
			overrides,
			// Burn rates from the window history (the manual series for kinds entered by hand).
			history: demo ? demoHistory(account.name, now) : historyFromDb(ctx, account.name, now, new Set(overrides.map(b => b.window!))),
		}, policy, now);
	}), locals, policy.warnThreshold, now, localOffsetMinutes(now));
	// Weekly-only accounts show no 5-hour window; an idle Claude account's absent one counts as 0 %.
	const histories = currencyHistories(ctx, now);
	const weekly = withRealUse(withWeeklyOnly(assembled, histories, policy.warnThreshold, now), realUse, policy.warnThreshold, now, localOffsetMinutes(now));
	// Shared pools: members draw on one quota (selection and idle detection count it once).
	const pools = poolsOf(weekly, histories);
	// Dollar ceilings (an account's own usd budget) govern accounts without provider numbers.
	const states = withCeilings(withLapsingCredits(ctx, withPools(weekly, pools), now), budgets, now);
	const activeRow = getActive(ctx.db, options.provider);
	const active = activeRow && ctx.accounts.some(a => a.name === activeRow.name) ? activeRow.name : null;
	const recommendation: Recommendation = selectAccount({accounts: states, active, policy, provider: options.provider, now});
	const warnings: string[] = [...(ctx.hints ?? [])];
	for (const state of states) {
		if (state.stale && state.ageMs !== null) warnings.push(`${state.account.name}: data is stale (${Math.round(state.ageMs / 60_000)} min old)`);
	}
	const report = buildReport({
		states,
		active,
		recommendation,
		decisions: recentDecisions(ctx.db, options.decisions ?? 10),
		demo: ctx.demo,
		mode: ctx.config.autoUtilization.mode,
		warnings,
		now,
		offsetMinutes: localOffsetMinutes(now),
	});
	for (const account of report.accounts) {
		const local = locals.get(account.name);
		if (local) account.localUsage = local.report;
	}
	annotateReport(ctx, report, states, pools, now);
	// Team mode: which machines hold each account (as of the last pull; no network here).
	const team = teamAccounts(ctx, now);
	if (team) {
		for (const account of report.accounts) {
			const holders = team.accounts[account.name];
			if (holders) account.team = holders.map(h => ({machine: h.machine, here: h.here, login: h.login, newestAgeMs: h.newestAgeMs}));
		}
	}
	report.budgets = budgetStandings(budgets, now, policy.warnThreshold);
	return {states, budgets, active, recommendation, report};
}
