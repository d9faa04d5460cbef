/**
 * Local-log usage: the records read from Claude and Codex logs, their deduplication (ccusage's rules),
 * and what is computed from them — per-day and per-model totals, 5-hour blocks, burn rates, sums over
 * a time range. Pure: no I/O, `now` is a parameter.
 *
 * Records are kept columnar in one Float64Array (STRIDE numbers per record) so that a history of a
 * few hundred thousand requests costs a few megabytes, copies cheaply between threads and stores as one
 * blob per log file.
 */
import {createPriceBook, requestCost, type PriceBook} from './pricing.js';

// Field positions inside one record.
export const F_OFFSET = 0; // byte offset of the line in its file (order within the file)
export const F_TS = 1; // epoch ms
export const F_INPUT = 2;
export const F_OUTPUT = 3;
export const F_CW5M = 4; // cache writes, 5-minute TTL (or unsplit)
export const F_CW1H = 5; // cache writes, 1-hour TTL
export const F_CREAD = 6;
export const F_KEY = 7; // hash of message.id + requestId; NaN = never deduplicated
export const F_MKEY = 8; // hash of message.id alone; NaN = no id
export const F_MODEL = 9; // index into `models`
export const F_FLAGS = 10;
/** The cost the line itself logged (Claude's old `costUSD`); NaN = none. Read by `--mode auto|display`. */
export const F_COSTUSD = 11;
/**
 * Values per record. Changing it changes the stored blob format: the store drops blobs of another
 * length, and their files are read again.
 */
export const STRIDE = 12;

export const FLAG_SIDECHAIN = 1;
/** `speed: "fast"` (priced with the model's fast multiplier, shown as `<model>-fast`). */
export const FLAG_FAST = 2;
/** The line had a `speed` field at all (ccusage prefers such a line on a tie). */
export const FLAG_SPEED = 4;
/** A Codex turn whose log names no model: priced as ccusage prices it (its fallback model). */
export const FLAG_FALLBACK = 8;

/** A batch of usage records with its model names. */
export type UsageBatch = {
	data: Float64Array;
	length: number;
	models: string[];
};

export type LogKind = 'claude' | 'codex';

/** Where the Codex parser is in a rollout file: the model and the last cumulative totals seen. */
export type CodexState = {
	model: string | null;
	/** total_token_usage of the last token_count event: input, cached, output, reasoning, total, cache writes. */
	totals: number[] | null;
	/** True while `model` is the fallback (no model named yet). */
	fallback?: boolean;
	/**
	 * Sub-agent replay detection: `none` (not a thread_spawn sub-agent), `detect` (its first usage
	 * event is `held`), `skip` (skipping the parent's events stamped in `second`), `done`.
	 */
	replay?: 'none' | 'detect' | 'skip' | 'done';
	second?: string | null;
	held?: {offset: number; ts: number; second: string; model: string; fallback: boolean; usage: number[]} | null;
};

/**
 * What the local-log index knows of one file: its identity and read cursor, and its usage records.
 * The readers (providers/logs) produce it and the store (store/log-index) keeps it, unchanged.
 */
export type LogFileState = {
	path: string;
	kind: LogKind;
	size: number;
	mtimeMs: number;
	ino: number;
	dev: number;
	/** Bytes parsed so far: the end of the last complete line. */
	offset: number;
	headLength: number;
	headHash: number;
	/** Candidate lines seen in the file so far. */
	candidates: number;
	/** Corrupt usage lines in the file so far, with the offsets of the first few. */
	corrupt: number;
	corruptOffsets: number[];
	/** Bytes of an incomplete last line, left to be read once complete. */
	pending: number;
	parserState: CodexState | null;
	/** The file's usage records, deduplicated within the file. */
	batch: UsageBatch;
	/** Usage-limit markers: [observedAtMs, resetAtMs]. */
	resets: Array<[number, number]>;
};

export type UsageRecord = {
	offset: number;
	ts: number;
	input: number;
	output: number;
	cacheWrite5m: number;
	cacheWrite1h: number;
	cacheRead: number;
	key: number;
	mkey: number;
	model: string;
	flags: number;
	/** The cost the line logged (`costUSD`), NaN or absent when none. */
	costUsd?: number;
};

/** Growable batch. */
export class UsageBuilder implements UsageBatch {
	data: Float64Array;
	length = 0;
	models: string[] = [];
	readonly #modelIndex = new Map<string, number>();

	constructor(capacity = 64) {
		this.data = new Float64Array(Math.max(1, capacity) * STRIDE);
	}

	static from(batch: UsageBatch): UsageBuilder {
		const builder = new UsageBuilder(batch.length + 16);
		builder.data.set(batch.data.subarray(0, batch.length * STRIDE));
		builder.length = batch.length;
		for (const model of batch.models) builder.modelIndex(model);
		return builder;
	}

	modelIndex(model: string): number {
		let index = this.#modelIndex.get(model);
		if (index === undefined) {
			index = this.models.length;
			this.models.push(model);
			this.#modelIndex.set(model, index);
		}
		return index;
	}

	/** Append a record given field by field (no object per record on hot paths); returns its index. */
	pushFields(offset: number, ts: number, input: number, output: number, cacheWrite5m: number, cacheWrite1h: number, cacheRead: number, key: number, mkey: number, model: string, flags: number, costUsd = Number.NaN): number {
		this.#reserve(1);
		const o = this.length * STRIDE;
		const d = this.data;
		d[o + F_OFFSET] = offset;
		d[o + F_TS] = ts;
		d[o + F_INPUT] = input;
		d[o + F_OUTPUT] = output;
		d[o + F_CW5M] = cacheWrite5m;
		d[o + F_CW1H] = cacheWrite1h;
		d[o + F_CREAD] = cacheRead;
		d[o + F_KEY] = key;
		d[o + F_MKEY] = mkey;
		d[o + F_MODEL] = this.modelIndex(model);
		d[o + F_FLAGS] = flags;
		d[o + F_COSTUSD] = costUsd;
		return this.length++;
	}

	/** Append a record; returns its index. */
	push(r: UsageRecord): number {
		this.#reserve(1);
		const o = this.length * STRIDE;
		const d = this.data;
		d[o + F_OFFSET] = r.offset;
		d[o + F_TS] = r.ts;
		d[o + F_INPUT] = r.input;
		d[o + F_OUTPUT] = r.output;
		d[o + F_CW5M] = r.cacheWrite5m;
		d[o + F_CW1H] = r.cacheWrite1h;
		d[o + F_CREAD] = r.cacheRead;
		d[o + F_KEY] = r.key;
		d[o + F_MKEY] = r.mkey;
		d[o + F_MODEL] = this.modelIndex(r.model);
		d[o + F_FLAGS] = r.flags;
		d[o + F_COSTUSD] = r.costUsd ?? Number.NaN;
		return this.length++;
	}

	/** This builder's model index for each model of `batch` (to copy many of its records). */
	remap(batch: UsageBatch): Int32Array {
		return Int32Array.from(batch.models, model => this.modelIndex(model));
	}

	/** Append record `i` of another batch (its model re-indexed through `remap`); returns the new index. */
	copyFrom(batch: UsageBatch, i: number, remap: Int32Array = this.remap(batch)): number {
		this.#reserve(1);
		const o = this.length * STRIDE;
		const src = batch.data;
		const d = this.data;
		const s = i * STRIDE;
		for (let f = 0; f < STRIDE; f++) d[o + f] = src[s + f]!;
		d[o + F_MODEL] = remap[src[s + F_MODEL]!] ?? this.modelIndex('unknown');
		return this.length++;
	}

	/** Overwrite record `target` with record `i` of `batch`. */
	replaceWith(target: number, batch: UsageBatch, i: number, remap: Int32Array = this.remap(batch)): void {
		const o = target * STRIDE;
		const src = batch.data;
		const d = this.data;
		const s = i * STRIDE;
		for (let f = 0; f < STRIDE; f++) d[o + f] = src[s + f]!;
		d[o + F_MODEL] = remap[src[s + F_MODEL]!] ?? this.modelIndex('unknown');
	}

	/** A compact copy (exact length). */
	toBatch(): UsageBatch {
		return {data: this.data.slice(0, this.length * STRIDE), length: this.length, models: [...this.models]};
	}

	#reserve(extra: number): void {
		const need = (this.length + extra) * STRIDE;
		if (need <= this.data.length) return;
		const next = new Float64Array(Math.max(need, this.data.length * 2));
		next.set(this.data);
		this.data = next;
	}
}

export function emptyBatch(): UsageBatch {
	return {data: new Float64Array(0), length: 0, models: []};
}

export function recordAt(batch: UsageBatch, i: number): UsageRecord {
	const o = i * STRIDE;
	const d = batch.data;
	return {
		offset: d[o + F_OFFSET]!,
		ts: d[o + F_TS]!,
		input: d[o + F_INPUT]!,
		output: d[o + F_OUTPUT]!,
		cacheWrite5m: d[o + F_CW5M]!,
		cacheWrite1h: d[o + F_CW1H]!,
		cacheRead: d[o + F_CREAD]!,
		key: d[o + F_KEY]!,
		mkey: d[o + F_MKEY]!,
		model: batch.models[d[o + F_MODEL]!] ?? 'unknown',
		flags: d[o + F_FLAGS]!,
		costUsd: d[o + F_COSTUSD]!,
	};
}

/** input + output + cache writes + cache reads of record i. */
export function totalTokensAt(d: Float64Array, i: number): number {
	const o = i * STRIDE;
	return d[o + F_INPUT]! + d[o + F_OUTPUT]! + d[o + F_CW5M]! + d[o + F_CW1H]! + d[o + F_CREAD]!;
}

// ---------------------------------------------------------------------------------------------------
// Deduplication (ccusage): streaming writes one line per content block with the same message.id +
// requestId; the line with the largest token total wins, a non-sidechain line beats a sidechain
// replay (/btw replays a parent message under a new requestId), and on a tie the first line seen stays
// unless the newcomer carries a `speed` field the incumbent lacks.

/** Should record `ci` of `cd` replace the kept record `ei` of `ed`? */
export function shouldReplace(cd: Float64Array, ci: number, ed: Float64Array, ei: number): boolean {
	const cSide = (cd[ci * STRIDE + F_FLAGS]! & FLAG_SIDECHAIN) !== 0;
	const eSide = (ed[ei * STRIDE + F_FLAGS]! & FLAG_SIDECHAIN) !== 0;
	if (cSide !== eSide) return eSide;
	const ct = totalTokensAt(cd, ci);
	const et = totalTokensAt(ed, ei);
	if (ct !== et) return ct > et;
	return (cd[ci * STRIDE + F_FLAGS]! & FLAG_SPEED) !== 0 && (ed[ei * STRIDE + F_FLAGS]! & FLAG_SPEED) === 0;
}

/**
 * A hash map from non-negative integer-valued doubles (our 53-bit hashes) to non-negative ints, with
 * open addressing over typed arrays: a JS Map keyed by such doubles boxes every key and is several
 * times slower on a few hundred thousand records.
 */
export class F64Map {
	#keys: Float64Array;
	#values: Int32Array;
	#mask: number;
	#size = 0;

	constructor(capacity = 16) {
		let n = 16;
		while (n < capacity * 2) n *= 2;
		this.#keys = new Float64Array(n).fill(-1);
		this.#values = new Int32Array(n);
		this.#mask = n - 1;
	}

	get size(): number {
		return this.#size;
	}

	#slot(key: number): number {
		// Mix the low and high parts of the 53-bit key into a 32-bit index.
		let h = (key % 4_294_967_296) ^ Math.floor(key / 4_294_967_296);
		h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
		let i = (h ^ (h >>> 16)) & this.#mask;
		const keys = this.#keys;
		while (keys[i] !== -1 && keys[i] !== key) i = (i + 1) & this.#mask;
		return i;
	}

	get(key: number): number | undefined {
		const i = this.#slot(key);
		return this.#keys[i] === key ? this.#values[i] : undefined;
	}

	set(key: number, value: number): void {
		const i = this.#slot(key);
		if (this.#keys[i] !== key) {
			this.#keys[i] = key;
			this.#size++;
		}
		this.#values[i] = value;
		if (this.#size * 2 > this.#mask) this.#grow();
	}

	#grow(): void {
		const keys = this.#keys;
		const values = this.#values;
		this.#keys = new Float64Array(keys.length * 2).fill(-1);
		this.#values = new Int32Array(keys.length * 2);
		this.#mask = keys.length * 2 - 1;
		this.#size = 0;
		for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) this.set(keys[i]!, values[i]!);
	}
}

/**
 * Deduplicates records fed in order (files in path order, lines in file order) into `out`.
 * `add` returns the index in `out` the record landed on (new or replaced), or -1 when a kept record won.
 */
export class Deduper {
	readonly out: UsageBuilder;
	/** Called with a kept record's index just before a newcomer overwrites it (to undo its contribution). */
	beforeReplace: ((slot: number) => void) | null = null;
	readonly #exact: F64Map;
	/** message-id hash → the only record with that id, or -(index into #shared) - 1 when several. */
	readonly #byMessage: F64Map;
	readonly #shared: number[][] = [];

	/** `expected`: about how many records will be added (sizes the hash tables). */
	constructor(out = new UsageBuilder(), expected = 16) {
		this.out = out;
		this.#exact = new F64Map(expected);
		this.#byMessage = new F64Map(expected);
	}

	add(batch: UsageBatch, i: number, remap: Int32Array = this.out.remap(batch)): number {
		const d = batch.data;
		const key = d[i * STRIDE + F_KEY]!;
		if (Number.isNaN(key)) return this.out.copyFrom(batch, i, remap);
		const mkey = d[i * STRIDE + F_MKEY]!;
		let existing = this.#exact.get(key);
		if (existing === undefined) {
			const candidates = this.#byMessage.get(mkey);
			if (candidates !== undefined) {
				const cSide = (d[i * STRIDE + F_FLAGS]! & FLAG_SIDECHAIN) !== 0;
				const od = this.out.data;
				const matches = (slot: number) => cSide || (od[slot * STRIDE + F_FLAGS]! & FLAG_SIDECHAIN) !== 0;
				if (candidates >= 0) {
					if (matches(candidates)) existing = candidates;
				} else {
					existing = this.#shared[-candidates - 1]!.find(matches);
				}
			}
		}
		if (existing !== undefined) {
			if (!shouldReplace(d, i, this.out.data, existing)) return -1;
			this.beforeReplace?.(existing);
			this.out.replaceWith(existing, batch, i, remap);
			this.#exact.set(key, existing);
			return existing;
		}
		const slot = this.out.copyFrom(batch, i, remap);
		this.#exact.set(key, slot);
		const list = this.#byMessage.get(mkey);
		if (list === undefined) this.#byMessage.set(mkey, slot);
		else if (list >= 0) {
			this.#shared.push([list, slot]);
			this.#byMessage.set(mkey, -this.#shared.length);
		} else this.#shared[-list - 1]!.push(slot);
		return slot;
	}

	addAll(batch: UsageBatch): void {
		const remap = this.out.remap(batch);
		for (let i = 0; i < batch.length; i++) this.add(batch, i, remap);
	}
}

/** Deduplicate batches given in order (files sorted by path). */
export function mergeBatches(batches: readonly UsageBatch[]): UsageBatch {
	let total = 0;
	for (const batch of batches) total += batch.length;
	const deduper = new Deduper(new UsageBuilder(Math.max(16, total)), total);
	for (const batch of batches) deduper.addAll(batch);
	return deduper.out;
}

/** A plain batch of exact length (no spare capacity, no class): what is stored and sent between threads. */
export function compactBatch(batch: UsageBatch): UsageBatch {
	const data = batch.data.length === batch.length * STRIDE ? batch.data : batch.data.slice(0, batch.length * STRIDE);
	return {data, length: batch.length, models: [...batch.models]};
}

// ---------------------------------------------------------------------------------------------------
// Pricing of a batch

export type PricedBatch = UsageBatch & {
	/** USD per record; 0 for models without a price (listed in `unpriced`). */
	cost: Float64Array;
	/** Display name per model index: `<model>-fast` for fast requests is applied per record via displayModel. */
	unpriced: string[];
};

/** Price every record; unknown models cost 0 here and are listed in `unpriced` (to be reported). */
export function priceBatch(batch: UsageBatch, book: PriceBook = createPriceBook()): PricedBatch {
	const prices = batch.models.map(model => book.resolve(model)?.price);
	const cost = new Float64Array(batch.length);
	const unpriced = new Set<string>();
	const d = batch.data;
	for (let i = 0; i < batch.length; i++) {
		const o = i * STRIDE;
		const price = prices[d[o + F_MODEL]!];
		if (!price) {
			unpriced.add(batch.models[d[o + F_MODEL]!] ?? 'unknown');
			continue;
		}
		cost[i] = requestCost(price, {
			input: d[o + F_INPUT]!,
			output: d[o + F_OUTPUT]!,
			cacheWrite5m: d[o + F_CW5M]!,
			cacheWrite1h: d[o + F_CW1H]!,
			cacheRead: d[o + F_CREAD]!,
			fast: (d[o + F_FLAGS]! & FLAG_FAST) !== 0,
		});
	}
	return {...batch, cost, unpriced: [...unpriced].sort()};
}

/** The model name a report shows for record i (ccusage appends `-fast` for fast requests). */
export function displayModel(batch: UsageBatch, i: number): string {
	const model = batch.models[batch.data[i * STRIDE + F_MODEL]!] ?? 'unknown';
	return (batch.data[i * STRIDE + F_FLAGS]! & FLAG_FAST) !== 0 ? `${model}-fast` : model;
}

// ---------------------------------------------------------------------------------------------------
// Totals

export type TokenTotals = {
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	totalTokens: number;
	costUsd: number;
	entries: number;
};

export function emptyTotals(): TokenTotals {
	return {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, costUsd: 0, entries: 0};
}

function addRecord(t: TokenTotals, b: PricedBatch, i: number): void {
	const o = i * STRIDE;
	const d = b.data;
	const cc = d[o + F_CW5M]! + d[o + F_CW1H]!;
	t.inputTokens += d[o + F_INPUT]!;
	t.outputTokens += d[o + F_OUTPUT]!;
	t.cacheCreationTokens += cc;
	t.cacheReadTokens += d[o + F_CREAD]!;
	t.totalTokens += d[o + F_INPUT]! + d[o + F_OUTPUT]! + cc + d[o + F_CREAD]!;
	t.costUsd += b.cost[i]!;
	t.entries++;
}

/** Totals of the records with `startMs <= ts < endMs` (and, when given, accepted by `keep`). */
export function sumBetween(b: PricedBatch, startMs: number, endMs: number, keep?: (i: number) => boolean): TokenTotals {
	const t = emptyTotals();
	const d = b.data;
	for (let i = 0; i < b.length; i++) {
		const ts = d[i * STRIDE + F_TS]!;
		if (ts >= startMs && ts < endMs && (keep === undefined || keep(i))) addRecord(t, b, i);
	}
	return t;
}

// ---------------------------------------------------------------------------------------------------
// Daily report (ccusage's `daily --json` shape)

export type ModelBreakdown = {
	modelName: string;
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	cost: number;
	/** Set when the model has no price: its cost is not included (reported, not silently $0). */
	missingPricing?: boolean;
};

export type DailyRow = {
	date: string;
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	totalTokens: number;
	totalCost: number;
	modelsUsed: string[];
	modelBreakdowns: ModelBreakdown[];
};

export type DailyTotals = Omit<DailyRow, 'date' | 'modelsUsed' | 'modelBreakdowns'> & {unpricedModels?: string[]};

export type DailyOptions = {
	/** `YYYY-MM-DD` of an instant in the report's time zone. */
	dateOf: (ms: number) => string;
	/** Inclusive bounds as `YYYYMMDD` (ccusage's --since/--until). */
	since?: string | undefined;
	until?: string | undefined;
};

/**
 * Per-day totals in record order (ccusage lists a day's models in the order they first appear and its
 * breakdowns by cost, highest first).
 */
export function dailyReport(batches: readonly PricedBatch[], options: DailyOptions): {daily: DailyRow[]; totals: DailyTotals} {
	type Acc = {row: DailyRow; models: Map<string, ModelBreakdown>; slots: Array<ModelBreakdown | undefined>};
	const days = new Map<string, Acc>();
	const unpriced = new Set<string>();
	for (const b of batches) {
		const missing = new Set(b.unpriced);
		for (const m of b.unpriced) unpriced.add(m);
		// Display name per model index and fast flag: slot = model * 2 + fast.
		const names = b.models.flatMap(model => [model, `${model}-fast`]);
		const d = b.data;
		let lastQuarter = -1;
		let acc: Acc | undefined;
		let skip = false;
		for (let i = 0; i < b.length; i++) {
			const o = i * STRIDE;
			const ts = d[o + F_TS]!;
			// Neighbours share a day: look the day up again only when the quarter hour changes (every UTC
			// offset is a whole number of quarter hours, so a quarter hour never spans two local dates).
			const quarter = Math.floor(ts / 900_000);
			if (quarter !== lastQuarter) {
				lastQuarter = quarter;
				const date = options.dateOf(ts);
				const compact = date.replaceAll('-', '');
				skip = Boolean((options.since && compact < options.since) || (options.until && compact > options.until));
				acc = days.get(date);
				if (!acc && !skip) {
					acc = {row: {date, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0, modelsUsed: [], modelBreakdowns: []}, models: new Map(), slots: []};
					days.set(date, acc);
				}
				if (acc) acc.slots = [];
			}
			if (skip || !acc) continue;
			const cc = d[o + F_CW5M]! + d[o + F_CW1H]!;
			const input = d[o + F_INPUT]!;
			const output = d[o + F_OUTPUT]!;
			const read = d[o + F_CREAD]!;
			const cost = b.cost[i]!;
			const row = acc.row;
			row.inputTokens += input;
			row.outputTokens += output;
			row.cacheCreationTokens += cc;
			row.cacheReadTokens += read;
			row.totalTokens += input + output + cc + read;
			row.totalCost += cost;
			const model = d[o + F_MODEL]!;
			const slot = model * 2 + ((d[o + F_FLAGS]! & FLAG_FAST) !== 0 ? 1 : 0);
			let breakdown = acc.slots[slot];
			if (!breakdown) {
				const name = names[slot] ?? 'unknown';
				breakdown = acc.models.get(name);
				if (!breakdown) {
					breakdown = {modelName: name, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0};
					if (missing.has(b.models[model] ?? '')) breakdown.missingPricing = true;
					acc.models.set(name, breakdown);
					row.modelsUsed.push(name);
				}
				acc.slots[slot] = breakdown;
			}
			breakdown.inputTokens += input;
			breakdown.outputTokens += output;
			breakdown.cacheCreationTokens += cc;
			breakdown.cacheReadTokens += read;
			breakdown.cost += cost;
		}
	}
	const daily = [...days.values()]
		.map(({row, models}) => ({...row, modelBreakdowns: [...models.values()].sort((a, b) => b.cost - a.cost)}))
		.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
	const totals: DailyTotals = {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0};
	for (const row of daily) {
		totals.inputTokens += row.inputTokens;
		totals.outputTokens += row.outputTokens;
		totals.cacheCreationTokens += row.cacheCreationTokens;
		totals.cacheReadTokens += row.cacheReadTokens;
		totals.totalTokens += row.totalTokens;
		totals.totalCost += row.totalCost;
	}
	const seen = new Set(daily.flatMap(row => row.modelsUsed.map(m => m.replace(/-fast$/, ''))));
	const listed = [...unpriced].filter(m => seen.has(m));
	if (listed.length > 0) totals.unpricedModels = listed;
	return {daily, totals};
}

// ---------------------------------------------------------------------------------------------------
// 5-hour blocks (ccusage's rule): sorted by time, a block starts at the hour of its first record and
// ends 5 h later; a record more than 5 h after the block's start or after the previous record starts a
// new block, and a silence longer than 5 h is shown as a gap block.

export const BLOCK_MS = 5 * 3_600_000;

export type BurnRate = {tokensPerMinute: number; tokensPerMinuteForIndicator: number; costPerHour: number};
export type BlockProjection = {totalTokens: number; totalCost: number; remainingMinutes: number};

export type Block = {
	id: string;
	startTime: string;
	endTime: string;
	actualEndTime: string | null;
	isActive: boolean;
	isGap: boolean;
	entries: number;
	tokenCounts: {inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number};
	totalTokens: number;
	costUSD: number;
	models: string[];
	burnRate: BurnRate | null;
	projection: BlockProjection | null;
	usageLimitResetTime?: string;
	/** The account of the block when the report covers several. */
	account?: string;
};

/** ISO 8601 in UTC with milliseconds, as ccusage prints block times. */
export function isoMillis(ms: number): string {
	return new Date(ms).toISOString();
}

export type BlockOptions = {
	now: number;
	durationMs?: number;
	/** Observed usage-limit markers: [observedAtMs, resetAtMs] pairs; a block shows the first inside it. */
	resets?: ReadonlyArray<readonly [number, number]>;
};

/** Record indexes sorted by time (stable: equal times keep record order). */
export function timeOrder(b: UsageBatch): Uint32Array {
	const n = b.length;
	const order = new Uint32Array(n);
	const d = b.data;
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (let i = 0; i < n; i++) {
		const ts = d[i * STRIDE + F_TS]!;
		if (ts < min) min = ts;
		if (ts > max) max = ts;
	}
	// Fast path: (ts − min) · 2^20 + index stays an exact integer below 2^53 for spans under ~99 days
	// and up to a million records; a numeric sort of those needs no comparator.
	if (n > 0 && n < 1 << 20 && max - min < 2 ** 33 && Number.isInteger(min) && Number.isInteger(max)) {
		const packed = new Float64Array(n);
		for (let i = 0; i < n; i++) packed[i] = (d[i * STRIDE + F_TS]! - min) * 1_048_576 + i;
		packed.sort();
		for (let k = 0; k < n; k++) order[k] = packed[k]! % 1_048_576;
		return order;
	}
	for (let i = 0; i < n; i++) order[i] = i;
	return order.sort((x, y) => d[x * STRIDE + F_TS]! - d[y * STRIDE + F_TS]! || x - y);
}

/** ccusage's burn rate of a block: over the time between its first and last record. */
export function blockBurnRate(firstMs: number, lastMs: number, totalTokens: number, inputOutput: number, costUsd: number): BurnRate | null {
	const minutes = (lastMs - firstMs) / 60_000;
	if (!(minutes > 0)) return null;
	return {tokensPerMinute: totalTokens / minutes, tokensPerMinuteForIndicator: inputOutput / minutes, costPerHour: (costUsd / minutes) * 60};
}

export function identifyBlocks(b: PricedBatch, options: BlockOptions): Block[] {
	const duration = options.durationMs ?? BLOCK_MS;
	const order = timeOrder(b);
	const d = b.data;
	const blocks: Block[] = [];
	const resets = [...(options.resets ?? [])].sort((x, y) => x[0] - y[0]);
	let start = NaN;
	let first = NaN;
	let last = NaN;
	let t = emptyTotals();
	let models: string[] = [];
	let seen = new Set<string>();

	const close = () => {
		const end = start + duration;
		const isActive = options.now - last < duration && options.now < end;
		const io = t.inputTokens + t.outputTokens;
		const burnRate = isActive ? blockBurnRate(first, last, t.totalTokens, io, t.costUsd) : null;
		let projection: BlockProjection | null = null;
		if (isActive && burnRate) {
			const remainingMinutes = Math.round((end - options.now) / 60_000);
			projection = {
				totalTokens: Math.round(t.totalTokens + burnRate.tokensPerMinute * remainingMinutes),
				totalCost: Math.round((t.costUsd + (burnRate.costPerHour / 60) * remainingMinutes) * 100) / 100,
				remainingMinutes,
			};
		}
		const block: Block = {
			id: isoMillis(start),
			startTime: isoMillis(start),
			endTime: isoMillis(end),
			actualEndTime: isoMillis(last),
			isActive,
			isGap: false,
			entries: t.entries,
			tokenCounts: {inputTokens: t.inputTokens, outputTokens: t.outputTokens, cacheCreationInputTokens: t.cacheCreationTokens, cacheReadInputTokens: t.cacheReadTokens},
			totalTokens: t.totalTokens,
			costUSD: t.costUsd,
			models,
			burnRate,
			projection,
		};
		const reset = resets.find(([observed]) => observed >= start && observed < end);
		if (reset) block.usageLimitResetTime = isoMillis(reset[1]);
		blocks.push(block);
	};

	for (let k = 0; k < order.length; k++) {
		const i = order[k]!;
		const ts = d[i * STRIDE + F_TS]!;
		if (Number.isNaN(start)) {
			start = Math.floor(ts / 3_600_000) * 3_600_000;
			first = ts;
		} else if (ts - start > duration || ts - last > duration) {
			close();
			if (ts - last > duration) {
				const gapStart = last + duration;
				blocks.push({
					id: `gap-${isoMillis(gapStart)}`, startTime: isoMillis(gapStart), endTime: isoMillis(ts), actualEndTime: null, isActive: false, isGap: true, entries: 0,
					tokenCounts: {inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0}, totalTokens: 0, costUSD: 0, models: [], burnRate: null, projection: null,
				});
			}
			start = Math.floor(ts / 3_600_000) * 3_600_000;
			first = ts;
			t = emptyTotals();
			models = [];
			seen = new Set();
		}
		last = ts;
		addRecord(t, b, i);
		const name = displayModel(b, i);
		if (!seen.has(name)) {
			seen.add(name);
			models.push(name);
		}
	}
	if (!Number.isNaN(start)) close();
	// As ccusage lists them: by start (a gap opens 5 h after the last request, which can be later than
	// the hour the next block starts at). The sort is stable.
	return blocks.sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
}

/** ccusage's --since/--until on blocks: by the local date of the block's start. */
export function filterBlocks(blocks: readonly Block[], dateOf: (ms: number) => string, since?: string, until?: string): Block[] {
	if (!since && !until) return [...blocks];
	return blocks.filter(block => {
		const date = dateOf(Date.parse(block.startTime)).replaceAll('-', '');
		return (!since || date >= since) && (!until || date <= until);
	});
}

// ---------------------------------------------------------------------------------------------------
// Minute series: the compact per-account summary other commands read without re-reading the logs.

/** Stride of the minute series: [minuteStartMs, totalTokens, costUsd, inputOutputTokens, entries]. */
export const MINUTE_STRIDE = 5;

/** Sum records with ts >= sinceMs into per-minute buckets, ascending. */
export function minuteSeries(b: PricedBatch, sinceMs: number): Float64Array {
	const buckets = new Map<number, [number, number, number, number]>();
	const d = b.data;
	for (let i = 0; i < b.length; i++) {
		const o = i * STRIDE;
		const ts = d[o + F_TS]!;
		if (ts < sinceMs) continue;
		const minute = Math.floor(ts / 60_000) * 60_000;
		let bucket = buckets.get(minute);
		if (!bucket) buckets.set(minute, (bucket = [0, 0, 0, 0]));
		const io = d[o + F_INPUT]! + d[o + F_OUTPUT]!;
		bucket[0] += io + d[o + F_CW5M]! + d[o + F_CW1H]! + d[o + F_CREAD]!;
		bucket[1] += b.cost[i]!;
		bucket[2] += io;
		bucket[3] += 1;
	}
	const minutes = [...buckets.keys()].sort((a, b) => a - b);
	const out = new Float64Array(minutes.length * MINUTE_STRIDE);
	for (const [k, minute] of minutes.entries()) {
		const bucket = buckets.get(minute)!;
		out.set([minute, ...bucket], k * MINUTE_STRIDE);
	}
	return out;
}

export type SeriesTotals = {tokens: number; costUsd: number; inputOutput: number; entries: number; firstMs: number | null; lastMs: number | null};

/** Totals of the minute series over [startMs, endMs). */
export function seriesBetween(series: Float64Array, startMs: number, endMs: number): SeriesTotals {
	const out: SeriesTotals = {tokens: 0, costUsd: 0, inputOutput: 0, entries: 0, firstMs: null, lastMs: null};
	for (let o = 0; o < series.length; o += MINUTE_STRIDE) {
		const minute = series[o]!;
		if (minute < startMs || minute >= endMs) continue;
		out.tokens += series[o + 1]!;
		out.costUsd += series[o + 2]!;
		out.inputOutput += series[o + 3]!;
		out.entries += series[o + 4]!;
		out.firstMs ??= minute;
		out.lastMs = minute;
	}
	return out;
}

/**
 * The start of the 5-hour block that is open at `now` by ccusage's rule, from the minute series; null
 * when the last activity is more than 5 h ago (no open block).
 */
export function openBlockStart(series: Float64Array, now: number, durationMs = BLOCK_MS): number | null {
	let start = NaN;
	let last = NaN;
	for (let o = 0; o < series.length; o += MINUTE_STRIDE) {
		const ts = series[o]!;
		if (ts > now) break;
		if (Number.isNaN(start) || ts - start > durationMs || ts - last > durationMs) start = Math.floor(ts / 3_600_000) * 3_600_000;
		last = ts;
	}
	if (Number.isNaN(start) || now - last >= durationMs || now >= start + durationMs) return null;
	return start;
}
