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

// ---------------------------------------------------------------------------------------------------
// report blocks --all-machines

const BLOCK_MS = 5 * 3_600_000;

export type TeamBlock = {
	id: string;
	account: string;
	startTime: string;
	endTime: string;
	actualEndTime: string;
	isActive: boolean;
	isGap: false;
	entries: number;
	tokenCounts: {inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number};
	totalTokens: number;
	costUSD: number;
	models: string[];
	/** Cost per machine in this block. */
	machines: Record<string, number>;
};

export type TeamBlocks = {machines: string[]; blocks: TeamBlock[]};

type HubBlockRow = {
	machine: string; account: string; start_ms: string | number; actual_end_ms: string | number; entries: number; input_tokens: string | number;
	output_tokens: string | number; cache_creation_tokens: string | number; cache_read_tokens: string | number; cost_usd: number; models: unknown;
};

/**
 * The team's 5-hour blocks per account: every machine's own blocks (each opened at the hour of that
 * machine's first request) merged, since the provider's window is the account's, not the machine's — a
 * block opens with the earliest start of any machine and takes in every machine's block that starts
 * before its 5 hours end.
 */
export async function teamBlocks(ctx: Context, request: {account?: string | undefined; sinceMs?: number | undefined; untilMs?: number | undefined; now: number}): Promise<TeamBlocks | {error: string}> {
	const session = hubSessionOf(ctx);
	if (!session) return {error: 'report --all-machines needs team mode: this machine is not a member of a team hub (see quota-tui team --help)'};
	const hub = await session.connected();
	if (!hub) return {error: 'report --all-machines: the team hub is unreachable (see the warning above); without --all-machines the report shows this machine\'s own logs'};
	const rows = await hub.sql<HubBlockRow[]>`
		SELECT machine, account, start_ms, actual_end_ms, entries, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, models
		FROM usage_blocks
		WHERE (${request.account ?? null}::text IS NULL OR account = ${request.account ?? null})
			AND (${request.sinceMs ?? null}::bigint IS NULL OR start_ms >= ${request.sinceMs ?? null})
			AND (${request.untilMs ?? null}::bigint IS NULL OR start_ms < ${request.untilMs ?? null})
		ORDER BY account, start_ms, machine`;
	const blocks: TeamBlock[] = [];
	const machines = new Set<string>();
	let open: (TeamBlock & {startMs: number; lastMs: number}) | undefined;
	const close = () => {
		if (!open) return;
		const {startMs, lastMs, ...block} = open;
		blocks.push({...block, actualEndTime: new Date(lastMs).toISOString(), isActive: request.now < startMs + BLOCK_MS && request.now - lastMs < BLOCK_MS});
		open = undefined;
	};
	for (const row of rows) {
		const startMs = Number(row.start_ms);
		const endMs = Number(row.actual_end_ms);
		if (!open || open.account !== row.account || startMs >= open.startMs + BLOCK_MS) {
			close();
			const start = new Date(startMs).toISOString();
			open = {
				id: start, account: row.account, startTime: start, endTime: new Date(startMs + BLOCK_MS).toISOString(), actualEndTime: start, isActive: false, isGap: false,
				entries: 0, tokenCounts: {inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0}, totalTokens: 0, costUSD: 0,
				models: [], machines: {}, startMs, lastMs: endMs,
			};
		}
		const t = open.tokenCounts;
		t.inputTokens += Number(row.input_tokens);
		t.outputTokens += Number(row.output_tokens);
		t.cacheCreationInputTokens += Number(row.cache_creation_tokens);
		t.cacheReadInputTokens += Number(row.cache_read_tokens);
		open.totalTokens = t.inputTokens + t.outputTokens + t.cacheCreationInputTokens + t.cacheReadInputTokens;
		open.entries += row.entries;
		open.costUSD += row.cost_usd;
		open.machines[row.machine] = (open.machines[row.machine] ?? 0) + row.cost_usd;
		open.lastMs = Math.max(open.lastMs, endMs);
		for (const model of Array.isArray(row.models) ? row.models : []) if (typeof model === 'string' && !open.models.includes(model)) open.models.push(model);
		machines.add(row.machine);
	}
	close();
	return {machines: [...machines].sort(), blocks: blocks.toSorted((a, b) => a.startTime.localeCompare(b.startTime) || a.account.localeCompare(b.account))};
}
