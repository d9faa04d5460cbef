import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {dailyReport, identifyBlocks, minuteSeries, priceBatch, UsageBuilder} from '../../source/engine/usage.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {tempHome} from '../helpers/cli.js';
import {
	clearLogIndex,
	indexedAccounts,
	loadLogBlocks,
	loadLogCursors,
	loadLogFiles,
	loadLogSummaries,
	saveLogAggregates,
	saveLogFiles,
	type StoredLogFile,
} from '../../source/store/log-index.js';

let dir: string;
let db: Db;
beforeEach(() => {
	dir = tempHome('qt-log-index-');
	db = openDatabase(path.join(dir, 'quota.db'));
});
afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

function file(name: string, outputs: number[]): StoredLogFile {
	const b = new UsageBuilder();
	outputs.forEach((output, i) => b.push({offset: i * 100, ts: Date.parse('2026-03-01T10:00:00Z') + i * 60_000, input: 1, output, cacheWrite5m: 2, cacheWrite1h: 3, cacheRead: 4, key: 2 ** 52 + i, mkey: 2 ** 51 + i, model: i % 2 ? 'claude-haiku-4-5' : 'claude-opus-4-6', flags: 1}));
	return {
		path: `/logs/${name}.jsonl`, kind: 'claude', size: 1234, mtimeMs: 1_772_000_000_123.5, ino: 987_654_321_012, dev: 2049, offset: 1200, headLength: 1024, headHash: 2 ** 52 + 17,
		candidates: outputs.length, corrupt: 1, corruptOffsets: [500], pending: 34, parserState: null, batch: b.toBatch(), resets: [[1, 2]],
	};
}

describe('log file index', () => {
	it('drops a stored file whose record blob has another layout (an older quota-tui), so it is read again', () => {
		const f = file('old', [5, 6]);
		saveLogFiles(db, 'work', [f], [], 1);
		expect(loadLogFiles(db, 'work').size).toBe(1);
		// The blob of the previous layout: 11 numbers per record.
		db.prepare('UPDATE log_files SET data = ? WHERE path = ?').run(new Uint8Array(2 * 11 * 8), f.path);
		expect(loadLogFiles(db, 'work').size).toBe(0);
	});

	it('round-trips cursors and record blobs exactly (53-bit hashes, fractional mtimes)', () => {
		const a = file('a', [10, 20, 30]);
		saveLogFiles(db, 'acct', [a, file('b', [5])], [], 1000);
		const loaded = loadLogFiles(db, 'acct');
		expect([...loaded.keys()].sort()).toEqual(['/logs/a.jsonl', '/logs/b.jsonl']);
		const back = loaded.get('/logs/a.jsonl')!;
		expect({...back, batch: undefined}).toEqual({...a, batch: undefined});
		expect(Array.from(back.batch.data)).toEqual(Array.from(a.batch.data));
		expect(back.batch.models).toEqual(a.batch.models);
		expect(loadLogCursors(db, 'acct').get('/logs/b.jsonl')).toMatchObject({records: 1, pending: 34});
		expect(loadLogFiles(db, 'other').size).toBe(0);
	});

	it('updates a changed file in place and drops vanished ones in the same transaction', () => {
		saveLogFiles(db, 'acct', [file('a', [1]), file('b', [2])], [], 1000);
		saveLogFiles(db, 'acct', [file('a', [1, 2, 3])], ['/logs/b.jsonl'], 2000);
		const loaded = loadLogFiles(db, 'acct');
		expect([...loaded.keys()]).toEqual(['/logs/a.jsonl']);
		expect(loaded.get('/logs/a.jsonl')!.batch.length).toBe(3);
	});

	it('stores per-account aggregates and clears them with the index', () => {
		const batch = priceBatch(file('a', [10, 20, 30]).batch);
		const {daily} = dailyReport([batch], {dateOf: ms => new Date(ms).toISOString().slice(0, 10)});
		const blocks = identifyBlocks(batch, {now: Date.parse('2026-03-02T00:00:00Z')});
		const series = minuteSeries(batch, 0);
		saveLogAggregates(db, {account: 'acct', refreshedAtMs: 5, series, info: {kind: 'claude', dirs: ['/c'], files: 1, bytes: 1, records: 3, corrupt: 0, pending: [], unpricedModels: [], resets: [], firstMs: 1, lastMs: 2, timeZone: 'UTC', seriesSinceMs: 0}}, daily, blocks);
		const summary = loadLogSummaries(db).get('acct')!;
		expect(Array.from(summary.series)).toEqual(Array.from(series));
		expect(summary.info.records).toBe(3);
		expect(loadLogBlocks(db, 'acct')).toEqual([expect.objectContaining({entries: 3, totalTokens: 3 * 10 + 60, models: ['claude-opus-4-6', 'claude-haiku-4-5']})]);
		const rows = db.raw.prepare('SELECT model, output_tokens FROM log_daily WHERE account = ? ORDER BY model').all('acct');
		expect(rows).toEqual([{model: 'claude-haiku-4-5', output_tokens: 20}, {model: 'claude-opus-4-6', output_tokens: 40}]);
		expect(indexedAccounts(db)).toEqual(['acct']);
		saveLogFiles(db, 'acct', [file('a', [1])], [], 1);
		clearLogIndex(db, 'acct');
		expect(indexedAccounts(db)).toEqual([]);
		expect(loadLogFiles(db, 'acct').size).toBe(0);
	});
});
