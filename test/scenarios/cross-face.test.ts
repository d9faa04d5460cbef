/**
 * Cross-face agreement (issue 9): for staged states, `recommend`, `gate`, `dispatch --dry-run`, the HTTP
 * status (a real socket) and the dashboard's header name the same account, and their verdicts agree.
 * CLI in-process (main()), real SQLite, the fake runner for dispatch; the agreement table is printed.
 */
import path from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {openContext} from '../../source/runtime/context.js';
import {startApiServer} from '../../source/runtime/server.js';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';
import {childPath, claudeDir, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE = '2026-11-22T14:00:00Z';
const SEVEN = '2026-11-25T12:00:00Z';
/**
 * A CLI step, a step at another instant, a Claude account read from the fake OAuth usage endpoint
 * (`claude`), or a new answer of that endpoint (`reply`).
 */
type Step = string[] | {args: string[]; now: string} | {claude: string} | {reply: object};

type Row = {state: string; recommend: string; gate: string; dispatch: string; http: string; dashboard: string};
const table: Row[] = [];

const win = (name: string, kind: string, used: number, reset = kind === 'five_hour' ? FIVE : SEVEN): Step => ['budget', 'set', '--scope', `account:${name}`, '--window', kind, '--used', String(used), '--reset-at', reset];
const acct = (name: string, ...extra: string[]): Step => ['accounts', 'add', name, '--provider', 'manual', ...extra];

const STATES: Array<[string, Step[]]> = [
	['healthy chain', [acct('a'), acct('b'), win('a', 'seven_day', 30), win('b', 'seven_day', 10)]],
	['over the switch threshold', [acct('a'), acct('b'), win('a', 'seven_day', 95), win('b', 'seven_day', 30)]],
	['sticky active account', [acct('a'), acct('b'), win('a', 'seven_day', 50), win('b', 'seven_day', 10), ['switch', 'a']]],
	['every account over the threshold', [acct('a'), acct('b'), win('a', 'seven_day', 96), win('b', 'seven_day', 92)]],
	['5-hour window exhausted', [acct('a'), acct('b'), win('a', 'five_hour', 100), win('a', 'seven_day', 30), win('b', 'seven_day', 50)]],
	['emergency (only the last resort left)', [acct('a'), acct('shelley', '--last-resort'), win('a', 'five_hour', 100), win('a', 'seven_day', 100)]],
	['nothing usable, no last resort', [acct('a'), win('a', 'five_hour', 100), win('a', 'seven_day', 100)]],
	['unknown data (no numbers yet)', [acct('a'), acct('b'), win('b', 'seven_day', 40)]],
	['passed reset (exhausted, reset 1 h ago)', [acct('a'), acct('b'), {args: win('a', 'seven_day', 100, '2026-11-22T11:00:00Z') as string[], now: '2026-11-20T12:00:00Z'}, win('b', 'seven_day', 60)]],
	['ceiling-only account (a dollar budget, no provider numbers)', [acct('c'), ['budget', 'set', '--scope', 'account:c', '--unit', 'usd', '--limit', '12', '--used', '3', '--reset-at', SEVEN]]],
	['scoped weekly window (Opus at 95 %)', [acct('a', '--model', 'opus'), acct('b'), win('a', 'seven_day_opus', 95), win('a', 'seven_day', 30), win('b', 'seven_day', 50)]],
	['a last resort configured, a regular account healthy', [acct('shelley', '--last-resort'), acct('a'), win('a', 'seven_day', 20)]],
	['emergency: weekly exhausted, 5-hour fine', [acct('a'), acct('shelley', '--last-resort'), win('a', 'seven_day', 100), win('a', 'five_hour', 40)]],
	// policy.extraUsage last (the default): once no account has included quota left, the one with credit.
	['extra usage: every included quota exhausted, molto has credit left', [
		{reply: usage(40, 100, {is_enabled: true, monthly_limit: 2000, used_credits: 520, currency: 'USD'})}, {claude: 'molto'}, acct('spare'), win('spare', 'five_hour', 100), win('spare', 'seven_day', 100),
	]],
	['extra usage (normal): included quota (spare at 85 %) still ranks above extra cost', [
		{reply: usage(40, 100, {is_enabled: true, monthly_limit: 2000, used_credits: 520, currency: 'USD'})}, {claude: 'molto'}, acct('spare'), win('spare', 'seven_day', 85), ['config', 'set', 'policy.extraUsage', 'normal'],
	]],
	// Read at 11:20 (20 %), the provider says 95 % by 12:00: every face decides on the new number.
	['stale data: stored 20 % 40 min ago, the provider now says 95 %', [
		{reply: usage(10, 20)}, {claude: 'cl'}, acct('b'), win('b', 'seven_day', 30), {args: ['status'], now: '2026-11-22T11:20:00Z'}, {reply: usage(10, 95)},
	]],
];

/** A Claude OAuth usage answer: 5-hour and weekly percent, optional extra usage. */
function usage(five: number, seven: number, extra?: object): object {
	return {five_hour: {utilization: five, resets_at: FIVE}, seven_day: {utilization: seven, resets_at: SEVEN}, ...(extra ? {extra_usage: extra} : {})};
}

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

afterAll(() => {
	const cols: Array<keyof Row> = ['state', 'recommend', 'gate', 'dispatch', 'http', 'dashboard'];
	const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...table.map(r => `| ${cols.map(c => r[c]).join(' | ')} |`)];
	console.log(`\nCross-face agreement\n${lines.join('\n')}\n`);
});

describe('cross-face agreement', {timeout: 120_000}, () => {
	it.each(STATES)('%s: recommend, gate, dispatch --dry-run, HTTP status and the dashboard agree', async (name, steps) => {
		const home = tempHome();
		const runner = installFakeRunner();
		// Claude accounts read the fake OAuth endpoint only (no claude executable on PATH).
		const user = tempDir('qt-user-');
		let env: Record<string, string> = {};
		for (const step of steps) {
			if ('reply' in step) {
				server ??= await startServer();
				server.reply({status: 200, body: JSON.stringify(step.reply)});
				env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false)};
				continue;
			}
			const [args, now] = Array.isArray(step) ? [step, NOW] : 'claude' in step
				? [['accounts', 'add', step.claude, '--provider', 'claude', '--config-dir', claudeDir(path.join(user, `.claude-${step.claude}`)), '--usage-endpoint'], NOW]
				: [step.args, step.now];
			const r = await runMain(args, {home, now, env});
			expect(r.code, `${JSON.stringify(step)}: ${r.stderr}`).toBe(0);
		}
		const job = JSON.parse((await runMain(['queue', 'add', '--title', 'T', '--prompt', 'cost=0.1 t', '--cwd', home, '--json'], {home, now: NOW, env})).stdout).id as string;
		const rec = await runMain(['recommend', '--json'], {home, now: NOW, env});
		const recommended = (JSON.parse(rec.stdout) as {account: string | null}).account;
		const gate = await runMain(['gate', '--json'], {home, now: NOW, env});
		const g = JSON.parse(gate.stdout) as {account: string; state: string};
		const dry = await runMain(['dispatch', job, '--dry-run', '--json'], {home, now: NOW, env: {...env, ...runner.env}});
		const d = JSON.parse(dry.stdout) as {account: string | null; status: string};
		const ctx = openContext({env: {...process.env, ...env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC'}});
		const api = await startApiServer(ctx, 'token', 0);
		let http: string | null;
		try {
			const response = await fetch(`http://127.0.0.1:${api.port}/auto-utilization/status`, {headers: {authorization: 'Bearer token'}});
			http = ((await response.json()) as {recommendation: {account: string | null}}).recommendation.account;
		} finally {
			await api.close();
			ctx.close();
		}
		const frame = (await runMain(['dashboard'], {home, now: NOW, env: {...env, COLUMNS: '140', LINES: '30'}})).stdout;
		const shown = /^recommended (\S+)/m.exec(frame)?.[1] ?? null;
		const dashboard = shown === 'none' ? null : shown;
		const show = (account: string | null | undefined) => account || 'none';
		table.push({
			state: name,
			recommend: `${show(recommended)} (exit ${rec.code})`,
			gate: `${show(g.account)} ${g.state} (${gate.code})`,
			dispatch: `${show(d.account)} ${d.status} (${dry.code})`,
			http: show(http),
			dashboard: show(dashboard),
		});
		// One account everywhere.
		expect(http).toBe(recommended);
		expect(dashboard).toBe(recommended);
		expect(g.account || null).toBe(recommended);
		expect(d.account ?? null).toBe(recommended);
		// One verdict: no usable account or only the emergency left → both gate and dispatch wait (75).
		if (rec.code !== 0) {
			expect(gate.code).toBe(75);
			expect(dry.code).toBe(75);
		} else {
			expect(dry.code).toBe(gate.code);
		}
	});
});
