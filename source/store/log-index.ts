/**
 * The local-log index in quota.db: one row per log file (its read cursor and its usage records as a
 * Float64 blob) and, per account, the aggregates computed from them (per day and model, per 5-hour
 * block, and a minute series of recent weeks that `status`, `gate` and `budget` read without touching
 * the logs). Every write is one `BEGIN IMMEDIATE` transaction.
 */
import {STRIDE, type Block, type DailyRow, type LogFileState} from '../engine/usage.js';
import type {Db} from './db.js';

/** What the index remembers of one file: the readers' state, stored as it is. */
export type StoredLogFile = LogFileState;

/** A file's cursor without its records (enough to tell whether anything changed). */
export type LogCursor = Omit<StoredLogFile, 'batch'> & {records: number};

type Row = {
	path: string;
	kind: string;
	size: number;
	mtime_ms: number;
	ino: number;
	dev: number;
	offset: number;
	head_length: number;
	head_hash: number;
	candidates: number;
	corrupt: number;
	corrupt_offsets: string;
	pending: number;
	parser_state: string | null;
	records: number;
	models: string;
	data?: Uint8Array;
	resets: string;
};

const CURSOR_COLUMNS = 'path, kind, size, mtime_ms, ino, dev, offset, head_length, head_hash, candidates, corrupt, corrupt_offsets, pending, parser_state, records, models, resets';

function toFloat64(bytes: Uint8Array | undefined, length: number): Float64Array {
	if (!bytes || bytes.byteLength === 0) return new Float64Array(0);
	const n = Math.min(length * STRIDE, Math.floor(bytes.byteLength / 8));
	// Each blob comes back in its own buffer: view it in place when aligned, else copy once.
	if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
	const copy = new Float64Array(n);
	new Uint8Array(copy.buffer).set(bytes.subarray(0, n * 8));
	return copy;
}

function cursorOf(row: Row): LogCursor {
	return {
		path: row.path,
		kind: row.kind === 'codex' ? 'codex' : 'claude',
		size: row.size,
		mtimeMs: row.mtime_ms,
		ino: row.ino,
		dev: row.dev,
		offset: row.offset,
		headLength: row.head_length,
		headHash: row.head_hash,
		candidates: row.candidates,
		corrupt: row.corrupt,
		corruptOffsets: JSON.parse(row.corrupt_offsets) as number[],
		pending: row.pending,
		parserState: row.parser_state === null ? null : (JSON.parse(row.parser_state) as StoredLogFile['parserState']),
		records: row.records,
		resets: JSON.parse(row.resets) as Array<[number, number]>,
	};
}

/**
 * Cursors of every indexed file of the account (no records), by path. A file whose records are stored
 * in another layout (an older quota-tui) is left out: it is read again.
 */
export function loadLogCursors(db: Db, account: string): Map<string, LogCursor> {
	const rows = db.prepare(`SELECT ${CURSOR_COLUMNS}, length(data) AS data_bytes FROM log_files WHERE account = ?`).iterate(account) as Iterable<Row & {data_bytes: number | null}>;
	const out = new Map<string, LogCursor>();
	for (const row of rows) if (row.records === 0 || row.data_bytes === row.records * STRIDE * 8) out.set(row.path, cursorOf(row));
	return out;
}

/** A row as a stored file (cursor and records); undefined when its records are of another layout (an older quota-tui). */
function storedFileOf(row: Row): StoredLogFile | undefined {
	if (row.records > 0 && (row.data?.byteLength ?? 0) !== row.records * STRIDE * 8) return undefined;
	const {records, ...cursor} = cursorOf(row);
	return {...cursor, batch: {data: toFloat64(row.data, records), length: records, models: JSON.parse(row.models) as string[]}};
}

/** Every indexed file of the account with its records, by path (a file of another layout is read again). */
export function loadLogFiles(db: Db, account: string): Map<string, StoredLogFile> {
	// Row by row: all rows at once (their blobs and JSON texts) would sit in memory together, and the
	// process's RSS keeps that peak (issue 15, memory).
	const rows = db.prepare(`SELECT ${CURSOR_COLUMNS}, data FROM log_files WHERE account = ?`).iterate(account) as Iterable<Row>;
	const out = new Map<string, StoredLogFile>();
	for (const row of rows) {
		const file = storedFileOf(row);
		if (file) out.set(row.path, file);
	}
	return out;
}

/**
 * The stored records of the account's files (all of them, or those whose path `keep`s), by path. A file
 * stored with another record layout is left out (it is read again on the next refresh).
 */
export function loadLogBatches(db: Db, account: string, keep?: (path: string) => boolean): Map<string, StoredLogFile['batch']> {
	const rows = db.prepare('SELECT path, records, models, data FROM log_files WHERE account = ?').iterate(account) as Iterable<Pick<Row, 'path' | 'records' | 'models' | 'data'>>;
	const out = new Map<string, StoredLogFile['batch']>();
	for (const row of rows) {
		if (keep && !keep(row.path)) continue;
		if (row.records > 0 && (row.data?.byteLength ?? 0) !== row.records * STRIDE * 8) continue;
		out.set(row.path, {data: toFloat64(row.data, row.records), length: row.records, models: JSON.parse(row.models) as string[]});
	}
	return out;
}

/** What tells two reads of a file apart (see `sameCursor`), without the cursor's JSON parts. */
export type CursorKey = Pick<StoredLogFile, 'offset' | 'size' | 'mtimeMs' | 'ino' | 'dev' | 'headHash' | 'headLength'>;

/**
 * The account's stored records one file at a time, in path order (SQLite's), so that only one file's
 * records are in memory at a time, with the key of the read they came from. `batch` is undefined for a
 * file of another layout.
 */
export function* iterateLogBatches(db: Db, account: string): Generator<{path: string; cursor: CursorKey; batch: StoredLogFile['batch'] | undefined}, void, undefined> {
	const rows = db
		.prepare('SELECT path, offset, size, mtime_ms, ino, dev, head_hash, head_length, records, models, data FROM log_files WHERE account = ? ORDER BY path')
		.iterate(account) as Iterable<Pick<Row, 'path' | 'offset' | 'size' | 'mtime_ms' | 'ino' | 'dev' | 'head_hash' | 'head_length' | 'records' | 'models' | 'data'>>;
	for (const row of rows) {
		const valid = row.records === 0 || (row.data?.byteLength ?? 0) === row.records * STRIDE * 8;
		const cursor = {offset: row.offset, size: row.size, mtimeMs: row.mtime_ms, ino: row.ino, dev: row.dev, headHash: row.head_hash, headLength: row.head_length};
		yield {path: row.path, cursor, batch: valid ? {data: toFloat64(row.data, row.records), length: row.records, models: JSON.parse(row.models) as string[]} : undefined};
	}
}

/** One stored file with its records (undefined when it is not stored, or of another layout). */
export function loadLogFile(db: Db, account: string, path: string): StoredLogFile | undefined {
	const row = db.prepare(`SELECT ${CURSOR_COLUMNS}, data FROM log_files WHERE account = ? AND path = ?`).get(account, path) as Row | undefined;
	return row ? storedFileOf(row) : undefined;
}

/** Whether two states of a file describe the same read (another process may have read further since). */
export function sameCursor(a: CursorKey, b: CursorKey): boolean {
	return a.offset === b.offset && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev && a.headHash === b.headHash && a.headLength === b.headLength;
}

/** Write changed files and drop vanished ones, in one transaction. */
export function saveLogFiles(db: Db, account: string, changed: readonly StoredLogFile[], removed: readonly string[], nowMs: number): void {
	if (changed.length === 0 && removed.length === 0) return;
	// coalesce(?, X''): Node 22's node:sqlite binds an empty Uint8Array as NULL (the columns are NOT NULL).
	db.transaction(() => {
		const upsert = db.prepare(
			`INSERT INTO log_files (account, path, kind, size, mtime_ms, ino, dev, offset, head_length, head_hash, candidates, corrupt,
				corrupt_offsets, pending, parser_state, records, models, data, resets, updated_at_ms)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, X''), ?, ?)
			 ON CONFLICT (account, path) DO UPDATE SET kind = excluded.kind, size = excluded.size, mtime_ms = excluded.mtime_ms,
				ino = excluded.ino, dev = excluded.dev, offset = excluded.offset, head_length = excluded.head_length,
				head_hash = excluded.head_hash, candidates = excluded.candidates, corrupt = excluded.corrupt,
				corrupt_offsets = excluded.corrupt_offsets, pending = excluded.pending, parser_state = excluded.parser_state,
				records = excluded.records, models = excluded.models, data = excluded.data, resets = excluded.resets,
				updated_at_ms = excluded.updated_at_ms`,
		);
		for (const file of changed) {
			const data = file.batch.data.subarray(0, file.batch.length * STRIDE);
			upsert.run(
				account, file.path, file.kind, file.size, file.mtimeMs, file.ino, file.dev, file.offset, file.headLength, file.headHash,
				file.candidates, file.corrupt, JSON.stringify(file.corruptOffsets), file.pending,
				file.parserState === null ? null : JSON.stringify(file.parserState), file.batch.length, JSON.stringify(file.batch.models),
				new Uint8Array(data.buffer, data.byteOffset, data.byteLength), JSON.stringify(file.resets), nowMs,
			);
		}
		const remove = db.prepare('DELETE FROM log_files WHERE account = ? AND path = ?');
		for (const path of removed) remove.run(account, path);
	});
}

/** Forget an account's whole index (its files and aggregates). */
export function clearLogIndex(db: Db, account: string): void {
	db.transaction(() => {
		for (const table of ['log_files', 'log_summary', 'log_daily', 'log_blocks']) db.prepare(`DELETE FROM ${table} WHERE account = ?`).run(account);
	});
}

/** Accounts that have an index. */
export function indexedAccounts(db: Db): string[] {
	return (db.prepare('SELECT DISTINCT account FROM log_summary ORDER BY account').all() as Array<{account: string}>).map(row => row.account);
}

// ---------------------------------------------------------------------------------------------------
// Aggregates

/** What a refresh learned about an account, beside its minute series. */
export type LogSummaryInfo = {
	/** The provider whose logs these are. */
	kind: 'claude' | 'codex';
	/** Directories read. */
	dirs: string[];
	files: number;
	bytes: number;
	records: number;
	corrupt: number;
	/** Files whose last line is still incomplete, with their pending bytes. */
	pending: Array<{path: string; bytes: number}>;
	unpricedModels: string[];
	/** Usage-limit markers seen: [observedAtMs, resetAtMs], newest last. */
	resets: Array<[number, number]>;
	firstMs: number | null;
	lastMs: number | null;
	/** The time zone the daily rows were computed in. */
	timeZone: string;
	/** Start of the minute series (older minutes are not in it). */
	seriesSinceMs: number;
	/** The price table date and config overrides the costs were computed with. */
	pricingKey?: string | undefined;
	/** When the per-day and per-block rows (log_daily, log_blocks) were last computed. */
	aggregatesAtMs?: number | undefined;
};

export type LogSummary = {account: string; refreshedAtMs: number; series: Float64Array; info: LogSummaryInfo};

/**
 * Replace an account's aggregates in one transaction: its summary, and, when given, its per-day-and-model
 * rows and its blocks (left as they are when not given).
 */
export function saveLogAggregates(
	db: Db,
	summary: LogSummary,
	daily?: readonly DailyRow[],
	blocks?: readonly Block[],
): void {
	const {account} = summary;
	db.transaction(() => {
		db.prepare(
			`INSERT INTO log_summary (account, refreshed_at_ms, series, info) VALUES (?, ?, coalesce(?, X''), ?)
			 ON CONFLICT (account) DO UPDATE SET refreshed_at_ms = excluded.refreshed_at_ms, series = excluded.series, info = excluded.info`,
		).run(account, summary.refreshedAtMs, new Uint8Array(summary.series.buffer, summary.series.byteOffset, summary.series.byteLength), JSON.stringify(summary.info));
		if (!daily || !blocks) return;
		db.prepare('DELETE FROM log_daily WHERE account = ?').run(account);
		const day = db.prepare(
			`INSERT INTO log_daily (account, date, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, priced)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		);
		for (const row of daily) {
			for (const m of row.modelBreakdowns) day.run(account, row.date, m.modelName, m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens, m.cost, m.missingPricing ? 0 : 1);
		}
		// Blocks are written as a difference (unchanged rows untouched), so team mode's outbox sees only
		// the blocks that really changed.
		const kept = new Set<number>();
		const block = db.prepare(
			`INSERT INTO log_blocks (account, start_ms, end_ms, actual_end_ms, entries, input_tokens, output_tokens, cache_creation_tokens,
				cache_read_tokens, cost_usd, models, usage_limit_reset_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (account, start_ms) DO UPDATE SET end_ms = excluded.end_ms, actual_end_ms = excluded.actual_end_ms, entries = excluded.entries,
				input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, cache_creation_tokens = excluded.cache_creation_tokens,
				cache_read_tokens = excluded.cache_read_tokens, cost_usd = excluded.cost_usd, models = excluded.models, usage_limit_reset_ms = excluded.usage_limit_reset_ms
			 WHERE end_ms IS NOT excluded.end_ms OR actual_end_ms IS NOT excluded.actual_end_ms OR entries IS NOT excluded.entries
				OR input_tokens IS NOT excluded.input_tokens OR output_tokens IS NOT excluded.output_tokens OR cache_creation_tokens IS NOT excluded.cache_creation_tokens
				OR cache_read_tokens IS NOT excluded.cache_read_tokens OR cost_usd IS NOT excluded.cost_usd OR models IS NOT excluded.models
				OR usage_limit_reset_ms IS NOT excluded.usage_limit_reset_ms`,
		);
		for (const b of blocks) {
			if (b.isGap || b.actualEndTime === null) continue;
			kept.add(Date.parse(b.startTime));
			block.run(
				account, Date.parse(b.startTime), Date.parse(b.endTime), Date.parse(b.actualEndTime), b.entries, b.tokenCounts.inputTokens, b.tokenCounts.outputTokens,
				b.tokenCounts.cacheCreationInputTokens, b.tokenCounts.cacheReadInputTokens, b.costUSD, JSON.stringify(b.models),
				b.usageLimitResetTime ? Date.parse(b.usageLimitResetTime) : null,
			);
		}
		const stored = db.prepare('SELECT start_ms FROM log_blocks WHERE account = ?').all(account) as Array<{start_ms: number}>;
		const drop = db.prepare('DELETE FROM log_blocks WHERE account = ? AND start_ms = ?');
		for (const {start_ms: start} of stored) if (!kept.has(Number(start))) drop.run(account, start);
	});
}

type SummaryRow = {account: string; refreshed_at_ms: number; series: Uint8Array; info: string};

function summaryOf(row: SummaryRow): LogSummary {
	const series = new Float64Array(Math.floor(row.series.byteLength / 8));
	new Uint8Array(series.buffer).set(row.series.subarray(0, series.length * 8));
	return {account: row.account, refreshedAtMs: row.refreshed_at_ms, series, info: JSON.parse(row.info) as LogSummaryInfo};
}

/** Record that an account's logs were checked at `nowMs` and found unchanged. */
export function touchLogSummary(db: Db, account: string, nowMs: number): void {
	db.transaction(() => db.prepare('UPDATE log_summary SET refreshed_at_ms = ? WHERE account = ? AND refreshed_at_ms < ?').run(nowMs, account, nowMs));
}

/** The stored summary of one account. */
export function loadLogSummary(db: Db, account: string): LogSummary | undefined {
	const row = db.prepare('SELECT account, refreshed_at_ms, series, info FROM log_summary WHERE account = ?').get(account) as SummaryRow | undefined;
	return row ? summaryOf(row) : undefined;
}

/** What the stored summary of one account says beside its series (the series blob is not read). */
export function loadLogSummaryInfo(db: Db, account: string): LogSummaryInfo | undefined {
	const row = db.prepare('SELECT info FROM log_summary WHERE account = ?').get(account) as {info: string} | undefined;
	return row ? (JSON.parse(row.info) as LogSummaryInfo) : undefined;
}

/** The stored summary of every indexed account, by account. */
export function loadLogSummaries(db: Db): Map<string, LogSummary> {
	const rows = db.prepare('SELECT account, refreshed_at_ms, series, info FROM log_summary').all() as SummaryRow[];
	return new Map(rows.map(row => [row.account, summaryOf(row)]));
}

export type StoredBlock = {
	account: string;
	startMs: number;
	endMs: number;
	actualEndMs: number;
	entries: number;
	totalTokens: number;
	costUsd: number;
	models: string[];
	usageLimitResetMs: number | null;
};

/** The account's stored 5-hour blocks since `sinceMs`, oldest first. */
export function loadLogBlocks(db: Db, account: string, sinceMs = 0): StoredBlock[] {
	const rows = db
		.prepare('SELECT * FROM log_blocks WHERE account = ? AND start_ms >= ? ORDER BY start_ms')
		.all(account, sinceMs) as Array<Record<string, number | string | null>>;
	return rows.map(row => ({
		account: String(row['account']),
		startMs: Number(row['start_ms']),
		endMs: Number(row['end_ms']),
		actualEndMs: Number(row['actual_end_ms']),
		entries: Number(row['entries']),
		totalTokens: Number(row['input_tokens']) + Number(row['output_tokens']) + Number(row['cache_creation_tokens']) + Number(row['cache_read_tokens']),
		costUsd: Number(row['cost_usd']),
		models: JSON.parse(String(row['models'])) as string[],
		usageLimitResetMs: row['usage_limit_reset_ms'] === null ? null : Number(row['usage_limit_reset_ms']),
	}));
}
