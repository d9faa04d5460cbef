/**
 * Seed 002: plan orchestrator quota-aware execution. Driven through the CLI in-process (main()) on a
 * real SQLite file and generated Claude logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';

describe('budgets', {timeout: 90_000}, () => {
	// Friday; the weekly ceiling's cycle began Monday 16 Nov and resets Monday 23 Nov.
	const NOW = '2026-11-20T10:00:00Z';
	const RESET = '2026-11-23T00:00:00Z';

	/** One Opus 4.6 request of `usd` dollars of output ($25 per million output tokens). */
	const request = (id: string, at: string, usd: number) => JSON.stringify({type: 'assistant', sessionId: 's', requestId: `r-${id}`, timestamp: at, message: {id, model: 'claude-opus-4-6', usage: {input_tokens: 0, output_tokens: Math.round((usd / 25) * 1_000_000)}}});

	/**
	 * A log-only Claude account (no provider numbers: no usage endpoint, no claude CLI) whose logs hold
	 * $9.90 of work this week, with a $12 weekly dollar ceiling measured from those logs (h-002b).
	 */
	async function logOnly() {
		const home = tempHome();
		const logs = tempHome('qt-claude-logs-');
		const user = tempHome('qt-user-');
		const dir = path.join(logs, 'projects', '-w');
		fs.mkdirSync(dir, {recursive: true});
		const file = path.join(dir, 's.jsonl');
		// Last week's work does not count; this week's is $4.90 + $5.00.
		fs.writeFileSync(file, [request('old', '2026-11-13T12:00:00Z', 7), request('a', '2026-11-18T12:00:00Z', 4.9), request('b', '2026-11-19T12:00:00Z', 5)].join('\n') + '\n');
		const env = {HOME: user, CLAUDE_CONFIG_DIR: path.join(user, 'none'), CODEX_HOME: path.join(user, 'no-codex')};
		const run = (args: string[], extra: {now?: string; env?: Record<string, string>} = {}) => runMain(args, {home, now: extra.now ?? NOW, env: {...env, ...extra.env}});
		expect((await run(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', logs])).code).toBe(0);
		const set = await run(['budget', 'set', '--scope', 'account:work', '--unit', 'usd', '--limit', '12', '--reset-at', RESET, '--recurrence', 'weekly:monday']);
		expect(set.stdout).toMatch(/^Set account:work: \$9\.90 of 12 usd/);
		return {home, file, run};
	}

	it('002-5 maxQuotaPercent applies to the dollar ceiling: $9.90 + $1.00 of $12 at 90% stops at $10.80', async () => {
		const s = await logOnly();
		const stop = await s.run(['gate', '--account', 'work', '--estimate-usd', '1']);
		expect(stop.code).toBe(75);
		expect(stop.stdout.split('\n')[0]).toBe('Stopping: quota usage at 91% of the $12.00 weekly ceiling ($9.90 + $1.00 estimated; configured max: 90% = $10.80)');
		expect(stop.stdout).toContain(`retry at ${RESET}`);
		const go = await s.run(['gate', '--account', 'work', '--estimate-usd', '0.9']);
		expect(go.code).toBe(0);
		expect(go.stdout).toContain('quota usage at 90% of the $12.00 weekly ceiling ($9.90 + $0.90 estimated; configured max: 90% = $10.80)');
		const json = JSON.parse((await s.run(['gate', '--account', 'work', '--estimate-usd', '1', '--json'])).stdout);
		expect(json).toMatchObject({verdict: 'pause', retryAt: RESET, budgets: [{scope: 'account:work', unit: 'usd', used: 9.9, limit: 12}]});
	});

	it('002-8 a per-call --max-budget-pct (and QUOTA_TUI_MAX_BUDGET_PCT) overrides policy.maxQuotaPercent; both in gate --help', async () => {
		const s = await logOnly();
		const help = await s.run(['gate', '--help']);
		expect(help.stdout).toContain('--max-budget-pct P');
		expect(help.stdout).toContain('QUOTA_TUI_MAX_BUDGET_PCT');
		const wider = await s.run(['gate', '--account', 'work', '--estimate-usd', '1', '--max-budget-pct', '95']);
		expect(wider.code).toBe(0);
		expect(wider.stdout).toContain('configured max: 95% = $11.40');
		const env = await s.run(['gate', '--account', 'work'], {env: {QUOTA_TUI_MAX_BUDGET_PCT: '80'}});
		expect(env.code).toBe(75);
		expect(env.stdout.split('\n')[0]).toBe('Stopping: quota usage at 83% of the $12.00 weekly ceiling ($9.90; configured max: 80% = $9.60)');
		// The flag wins over the environment.
		expect((await s.run(['gate', '--account', 'work', '--max-budget-pct', '90'], {env: {QUOTA_TUI_MAX_BUDGET_PCT: '80'}})).code).toBe(0);
		const bad = await s.run(['gate', '--max-budget-pct', 'lots']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--max-budget-pct: expected a number');
	});

	it('002-16 estimate reports the quota left from the dollar ceiling, and what stays under the 90% max', async () => {
		const s = await logOnly();
		for (const args of [['estimate', '--tasks', '5'], ['estimate', '--tasks', '5', '--account', 'work']]) {
			const r = await s.run(args);
			expect(r.code).toBe(0);
			const lines = r.stdout.split('\n');
			expect(lines[0]).toMatch(/^This plan has 5 tasks, estimated cost ~\$\d+\.\d\d, remaining quota ~\$2\.10 of the \$12\.00 weekly ceiling$/);
			expect(r.stdout).toContain('  work: ~$2.10 ($9.90 used of the $12.00 weekly ceiling); ~$0.90 before the 90% max (policy.maxQuotaPercent; ~$1.20 kept for interactive use)');
		}
		const json = JSON.parse((await s.run(['estimate', '--tasks', '5', '--json'])).stdout);
		expect(json).toMatchObject({remainingUsd: 2.1, spendableUsd: 0.9, maxQuotaPercent: 90, fits: false, accounts: [{name: 'work', basis: 'ceiling', remainingUsd: 2.1, spendableUsd: 0.9}]});
	});

	it('002-18 an account governed only by its ceiling (logs, no provider numbers) is usable by recommend and gate, never an endless "unknown" defer', async () => {
		const s = await logOnly();
		const rec = await s.run(['recommend', '--json']);
		expect(rec.code).toBe(0);
		expect(JSON.parse(rec.stdout)).toMatchObject({account: 'work'});
		const gate = await s.run(['gate']);
		expect(gate.code).toBe(0);
		expect(gate.stdout).toMatch(/^Go: work has room for this task/);
		expect(gate.stdout).toContain('no provider numbers for work: its quota is the $12.00 weekly ceiling');
		const auto = await s.run(['gate', '--account', 'work', '--auto']);
		expect(auto.code).toBe(0);
		expect(auto.stdout).not.toContain('unknown');
		// More work lands in the logs: the next gate measures it and pauses until the ceiling's reset.
		fs.appendFileSync(s.file, request('c', '2026-11-20T09:00:00Z', 1) + '\n');
		const stop = await s.run(['gate', '--auto']);
		expect(stop.code).toBe(75);
		expect(stop.stdout).toMatch(/^Stopping: quota usage at 91% of the \$12\.00 weekly ceiling \(\$10\.90; configured max: 90% = \$10\.80\)/);
		expect(stop.stdout).toContain(`retry at ${RESET}`);
		// Used up ($12.10 of $12): no usable account, and the wait ends at the ceiling's reset, not never.
		fs.appendFileSync(s.file, request('d', '2026-11-20T09:30:00Z', 1.2) + '\n');
		const spent = await s.run(['gate', '--json']);
		expect(spent.code).toBe(75);
		expect(JSON.parse(spent.stdout)).toMatchObject({verdict: 'pause', retryAt: RESET, reasons: [expect.stringMatching(/^Stopping: no usable account/)]});
		expect(JSON.parse((await s.run(['recommend', '--json'])).stdout).alternatives).toEqual([{name: 'work', reason: 'the $12.00 weekly ceiling is used up ($12.10)'}]);
		// After the reset the ceiling counts from 0 again: go.
		expect((await s.run(['gate', '--auto'], {now: '2026-11-23T08:00:00Z'})).code).toBe(0);
	});
});

describe('slice A (decide): the orchestrator vocabulary', {timeout: 60_000}, () => {
	const NOW = '2026-11-20T10:00:00Z';
	it('002-10 gate --json says state go | deferred | paused_quota | denied (the plan runner marks its plan with it)', async () => {
		const home = tempHome();
		const run = (args: string[]) => runMain(args, {home, now: NOW});
		const state = async (args: string[]) => {
			const r = await run(['gate', '--json', ...args]);
			return {code: r.code, state: (JSON.parse(r.stdout) as {state: string}).state};
		};
		expect((await run(['accounts', 'add', 'work', '--provider', 'manual'])).code).toBe(0);
		expect((await run(['accounts', 'add', 'off', '--provider', 'manual'])).code).toBe(0);
		expect((await run(['config', 'set', 'accounts', JSON.stringify([{name: 'work', provider: 'manual'}, {name: 'off', provider: 'manual', disabled: true}])])).code).toBe(0);
		const set = (kind: string, used: number, reset: string) => run(['budget', 'set', '--scope', 'account:work', '--window', kind, '--used', String(used), '--reset-at', reset]);
		await set('five_hour', 20, '2026-11-20T12:00:00Z');
		await set('seven_day', 30, '2026-11-23T10:00:00Z');
		expect(await state([])).toEqual({code: 0, state: 'go'});
		await set('five_hour', 97, '2026-11-20T12:00:00Z');
		expect(await state(['--estimate-pct', '5%'])).toEqual({code: 75, state: 'deferred'});
		await set('seven_day', 95, '2026-11-23T10:00:00Z');
		expect(await state([])).toEqual({code: 75, state: 'paused_quota'});
		expect(await state(['--account', 'off'])).toEqual({code: 69, state: 'denied'});
	});
});

describe('resume', {timeout: 90_000}, () => {
	/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON */
	const NOW = '2026-11-22T12:00:00Z';
	const FIVE_RESET = '2026-11-22T14:00:00Z';
	const SEVEN_RESET = '2026-11-25T12:00:00Z';

	async function ok(args: string[], home: string, env: Record<string, string> = {}, now = NOW) {
		const r = await runMain(args, {home, now, env});
		expect(r.stderr, args.join(' ')).toBe('');
		expect(r.code, args.join(' ')).toBe(0);
		return r;
	}

	/** Claude accounts work (5h 50 %, 7d 40 %) and spare (10 %, 10 %) with their own config dirs (their logs), windows entered at 11:00. */
	async function setup() {
		const home = tempHome();
		const dirs: Record<string, string> = {};
		for (const [name, five, seven] of [['work', 50, 40], ['spare', 10, 10]] as const) {
			dirs[name] = tempHome(`qt-claude-${name}-`);
			await ok(['accounts', 'add', name, '--provider', 'claude', '--config-dir', dirs[name]!], home);
			await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'five_hour', '--used', String(five), '--reset-at', FIVE_RESET], home, {}, '2026-11-22T11:00:00Z');
			await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(seven), '--reset-at', SEVEN_RESET], home, {}, '2026-11-22T11:00:00Z');
		}
		return {home, dirs};
	}

	it('002-17 a limit marker in the local logs (isApiErrorMessage "Claude AI usage limit reached|epoch") stops gate and recommend at once, with no report run first', async () => {
		const {home, dirs} = await setup();
		expect((await runMain(['gate', '--account', 'work'], {home, now: NOW})).code).toBe(0);
		const project = path.join(dirs['work']!, 'projects', '-w');
		fs.mkdirSync(project, {recursive: true});
		const line = (extra: Record<string, unknown>, message: Record<string, unknown>, at: string) => JSON.stringify({parentUuid: null, isSidechain: false, sessionId: 's1', version: '2.1.63', type: 'assistant', timestamp: at, requestId: `req-${at}`, message: {type: 'message', role: 'assistant', ...message}, ...extra});
		fs.writeFileSync(path.join(project, 's1.jsonl'), [
			line({}, {id: 'm1', model: 'claude-opus-4-6', content: [{type: 'text', text: 'working'}], usage: {input_tokens: 10, output_tokens: 100}}, '2026-11-22T11:50:00.000Z'),
			line({isApiErrorMessage: true}, {id: 'm2', model: '<synthetic>', content: [{type: 'text', text: `Claude AI usage limit reached|${Date.parse(FIVE_RESET) / 1000}`}], usage: {input_tokens: 0, output_tokens: 0}}, '2026-11-22T11:55:00.000Z'),
		].join('\n') + '\n');
		const gate = await runMain(['gate', '--account', 'work'], {home, now: NOW});
		expect(gate.code).toBe(75);
		expect(gate.stdout).toMatch(/^Stopping: 5-hour quota exhausted \(100%\); resets at 2026-11-22T14:00:00Z/);
		const rec = JSON.parse((await runMain(['recommend', '--json'], {home, now: NOW})).stdout);
		expect(rec.account).toBe('spare');
		// After the reset the marker no longer counts.
		expect((await runMain(['gate', '--account', 'work'], {home, now: '2026-11-22T14:01:00Z'})).code).toBe(0);
	});

	it('002-17 after a runner\'s limit failure, auto mode does not dispatch the next job on the same account', async () => {
		const {home} = await setup();
		const runner = installFakeRunner();
		const project = tempHome('qt-project-');
		const add = async (prompt: string) => JSON.parse((await ok(['queue', 'add', '--title', prompt, '--prompt', prompt, '--cwd', project, '--json'], home)).stdout).id as string;
		const first = await add(`fail=limit@${Date.parse(FIVE_RESET) / 1000}`);
		const next = await add('cost=0.1 next');
		expect((await runMain(['dispatch', first, '--account', 'work'], {home, now: NOW, env: runner.env})).code).toBe(0);
		let job: any;
		for (let i = 0; i < 200; i++) {
			job = (JSON.parse((await runMain(['queue', 'list', '--all', '--json'], {home, now: NOW})).stdout).jobs as any[]).find(j => j.id === first);
			if (job.state === 'paused_quota') break;
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		expect(job).toMatchObject({state: 'paused_quota', failureKind: 'limit', notBefore: FIVE_RESET});
		await ok(['config', 'set', 'autoUtilization.mode', 'auto'], home);
		await ok(['config', 'set', 'autoUtilization.notify', 'none'], home);
		const spend = await runMain(['auto-spend', '--json'], {home, now: NOW, env: runner.env});
		expect(spend.code).toBe(0);
		const json = JSON.parse(spend.stdout);
		const work = json.accounts.find((a: any) => a.account === 'work');
		expect(work.idle).toBe(false);
		expect(work.reasons.join(' ')).toMatch(/exhausted|5-hour headroom 0%/);
		expect(json.planned.filter((p: any) => p.account === 'work')).toEqual([]);
		expect(json.excluded.find((e: any) => e.jobId === first).reasons[0]).toMatch(/^a person dispatched it on work: it runs by itself when the gate allows/);
		// The next job went to the other account, or nowhere — never to work.
		const after = (JSON.parse((await runMain(['queue', 'list', '--all', '--json'], {home, now: NOW})).stdout).jobs as any[]).find(j => j.id === next);
		expect(after.account).not.toBe('work');
		await runMain(['queue', 'cancel', next, '--grace', '1'], {home, now: NOW});
	});
});
