/**
 * The local-log index of a process: which log directories belong to which account, bringing the index
 * up to date (reading only what changed), and the deduplicated, priced usage of each account.
 *
 * One LocalLogIndex lives as long as its process: a one-shot command refreshes it once; the dashboard
 * keeps it and refreshes it on every poll, which then costs a stat per file and the appended bytes.
 * Whatever a refresh changed is written to quota.db in one transaction per account (cursors and
 * records per file, then the aggregates), so the next process starts warm.
 */
import {createPriceBook, PRICE_TABLE_DATE, requestCost, type ModelPrice, type PriceBook, type PriceOverride} from '../engine/pricing.js';
import {
	dailyReport,
	Deduper,
	emptyBatch,
	F_CREAD,
	F_CW1H,
	F_CW5M,
	F_FLAGS,
	F_INPUT,
	F_MODEL,
	F_OUTPUT,
	F_TS,
	FLAG_FAST,
	identifyBlocks,
	priceBatch,
	STRIDE,
	UsageBuilder,
	type PricedBatch,
	type UsageBatch,
} from '../engine/usage.js';
import {DAY} from '../engine/time.js';
import type {ParseMode} from '../providers/logs/claude-logs.js';
import {createDirCache, type DirCache} from '../providers/logs/files.js';
import type {FileState} from '../providers/logs/reader.js';
import {iterateLogBatches, loadLogBatches, loadLogFile, loadLogCursors, loadLogSummaryInfo, sameCursor, saveLogAggregates, saveLogFiles, touchLogSummary, type CursorKey, type LogSummaryInfo} from '../store/log-index.js';
import type {Context} from './context.js';
import {scanSource, type AccountRefresh} from './log-scan.js';
import {MinuteBuckets} from './minute-buckets.js';
import {dateFormatter, fileIdentity, fileOrder, processTimeZone, type IndexOptions, type LogSource, type RecordOrigin} from './log-sources.js';

// Where the logs are and the index's options live in log-sources.ts; re-exported for the index's users.
export type {AccountRefresh} from './log-scan.js';
export {dateFormatter, expandHomeOf, IMPLICIT_CLAUDE, IMPLICIT_CODEX, indexOptionsFromEnv, logSources, processTimeZone, type IndexOptions, type LogSource, type RecordOrigin} from './log-sources.js';

/** Days of minute-level history kept in the summary (dollar budgets reach back a month). */
export const SERIES_DAYS = 35;

type AccountIndex = {
	/** Every indexed file; those in `offloaded` without their records (kept in quota.db only). */
	files: Map<string, FileState>;
	/**
	 * Files whose records were let go after merging (the merged records hold what the reports need), with
	 * their record counts: loaded back from quota.db when the file grows or everything is merged again,
	 * one file at a time (issue 15, memory). A new process starts with every stored file let go.
	 */
	offloaded: Map<string, number>;
	/** Directory listings, re-read only when a directory changed. */
	dirs: DirCache;
	loaded: boolean;
	/** The account's deduplicated records (null until built in this process). */
	deduper: Deduper | null;
	/** API-equivalent cost per deduplicated record. */
	cost: Float64Array;
	/** Price per model index of the deduper's records (null: unknown model). */
	prices: Array<ModelPrice | null>;
	unpriced: Set<string>;
	/** Minute series of every merged record, kept up to date record by record. */
	minutes: MinuteBuckets;
	resets: Array<[number, number]>;
	/** The daily report last computed for the stored rows (in the index's time zone), until records change. */
	daily: ReturnType<typeof dailyReport> | null;
	/** Per deduplicated record, the file it was read from (an index into `paths`). */
	fileOf: Int32Array;
	paths: string[];
	pathIds: Map<string, number>;
};

export class LocalLogIndex {
	readonly #db: Context['db'];
	readonly #book: PriceBook;
	readonly #pricingKey: string;
	readonly #mode: ParseMode;
	readonly #workers: number | 'auto';
	readonly #timeZone: string;
	readonly #persist: boolean;
	readonly #accounts = new Map<string, AccountIndex>();

	constructor(ctx: {db: Context['db']; config: {pricing?: {models?: Record<string, PriceOverride>}}}, options: IndexOptions = {}) {
		this.#db = ctx.db;
		const overrides = ctx.config.pricing?.models ?? {};
		this.#book = createPriceBook(overrides);
		this.#pricingKey = `${PRICE_TABLE_DATE} ${JSON.stringify(overrides)}`;
		this.#mode = options.mode ?? 'scan';
		this.#workers = options.workers ?? 'auto';
		this.#timeZone = options.timeZone ?? processTimeZone();
		this.#persist = options.persist ?? true;
	}

	get priceBook(): PriceBook {
		return this.#book;
	}

	get timeZone(): string {
		return this.#timeZone;
	}

	#state(account: string): AccountIndex {
		let state = this.#accounts.get(account);
		if (!state) {
			state = {files: new Map(), offloaded: new Map(), dirs: createDirCache(), loaded: false, deduper: null, cost: new Float64Array(0), prices: [], unpriced: new Set(), minutes: new MinuteBuckets(), resets: [], daily: null, fileOf: new Int32Array(0), paths: [], pathIds: new Map()};
			this.#accounts.set(account, state);
		}
		if (!state.loaded) {
			state.files = new Map();
			state.offloaded = new Map();
			for (const [file, {records, ...cursor}] of loadLogCursors(this.#db, account)) {
				state.files.set(file, {...cursor, batch: emptyBatch()});
				state.offloaded.set(file, records);
			}
			state.loaded = true;
		}
		return state;
	}

	/** Price of record `slot` of the account's merged records (0 for an unknown model, which is listed). */
	#price(state: AccountIndex, slot: number): number {
		const out = state.deduper!.out;
		const d = out.data;
		const o = slot * STRIDE;
		const model = d[o + F_MODEL]!;
		let price = state.prices[model];
		if (price === undefined) {
			const name = out.models[model] ?? 'unknown';
			price = this.#book.resolve(name)?.price ?? null;
			state.prices[model] = price;
		}
		if (price === null) {
			state.unpriced.add(out.models[model] ?? 'unknown');
			return 0;
		}
		return requestCost(price, {input: d[o + F_INPUT]!, output: d[o + F_OUTPUT]!, cacheWrite5m: d[o + F_CW5M]!, cacheWrite1h: d[o + F_CW1H]!, cacheRead: d[o + F_CREAD]!, fast: (d[o + F_FLAGS]! & FLAG_FAST) !== 0});
	}

	/** Add (sign 1) or remove (sign −1) record `slot`'s contribution to the minute series. */
	#count(state: AccountIndex, slot: number, sign: 1 | -1): void {
		const d = state.deduper!.out.data;
		const o = slot * STRIDE;
		const io = d[o + F_INPUT]! + d[o + F_OUTPUT]!;
		state.minutes.add(d[o + F_TS]!, io + d[o + F_CW5M]! + d[o + F_CW1H]! + d[o + F_CREAD]!, state.cost[slot]!, io, sign);
	}

	/** Start the account's merged records over (an empty deduper) sized for `expected` records. */
	#reset(state: AccountIndex, expected: number): void {
		state.deduper = new Deduper(new UsageBuilder(Math.max(16, expected)), expected);
		state.deduper.beforeReplace = slot => this.#count(state, slot, -1);
		state.cost = new Float64Array(Math.max(16, expected));
		state.prices = [];
		state.unpriced = new Set();
		state.minutes = new MinuteBuckets(expected / 4);
		state.daily = null;
		state.fileOf = new Int32Array(Math.max(16, expected));
		state.paths = [];
		state.pathIds = new Map();
	}

	/** Feed a file's records (files in path order, then file order) into the merged records, updating costs and series. */
	#add(state: AccountIndex, batch: UsageBatch, file: string): void {
		const deduper = state.deduper!;
		if (batch.length > 0) state.daily = null;
		const remap = deduper.out.remap(batch);
		let fileId = state.pathIds.get(file);
		if (fileId === undefined) {
			fileId = state.paths.length;
			state.paths.push(file);
			state.pathIds.set(file, fileId);
		}
		for (let i = 0; i < batch.length; i++) {
			const slot = deduper.add(batch, i, remap);
			if (slot < 0) continue;
			if (slot >= state.cost.length) {
				const grown = new Float64Array(Math.max(slot + 1, state.cost.length * 2));
				grown.set(state.cost);
				state.cost = grown;
			}
			if (slot >= state.fileOf.length) {
				const grown = new Int32Array(Math.max(slot + 1, state.fileOf.length * 2));
				grown.set(state.fileOf);
				state.fileOf = grown;
			}
			state.fileOf[slot] = fileId;
			state.cost[slot] = this.#price(state, slot);
			this.#count(state, slot, 1);
		}
	}

	/** Bring every source's index up to date; returns what was done per account. */
	async refresh(sources: readonly LogSource[], now: number): Promise<AccountRefresh[]> {
		const out: AccountRefresh[] = [];
		for (const source of sources) out.push(await this.#refreshOne(source, now));
		return out;
	}

	async #refreshOne(source: LogSource, now: number): Promise<AccountRefresh> {
		const started = performance.now();
		const order = fileOrder(source);
		const state = this.#state(source.account);
		const scan = await scanSource(source, state, {mode: this.#mode, workers: this.#workers, loadFile: file => loadLogFile(this.#db, source.account, file)});
		const {changed, addedBatches, removed, reread, warnings} = scan;

		// Merge: record by record when files only grew or appeared; from scratch when one shrank, was
		// replaced or vanished (its old records must go), and on the first refresh in this process.
		const changedAny = changed.length > 0 || removed.length > 0;
		let rebuilt = false;
		if (state.deduper === null || reread > 0 || removed.length > 0 || scan.lost) {
			this.#mergeAll(source.account, state, order, warnings);
			rebuilt = true;
		} else {
			for (const {path: file, added} of [...addedBatches].sort((a, b) => order(a.path, b.path))) this.#add(state, added, file);
		}
		state.resets = [...state.files.values()].flatMap(file => file.resets).sort((a, b) => a[0] - b[0]);

		// An account without any log file has nothing to summarize (and no row is written for it).
		if (this.#persist && (state.files.size > 0 || removed.length > 0)) {
			let storedStale = false;
			if (!changedAny && rebuilt) {
				// First look in this process: the stored aggregates must match our prices and time zone.
				const stored = loadLogSummaryInfo(this.#db, source.account);
				storedStale = !stored || stored.pricingKey !== this.#pricingKey || stored.timeZone !== this.#timeZone;
			}
			if (changedAny || storedStale) {
				saveLogFiles(this.#db, source.account, changed, removed, now);
				// Per-day and per-block rows are recomputed with a full rebuild (and by `report`); a record-by-
				// record refresh (the dashboard's) only brings the summary up to date.
				this.#saveSummary(source, state, now, rebuilt);
			} else {
				touchLogSummary(this.#db, source.account, now);
			}
			// Every file's records are in quota.db now: the merged records are what this process keeps, and
			// the records of files that grew in this refresh (a session being written grows again soon).
			const growing = new Set(scan.appendedPaths);
			for (const [file, fileState] of state.files) {
				if (fileState.batch.length === 0 || state.offloaded.has(file) || growing.has(file)) continue;
				state.files.set(file, {...fileState, batch: emptyBatch()});
				state.offloaded.set(file, fileState.batch.length);
			}
		}
		const merged = this.usage(source.account);

		let corrupt = 0;
		const corruptSamples: AccountRefresh['corruptSamples'] = [];
		const pending: AccountRefresh['pending'] = [];
		for (const file of state.files.values()) {
			corrupt += file.corrupt;
			for (const offset of file.corruptOffsets) if (corruptSamples.length < 5) corruptSamples.push({path: file.path, offset});
			if (file.pending > 0) pending.push({path: file.path, bytes: file.pending});
		}
		return {
			account: source.account,
			provider: source.provider,
			dirs: source.dirs,
			files: state.files.size,
			bytes: scan.bytes,
			records: merged.length,
			added: scan.added,
			appended: scan.appended,
			reread,
			removed: removed.length,
			bytesRead: scan.bytesRead,
			corrupt,
			corruptSamples,
			pending,
			unpricedModels: merged.unpriced,
			warnings,
			ms: performance.now() - started,
		};
	}

	/**
	 * Merge every file's records from scratch in `order`; the let-go files' records stream from quota.db
	 * one file at a time and are let go again once merged.
	 */
	#mergeAll(account: string, state: AccountIndex, order: (a: string, b: string) => number, warnings: string[]): void {
		const ordered = [...state.files.values()].sort((a, b) => order(a.path, b.path));
		this.#reset(state, ordered.reduce((sum, file) => sum + (state.offloaded.get(file.path) ?? file.batch.length), 0));
		const rows = state.offloaded.size > 0 ? iterateLogBatches(this.#db, account) : null;
		type Stored = {cursor: CursorKey; batch: UsageBatch | undefined};
		// Rows SQLite returned before their turn in `order` (its byte order may differ from ours).
		const early = new Map<string, Stored>();
		const take = (file: string): Stored | undefined => {
			if (early.has(file)) {
				const batch = early.get(file);
				early.delete(file);
				return batch;
			}
			for (let next = rows?.next(); next && !next.done; next = rows!.next()) {
				if (next.value.path === file) return next.value;
				if (state.offloaded.has(next.value.path)) early.set(next.value.path, next.value);
			}
			return undefined;
		};
		try {
			for (const file of ordered) {
				if (!state.offloaded.has(file.path)) {
					this.#add(state, file.batch, file.path);
					continue;
				}
				const stored = take(file.path);
				// Another process read the file further (or again) since: its stored state is the one to go on from.
				const other = stored?.batch && !sameCursor(stored.cursor, file) ? loadLogFile(this.#db, account, file.path) : undefined;
				if (other) state.files.set(file.path, {...other, batch: emptyBatch()});
				const batch = other ? other.batch : stored?.batch;
				if (batch) this.#add(state, batch, file.path);
				else {
					// Not in quota.db (another process dropped it): read from the start on the next refresh.
					state.files.delete(file.path);
					state.offloaded.delete(file.path);
					warnings.push(`${file.path}: its records were not in the index; read again on the next refresh`);
				}
			}
		} finally {
			rows?.return(undefined);
		}
	}

	#saveSummary(source: LogSource, state: AccountIndex, now: number, withRows: boolean): void {
		const {first, last} = state.minutes.span();
		const files = [...state.files.values()];
		const seriesSinceMs = now - SERIES_DAYS * DAY;
		const merged = this.usage(source.account);
		const info: LogSummaryInfo = {
			kind: source.provider,
			dirs: source.dirs,
			files: files.length,
			bytes: files.reduce((sum, file) => sum + file.size, 0),
			records: merged.length,
			corrupt: files.reduce((sum, file) => sum + file.corrupt, 0),
			pending: files.filter(file => file.pending > 0).map(file => ({path: file.path, bytes: file.pending})),
			unpricedModels: merged.unpriced,
			resets: state.resets.slice(-20),
			firstMs: first,
			lastMs: last === null ? null : last + 59_999,
			timeZone: this.#timeZone,
			seriesSinceMs,
			pricingKey: this.#pricingKey,
		};
		const summary = {account: source.account, refreshedAtMs: now, series: state.minutes.series(seriesSinceMs), info};
		if (!withRows) {
			const previous = loadLogSummaryInfo(this.#db, source.account)?.aggregatesAtMs;
			saveLogAggregates(this.#db, {...summary, info: {...info, aggregatesAtMs: previous}});
			return;
		}
		state.daily = dailyReport([merged], {dateOf: dateFormatter(this.#timeZone)});
		const blocks = identifyBlocks(merged, {now, resets: state.resets}).filter(b => !b.isGap);
		saveLogAggregates(this.#db, {...summary, info: {...info, aggregatesAtMs: now}}, state.daily.daily, blocks);
	}

	/** The deduplicated, priced usage of an account (after a refresh). */
	usage(account: string): PricedBatch {
		const state = this.#accounts.get(account);
		if (!state?.deduper) return priceBatch(emptyBatch(), this.#book);
		const out = state.deduper.out;
		return {data: out.data, length: out.length, models: out.models, cost: state.cost, unpriced: [...state.unpriced].sort()};
	}

	/**
	 * The account's whole daily report in the index's time zone when it was computed since the records
	 * last changed (the stored per-day rows), else null.
	 */
	cachedDaily(account: string): ReturnType<typeof dailyReport> | null {
		return this.#accounts.get(account)?.daily ?? null;
	}

	/**
	 * Per deduplicated record of `usage(account)`, the index of its origin in `origins` (the file it was
	 * read from, with its project and session).
	 */
	origins(source: LogSource): {fileOf: Int32Array; origins: RecordOrigin[]} {
		const state = this.#accounts.get(source.account);
		if (!state?.deduper) return {fileOf: new Int32Array(0), origins: []};
		const origins = state.paths.map(file => ({...fileIdentity(source, file), path: file}));
		return {fileOf: state.fileOf, origins};
	}

	/** Usage-limit markers seen in the account's logs: [observedAtMs, resetAtMs], oldest first. */
	resets(account: string): Array<[number, number]> {
		return this.#accounts.get(account)?.resets ?? [];
	}

	/** The indexed files of an account (after a refresh); their records may be let go (see `fileRecords`). */
	files(account: string): ReadonlyMap<string, FileState> {
		return this.#accounts.get(account)?.files ?? new Map();
	}

	/** The records of the account's files whose path `keep`s, by path (from quota.db for let-go files). */
	fileRecords(account: string, keep: (file: string) => boolean): Array<{path: string; batch: UsageBatch}> {
		const state = this.#accounts.get(account);
		if (!state) return [];
		const stored = state.offloaded.size > 0 ? loadLogBatches(this.#db, account, file => keep(file) && state.offloaded.has(file)) : new Map<string, UsageBatch>();
		return [...state.files.values()]
			.filter(file => keep(file.path))
			.map(file => ({path: file.path, batch: (state.offloaded.has(file.path) ? stored.get(file.path) : file.batch) ?? emptyBatch()}))
			.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	}
}
