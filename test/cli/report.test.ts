/**
 * `report daily|blocks` end to end: the built CLI on generated Claude logs, against totals the
 * generator computed on its own (and against ccusage itself when its binary is installed).
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {appendClaudeLogs, generateClaudeLogs, type Generated} from '../bench/generate-claude-logs.mjs';
import {runCli, runJson, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
const tmp: string[] = [];
const temp = (prefix: string) => {
	const dir = tempHome(prefix);
	tmp.push(dir);
	return dir;
};
afterAll(() => {
	for (const dir of tmp) fs.rmSync(dir, {recursive: true, force: true});
});

/** Env that reads `logs` as the default Claude dir and no Codex or real home dirs. */
function envFor(logs: string, extra: Record<string, string> = {}) {
	const home = temp('qt-fake-home-');
	return {CLAUDE_CONFIG_DIR: logs, CODEX_HOME: path.join(home, 'no-codex'), HOME: home, ...extra};
}

type DailyJson = {
	daily: Array<{date: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number; totalTokens: number; totalCost: number; modelsUsed: string[]}>;
	totals: {totalTokens: number; inputTokens: number; outputTokens: number; totalCost: number; unpricedModels?: string[]};
	scan: {bytesRead: number; files: number; filesAdded: number; filesAppended: number; filesReread: number; filesRemoved: number; corruptLines: number; pendingFiles: number};
	warnings: string[];
	accounts: Array<{name: string; files: number}>;
};
type BlocksJson = {blocks: Array<{id: string; startTime: string; actualEndTime: string | null; isGap: boolean; isActive: boolean; entries: number; totalTokens: number; tokenCounts: Record<string, number>; costUSD: number}>};

const dayTotals = (d: DailyJson['daily']) => d.map(x => ({date: x.date, inputTokens: x.inputTokens, outputTokens: x.outputTokens, cacheCreationTokens: x.cacheCreationTokens, cacheReadTokens: x.cacheReadTokens, totalTokens: x.totalTokens}));
const blockTotals = (b: BlocksJson['blocks']) => b.filter(x => !x.isGap).map(x => ({startTime: x.startTime, tokenCounts: x.tokenCounts, totalTokens: x.totalTokens}));

describe('report on a generated history', {timeout: 60_000}, () => {
	let logs: string;
	let generated: Generated;
	let home: string;
	let env: Record<string, string>;

	beforeAll(() => {
		logs = temp('qt-report-logs-');
		generated = generateClaudeLogs(logs, {mb: 3, seed: 9, replays: 0.5});
		home = tempHome();
		tmp.push(home);
		env = envFor(logs);
	});

	it('daily per-day token totals equal the totals the generator computed independently', () => {
		const {code, json} = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env});
		expect(code).toBe(0);
		expect(dayTotals(json.daily)).toEqual(generated.daily.map(({models: _models, ...day}) => day));
		for (const [i, day] of json.daily.entries()) expect([...day.modelsUsed].sort()).toEqual(generated.daily[i]!.models);
		expect(json.totals.totalTokens).toBe(generated.daily.reduce((s, d) => s + d.totalTokens, 0));
		expect(json.scan.filesAdded).toBe(generated.files.length);
		expect(json.totals.unpricedModels ?? []).toEqual(generated.truth.some(t => t.model === 'claude-nova-9-preview') ? ['claude-nova-9-preview'] : []);
	});

	it('blocks per-block token totals equal the generator’s (ccusage’s 5-hour rule), /btw replays not counted twice', () => {
		const {code, json} = runJson<BlocksJson>(['report', 'blocks', '--json'], {home, now: NOW, env});
		expect(code).toBe(0);
		expect(blockTotals(json.blocks)).toEqual(generated.blocks.map(b => ({startTime: b.startTime, tokenCounts: b.tokenCounts, totalTokens: b.totalTokens})));
		expect(json.blocks.filter(b => !b.isGap).map(b => [b.entries, b.actualEndTime])).toEqual(generated.blocks.map(b => [b.entries, b.actualEndTime]));
		expect(json.blocks.some(b => b.isGap)).toBe(true);
		expect(generated.replays).toBeGreaterThan(0);
		expect(json.blocks.every(b => !b.isActive)).toBe(true);
	});

	it('warnings count the corrupt usage lines and the half-written last lines', () => {
		const {json} = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env});
		expect(generated.corruptUsageLines).toBeGreaterThan(0);
		expect(json.scan.corruptLines).toBe(generated.corruptUsageLines);
		expect(json.warnings.join('\n')).toMatch(/corrupt usage line/);
		expect(json.scan.pendingFiles).toBe(generated.halfWrittenFiles);
	});

	it('--since/--until filter by date; bad dates and unknown accounts are usage errors', () => {
		const days = generated.daily.map(d => d.date.replaceAll('-', ''));
		const since = days[Math.floor(days.length / 2)]!;
		const {json} = runJson<DailyJson>(['report', 'daily', '--json', '--since', since], {home, now: NOW, env});
		expect(json.daily.map(d => d.date.replaceAll('-', ''))).toEqual(days.filter(d => d >= since));
		expect(runCli(['report', 'daily', '--since', '2026-13-01'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/--since/)});
		expect(runCli(['report', 'daily', '--account', 'nobody'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/no account named "nobody"/)});
		expect(runCli(['report', 'yearly'], {home, now: NOW, env}).code).toBe(2);
		expect(runCli(['report', 'daily', '--help'], {home, now: NOW, env})).toMatchObject({code: 0, stdout: expect.stringMatching(/ccusage/)});
	});

	it('the text report has a table with a total line and the API-equivalent price date', () => {
		const {code, stdout, stderr} = runCli(['report', 'daily', '--breakdown'], {home, now: NOW, env});
		expect(code).toBe(0);
		expect(stdout).toMatch(/^Date\s+Models\s+Input/m);
		expect(stdout).toMatch(/^Total\s/m);
		expect(stdout).toMatch(/└ opus-4-6/);
		expect(stdout).toMatch(/prices of \d{4}-\d{2}-\d{2}/);
		expect(stderr).toMatch(/warning: .*corrupt/);
	});

	it('the worker-thread reader and the JSON.parse parser give the same report as the byte scanner', () => {
		const base = runJson<DailyJson>(['report', 'daily', '--json'], {home: tempHomeTracked(), now: NOW, env: {...env, QUOTA_TUI_LOG_WORKERS: '0'}}).json;
		const workers = runJson<DailyJson>(['report', 'daily', '--json'], {home: tempHomeTracked(), now: NOW, env: {...env, QUOTA_TUI_LOG_WORKERS: '2'}}).json;
		const json = runJson<DailyJson>(['report', 'daily', '--json'], {home: tempHomeTracked(), now: NOW, env: {...env, QUOTA_TUI_LOG_PARSER: 'json', QUOTA_TUI_LOG_WORKERS: '0'}}).json;
		for (const other of [workers, json]) {
			expect(other.daily).toEqual(base.daily);
			expect(other.totals).toEqual(base.totals);
			expect(other.scan.corruptLines).toBe(base.scan.corruptLines);
		}
	});
});

function tempHomeTracked(): string {
	const home = tempHome();
	tmp.push(home);
	return home;
}

describe('incremental index', {timeout: 60_000}, () => {
	it('a second run reads only the appended bytes and reflects them', () => {
		const logs = temp('qt-report-append-');
		const first = generateClaudeLogs(logs, {mb: 1, seed: 3, replays: false});
		const home = tempHomeTracked();
		const env = envFor(logs);
		const before = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json;
		const sizes = new Map(first.files.map(f => [f, fs.statSync(f).size]));
		const added = appendClaudeLogs(logs, {mb: 0.05, seed: 9});
		const appendedBytes = [...sizes].reduce((sum, [file, size]) => sum + fs.statSync(file).size - size, 0);
		const after = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json;
		expect(after.scan.bytesRead).toBe(appendedBytes);
		expect(after.scan.filesAdded).toBe(0);
		expect(after.scan.filesAppended).toBeGreaterThan(0);
		const addedTokens = added.truth.reduce((s, t) => s + t.input + t.output + t.cacheCreation + t.cacheRead, 0);
		expect(after.totals.totalTokens).toBe(before.totals.totalTokens + addedTokens);
		// Nothing changed: nothing read.
		expect(runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json.scan.bytesRead).toBe(0);
	});

	it('truncated, replaced and deleted logs: totals drop accordingly', () => {
		const logs = temp('qt-report-shrink-');
		generateClaudeLogs(logs, {mb: 1, seed: 5, replays: false});
		const home = tempHomeTracked();
		const env = envFor(logs);
		const report = () => runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json;
		const full = report();
		// The largest main session file (no subagents, so nothing else duplicates its records).
		const files = fs.readdirSync(path.join(logs, 'projects'), {recursive: true, withFileTypes: true})
			.filter(e => e.isFile() && e.name.endsWith('.jsonl') && !e.parentPath.includes('subagents'))
			.map(e => path.join(e.parentPath, e.name))
			.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
		const victim = files[0]!;
		const text = fs.readFileSync(victim, 'utf8');
		const lines = text.split('\n');
		const keep = lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n';

		// Alone, the victim's records (the file read by itself in a fresh index) and those of its first half.
		const alone = (content: string) => {
			const dir = temp('qt-report-alone-');
			fs.mkdirSync(path.join(dir, 'projects', 'p'), {recursive: true});
			fs.writeFileSync(path.join(dir, 'projects', 'p', 's.jsonl'), content);
			return runJson<DailyJson>(['report', 'daily', '--json'], {home: tempHomeTracked(), now: NOW, env: envFor(dir)}).json.totals.totalTokens;
		};
		const wholeTokens = alone(text);
		const halfTokens = alone(keep);
		expect(halfTokens).toBeLessThan(wholeTokens);

		fs.truncateSync(victim, Buffer.byteLength(keep));
		const truncated = report();
		expect(truncated.scan.filesReread).toBe(1);
		expect(truncated.totals.totalTokens).toBe(full.totals.totalTokens - wholeTokens + halfTokens);
		expect(truncated.warnings.join('\n')).toMatch(/shrank/);

		const replacement = path.join(path.dirname(victim), 'replacement.tmp');
		fs.writeFileSync(replacement, text);
		fs.renameSync(replacement, victim);
		const replaced = report();
		expect(replaced.scan.filesReread).toBe(1);
		expect(replaced.totals.totalTokens).toBe(full.totals.totalTokens);

		fs.rmSync(victim);
		const deleted = report();
		expect(deleted.scan.filesRemoved).toBe(1);
		expect(deleted.totals.totalTokens).toBe(full.totals.totalTokens - wholeTokens);
	});

	it('a corrupt line appended later is counted in the warnings; the rest still counts', () => {
		const logs = temp('qt-report-corrupt-');
		const dir = path.join(logs, 'projects', '-home-dev-x');
		fs.mkdirSync(dir, {recursive: true});
		const file = path.join(dir, 'session.jsonl');
		const ok = (id: string, output: number) => JSON.stringify({type: 'assistant', sessionId: 'session', requestId: `req_${id}`, timestamp: '2026-10-30T10:00:00.000Z', message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 1, output_tokens: output}}});
		fs.writeFileSync(file, ok('a', 10) + '\n');
		const home = tempHomeTracked();
		const env = envFor(logs);
		expect(runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json.scan.corruptLines).toBe(0);
		const cut = ok('b', 20);
		fs.appendFileSync(file, cut.slice(0, cut.indexOf('"usage":{') + 20) + '\n' + ok('c', 30) + '\n');
		const {json} = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env});
		expect(json.scan.corruptLines).toBe(1);
		expect(json.warnings.join('\n')).toMatch(/1 corrupt usage line skipped .*session\.jsonl at byte \d+/);
		expect(json.totals.outputTokens).toBe(40);
	});
});

describe('configured accounts and dollar budgets', {timeout: 60_000}, () => {
	it('an account budget in usd entered without --used is measured from the logs and stops the gate', () => {
		const logs = temp('qt-report-budget-');
		const dir = path.join(logs, 'projects', '-w');
		fs.mkdirSync(dir, {recursive: true});
		const file = path.join(dir, 's.jsonl');
		// 1M output tokens of Opus 4.6 = $25 each, on Tuesday and Wednesday of the current week.
		const req = (id: string, ts: string) => JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r${id}`, timestamp: ts, message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 0, output_tokens: 1_000_000}}});
		fs.writeFileSync(file, [req('old', '2026-10-25T12:00:00Z'), req('a', '2026-10-27T12:00:00Z'), req('b', '2026-10-28T12:00:00Z')].join('\n') + '\n');
		const home = tempHomeTracked();
		const env = envFor(path.join(logs, 'unused'));
		const now = '2026-10-29T12:00:00Z';
		expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', logs], {home, now, env}).code).toBe(0);
		const set = runCli(['budget', 'set', '--scope', 'account:work', '--unit', 'usd', '--limit', '60', '--reset-at', '2026-11-02T00:00:00Z', '--recurrence', 'weekly:monday'], {home, now, env});
		expect(set.code).toBe(0);
		expect(set.stdout).toMatch(/\$50\.00 of 60 usd .*since 2026-10-26T00:00:00Z/);
		const status = runJson<{budgets: Array<{used: number; source: string}>}>(['budget', 'status', '--json'], {home, now, env}).json;
		expect(status.budgets[0]).toMatchObject({used: 50, source: 'estimated'});
		expect(runCli(['gate', '--account', 'work', '--estimate-usd', '4'], {home, now, env}).code).toBe(0);
		// More work lands in the log: the next gate measures it (a dollar ceiling is held to maxQuotaPercent).
		fs.appendFileSync(file, req('c', '2026-10-29T11:00:00Z') + '\n');
		const stop = runCli(['gate', '--account', 'work', '--estimate-usd', '5'], {home, now, env});
		expect(stop.code).toBe(75);
		expect(stop.stdout).toMatch(/Stopping: quota usage at 133% of the \$60\.00 weekly ceiling \(\$75\.00 \+ \$5\.00 estimated; configured max: 90% = \$54\.00\)/);
		// Without local logs there is nothing to measure: --used is required.
		expect(runCli(['accounts', 'add', 'bare', '--provider', 'manual'], {home, now, env}).code).toBe(0);
		expect(runCli(['budget', 'set', '--scope', 'account:bare', '--unit', 'usd', '--limit', '10'], {home, now, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/no local logs/)});
		// The report of that account, and its summary in status --json.
		const report = runJson<DailyJson>(['report', 'daily', '--json', '--account', 'work'], {home, now, env}).json;
		expect(report.accounts.map(a => a.name)).toEqual(['work']);
		expect(report.totals.outputTokens).toBe(4_000_000);
		const statusJson = runJson<{accounts: Array<{name: string; localUsage?: {refreshedAt: string; window: {tokens: number}}}>}>(['status', '--json'], {home, now, env}).json;
		expect(statusJson.accounts.find(a => a.name === 'work')!.localUsage).toMatchObject({refreshedAt: '2026-10-29T12:00:00Z'});
		expect(runCli(['report', 'daily', '--account', 'bare'], {home, now, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/bare has no local logs/)});
	});
});

describe('prices and Codex', {timeout: 60_000}, () => {
	it('a price added in config prices a model the table lacks (and the stored aggregates follow)', () => {
		const logs = temp('qt-report-price-');
		const dir = path.join(logs, 'projects', '-p');
		fs.mkdirSync(dir, {recursive: true});
		fs.writeFileSync(path.join(dir, 's.jsonl'), JSON.stringify({type: 'assistant', sessionId: 's', requestId: 'r', timestamp: '2026-10-30T10:00:00Z', message: {id: 'm', model: 'claude-nova-9-preview', usage: {input_tokens: 1_000_000, output_tokens: 1_000_000}}}) + '\n');
		const home = tempHomeTracked();
		const env = envFor(logs);
		const before = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json;
		expect(before.totals).toMatchObject({totalCost: 0, unpricedModels: ['claude-nova-9-preview']});
		expect(before.warnings.join('\n')).toMatch(/no price for claude-nova-9-preview/);
		expect(runCli(['config', 'set', 'pricing.models', '{"claude-nova-9-preview": {"input": 2, "output": 10}}'], {home, now: NOW, env}).code).toBe(0);
		const after = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env}).json;
		expect(after.totals.totalCost).toBeCloseTo(12, 9);
		expect(after.totals.unpricedModels).toBeUndefined();
		expect(runCli(['config', 'set', 'pricing.models', '{"x": {"input": -1, "output": 1}}'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/pricing\.models\.x\.input/)});
	});

	it('reads a Codex account’s rollout files: turns per model, cached input as cache reads', () => {
		const codexHome = temp('qt-report-codex-');
		const file = path.join(codexHome, 'sessions', '2026', '10', '30', 'rollout-2026-10-30T09-00-00-abc.jsonl');
		fs.mkdirSync(path.dirname(file), {recursive: true});
		const count = (ts: string, total: number[]) => JSON.stringify({timestamp: ts, type: 'event_msg', payload: {type: 'token_count', info: {total_token_usage: {input_tokens: total[0], cached_input_tokens: total[1], output_tokens: total[2], reasoning_output_tokens: 0, total_tokens: total[0]! + total[2]!}}, rate_limits: null}});
		fs.writeFileSync(file, [
			JSON.stringify({timestamp: '2026-10-30T09:00:00Z', type: 'turn_context', payload: {model: 'gpt-5.1-codex'}}),
			count('2026-10-30T09:01:00Z', [100_000, 40_000, 5_000]),
			count('2026-10-30T09:02:00Z', [300_000, 140_000, 9_000]),
		].join('\n') + '\n');
		const home = tempHomeTracked();
		const env = envFor(temp('qt-no-claude-'));
		expect(runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codexHome], {home, now: NOW, env}).code).toBe(0);
		const {json} = runJson<DailyJson>(['report', 'daily', '--json'], {home, now: NOW, env});
		expect(json.daily).toEqual([expect.objectContaining({date: '2026-10-30', inputTokens: 160_000, cacheReadTokens: 140_000, outputTokens: 9_000, modelsUsed: ['gpt-5.1-codex']})]);
		expect(json.totals.totalCost).toBeCloseTo((160_000 * 1.25 + 140_000 * 0.125 + 9_000 * 10) / 1e6, 9);
	});
});

/** ccusage's native binary, when installed (a devDependency); null otherwise. */
function ccusageBinary(): string | null {
	try {
		const require = createRequire(import.meta.url);
		const pkg = `@ccusage/ccusage-${process.platform}-${process.arch}/package.json`;
		const bin = path.join(path.dirname(require.resolve(pkg)), 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage');
		fs.chmodSync(bin, 0o755);
		return bin;
	} catch {
		return null;
	}
}

const ccusage = ccusageBinary();

describe.skipIf(ccusage === null)('against ccusage itself (offline, same files)', {timeout: 60_000}, () => {
	let logs: string;
	beforeAll(() => {
		logs = temp('qt-report-ccusage-');
		// No /btw replays here: ccusage 20.0.24 drops them in `daily` but counts them in `blocks`.
		generateClaudeLogs(logs, {mb: 2, seed: 23, replays: false});
	});

	const runCcusage = <T>(command: string): T => {
		const fakeHome = temp('qt-ccusage-home-');
		const result = spawnSync(ccusage!, ['claude', command, '--json', '--offline'], {env: {PATH: process.env['PATH'], HOME: fakeHome, CLAUDE_CONFIG_DIR: logs, TZ: 'UTC'}, encoding: 'utf8', timeout: 30_000});
		expect(result.status, result.stderr).toBe(0);
		return JSON.parse(result.stdout) as T;
	};

	it('report daily --json has ccusage’s per-day token totals and models', () => {
		const theirs = runCcusage<DailyJson>('daily');
		const ours = runJson<DailyJson>(['report', 'daily', '--json'], {home: tempHomeTracked(), now: NOW, env: envFor(logs)}).json;
		expect(dayTotals(ours.daily)).toEqual(dayTotals(theirs.daily));
		expect(ours.daily.map(d => d.modelsUsed)).toEqual(theirs.daily.map(d => d.modelsUsed));
	});

	it('report blocks --json has ccusage’s blocks (ids, times, token totals)', () => {
		const theirs = runCcusage<BlocksJson>('blocks');
		const ours = runJson<BlocksJson>(['report', 'blocks', '--json'], {home: tempHomeTracked(), now: NOW, env: envFor(logs)}).json;
		const shape = (b: BlocksJson['blocks']) => b.map(x => ({id: x.id, startTime: x.startTime, actualEndTime: x.actualEndTime, isGap: x.isGap, totalTokens: x.totalTokens, tokenCounts: x.tokenCounts}));
		expect(shape(ours.blocks)).toEqual(shape(theirs.blocks));
	});
});
