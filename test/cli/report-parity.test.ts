/**
 * `report` as a ccusage user meets it: weekly/monthly/session reports, --project/--instances, ccusage's
 * flags, --mode with logged costs, and Codex histories deduplicated as ccusage deduplicates them (its
 * own test cases and the audit's), checked against fixed expectations and, when its binary is
 * installed, against ccusage 20.0.24 itself on the same files.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generateClaudeLogs, type Generated} from '../bench/generate-claude-logs.mjs';
import {CODEX_CASES, writeCodexCase} from '../fixtures/codex-cases.mjs';
import {runMain, tempHome, type CliOptions} from '../helpers/cli.js';

/** main() in this process (no child process: these tests run many reports). */
const runCli = (args: readonly string[], options: CliOptions) => runMain(args, options);
async function runJson<T>(args: readonly string[], options: CliOptions): Promise<{code: number; json: T; stderr: string}> {
	const result = await runMain(args, options);
	try {
		return {code: result.code, json: JSON.parse(result.stdout) as T, stderr: result.stderr};
	} catch {
		throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
	}
}

const NOW = '2026-11-01T00:00:00Z';
const tmp: string[] = [];
const temp = (prefix = 'qt-parity-') => {
	const dir = tempHome(prefix);
	tmp.push(dir);
	return dir;
};
afterAll(() => {
	for (const dir of tmp) fs.rmSync(dir, {recursive: true, force: true});
});

/** Env reading `claude` as the default Claude dir and `codex` as CODEX_HOME (missing dirs: none). */
function envFor({claude, codex}: {claude?: string; codex?: string}, extra: Record<string, string> = {}) {
	const home = temp('qt-fake-home-');
	return {CLAUDE_CONFIG_DIR: claude ?? path.join(home, 'no-claude'), CODEX_HOME: codex ?? path.join(home, 'no-codex'), HOME: home, ...extra};
}

type Row = {inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number; totalTokens: number; totalCost: number; modelsUsed: string[]; modelBreakdowns: Array<{modelName: string}>};
type Totals = Omit<Row, 'modelsUsed' | 'modelBreakdowns'>;
type Report = {
	daily?: Array<Row & {date: string; project?: string}>;
	weekly?: Array<Row & {week: string}>;
	monthly?: Array<Row & {month: string}>;
	sessions?: Array<Row & {sessionId: string; projectPath: string; firstActivity: string; lastActivity: string}>;
	projects?: Record<string, Array<Row & {date: string; project: string}>>;
	totals: Totals;
	warnings: string[];
	costMode: string;
};

const tokens = (r: Omit<Totals, 'totalCost'>) => ({inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheCreationTokens: r.cacheCreationTokens, cacheReadTokens: r.cacheReadTokens, totalTokens: r.totalTokens});

/** ccusage's native binary, when installed (a devDependency); null otherwise. */
function ccusageBinary(): string | null {
	try {
		const require = createRequire(import.meta.url);
		const bin = path.join(path.dirname(require.resolve(`@ccusage/ccusage-${process.platform}-${process.arch}/package.json`)), 'bin', 'ccusage');
		fs.chmodSync(bin, 0o755);
		return bin;
	} catch {
		return null;
	}
}
const ccusage = ccusageBinary();

function runCcusage<T>(args: string[], env: Record<string, string>): T {
	const result = spawnSync(ccusage!, [...args, '--json', '--offline'], {env: {PATH: process.env['PATH'], HOME: temp('qt-ccusage-home-'), TZ: 'UTC', ...env}, encoding: 'utf8', timeout: 30_000});
	expect(result.status, result.stderr).toBe(0);
	return JSON.parse(result.stdout) as T;
}

describe('Codex: forked history, sub-agent replays and archived copies counted once (ccusage’s rules)', {timeout: 120_000}, () => {
	let root: string;
	beforeAll(() => {
		root = temp('qt-codex-cases-');
		for (const name of Object.keys(CODEX_CASES)) writeCodexCase(root, name);
	});

	it.each(Object.keys(CODEX_CASES))('%s: per-day totals are the deduplicated ones', async name => {
		const {code, json} = await runJson<Report>(['report', 'daily', '--json'], {home: temp(), now: NOW, env: envFor({codex: path.join(root, name)})});
		expect(code).toBe(0);
		const expected = CODEX_CASES[name]!.expected;
		// [input incl. cached, cached, output] per day, as Codex counts them.
		expect(Object.fromEntries(json.daily!.map(d => [d.date, [d.inputTokens + d.cacheReadTokens, d.cacheReadTokens, d.outputTokens]]))).toEqual(expected);
	});

	it('a turn whose log names no model is priced as gpt-5, and the report says so', async () => {
		const {json} = await runJson<Report>(['report', 'daily', '--json'], {home: temp(), now: NOW, env: envFor({codex: path.join(root, 'no-model')})});
		expect(json.daily![0]!.modelsUsed).toEqual(['gpt-5']);
		// gpt-5: $1.25 input, $0.125 cached, $10 output per MTok.
		expect(json.totals.totalCost).toBeCloseTo((3000 * 1.25 + 1000 * 0.125 + 500 * 10) / 1e6, 12);
		expect(json.warnings.join('\n')).toMatch(/1 Codex turn without a model in the log: priced as gpt-5, as ccusage prices them/);
	});

	it('a sub-agent replay stays skipped when the file grows (the replay state is kept between reads)', async () => {
		const home = path.join(temp('qt-codex-grow-'), 'cx');
		fs.cpSync(path.join(root, 'thread-spawn-replay'), home, {recursive: true});
		const env = envFor({codex: home});
		const qt = temp();
		const before = (await runJson<Report>(['report', 'daily', '--json'], {home: qt, now: NOW, env})).json;
		const file = fs.readdirSync(path.join(home, 'sessions', '2026', '05', '12')).find(f => f.includes('subagent'))!;
		fs.appendFileSync(path.join(home, 'sessions', '2026', '05', '12', file), JSON.stringify({timestamp: '2026-05-12T08:06:00.000Z', type: 'event_msg', payload: {type: 'token_count', info: {total_token_usage: {input_tokens: 160, cached_input_tokens: 15, output_tokens: 31, reasoning_output_tokens: 0, total_tokens: 191}}}}) + '\n');
		const after = (await runJson<{totals: Totals; scan: {filesAppended: number}}>(['report', 'daily', '--json'], {home: qt, now: NOW, env})).json;
		expect(after.scan.filesAppended).toBe(1);
		expect(after.totals.inputTokens + after.totals.cacheReadTokens - before.totals.inputTokens - before.totals.cacheReadTokens).toBe(10);
		expect(after.totals.outputTokens - before.totals.outputTokens).toBe(1);
	});

	it.skipIf(ccusage === null)('equal to `ccusage codex daily` per day (tokens and cost), in UTC and in Asia/Tokyo', async () => {
		for (const tz of ['UTC', 'Asia/Tokyo']) {
			for (const name of tz === 'UTC' ? Object.keys(CODEX_CASES) : ['archived-copy', 'thread-spawn-replay', 'fork-verbatim']) {
				const codex = path.join(root, name);
				const ours = (await runJson<Report>(['report', 'daily', '--json', '-z', tz], {home: temp(), now: NOW, env: envFor({codex})})).json;
				const theirs = runCcusage<{daily: Array<{date: string; inputTokens: number; cacheReadTokens: number; cacheCreationTokens: number; outputTokens: number; costUSD: number}>}>(['codex', 'daily'], {CODEX_HOME: codex, TZ: tz});
				const shape = (rows: Array<{date: string; inputTokens: number; cacheReadTokens: number; cacheCreationTokens: number; outputTokens: number; cost: number}>) => rows.map(r => ({...r, cost: Math.round(r.cost * 1e9)}));
				expect(shape(ours.daily!.map(d => ({date: d.date, inputTokens: d.inputTokens, cacheReadTokens: d.cacheReadTokens, cacheCreationTokens: d.cacheCreationTokens, outputTokens: d.outputTokens, cost: d.totalCost}))), `${name} ${tz}`)
					.toEqual(shape(theirs.daily.map(d => ({date: d.date, inputTokens: d.inputTokens, cacheReadTokens: d.cacheReadTokens, cacheCreationTokens: d.cacheCreationTokens, outputTokens: d.outputTokens, cost: d.costUSD}))));
			}
		}
	});
});

describe('weekly, monthly, session, --project and --instances on a generated Claude history', {timeout: 120_000}, () => {
	let logs: string;
	let generated: Generated;
	let home: string;
	let env: Record<string, string>;
	const report = async (args: string[]) => {
		const {code, json} = await runJson<Report>(['report', ...args, '--json'], {home, now: NOW, env});
		expect(code).toBe(0);
		return json;
	};

	beforeAll(() => {
		logs = temp('qt-parity-logs-');
		generated = generateClaudeLogs(logs, {mb: 1.5, seed: 7, replays: false});
		home = temp();
		env = envFor({claude: logs});
	});

	it('weekly (Sunday weeks, or --start-of-week), monthly and session rows sum to the daily totals', async () => {
		const daily = await report(['daily']);
		const weekly = await report(['weekly']);
		expect(weekly.weekly!.length).toBeGreaterThan(1);
		for (const w of weekly.weekly!) expect(new Date(`${w.week}T00:00:00Z`).getUTCDay()).toBe(0);
		for (const w of (await report(['weekly', '-w', 'monday'])).weekly!) expect(new Date(`${w.week}T00:00:00Z`).getUTCDay()).toBe(1);
		const monthly = await report(['monthly']);
		expect(monthly.monthly!.map(m => m.month)).toEqual([...new Set(daily.daily!.map(d => d.date.slice(0, 7)))]);
		const sessions = await report(['session']);
		for (const r of [weekly, monthly, sessions]) expect(tokens(r.totals)).toEqual(tokens(daily.totals));
		// One session per main transcript (a subagent transcript belongs to its parent's session).
		const mains = generated.files.filter(f => !f.includes(`${path.sep}subagents${path.sep}`)).map(f => path.basename(f, '.jsonl'));
		expect(sessions.sessions!.map(s => s.sessionId).sort()).toEqual([...new Set(mains)].sort());
		expect(sessions.sessions!.map(s => s.totalCost)).toEqual([...sessions.sessions!.map(s => s.totalCost)].sort((a, b) => b - a));
		for (const s of sessions.sessions!) expect(s.firstActivity <= s.lastActivity).toBe(true);
		const one = sessions.sessions![0]!;
		expect((await report(['session', '-i', one.sessionId])).sessions!.map(s => s.sessionId)).toEqual([one.sessionId]);
	});

	it('--project keeps one project (its name on every daily row); --instances groups daily rows by project', async () => {
		const instances = await report(['daily', '--instances']);
		const names = Object.keys(instances.projects!);
		expect(names.length).toBeGreaterThan(1);
		expect(tokens(instances.totals)).toEqual(tokens((await report(['daily'])).totals));
		const name = names[0]!;
		const only = await report(['daily', `--project=${name}`]);
		expect(only.daily!.every(d => d.project === name)).toBe(true);
		expect(only.daily!.map(d => d.date)).toEqual(instances.projects![name]!.map(d => d.date));
		expect(tokens(only.totals)).toEqual(tokens(instances.projects![name]!.reduce((t, d) => ({inputTokens: t.inputTokens + d.inputTokens, outputTokens: t.outputTokens + d.outputTokens, cacheCreationTokens: t.cacheCreationTokens + d.cacheCreationTokens, cacheReadTokens: t.cacheReadTokens + d.cacheReadTokens, totalTokens: t.totalTokens + d.totalTokens}), {inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0})));
		expect((await report(['session', `--project=${name}`])).sessions!.every(s => s.projectPath === name)).toBe(true);
	});

	it('ccusage’s short flags: -j -s -u -z -o desc -O -b --compact; a flag of another report is refused by name', async () => {
		const all = await report(['daily']);
		const since = all.daily![1]!.date.replaceAll('-', '');
		const {code, json} = await runJson<Report>(['report', 'daily', '-j', '-s', since, '-z', 'Europe/Berlin', '--order', 'desc', '-O'], {home, now: NOW, env});
		expect(code).toBe(0);
		const dates = json.daily!.map(d => d.date);
		expect(dates).toEqual([...dates].sort().reverse());
		expect(dates.every(d => d.replaceAll('-', '') >= since)).toBe(true);
		expect((await runJson<Report>(['report', 'daily', '-j', '-s', '20261101', '-z', 'Europe/Berlin', '--order', 'desc'], {home, now: NOW, env})).code).toBe(0);
		const until = (await runJson<Report>(['report', 'monthly', '-j', '-u', '20260930', '-o', 'desc'], {home, now: NOW, env})).json;
		expect(until.monthly!.every(m => m.month <= '2026-09')).toBe(true);
		const text = await runCli(['report', 'weekly', '-b', '--compact'], {home, now: NOW, env});
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/^Week \(sunday\)\s+Models\s+Input\s+Output\s+Cost \(API\)$/m);
		expect(text.stdout).toMatch(/└ /);
		expect(await runCli(['report', 'weekly', '--instances'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/--instances: only with "report daily"/)});
		expect(await runCli(['report', 'daily', '--mode', 'guess'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/--mode: expected auto \| calculate \| display/)});
		expect(await runCli(['report', 'daily', '--order', 'up'], {home, now: NOW, env})).toMatchObject({code: 2, stderr: expect.stringMatching(/--order/)});
	});

	it.skipIf(ccusage === null)('equal to ccusage’s weekly, monthly, session and daily --instances token totals', async () => {
		type Theirs = Record<string, unknown> & {totals: Totals};
		const strip = (rows: Array<Record<string, unknown>>, key: string) => rows.map(r => ({key: r[key], ...tokens(r as unknown as Totals), models: [...(r['modelsUsed'] as string[])].sort()}));
		for (const [kind, field, key] of [['weekly', 'weekly', 'week'], ['monthly', 'monthly', 'month'], ['daily', 'daily', 'date']] as const) {
			const ours = (await report([kind])) as unknown as Record<string, Array<Record<string, unknown>>>;
			const theirs = runCcusage<Theirs>(['claude', kind], {CLAUDE_CONFIG_DIR: logs});
			expect(strip(ours[field]!, key), kind).toEqual(strip(theirs[field] as Array<Record<string, unknown>>, key));
		}
		const oursSessions = (await report(['session'])).sessions!;
		const theirSessions = runCcusage<{sessions: Array<Record<string, unknown>>}>(['claude', 'session'], {CLAUDE_CONFIG_DIR: logs}).sessions;
		const bySession = (rows: Array<Record<string, unknown>>) => rows.map(r => ({id: r['sessionId'], project: r['projectPath'], first: r['firstActivity'], last: r['lastActivity'], ...tokens(r as unknown as Totals)})).sort((a, b) => String(a.id).localeCompare(String(b.id)));
		expect(bySession(oursSessions as unknown as Array<Record<string, unknown>>)).toEqual(bySession(theirSessions));
		const oursProjects = (await report(['daily', '-i'])).projects!;
		const theirProjects = runCcusage<{projects: Record<string, Array<Record<string, unknown>>>}>(['claude', 'daily', '-i'], {CLAUDE_CONFIG_DIR: logs}).projects;
		expect(Object.keys(oursProjects).sort()).toEqual(Object.keys(theirProjects).sort());
		for (const name of Object.keys(theirProjects)) expect(strip(oursProjects[name]! as unknown as Array<Record<string, unknown>>, 'date'), name).toEqual(strip(theirProjects[name]!, 'date'));
	});
});

describe('--mode: costs the logs recorded (costUSD)', {timeout: 60_000}, () => {
	it('auto uses a line’s costUSD when it has one, calculate never, display only', async () => {
		const logs = temp('qt-parity-cost-');
		const dir = path.join(logs, 'projects', '-p');
		fs.mkdirSync(dir, {recursive: true});
		const line = (id: string, cost?: number) => JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r${id}`, timestamp: '2026-10-30T10:00:00.000Z', ...(cost === undefined ? {} : {costUSD: cost}), message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 0, output_tokens: 1_000_000}}});
		// Opus 4.6 output: $25 per MTok, so each line is $25 priced.
		fs.writeFileSync(path.join(dir, 's.jsonl'), [line('a', 1.5), line('b')].join('\n') + '\n');
		const home = temp();
		const env = envFor({claude: logs});
		const cost = async (mode?: string, parser?: string) => (await runJson<Report>(['report', 'daily', '--json', ...(mode ? ['--mode', mode] : [])], {home: parser ? temp() : home, now: NOW, env: parser ? {...env, QUOTA_TUI_LOG_PARSER: parser} : env})).json;
		expect((await cost()).totals.totalCost).toBeCloseTo(26.5, 9);
		expect((await cost()).costMode).toBe('auto');
		expect((await cost('auto', 'json')).totals.totalCost).toBeCloseTo(26.5, 9);
		expect((await cost('calculate')).totals.totalCost).toBeCloseTo(50, 9);
		expect((await cost('display')).totals.totalCost).toBeCloseTo(1.5, 9);
		const text = await runCli(['report', 'monthly'], {home, now: NOW, env});
		expect(text.stdout).toMatch(/recorded their cost \(costUSD\)/);
		expect((await runJson<Report>(['report', 'session', '--json', '-m', 'calculate'], {home, now: NOW, env})).json.totals.totalCost).toBeCloseTo(50, 9);
	});
});
