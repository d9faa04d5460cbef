/**
 * `utilization --by-machine` (DESIGN §12): each account's current weekly window split among the team's
 * machines (engine/attribution.ts) from the hub — the window history every machine pushed and every
 * machine's daily local-log usage of the account.
 */
import {attributeWindow, type Attribution} from '../engine/attribution.js';
import {SEVEN_DAYS} from '../engine/time.js';
import {collect, localOffsetMinutes} from './collect.js';
import type {Context} from './context.js';
import {hubSessionOf} from './hub-sync.js';

export type AccountAttribution = Attribution & {account: string; kind: 'seven_day'; resetsAt: string};

/** Per account with a known weekly window, its attribution; or why there is none. */
export async function attributionByMachine(ctx: Context, now: number): Promise<AccountAttribution[] | {error: string}> {
	const session = hubSessionOf(ctx);
	if (!session) return {error: 'utilization --by-machine needs team mode: this machine is not a member of a team hub (see quota-tui team --help)'};
	const hub = await session.connected();
	if (!hub) return {error: 'utilization --by-machine: the team hub is unreachable (see the warning above)'};
	const offset = localOffsetMinutes(now);
	const result: AccountAttribution[] = [];
	for (const state of collect(ctx, now).states) {
		const week = state.windows.find(w => w.kind === 'seven_day');
		const resetsMs = week?.resetsAt ? Date.parse(week.resetsAt) : Number.NaN;
		if (!week || !Number.isFinite(resetsMs)) continue;
		const startMs = resetsMs - SEVEN_DAYS;
		const history = await hub.sql<Array<{first_seen_ms: number; last_seen_ms: number; utilization: number}>>`
			SELECT first_seen_ms, last_seen_ms, utilization FROM window_history
			WHERE account = ${state.account.name} AND kind = 'seven_day' AND resets_at_ms BETWEEN ${resetsMs - 3_600_000} AND ${resetsMs + 3_600_000}`;
		const points = history.flatMap(row => [{atMs: Number(row.first_seen_ms), utilization: row.utilization}, {atMs: Number(row.last_seen_ms), utilization: row.utilization}]);
		const firstDay = new Date(startMs + offset * 60_000).toISOString().slice(0, 10);
		const costs = await hub.sql<Array<{machine: string; date: string; cost: number}>>`
			SELECT machine, date, sum(cost_usd) AS cost FROM usage_daily WHERE account = ${state.account.name} AND date >= ${firstDay} GROUP BY machine, date`;
		const attribution = attributeWindow(points, costs.map(c => ({machine: c.machine, date: c.date, costUsd: Number(c.cost)})), {startMs, endMs: now, offsetMinutes: offset});
		result.push({account: state.account.name, kind: 'seven_day', resetsAt: week.resetsAt!, ...attribution});
	}
	return result;
}
