/**
 * The long-lived index of a process (the dashboard's): refreshed record by record, it must hold what a
 * fresh index built from scratch holds; what it stores is what the next process starts from.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {dailyReport, minuteSeries, sumBetween} from '../../source/engine/usage.js';
import {openContext} from '../../source/runtime/context.js';
import {LocalLogIndex, logSources, type LogSource} from '../../source/runtime/local-logs.js';
import {apiEquivalentCost} from '../../source/runtime/local-usage.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {loadLogSummaries} from '../../source/store/log-index.js';
import {appendClaudeLogs, DEFAULT_END, generateClaudeLogs} from '../bench/generate-claude-logs.mjs';
import {tempHome} from '../helpers/cli.js';

let dir: string;
let db: Db;
let source: LogSource;
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const round = (n: number) => Math.round(n * 1e9) / 1e9;
/** Record order (and so the order models first appear, and float sums) may differ: compare without it. */
const normalized = (report: ReturnType<typeof dailyReport>) => ({
	totals: {...report.totals, totalCost: round(report.totals.totalCost)},
	daily: report.daily.map(row => ({
		...row,
		totalCost: round(row.totalCost),
		modelsUsed: [...row.modelsUsed].sort(),
		modelBreakdowns: row.modelBreakdowns.map(m => ({...m, cost: round(m.cost)})).sort((a, b) => (a.modelName < b.modelName ? -1 : 1)),
	})),
});

beforeEach(() => {
	dir = tempHome('qt-local-logs-');
	db = openDatabase(path.join(dir, 'quota.db'));
	source = {account: 'acct', provider: 'claude', dirs: [path.join(dir, 'claude')], implicit: false};
});
afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

/** What a brand-new index (another process, its own database) sees now. */
async function fromScratch(now: number) {
	const other = openDatabase(path.join(dir, `scratch-${Math.random()}.db`));
	try {
		const index = new LocalLogIndex({db: other, config: {}}, {timeZone: 'UTC', workers: 0});
		await index.refresh([source], now);
		const usage = index.usage('acct');
		const total = sumBetween(usage, 0, Number.MAX_SAFE_INTEGER);
		return {daily: normalized(dailyReport([usage], {dateOf: utc})), total: {...total, costUsd: round(total.costUsd)}, series: Array.from(loadLogSummaries(other).get('acct')!.series).map(round)};
	} finally {
		other.close();
	}
}

describe('LocalLogIndex kept by a process', () => {
	it('refreshed record by record, it equals an index built from scratch (records, costs, minute series)', async () => {
		generateClaudeLogs(source.dirs[0]!, {mb: 1, seed: 4});
		const index = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
		const now = DEFAULT_END + 86_400_000;
		await index.refresh([source], now);
		for (const seed of [31, 32]) {
			appendClaudeLogs(source.dirs[0]!, {mb: 0.05, seed, after: DEFAULT_END + seed * 60_000});
			const [refreshed] = await index.refresh([source], now);
			expect(refreshed!.bytesRead).toBeGreaterThan(0);
			expect(refreshed!.reread + refreshed!.removed).toBe(0);
		}
		const usage = index.usage('acct');
		const scratch = await fromScratch(now);
		expect(normalized(dailyReport([usage], {dateOf: utc}))).toEqual(scratch.daily);
		const total = sumBetween(usage, 0, Number.MAX_SAFE_INTEGER);
		expect({...total, costUsd: round(total.costUsd)}).toEqual(scratch.total);
		expect(Array.from(loadLogSummaries(db).get('acct')!.series).map(round)).toEqual(scratch.series);
		// …and both equal the minute series the engine computes from the records themselves.
		const summary = loadLogSummaries(db).get('acct')!;
		expect(scratch.series).toEqual(Array.from(minuteSeries(usage, summary.info.seriesSinceMs)).map(round));
		expect(scratch.series.length).toBeGreaterThan(50);
	});

	it('a streaming line completed after a refresh replaces the partial record; a deleted file drops its records', async () => {
		const project = path.join(source.dirs[0]!, 'projects', '-w');
		fs.mkdirSync(project, {recursive: true});
		const line = (id: string, output: number) => JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r${id}`, timestamp: '2026-10-30T10:00:00Z', message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 1, output_tokens: output}}}) + '\n';
		fs.writeFileSync(path.join(project, 'a.jsonl'), line('m1', 1));
		fs.writeFileSync(path.join(project, 'b.jsonl'), line('m2', 7));
		const index = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
		const now = Date.parse('2026-10-30T12:00:00Z');
		await index.refresh([source], now);
		expect(sumBetween(index.usage('acct'), 0, now).outputTokens).toBe(8);
		fs.appendFileSync(path.join(project, 'a.jsonl'), line('m1', 500));
		await index.refresh([source], now);
		expect(sumBetween(index.usage('acct'), 0, now)).toMatchObject({outputTokens: 507, entries: 2});
		fs.rmSync(path.join(project, 'b.jsonl'));
		const [refreshed] = await index.refresh([source], now);
		expect(refreshed!.removed).toBe(1);
		expect(sumBetween(index.usage('acct'), 0, now)).toMatchObject({outputTokens: 500, entries: 1});
		expect(Array.from(loadLogSummaries(db).get('acct')!.series).map(round)).toEqual((await fromScratch(now)).series);
	});

	it('keeps merged records only (files\' records stay in quota.db), and stays right through appends, rewrites, rotations and deletions, in one process and the next', async () => {
		const project = path.join(source.dirs[0]!, 'projects', '-w');
		fs.mkdirSync(project, {recursive: true});
		const line = (id: string, output: number) => JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r${id}`, timestamp: '2026-10-30T10:00:00Z', message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 1, output_tokens: output}}}) + '\n';
		const file = (name: string) => path.join(project, name);
		fs.writeFileSync(file('a.jsonl'), line('a1', 1) + line('a2', 2));
		fs.writeFileSync(file('b.jsonl'), line('b1', 10));
		fs.writeFileSync(file('c.jsonl'), line('c1', 100));
		const now = Date.parse('2026-10-30T12:00:00Z');
		const kept = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
		const output = (index: LocalLogIndex) => sumBetween(index.usage('acct'), 0, now).outputTokens;
		const filesRecords = (index: LocalLogIndex) => [...index.files('acct').values()].reduce((sum, f) => sum + f.batch.length, 0);
		/** A new process: its own index over the same quota.db. */
		const next = async () => {
			const index = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
			await index.refresh([source], now);
			return index;
		};
		await kept.refresh([source], now);
		expect(output(kept)).toBe(113);
		expect(filesRecords(kept)).toBe(0);
		expect(kept.fileRecords('acct', f => f.endsWith('a.jsonl')).map(f => f.batch.length)).toEqual([2]);

		fs.appendFileSync(file('a.jsonl'), line('a3', 1000)); // appended
		await kept.refresh([source], now);
		expect(output(kept)).toBe(1113);
		expect(output(await next())).toBe(1113);

		fs.writeFileSync(file('b.jsonl'), line('b2', 20)); // truncated and rewritten
		let [refreshed] = await kept.refresh([source], now);
		expect(refreshed!.reread).toBe(1);
		expect(output(kept)).toBe(1123);
		expect(output(await next())).toBe(1123);

		fs.renameSync(file('c.jsonl'), file('c.1.jsonl')); // rotated: the same records under a new name
		fs.writeFileSync(file('c.jsonl'), line('c2', 5000));
		[refreshed] = await kept.refresh([source], now);
		expect(refreshed).toMatchObject({added: 1, reread: 1});
		expect(output(kept)).toBe(6123);
		expect(output(await next())).toBe(6123);

		fs.rmSync(file('a.jsonl')); // deleted
		[refreshed] = await kept.refresh([source], now);
		expect(refreshed!.removed).toBe(1);
		expect(output(kept)).toBe(5120);
		const other = await next();
		expect(output(other)).toBe(5120);
		expect(filesRecords(kept) + filesRecords(other)).toBe(0);
		expect((await fromScratch(now)).total.outputTokens).toBe(5120);
	});

	it('a kept index goes on from what another process stored for a file it let go (no record twice)', async () => {
		const project = path.join(source.dirs[0]!, 'projects', '-w');
		fs.mkdirSync(project, {recursive: true});
		// No message id nor request id: such records are never deduplicated, so reading one twice would count it twice.
		const line = (output: number) => JSON.stringify({type: 'assistant', sessionId: 's', timestamp: '2026-10-30T10:00:00Z', message: {model: 'claude-opus-4-6', usage: {input_tokens: 1, output_tokens: output}}}) + '\n';
		const file = path.join(project, 'a.jsonl');
		fs.writeFileSync(file, line(1));
		fs.writeFileSync(path.join(project, 'b.jsonl'), line(10));
		const now = Date.parse('2026-10-30T12:00:00Z');
		const output = (index: LocalLogIndex) => sumBetween(index.usage('acct'), 0, now).outputTokens;
		const kept = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
		await kept.refresh([source], now);
		expect(output(kept)).toBe(11);
		fs.appendFileSync(file, line(100));
		const report = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0}); // another process, the same quota.db
		await report.refresh([source], now);
		expect(output(report)).toBe(111);
		fs.appendFileSync(file, line(1000));
		await kept.refresh([source], now);
		expect(output(kept)).toBe(1111);
		fs.appendFileSync(path.join(project, 'b.jsonl'), line(10_000));
		await report.refresh([source], now); // the report process goes on from its own (older) read of a.jsonl
		expect(output(report)).toBe(11_111);
		await kept.refresh([source], now);
		expect(output(kept)).toBe(11_111);
		// What both stored is what the next process starts from.
		const next = new LocalLogIndex({db, config: {}}, {timeZone: 'UTC', workers: 0});
		await next.refresh([source], now);
		expect(output(next)).toBe(11_111);
		expect((await fromScratch(now)).total.outputTokens).toBe(11_111);
	});

	it('the API-equivalent cost of a job: its account, its time range, optionally its project directory only', async () => {
		const claudeDir = source.dirs[0]!;
		const write = (slug: string, id: string, ts: string) => {
			const project = path.join(claudeDir, 'projects', slug);
			fs.mkdirSync(project, {recursive: true});
			// 1M output tokens of Opus 4.6: $25.
			fs.appendFileSync(path.join(project, 's.jsonl'), JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r${id}`, timestamp: ts, message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 0, output_tokens: 1_000_000}}}) + '\n');
		};
		write('-work-app', 'a', '2026-10-30T10:05:00Z');
		write('-work-app', 'b', '2026-10-30T10:20:00Z');
		write('-work-other', 'c', '2026-10-30T10:10:00Z');
		write('-work-app', 'd', '2026-10-30T12:00:00Z');
		const home = path.join(dir, 'qt');
		fs.mkdirSync(home);
		fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({accounts: [{name: 'w', provider: 'claude', configDir: claudeDir}]}));
		const ctx = openContext({env: {QUOTA_TUI_HOME: home, HOME: dir}});
		try {
			const range = {account: 'w', startMs: Date.parse('2026-10-30T10:00:00Z'), endMs: Date.parse('2026-10-30T11:00:00Z')};
			expect((await apiEquivalentCost(ctx, range))!).toMatchObject({entries: 3, costUsd: 75});
			expect((await apiEquivalentCost(ctx, {...range, cwd: '/work/app'}))!).toMatchObject({entries: 2, costUsd: 50});
			expect(await apiEquivalentCost(ctx, {...range, account: 'nobody'})).toBeNull();
		} finally {
			ctx.close();
		}
	});

	it('finds the default Claude and Codex directories only for providers without a configured account', () => {
		const home = path.join(dir, 'home');
		fs.mkdirSync(path.join(home, '.claude', 'projects'), {recursive: true});
		fs.mkdirSync(path.join(home, '.codex', 'sessions'), {recursive: true});
		const env = {HOME: home};
		expect(logSources([], env).map(s => [s.account, s.dirs])).toEqual([['@claude', [path.join(home, '.claude')]], ['@codex', [path.join(home, '.codex')]]]);
		const configured = logSources([{name: 'w', provider: 'claude', configDir: '~/work-claude'}], env);
		expect(configured.map(s => [s.account, s.dirs])).toEqual([['w', [path.join(home, 'work-claude')]], ['@codex', [path.join(home, '.codex')]]]);
		expect(logSources([], {...env, CLAUDE_CONFIG_DIR: `${path.join(home, '.claude', 'projects')}, /nonexistent`}).find(s => s.provider === 'claude')!.dirs).toEqual([path.join(home, '.claude')]);
	});
});
