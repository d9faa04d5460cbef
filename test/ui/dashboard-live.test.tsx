process.env.TZ = 'UTC';
/**
 * The dashboard as a user drives it (ink-testing-library through test/helpers/render.ts): keys that
 * arrive in one write, Ctrl+L, notices that stack and expire, jobs that end, the y/n box, the demo,
 * stale and empty accounts, and the queue that never disappears (audit Part 2).
 */
import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, test} from 'vitest';
import chalk from 'chalk';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {recordManualWindow} from '../../source/runtime/history.js';
import type {AppRuntime, QueueRow, QueueSnapshot} from '../../source/runtime/types.js';
import {addJob} from '../../source/store/jobs.js';
import {upsertBudget} from '../../source/store/repositories.js';
import {Dashboard} from '../../source/ui/app.js';
import {DEMO_LINE} from '../../source/ui/components/index.js';
import type {Screen} from '../../source/ui/terminal.js';
import {createTheme} from '../../source/ui/theme.js';
import {tempHome} from '../helpers/cli.js';
import {KEYS, frameHeight, frameWidth, renderInTerminal, tick, type RenderResult} from '../helpers/render.js';
import {HOUR, MINUTE, NOW, SECOND, createTestRuntime, demoReport, makeAccount, makeWindow, manyAccountsReport, type TestRuntime} from './fixtures.js';

const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

async function mount(runtime: AppRuntime, size = {columns: 100, rows: 30}, extra: {screen?: Screen; theme?: ReturnType<typeof createTheme>} = {}): Promise<RenderResult> {
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={extra.theme ?? plain} screen={extra.screen}/>, size);
	mounted.push(result);
	return result;
}

const text = (result: RenderResult) => stripVTControlCharacters(result.lastFrame());
const selectedLine = (frame: string) => frame.split('\n').find(line => line.startsWith('›')) ?? '';

/** Write `data` as ONE chunk (what tmux send-keys, a paste or SSH deliver), then let React settle. */
async function writeChunk(result: RenderResult, data: string): Promise<void> {
	result.stdin.write(data);
	await tick(5);
}

function job(id: string, title: string, extra: Partial<QueueRow> = {}): QueueRow {
	return {id, title, severity: 'info', createdAt: iso(NOW - HOUR), state: 'queued', account: null, estimateUsd: 0.5, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null, ...extra};
}

function queueOf(rows: QueueRow[]): QueueSnapshot {
	return {rows, queued: rows.filter(r => r.state === 'queued').length, running: rows.filter(r => r.state === 'running').length, idle: [], planned: 0, warnings: []};
}

function withQueue(runtime: TestRuntime, rows: QueueRow[]): TestRuntime {
	const extended = Object.assign(runtime, {cycleAutoMode: () => undefined, previewDispatch: async (jobId: string) => ({jobId, title: jobId, account: 'acct-01', go: true, message: 'on acct-01: Go'}), dispatch: () => undefined});
	extended.update({queue: queueOf(rows)});
	return extended;
}

describe('keys that arrive in one write (D2)', () => {
	test.each([
		['jjjjj', 'acct-06'],
		['jj', 'acct-03'],
		['\u001B[B\u001B[B', 'acct-03'],
		['jjjjjjjjkk', 'acct-07'],
		['j\u001B[Bj', 'acct-04'],
	])('%j in one write selects %s', async (chunk, expected) => {
		const result = await mount(createTestRuntime(manyAccountsReport(10)));
		await writeChunk(result, chunk);
		expect(selectedLine(text(result))).toMatch(new RegExp(`^› {2}${expected} `));
	});

	test('five writes back to back, before any frame is drawn, move five rows (state is not read from a stale render)', async () => {
		const result = await mount(createTestRuntime(manyAccountsReport(10)));
		for (let i = 0; i < 5; i++) result.stdin.write('j');
		await tick(5);
		expect(selectedLine(text(result))).toMatch(/^› {2}acct-06 /);
	});

	test('a paste of keys runs each one: "jjj" then s switches to the fourth account', async () => {
		const runtime = createTestRuntime(manyAccountsReport(10));
		const result = await mount(runtime);
		await writeChunk(result, 'jjjs');
		expect(runtime.calls.switchTo).toEqual(['acct-04']);
	});

	test('in the queue too: Tab then jj in one write moves the job selection two rows', async () => {
		const runtime = withQueue(createTestRuntime(manyAccountsReport(3)), [job('q-a', 'First job'), job('q-b', 'Second job'), job('q-c', 'Third job')]);
		const result = await mount(runtime);
		await writeChunk(result, '\tjj');
		expect(text(result).split('\n').find(line => line.includes('Third job'))).toMatch(/^› {2}Third job/);
		expect(text(result)).toMatch(/^› queue {2}3 queued/m);
	});

	test('Ctrl+L asks the screen for a full redraw', async () => {
		let redraws = 0;
		const size = {columns: 100, rows: 30};
		const screen: Screen = {size: () => size, subscribe: () => () => undefined, redraw: () => { redraws++; }, attach: () => undefined, dispose: () => undefined};
		const result = await mount(createTestRuntime(), size, {screen});
		await result.press(KEYS.ctrlL);
		expect(redraws).toBe(1);
		await writeChunk(result, '\u000C\u000C');
		expect(redraws).toBe(2);
	});
});

describe('notices expire and stack (D6)', () => {
	test('a notice shows with the outcome, stacks with the next, and goes after 8 s', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		runtime.update({notice: {text: 'refreshed work', tone: 'info', at: NOW}});
		await tick();
		runtime.clock.tick(2 * SECOND);
		runtime.update({notice: {text: 'Switched to personal', tone: 'success', at: NOW + 2 * SECOND}});
		await tick();
		let frame = text(result);
		expect(frame).toContain('✓ Switched to personal\ni refreshed work');
		expect(frame.split('\n').at(-1)).toContain('Esc dismiss');
		runtime.clock.tick(7 * SECOND);
		await tick();
		frame = text(result);
		expect(frame).not.toContain('refreshed work');
		expect(frame).toContain('✓ Switched to personal');
		runtime.clock.tick(2 * SECOND);
		await tick();
		expect(text(result)).not.toContain('Switched to personal');
		expect(text(result).split('\n').at(-1)).not.toContain('dismiss');
	});

	test('errors stay until Esc dismisses them', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		runtime.update({notice: {text: 'dispatch failed: the runner is missing', tone: 'error', at: NOW}});
		await tick();
		runtime.clock.tick(10 * MINUTE);
		await tick();
		expect(text(result)).toContain('✗ dispatch failed: the runner is missing (Esc dismisses)');
		await result.press(KEYS.escape);
		expect(text(result)).not.toContain('dispatch failed');
	});

	test('in a detail view the error says Esc twice: the first goes back, the second dismisses', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime, {columns: 120, rows: 30});
		await result.press(KEYS.enter);
		runtime.update({notice: {text: 'dispatch failed: the runner is missing', tone: 'error', at: NOW}});
		await tick();
		expect(text(result)).toContain('✗ dispatch failed: the runner is missing (Esc twice: back, then dismiss)');
		await result.press(KEYS.escape);
		expect(text(result)).toContain('✗ dispatch failed: the runner is missing (Esc dismisses)');
		await result.press(KEYS.escape);
		expect(text(result)).not.toContain('dispatch failed');
	});
});

describe('jobs say how they ended (D5)', () => {
	const before = {at: iso(NOW - 5 * MINUTE), fiveHour: 0.2, fiveHourResetsAt: iso(NOW + 2 * HOUR), sevenDay: 0.4, sevenDayResetsAt: iso(NOW + 3 * 24 * HOUR)};
	const after = {...before, at: iso(NOW), fiveHour: 0.25, sevenDay: 0.41};

	test('running → succeeded: a toast, and the row shows duration, cost and the share of the 5-hour window', async () => {
		const runtime = withQueue(createTestRuntime(), [job('q-1', 'Tighten the retry loop', {state: 'running', account: 'work', startedAt: iso(NOW - 252 * SECOND)})]);
		const result = await mount(runtime, {columns: 120, rows: 30});
		runtime.update({queue: queueOf([job('q-1', 'Tighten the retry loop', {state: 'succeeded', account: 'work', startedAt: iso(NOW - 252 * SECOND), finishedAt: iso(NOW), costUsd: 0.42, utilizationBefore: before, utilizationAfter: after, message: 'succeeded, cost $0.42'})])});
		await tick();
		const frame = text(result);
		expect(frame).toContain('✓ "Tighten the retry loop" succeeded in 4m12s · $0.42 · 5% of 5h');
		expect(frame).toMatch(/Tighten the retry loop — succeeded in 4m12s · \$0\.42 · 5% of 5h\s+info/);
	});

	test('running → failed: an error toast (stays) with the reason, and the row shows its first line', async () => {
		const runtime = withQueue(createTestRuntime(), [job('q-2', 'Job that fails', {state: 'running', account: 'work', startedAt: iso(NOW - MINUTE)})]);
		const result = await mount(runtime, {columns: 120, rows: 30});
		runtime.update({queue: queueOf([job('q-2', 'Job that fails', {state: 'failed', account: 'work', startedAt: iso(NOW - MINUTE), finishedAt: iso(NOW), message: 'the runner exited with 3: Error: something broke badly in step 2\nmore detail'})])});
		await tick();
		runtime.clock.tick(30 * SECOND);
		await tick();
		const frame = text(result);
		expect(frame).toContain('✗ "Job that fails" failed (exit 3): Error: something broke badly in step 2 (Esc dismisses)');
		expect(frame).toMatch(/Job that fails — failed \(exit 3\): Error: something broke badly in step 2\s+info .* failed/);
	});

	test('jobs that had already ended when the dashboard opened raise nothing', async () => {
		const runtime = withQueue(createTestRuntime(), [job('q-3', 'Old job', {state: 'failed', message: 'the runner exited with 1'})]);
		const result = await mount(runtime);
		expect(text(result)).not.toContain('✗');
		expect(text(result)).toMatch(/Old job — failed \(exit 1\)/);
	});
});

describe('the queue never disappears (D3)', () => {
	/** A real runtime over a temp home: ten manual accounts with usage, three queued jobs. */
	function tenAccountsThreeJobs(): AppRuntime {
		const home = tempHome();
		const now = Date.parse('2026-11-22T14:30:00Z');
		const at = new Date(now).toISOString();
		const env = {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: at};
		const ctx = openContext({env});
		ctx.configStore.setKey('autoUtilization.notify', 'none');
		const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet-long-name'];
		for (const [index, name] of names.entries()) {
			ctx.configStore.addAccount({name: `acct-${name}`, provider: 'manual', plan: 'max5'});
			for (const [window, used, resetAt] of [['five_hour', 10 + index * 7, '2026-11-22T17:00:00Z'], ['seven_day', 20 + index * 5, '2026-11-25T09:00:00Z']] as const) {
				const budget = {scope: `account:acct-${name}`, window, limit: 100, unit: 'percent', used, resetAt, source: 'user-entered' as const, checkedAt: at};
				upsertBudget(ctx.db, budget);
				recordManualWindow(ctx, budget, now);
			}
		}

		for (const [index, title] of ['Job one', 'Job two', 'Job three'].entries()) {
			addJob(ctx.db, {id: `q-${index}`, title, prompt: 'p', cwd: home, severity: 'warning', createdAt: new Date(now - (10 - index) * MINUTE).toISOString(), source: 'backlog', kind: 'task'}, now);
		}

		ctx.close();
		return createAppRuntime(openContext({env}));
	}

	test.each([[80, 24], [100, 30], [120, 30], [60, 20]])('ten accounts and three jobs at %d×%d: the queue title, its header and the next job show', async (columns, rows) => {
		const runtime = tenAccountsThreeJobs();
		const result = await mount(runtime, {columns, rows});
		const frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
		expect(frame).toMatch(/^queue {2}3 queued/m);
		expect(frame).toMatch(/^ {3}JOB /m);
		expect(frame).toMatch(/^ {3}Job one /m);
		// The waste panel shrank first and says what it left out (D4).
		if (frame.includes('waste & forecasts')) expect(frame).toMatch(/^ {2}… \d+ more (below|above)/m);
		runtime.dispose();
	}, 30_000);
});

describe('accounts', () => {
	test('an account with no data shows no age (D19)', async () => {
		const report = demoReport({accounts: [makeAccount('work', {active: true, windows: [makeWindow('five_hour', 0.2, HOUR)]}), makeAccount('codex-new', {provider: 'codex', status: 'unknown', ageMs: 0, windows: []})]});
		const frame = text(await mount(createTestRuntime(report)));
		const line = frame.split('\n').find(l => l.includes('codex-new')) ?? '';
		expect(line).toMatch(/unknown .*no data$/);
		expect(line).not.toMatch(/just now|ago|\d+s$/);
	});

	test('stale rows are dimmed and say stale in STATUS; the selected row is highlighted whole (D21, D25)', async () => {
		const level = chalk.level;
		chalk.level = 3;
		try {
			const result = await mount(createTestRuntime(), {columns: 100, rows: 30}, {theme: createTheme({isColor: true})});
			const lines = result.lastFrame().split('\n');
			const spare = lines.find(line => line.includes('spare')) ?? '';
			expect(spare).toContain('\u001B[2m');
			expect(stripVTControlCharacters(spare)).toMatch(/spare\s+claude\s+stale /);
			const work = lines.find(line => stripVTControlCharacters(line).startsWith('›● work')) ?? '';
			// A background colour (SGR 48;…) on the selected row only.
			expect(work).toContain('\u001B[48;');
			expect(lines.find(line => line.includes('personal'))).not.toContain('\u001B[48;');
		} finally {
			chalk.level = level;
		}
	});
});

describe('the demo explains itself (D15)', () => {
	test('a DEMO line says what it is and how to leave; ? has a DEMO section', async () => {
		const result = await mount(createTestRuntime(), {columns: 120, rows: 30});
		expect(text(result)).toContain(`i ${DEMO_LINE}`);
		await result.press('?');
		const help = text(result);
		expect(help).toMatch(/^DEMO$/m);
		expect(help).toContain('quota-tui accounts discover --yes');
		expect(help).toContain('never written to your config');
	});

	test('no DEMO line on real accounts, and ? lists symbols and badges', async () => {
		const result = await mount(createTestRuntime(demoReport({demo: false})), {columns: 120, rows: 30});
		expect(text(result)).not.toContain('DEMO');
		await result.press('?');
		const seen = new Set<string>();
		for (let page = 0; page < 8; page++) {
			for (const line of text(result).split('\n')) seen.add(line);
			await result.press(KEYS.pageDown);
		}

		const help = [...seen].join('\n');
		for (const symbol of ['●', '›', '↺1h12m', '→58%', '~23%', '·····', 'EXHAUSTED', 'last resort', 'stale', 'unknown']) {
			expect(help).toContain(symbol);
		}

		expect(help).not.toMatch(/^DEMO$/m);
	});
});
