/**
 * The grouped reports beside `daily` (ccusage's shapes and field names): per week, per month, per
 * session, per project and day (`--instances`), and the cost modes (`--mode`). Pure: records in,
 * rows out; dates come from a `dateOf` the caller builds for its time zone.
 */
import {F_COSTUSD, F_CREAD, F_CW1H, F_CW5M, F_FLAGS, F_INPUT, F_MODEL, F_OUTPUT, F_TS, FLAG_FAST, STRIDE, type DailyTotals, type ModelBreakdown, type PricedBatch} from './usage.js';

/** ccusage's `--mode`: `calculate` prices tokens; `display` shows the cost a line logged; `auto` the logged cost when there is one. */
export type CostMode = 'auto' | 'calculate' | 'display';

/**
 * The batch with its cost per record chosen by `mode` (Claude Code logged `costUSD` on its lines until
 * mid-2025). Returns the batch itself when no record logged a cost (or with `calculate`).
 */
export function withCostMode(b: PricedBatch, mode: CostMode): PricedBatch {
	if (mode === 'calculate') return b;
	const d = b.data;
	let logged = false;
	for (let i = 0; i < b.length && !logged; i++) logged = !Number.isNaN(d[i * STRIDE + F_COSTUSD]!);
	if (!logged && mode === 'auto') return b;
	const cost = new Float64Array(b.length);
	for (let i = 0; i < b.length; i++) {
		const own = d[i * STRIDE + F_COSTUSD]!;
		cost[i] = Number.isNaN(own) ? (mode === 'auto' ? b.cost[i]! : 0) : own;
	}
	return {...b, cost};
}

/** Token and cost sums of one group, with its models in order of first appearance. */
export type UsageRow = {
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	totalTokens: number;
	totalCost: number;
	modelsUsed: string[];
	modelBreakdowns: ModelBreakdown[];
};

type Group = {row: UsageRow; models: Map<string, ModelBreakdown>; firstMs: number; lastMs: number};

/** A batch and, per record, the group it belongs to (null: left out). */
export type Grouping = {batch: PricedBatch; groupOf: (i: number, ts: number) => string | null};

/** Sum records into groups; breakdowns by cost, highest first (ccusage's order). */
export function groupUsage(sources: readonly Grouping[]): Map<string, UsageRow & {firstMs: number; lastMs: number}> {
	const groups = new Map<string, Group>();
	for (const {batch: b, groupOf} of sources) {
		const missing = new Set(b.unpriced);
		const d = b.data;
		for (let i = 0; i < b.length; i++) {
			const o = i * STRIDE;
			const ts = d[o + F_TS]!;
			const key = groupOf(i, ts);
			if (key === null) continue;
			let group = groups.get(key);
			if (!group) {
				group = {row: {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0, modelsUsed: [], modelBreakdowns: []}, models: new Map(), firstMs: ts, lastMs: ts};
				groups.set(key, group);
			}
			if (ts < group.firstMs) group.firstMs = ts;
			if (ts > group.lastMs) group.lastMs = ts;
			const input = d[o + F_INPUT]!;
			const output = d[o + F_OUTPUT]!;
			const cc = d[o + F_CW5M]! + d[o + F_CW1H]!;
			const read = d[o + F_CREAD]!;
			const cost = b.cost[i]!;
			const row = group.row;
			row.inputTokens += input;
			row.outputTokens += output;
			row.cacheCreationTokens += cc;
			row.cacheReadTokens += read;
			row.totalTokens += input + output + cc + read;
			row.totalCost += cost;
			const model = b.models[d[o + F_MODEL]!] ?? 'unknown';
			const name = (d[o + F_FLAGS]! & FLAG_FAST) !== 0 ? `${model}-fast` : model;
			let breakdown = group.models.get(name);
			if (!breakdown) {
				breakdown = {modelName: name, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0};
				if (missing.has(model)) breakdown.missingPricing = true;
				group.models.set(name, breakdown);
				row.modelsUsed.push(name);
			}
			breakdown.inputTokens += input;
			breakdown.outputTokens += output;
			breakdown.cacheCreationTokens += cc;
			breakdown.cacheReadTokens += read;
			breakdown.cost += cost;
		}
	}
	const out = new Map<string, UsageRow & {firstMs: number; lastMs: number}>();
	for (const [key, {row, models, firstMs, lastMs}] of groups) out.set(key, {...row, modelBreakdowns: [...models.values()].sort((a, b) => b.cost - a.cost), firstMs, lastMs});
	return out;
}

/** Totals of rows, with the unpriced models that appear in them. */
export function totalsOf(rows: readonly UsageRow[], unpriced: readonly string[]): DailyTotals {
	const totals: DailyTotals = {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0};
	for (const row of rows) {
		totals.inputTokens += row.inputTokens;
		totals.outputTokens += row.outputTokens;
		totals.cacheCreationTokens += row.cacheCreationTokens;
		totals.cacheReadTokens += row.cacheReadTokens;
		totals.totalTokens += row.totalTokens;
		totals.totalCost += row.totalCost;
	}
	const seen = new Set(rows.flatMap(row => row.modelsUsed.map(m => m.replace(/-fast$/, ''))));
	const listed = unpriced.filter(m => seen.has(m));
	if (listed.length > 0) totals.unpricedModels = listed;
	return totals;
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The first day (`YYYY-MM-DD`) of the week holding a local date, weeks starting on `start`. */
export function weekOf(date: string, start: Weekday = 'sunday'): string {
	const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
	const back = (new Date(ms).getUTCDay() - WEEKDAYS.indexOf(start) + 7) % 7;
	return new Date(ms - back * 86_400_000).toISOString().slice(0, 10);
}

export type PeriodOptions = {
	/** `YYYY-MM-DD` of an instant in the report's time zone. */
	dateOf: (ms: number) => string;
	/** Inclusive bounds as `YYYYMMDD`, on the record's local date. */
	since?: string | undefined;
	until?: string | undefined;
	/** Keep only records for which this holds (a project filter). */
	keep?: ((batch: number, i: number) => boolean) | undefined;
};

/** The local date of a record when it passes --since/--until, else null. */
function dateFilter(options: PeriodOptions): (ts: number) => string | null {
	return ts => {
		const date = options.dateOf(ts);
		if (!options.since && !options.until) return date;
		const compact = date.replaceAll('-', '');
		if ((options.since && compact < options.since) || (options.until && compact > options.until)) return null;
		return date;
	};
}

export type Order = 'asc' | 'desc';

const byKey = <T>(key: (row: T) => string, order: Order) => (a: T, b: T) => {
	const x = key(a);
	const y = key(b);
	const c = x < y ? -1 : x > y ? 1 : 0;
	return order === 'desc' ? -c : c;
};

/**
 * ccusage's `weekly` (`week`: the week's first day) and `monthly` (`month`: `YYYY-MM`) reports, and a
 * `daily` one (`date`) over the records `keep` accepts.
 */
export function periodReport<K extends 'date' | 'week' | 'month'>(
	kind: K,
	batches: readonly PricedBatch[],
	options: PeriodOptions & {order?: Order; startOfWeek?: Weekday},
): {rows: Array<UsageRow & Record<K, string>>; totals: DailyTotals} {
	const date = dateFilter(options);
	const period = kind === 'week' ? (d: string) => weekOf(d, options.startOfWeek) : kind === 'month' ? (d: string) => d.slice(0, 7) : (d: string) => d;
	const groups = groupUsage(batches.map((batch, k) => ({batch, groupOf: (i: number, ts: number) => {
		if (options.keep && !options.keep(k, i)) return null;
		const d = date(ts);
		return d === null ? null : period(d);
	}})));
	const rows = [...groups].map(([key, {firstMs: _f, lastMs: _l, ...row}]) => ({[kind]: key, ...row}) as UsageRow & Record<K, string>);
	rows.sort(byKey(row => row[kind], options.order ?? 'asc'));
	return {rows, totals: totalsOf(rows, [...new Set(batches.flatMap(b => b.unpriced))].sort())};
}

export type SessionRow = UsageRow & {sessionId: string; projectPath: string; firstActivity: string; lastActivity: string};

/** How many records carry `flag`. */
export function flaggedCount(b: PricedBatch, flag: number): number {
	let n = 0;
	for (let i = 0; i < b.length; i++) if ((b.data[i * STRIDE + F_FLAGS]! & flag) !== 0) n++;
	return n;
}

/** Where each record of a batch came from: an index into `origins` per record. */
export type Origins = {fileOf: Int32Array; origins: ReadonlyArray<{project: string; session: string}>};

/**
 * ccusage's `session` report: one row per session (a transcript with its subagents; a Codex rollout),
 * by cost, highest first (ccusage's order; `--order` is not applied).
 */
export function sessionReport(sources: ReadonlyArray<{batch: PricedBatch; origins: Origins}>, options: PeriodOptions & {id?: string | undefined}): {sessions: SessionRow[]; totals: DailyTotals} {
	const date = dateFilter(options);
	const projects = new Map<string, string>();
	const groups = groupUsage(sources.map(({batch, origins}, k) => ({batch, groupOf: (i: number, ts: number) => {
		if (options.keep && !options.keep(k, i)) return null;
		if (date(ts) === null) return null;
		const origin = origins.origins[origins.fileOf[i]!];
		if (!origin || (options.id !== undefined && origin.session !== options.id)) return null;
		const key = `${origin.project}\u0000${origin.session}`;
		projects.set(key, origin.project);
		return key;
	}})));
	const sessions = [...groups].map(([key, {firstMs, lastMs, ...row}]) => ({
		sessionId: key.slice(key.indexOf('\u0000') + 1),
		projectPath: projects.get(key) ?? 'unknown',
		firstActivity: new Date(firstMs).toISOString(),
		lastActivity: new Date(lastMs).toISOString(),
		...row,
	}));
	sessions.sort((a, b) => b.totalCost - a.totalCost || b.totalTokens - a.totalTokens || (a.sessionId < b.sessionId ? -1 : 1));
	return {sessions, totals: totalsOf(sessions, [...new Set(sources.flatMap(s => s.batch.unpriced))].sort())};
}

export type ProjectDailyRow = UsageRow & {date: string; project: string};

/** ccusage's `daily --instances`: per project, its days (`projects: {name: rows}`). */
export function instancesReport(sources: ReadonlyArray<{batch: PricedBatch; origins: Origins}>, options: PeriodOptions & {order?: Order}): {projects: Record<string, ProjectDailyRow[]>; totals: DailyTotals} {
	const date = dateFilter(options);
	const groups = groupUsage(sources.map(({batch, origins}, k) => ({batch, groupOf: (i: number, ts: number) => {
		if (options.keep && !options.keep(k, i)) return null;
		const d = date(ts);
		const origin = origins.origins[origins.fileOf[i]!];
		return d === null || !origin ? null : `${origin.project}\u0000${d}`;
	}})));
	const all: ProjectDailyRow[] = [...groups].map(([key, {firstMs: _f, lastMs: _l, ...row}]) => ({date: key.slice(key.indexOf('\u0000') + 1), project: key.slice(0, key.indexOf('\u0000')), ...row}));
	all.sort(byKey(row => row.date, options.order ?? 'asc'));
	const projects: Record<string, ProjectDailyRow[]> = {};
	for (const name of [...new Set(all.map(row => row.project))].sort()) projects[name] = all.filter(row => row.project === name);
	return {projects, totals: totalsOf(all, [...new Set(sources.flatMap(s => s.batch.unpriced))].sort())};
}
