/**
 * The local-log index of a process: which log directories belong to which account, bringing the index
 * up to date (reading only what changed), and the deduplicated, priced usage of each account.
 *
 * One LocalLogIndex lives as long as its process: a one-shot command refreshes it once; the dashboard
 * keeps it and refreshes it on every poll, which then costs a stat per file and the appended bytes.
 * Whatever a refresh changed is written to quota.db in one transaction per account (cursors and
 * records per file, then the aggregates), so the next process starts warm.
 */
import fs from 'node:fs';
import path from 'node:path';
import {createPriceBook, PRICE_TABLE_DATE, requestCost, type ModelPrice, type PriceBook, type PriceOverride} from '../engine/pricing.js';
import {
	dailyReport,
	Deduper,
	emptyBatch,
	F64Map,
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
	MINUTE_STRIDE,
	priceBatch,
	STRIDE,
	UsageBuilder,
	type PricedBatch,
	type UsageBatch,
} from '../engine/usage.js';
import {DAY} from '../engine/time.js';
import type {Account} from '../engine/types.js';
import {claudeFileIdentity, listClaudeLogFiles, type ParseMode} from '../providers/logs/claude-logs.js';
import {codexFileIdentity, listCodexLogFiles} from '../providers/logs/codex-logs.js';
import {createDirCache, type DirCache} from '../providers/logs/files.js';
import {expandHome, userHome} from '../providers/util.js';
import {readCold, workerCount, type ReadJob} from '../providers/logs/parallel.js';
import {refreshFile, type FileState, type LogKind, type StatLike} from '../providers/logs/reader.js';
import {loadLogFiles, loadLogSummary, saveLogAggregates, saveLogFiles, touchLogSummary, type LogSummaryInfo} from '../store/log-index.js';
import type {Context} from './context.js';

/** Days of minute-level history kept in the summary (dollar budgets reach back a month). */
export const SERIES_DAYS = 35;

/** The log directories of one account. */
export type LogSource = {
	account: string;
	provider: LogKind;
	dirs: string[];
	/** True for the default directories used when no account of this provider is configured. */
	implicit: boolean;
};

/** A configured directory with `~` expanded against the user's home of `env`. */
export function expandHomeOf(dir: string, env: NodeJS.ProcessEnv): string {
	return expandHome(dir, userHome(env));
}

/** Names of the implicit sources (not valid account names, so they never collide with one). */
export const IMPLICIT_CLAUDE = '@claude';
export const IMPLICIT_CODEX = '@codex';

/**
 * Where the logs are: every configured Claude account's config dir and Codex account's home; for a
 * provider with no configured account, its default location when it holds logs (CLAUDE_CONFIG_DIR,
 * comma-separated, else ~/.config/claude and ~/.claude; CODEX_HOME, else ~/.codex).
 */
export function logSources(accounts: readonly Account[], env: NodeJS.ProcessEnv, options: {implicit?: boolean} = {}): LogSource[] {
	const sources: LogSource[] = [];
	for (const account of accounts) {
		if (account.disabled) continue;
		if (account.provider === 'claude' && account.configDir) sources.push({account: account.name, provider: 'claude', dirs: [expandHomeOf(account.configDir, env)], implicit: false});
		if (account.provider === 'codex' && account.home) sources.push({account: account.name, provider: 'codex', dirs: [expandHomeOf(account.home, env)], implicit: false});
	}
	if (options.implicit === false) return sources;
	const home = userHome(env);
	if (!accounts.some(a => a.provider === 'claude')) {
		const configured = (env['CLAUDE_CONFIG_DIR'] ?? '').split(',').map(s => s.trim()).filter(Boolean);
		const candidates = configured.length > 0 ? configured.map(dir => expandHomeOf(dir, env)) : [path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'claude'), path.join(home, '.claude')];
		const dirs = [...new Set(candidates.map(dir => (path.basename(dir) === 'projects' ? path.dirname(dir) : dir)))].filter(dir => isDir(path.join(dir, 'projects')));
		if (dirs.length > 0) sources.push({account: IMPLICIT_CLAUDE, provider: 'claude', dirs, implicit: true});
	}
	if (!accounts.some(a => a.provider === 'codex')) {
		const dir = expandHomeOf(env['CODEX_HOME'] || path.join(home, '.codex'), env);
		if (isDir(path.join(dir, 'sessions')) || isDir(path.join(dir, 'archived_sessions'))) sources.push({account: IMPLICIT_CODEX, provider: 'codex', dirs: [dir], implicit: true});
	}
	return sources;
}

/** The project and session of a log file of a source (by the directory it sits in). */
function fileIdentity(source: LogSource, file: string): {project: string; session: string} {
	const dir = source.dirs.find(d => file.startsWith(d + path.sep)) ?? source.dirs[0] ?? '';
	return source.provider === 'claude' ? claudeFileIdentity(dir, file) : codexFileIdentity(dir, file);
}

function isDir(dir: string): boolean {
	try {
		return fs.statSync(dir).isDirectory();
	} catch {
		return false;
	}
}

/**
 * The order records are merged in (the first copy of a duplicate is the one kept): by path, and for
 * Codex `sessions/` before `archived_sessions/` (ccusage keeps the active copy).
 */
function fileOrder(source: LogSource): (a: string, b: string) => number {
	const rank = (file: string) => (source.provider === 'codex' && file.split(path.sep).includes('archived_sessions') ? 1 : 0);
	return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Where a record came from: its project and session, by ccusage's naming. */
export type RecordOrigin = {project: string; session: string; path: string};

/** What one refresh did for one account. */
export type AccountRefresh = {
	account: string;
	provider: LogKind;
	dirs: string[];
	files: number;
	/** Total size of the account's log files. */
	bytes: number;
	/** Usage records after deduplication. */
	records: number;
	added: number;
	appended: number;
	reread: number;
	removed: number;
	/** Bytes read by this refresh (appended bytes only for a warm refresh). */
	bytesRead: number;
	/** Corrupt usage lines skipped, over all files. */
	corrupt: number;
	corruptSamples: Array<{path: string; offset: number}>;
	/** Files whose last line is still being written. */
	pending: Array<{path: string; bytes: number}>;
	unpricedModels: string[];
	/** Non-fatal problems: unreadable files, missing directories, re-read files. */
	warnings: string[];
	/** Time spent, ms. */
	ms: number;
};

/** Numbers per minute bucket: minute, tokens, usd, input + output, requests. */
const BUCKET = 5;

type AccountIndex = {
	files: Map<string, FileState>;
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
	/** Minute series of every record, kept up to date record by record: minute → bucket slot. */
	minuteSlots: F64Map;
	/** BUCKET numbers per slot; a slot whose requests fell to 0 stays, empty. */
	buckets: Float64Array;
	bucketCount: number;
	resets: Array<[number, number]>;
	/** The daily report last computed for the stored rows (in the index's time zone), until records change. */
	daily: ReturnType<typeof dailyReport> | null;
	/** Per deduplicated record, the file it was read from (an index into `paths`). */
	fileOf: Int32Array;
	paths: string[];
	pathIds: Map<string, number>;
};

export type IndexOptions = {
	/** Parser: byte-level scanning (default) or JSON.parse of candidate lines. */
	mode?: ParseMode | undefined;
	/** Worker threads for cold reads: a number, or 'auto' (all cores above 48 MB to read). */
	workers?: number | 'auto' | undefined;
	/** Time zone of the per-day rows (default: the process's). */
	timeZone?: string | undefined;
	/** Keep aggregates out of the database (benchmarks of the read path alone). */
	persist?: boolean | undefined;
};

/**
 * `YYYY-MM-DD` of an instant in a time zone (default: the process's). Cached per quarter hour: every
 * UTC offset is a whole number of quarter hours, so one quarter hour never spans two local dates.
 */
export function dateFormatter(timeZone?: string): (ms: number) => string {
	const cache = new Map<number, string>();
	const local = timeZone === undefined || timeZone === processTimeZone();
	const format = local ? undefined : new Intl.DateTimeFormat('en-CA', {timeZone, year: 'numeric', month: '2-digit', day: '2-digit'});
	return ms => {
		const quarter = Math.floor(ms / 900_000);
		let date = cache.get(quarter);
		if (date === undefined) {
			date = format ? format.format(ms) : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
			cache.set(quarter, date);
		}
		return date;
	};
}

let resolvedZone: string | undefined;

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/**
 * The process's time zone name: TZ when it names a zone, else the zone /etc/localtime links to (what
 * ICU reads too), else what Intl resolves. The first two are cheap; the first Intl.DateTimeFormat
 * loads ICU's locale data (30–40 ms of every `report` without TZ, issue 15).
 */
export function processTimeZone(): string {
	const tz = process.env['TZ'];
	if (tz && ZONE_NAME.test(tz)) return tz;
	resolvedZone ??= (tz === undefined ? linkedZone() : undefined) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
	return resolvedZone;
}

/** The zone name /etc/localtime links to (…/zoneinfo/Europe/Berlin), Etc/UTC and its aliases as Intl names them (UTC). */
function linkedZone(): string | undefined {
	try {
		const target = fs.readlinkSync('/etc/localtime');
		const at = target.lastIndexOf('zoneinfo/');
		const name = at < 0 ? '' : target.slice(at + 'zoneinfo/'.length);
		if (!ZONE_NAME.test(name) || name.startsWith('posix/') || name.startsWith('right/')) return undefined;
		return /^(?:Etc\/)?(?:UTC|UCT|Universal|Zulu)$/.test(name) ? 'UTC' : name;
	} catch {
		return undefined;
	}
}

/** Index options from the environment (QUOTA_TUI_LOG_PARSER=scan|json, QUOTA_TUI_LOG_WORKERS=N|auto). */
export function indexOptionsFromEnv(env: NodeJS.ProcessEnv): IndexOptions {
	const parser = env['QUOTA_TUI_LOG_PARSER'];
	const workers = env['QUOTA_TUI_LOG_WORKERS'];
	return {
		mode: parser === 'json' ? 'json' : 'scan',
		workers: workers === undefined || workers === '' || workers === 'auto' ? 'auto' : Math.max(0, Number(workers) || 0),
	};
}

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
			state = {files: new Map(), dirs: createDirCache(), loaded: false, deduper: null, cost: new Float64Array(0), prices: [], unpriced: new Set(), minuteSlots: new F64Map(), buckets: new Float64Array(0), bucketCount: 0, resets: [], daily: null, fileOf: new Int32Array(0), paths: [], pathIds: new Map()};
			this.#accounts.set(account, state);
		}
		if (!state.loaded) {
			state.files = loadLogFiles(this.#db, account);
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
		const minute = Math.floor(d[o + F_TS]! / 60_000) * 60_000;
		let bucket = state.minuteSlots.get(minute);
		if (bucket === undefined) {
			bucket = state.bucketCount++;
			if ((bucket + 1) * BUCKET > state.buckets.length) {
				const grown = new Float64Array(Math.max(64, state.buckets.length * 2));
				grown.set(state.buckets);
				state.buckets = grown;
			}
			state.buckets[bucket * BUCKET] = minute;
			state.minuteSlots.set(minute, bucket);
		}
		const b = state.buckets;
		const at = bucket * BUCKET;
		const io = d[o + F_INPUT]! + d[o + F_OUTPUT]!;
		b[at + 1]! += sign * (io + d[o + F_CW5M]! + d[o + F_CW1H]! + d[o + F_CREAD]!);
		b[at + 2]! += sign * state.cost[slot]!;
		b[at + 3]! += sign * io;
		b[at + 4]! += sign;
	}

	/** Start the account's merged records over (an empty deduper) sized for `expected` records. */
	#reset(state: AccountIndex, expected: number): void {
		state.deduper = new Deduper(new UsageBuilder(Math.max(16, expected)), expected);
		state.deduper.beforeReplace = slot => this.#count(state, slot, -1);
		state.cost = new Float64Array(Math.max(16, expected));
		state.prices = [];
		state.unpriced = new Set();
		state.minuteSlots = new F64Map(Math.max(16, expected / 4));
		state.buckets = new Float64Array(0);
		state.bucketCount = 0;
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
		const warnings: string[] = [];
		const list = source.provider === 'claude' ? listClaudeLogFiles : listCodexLogFiles;
		const paths: string[] = [];
		for (const dir of source.dirs) {
			const where = source.provider === 'claude' ? path.join(dir, 'projects') : path.join(dir, 'sessions');
			if (!isDir(where) && !(source.provider === 'codex' && isDir(path.join(dir, 'archived_sessions')))) {
				warnings.push(`${source.account}: no ${source.provider === 'claude' ? 'Claude' : 'Codex'} logs at ${where}`);
				continue;
			}
			paths.push(...list(dir, state.dirs));
		}
		if (source.dirs.length > 1) paths.sort(order);
		const seen = new Set(paths);
		const changed: FileState[] = [];
		const addedBatches: Array<{path: string; added: UsageBatch}> = [];
		const cold: ReadJob[] = [];
		let bytes = 0;
		let bytesRead = 0;
		let added = 0;
		let appended = 0;
		let reread = 0;
		for (const file of paths) {
			let stat: StatLike;
			try {
				const s = fs.statSync(file);
				stat = {size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev};
			} catch (error) {
				warnings.push(`cannot read ${file}: ${(error as Error).message}`);
				seen.delete(file);
				continue;
			}
			bytes += stat.size;
			const prev = state.files.get(file);
			if (!prev) {
				cold.push({path: file, kind: source.provider, stat, size: stat.size});
				continue;
			}
			try {
				const outcome = refreshFile(file, source.provider, prev, stat, this.#mode);
				if (outcome.action === 'unchanged') continue;
				bytesRead += outcome.bytesRead;
				if (outcome.added.length > 0) addedBatches.push({path: file, added: outcome.added});
				if (outcome.action === 'reread') {
					reread++;
					warnings.push(`${file} was ${outcome.reason}: read again from the start`);
				} else appended++;
				changed.push(outcome.state);
				state.files.set(file, outcome.state);
			} catch (error) {
				// Keep what was read before; say which file could not be read.
				warnings.push(`cannot read ${file}: ${(error as Error).message} (kept the records read before)`);
			}
		}
		if (cold.length > 0) {
			const coldBytes = cold.reduce((sum, job) => sum + job.size, 0);
			const results = await readCold(cold, workerCount(coldBytes, this.#workers), this.#mode);
			for (const result of results) {
				if (!result.outcome) {
					warnings.push(`cannot read ${result.path}: ${result.error ?? 'unknown error'}`);
					seen.delete(result.path);
					continue;
				}
				added++;
				bytesRead += result.outcome.bytesRead;
				addedBatches.push({path: result.path, added: result.outcome.state.batch});
				changed.push(result.outcome.state);
				state.files.set(result.path, result.outcome.state);
			}
		}
		const removed = [...state.files.keys()].filter(file => !seen.has(file));
		for (const file of removed) state.files.delete(file);

		// Merge: record by record when files only grew or appeared; from scratch when one shrank, was
		// replaced or vanished (its old records must go), and on the first refresh in this process.
		const changedAny = changed.length > 0 || removed.length > 0;
		let rebuilt = false;
		if (state.deduper === null || reread > 0 || removed.length > 0) {
			const ordered = [...state.files.values()].sort((a, b) => order(a.path, b.path));
			this.#reset(state, ordered.reduce((sum, file) => sum + file.batch.length, 0));
			for (const file of ordered) this.#add(state, file.batch, file.path);
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
				const stored = loadLogSummary(this.#db, source.account)?.info;
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
			bytes,
			records: merged.length,
			added,
			appended,
			reread,
			removed: removed.length,
			bytesRead,
			corrupt,
			corruptSamples,
			pending,
			unpricedModels: merged.unpriced,
			warnings,
			ms: performance.now() - started,
		};
	}

	/** The account's minute series since `sinceMs`, ascending (engine MINUTE_STRIDE layout). */
	#series(state: AccountIndex, sinceMs: number): Float64Array {
		const b = state.buckets;
		const slots: number[] = [];
		for (let k = 0; k < state.bucketCount; k++) if (b[k * BUCKET + 4]! > 0 && b[k * BUCKET]! >= sinceMs) slots.push(k);
		slots.sort((x, y) => b[x * BUCKET]! - b[y * BUCKET]!);
		const out = new Float64Array(slots.length * MINUTE_STRIDE);
		for (const [k, slot] of slots.entries()) out.set(b.subarray(slot * BUCKET, slot * BUCKET + BUCKET), k * MINUTE_STRIDE);
		return out;
	}

	#saveSummary(source: LogSource, state: AccountIndex, now: number, withRows: boolean): void {
		let first: number | null = null;
		let last: number | null = null;
		for (let k = 0; k < state.bucketCount; k++) {
			if (state.buckets[k * BUCKET + 4]! <= 0) continue;
			const minute = state.buckets[k * BUCKET]!;
			if (first === null || minute < first) first = minute;
			if (last === null || minute > last) last = minute;
		}
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
		const summary = {account: source.account, refreshedAtMs: now, series: this.#series(state, seriesSinceMs), info};
		if (!withRows) {
			const previous = loadLogSummary(this.#db, source.account)?.info.aggregatesAtMs;
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

	/** The indexed files of an account (after a refresh). */
	files(account: string): ReadonlyMap<string, FileState> {
		return this.#accounts.get(account)?.files ?? new Map();
	}
}
