process.env.TZ = 'UTC';
/**
 * The auto-utilization tick of long-running processes (dashboard, serve) with real parts: a real
 * database and config in a temp home, a fake notify-send on PATH, the fake runner.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {autoTick} from '../../source/runtime/auto.js';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {getJob} from '../../source/store/jobs.js';
import {recentDecisions} from '../../source/store/repositories.js';
import {runCli, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor} from '../helpers/fake-runner.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function setup(mode: 'suggest' | 'auto' | 'off'): string {
	const home = tempHome();
	const ok = (args: string[], at = T0) => expect(runCli(args, {home, now: iso(at)}).code).toBe(0);
	ok(['accounts', 'add', 'solo', '--provider', 'manual']);
	ok(['config', 'set', 'autoUtilization.mode', mode]);
	ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '50', '--reset-at', '2026-11-22T15:00:00Z'], T0 - 60 * MIN);
	ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '40', '--reset-at', '2026-11-26T09:00:00Z'], T0 - 60 * MIN);
	return home;
}

function addJob(home: string, title: string, at = T0 - 30 * MIN): string {
	return runJson(['queue', 'add', '--title', title, '--prompt', `sleep=20 ${title}`, '--cwd', home, '--estimate-pct', '10%', '--json'], {home, now: iso(at)}).json.id as string;
}

/** A fake notify-send that records its arguments, first on PATH. */
function fakeNotifier(): {env: Record<string, string>; calls: () => string[][]} {
	const dir = tempHome('qt-notify-');
	const record = path.join(dir, 'calls.jsonl');
	const script = path.join(dir, 'record.mjs');
	fs.writeFileSync(script, "import fs from 'node:fs';\nfs.appendFileSync(process.env.FAKE_NOTIFY_RECORD, JSON.stringify(process.argv.slice(2)) + '\\n');\n");
	fs.writeFileSync(path.join(dir, 'notify-send'), `#!/bin/sh\nFAKE_NOTIFY_RECORD='${record}' exec '${process.execPath}' '${script}' "$@"\n`, {mode: 0o755});
	return {
		env: {PATH: `${dir}${path.delimiter}${process.env['PATH'] ?? ''}`},
		calls: () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as string[]) : []),
	};
}

describe('autoTick', {timeout: 60_000}, () => {
	it('suggest: one notification per idle episode, a new one after the account was busy and is idle again', async () => {
		const home = setup('suggest');
		addJob(home, 'Tidy the changelog');
		const notifier = fakeNotifier();
		const env: NodeJS.ProcessEnv = {...process.env, QUOTA_TUI_HOME: home, TMUX: '', ...notifier.env};
		delete env['QUOTA_TUI_NOW'];
		const ctx = openContext({env});
		try {
			const first = await autoTick(ctx, T0);
			expect(first.notified).toEqual([{account: 'solo', result: {sent: true, via: 'notify-send'}}]);
			expect(notifier.calls()).toEqual([['--app-name=quota-tui', 'quota-tui: idle quota', 'solo: 50% headroom, 1 follow-up pending. Run quota-tui auto-spend']]);
			const again = await autoTick(ctx, T0 + MIN);
			expect(again.notified[0]!.result).toMatchObject({sent: false, reason: expect.stringMatching(/^already notified at /)});
			expect(notifier.calls()).toHaveLength(1);
			expect(recentDecisions(ctx.db).filter(d => d.verdict === 'suggested')).toEqual([expect.objectContaining({kind: 'defer', subject: 'solo', reasons: expect.arrayContaining(['solo: 50% headroom, 1 follow-up pending. Run quota-tui auto-spend'])})]);

			// The user works on the account (usage rises): the episode ends.
			expect(runCli(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '70', '--reset-at', '2026-11-22T15:00:00Z'], {home, now: iso(T0 + 2 * MIN)}).code).toBe(0);
			expect((await autoTick(ctx, T0 + 3 * MIN)).plan!.accounts[0]!.idle).toBe(false);
			// A new 5-hour window: idle again once the manual rise is 15 minutes old (manualQuietMinutes),
			// a new episode, a new notification.
			expect(runCli(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '5', '--reset-at', '2026-11-22T20:00:00Z'], {home, now: iso(T0 + 4 * MIN)}).code).toBe(0);
			const still = await autoTick(ctx, T0 + 16 * MIN);
			expect(still.plan!.accounts[0]!.reasons[0]).toMatch(/^manual activity: 5-hour usage rose from 50% to 70% at 2026-11-22T12:02:00Z/);
			expect(still.notified).toEqual([]);
			const back = await autoTick(ctx, T0 + 18 * MIN);
			expect(back.notified).toEqual([{account: 'solo', result: {sent: true, via: 'notify-send'}}]);
			expect(notifier.calls()).toHaveLength(2);
			expect(notifier.calls()[1]![2]).toBe('solo: 60% headroom, 1 follow-up pending. Run quota-tui auto-spend');
		} finally {
			ctx.close();
		}
	});

	it('suggest with nothing that fits sends nothing; off does nothing at all', async () => {
		const home = setup('suggest');
		expect(runCli(['queue', 'add', '--title', 'Huge', '--prompt', 'p', '--cwd', home, '--estimate-pct', '60%'], {home, now: iso(T0)}).code).toBe(0);
		const notifier = fakeNotifier();
		const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home, ...notifier.env}});
		try {
			expect((await autoTick(ctx, T0)).notified).toEqual([]);
			expect(runCli(['config', 'set', 'autoUtilization.mode', 'off'], {home}).code).toBe(0);
			expect(await autoTick(ctx, T0)).toEqual({mode: 'off', plan: null, notified: [], dispatched: []});
			expect(notifier.calls()).toEqual([]);
		} finally {
			ctx.close();
		}
	});

	it('auto: dispatches one job at a time per account, tagged autoUtilization, the next one after it ends', async () => {
		const home = setup('auto');
		const runner = installFakeRunner();
		const first = addJob(home, 'First', T0 - 40 * MIN);
		const second = addJob(home, 'Second', T0 - 30 * MIN);
		const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: iso(T0), ...runner.env}});
		try {
			const tick = await autoTick(ctx, T0);
			expect(tick.dispatched.map(outcome => [outcome.status, outcome.job?.id])).toEqual([['dispatched', first]]);
			expect(getJob(ctx.db, first)).toMatchObject({state: 'running', autoUtilization: true, account: 'solo'});
			const busy = await autoTick(ctx, T0);
			expect(busy.dispatched).toEqual([]);
			expect(busy.plan!.accounts[0]!.reasons).toEqual([`auto job ${first} is running (one automatic job at a time per account)`]);
			// The runner has started (and recorded itself) before it is cancelled.
			await waitFor(() => (runner.runs().length === 1 ? true : undefined));
			expect(runCli(['queue', 'cancel', first, '--grace', '1'], {home, now: iso(T0)}).code).toBe(0);
			await waitFor(() => (getJob(ctx.db, first)?.state === 'cancelled' ? true : undefined));
			const next = await autoTick(ctx, T0);
			expect(next.dispatched.map(outcome => outcome.job?.id)).toEqual([second]);
			await waitFor(() => (runner.runs().length === 2 ? true : undefined));
			expect(runCli(['queue', 'cancel', second, '--grace', '1'], {home, now: iso(T0)}).code).toBe(0);
			await waitFor(() => (getJob(ctx.db, second)?.state === 'cancelled' ? true : undefined));
		} finally {
			ctx.close();
		}
	}, 60_000);
});

describe('the dashboard runtime and the queue', {timeout: 60_000}, () => {
	it('the snapshot carries the queue; a y/n preview, a dispatch and the mode cycle land in notices', async () => {
		const home = setup('off');
		const runner = installFakeRunner();
		const id = addJob(home, 'From the dashboard');
		const env = {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: iso(T0), ...runner.env};
		const runtime = createAppRuntime(openContext({env}));
		try {
			const queue = runtime.getSnapshot().queue!;
			expect(queue).toMatchObject({queued: 1, running: 0, rows: [expect.objectContaining({id, title: 'From the dashboard', state: 'queued', estimatePct: 0.1})]});
			const preview = await runtime.previewDispatch!(id);
			expect(preview).toEqual({jobId: id, title: 'From the dashboard', account: 'solo', go: true, message: 'on solo: Go: solo has room for this task'});
			runtime.dispatch!(id, 'solo');
			await waitFor(() => (runtime.getSnapshot().notice?.tone === 'success' ? true : undefined));
			expect(runtime.getSnapshot().notice!.text).toMatch(new RegExp(`^Dispatched ${id} "From the dashboard" to solo: running as pid \\d+`));
			expect(runtime.getSnapshot().queue!.rows[0]).toMatchObject({id, state: 'running', account: 'solo'});
			runtime.cycleAutoMode!();
			expect(runtime.getSnapshot().notice!.text).toBe('Auto mode suggest: one notification per idle episode; nothing runs by itself');
			expect(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).autoUtilization.mode).toBe('suggest');
			expect(runtime.getSnapshot().report.mode).toBe('suggest');
			expect(runCli(['queue', 'cancel', id, '--grace', '1'], {home, now: iso(T0)}).code).toBe(0);
		} finally {
			runtime.dispose();
		}
	}, 60_000);
});
