/**
 * Team totals (DESIGN §12): `report daily --all-machines` sums the per-machine daily aggregates every
 * member pushes to the hub (`usage_daily`: tokens and API-equivalent cost per machine, account, day
 * and model). Each machine still reads only its own logs; the hub only ever sees these sums.
 */
import type {Context} from './context.js';
import {hubSessionOf} from './hub-sync.js';

export type TeamDay = {
	date: string;
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	totalCost: number;
	/** Cost per machine that day. */
	machines: Record<string, number>;
	modelsUsed: string[];
	/** Some rows have models without a price (their cost is not counted). */
	unpriced: boolean;
};

export type TeamDaily = {machines: string[]; daily: TeamDay[]; totals: Omit<TeamDay, 'date' | 'modelsUsed' | 'unpriced'>};

export type TeamDailyRequest = {account?: string | undefined; since?: string | undefined; until?: string | undefined};

const dashed = (compact: string | undefined) => (compact === undefined ? null : `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`);

/** The team's daily totals from the hub, or why they cannot be had (not a member, hub unreachable). */
export async function teamDaily(ctx: Context, request: TeamDailyRequest): Promise<TeamDaily | {error: string}> {
	const session = hubSessionOf(ctx);
	if (!session) return {error: 'report --all-machines needs team mode: this machine is not a member of a team hub (see quota-tui team --help)'};
	const hub = await session.connected();
	if (!hub) return {error: 'report --all-machines: the team hub is unreachable (see the warning above); without --all-machines the report shows this machine\'s own logs'};
	const since = dashed(request.since);
	const until = dashed(request.until);
	const rows = await hub.sql<Array<{machine: string; date: string; model: string; input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number; cost_usd: number; priced: boolean}>>`
		SELECT machine, date, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, priced FROM usage_daily
		WHERE (${request.account ?? null}::text IS NULL OR account = ${request.account ?? null})
			AND (${since}::text IS NULL OR date >= ${since}) AND (${until}::text IS NULL OR date <= ${until})
		ORDER BY date, machine, model`;
	const days = new Map<string, TeamDay>();
	const totals = {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalCost: 0, machines: {} as Record<string, number>};
	for (const row of rows) {
		const day = days.get(row.date) ?? {date: row.date, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalCost: 0, machines: {}, modelsUsed: [], unpriced: false};
		days.set(row.date, day);
		for (const target of [day, totals]) {
			target.inputTokens += Number(row.input_tokens);
			target.outputTokens += Number(row.output_tokens);
			target.cacheCreationTokens += Number(row.cache_creation_tokens);
			target.cacheReadTokens += Number(row.cache_read_tokens);
			target.totalCost += row.cost_usd;
			target.machines[row.machine] = (target.machines[row.machine] ?? 0) + row.cost_usd;
		}
		if (!day.modelsUsed.includes(row.model)) day.modelsUsed.push(row.model);
		if (!row.priced) day.unpriced = true;
	}
	return {machines: Object.keys(totals.machines).sort(), daily: [...days.values()], totals};
}
