process.env.TZ = 'UTC';
/**
 * The queue panel of the dashboard: the table, running jobs' elapsed time, Tab focus, `d` with its y/n
 * confirm, `a`, and the height budget with every panel shown.
 */
import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, test} from 'vitest';
import fc from 'fast-check';
import {Dashboard} from '../../source/ui/app.js';
import {computeLayout, type FrameLayout} from '../../source/ui/layout.js';
import {queueColumns, queueHeaderText, stateText, visibleRows} from '../../source/ui/queue-view.js';
import {cellWidth} from '../../source/ui/format.js';
import {createTheme} from '../../source/ui/theme.js';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import type {AppRuntime, DispatchPreview, QueueRow, QueueSnapshot} from '../../source/runtime/types.js';
import {KEYS, frameHeight, frameWidth, renderInTerminal, tick, type RenderResult} from '../helpers/render.js';
import {tempHome} from '../helpers/cli.js';
import {recordManualWindow} from '../../source/runtime/history.js';
import {addJob} from '../../source/store/jobs.js';
import {recordDecision, upsertBudget} from '../../source/store/repositories.js';
import {MINUTE, NOW, createTestRuntime, type TestRuntime} from './fixtures.js';

const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];
const iso = (ms: number) => new Date(ms).toISOString();
const TAB = '\t';

afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

function row(id: string, title: string, extra: Partial<QueueRow> = {}): QueueRow {
	return {id, title, severity: 'warning', createdAt: iso(NOW - 3 * 60 * MINUTE), state: 'queued', account: null, estimateUsd: 1, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null, ...extra};
}

function queue(rows: QueueRow[] = [
	row('q-run', 'Refactor the retry loop', {state: 'running', account: 'work', startedAt: iso(NOW - 12 * MINUTE), autoUtilization: true}),
	row('q-crit', 'SQL injection in search', {severity: 'critical', estimateUsd: 1.5, estimatePct: 0.08}),
	row('q-info', 'Document the CLI flags', {severity: 'info', createdAt: iso(NOW - 2 * 24 * 60 * MINUTE)}),
]): QueueSnapshot {
	return {rows, queued: rows.filter(r => r.state === 'queued').length, running: rows.filter(r => r.state === 'running').length, idle: [{account: 'work', spendable: 0.25}], planned: 1, warnings: []};
}

type QueueRuntime = TestRuntime & {dispatched: Array<[string, string | null | undefined]>; previews: string[]; cycles: number};

function queueRuntime(snapshot = queue(), preview?: (jobId: string) => DispatchPreview): QueueRuntime {
	const base = createTestRuntime();
	const runtime: QueueRuntime = Object.assign(base, {
		dispatched: [] as Array<[string, string | null | undefined]>,
		previews: [] as string[],
		cycles: 0,
		previewDispatch: async (jobId: string) => {
			runtime.previews.push(jobId);
			return preview?.(jobId) ?? {jobId, title: 'SQL injection in search', account: 'work', go: true, message: 'on work: Go: work has room for this task'};
		},
		dispatch: (jobId: string, account?: string | null) => {
			runtime.dispatched.push([jobId, account]);
		},
		cycleAutoMode: () => {
			runtime.cycles++;
		},
	});
	runtime.update({queue: snapshot});
	return runtime;
}

async function mount(runtime: AppRuntime, size = {columns: 100, rows: 30}): Promise<RenderResult> {
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, size);
	mounted.push(result);
	return result;
}

const text = (result: RenderResult) => stripVTControlCharacters(result.lastFrame());
const lineWith = (frame: string, needle: string) => frame.split('\n').find(line => line.includes(needle)) ?? '';

describe('the queue table', () => {
	test('title, severity, age, estimate, state (running with its elapsed time) and account, one line per job', async () => {
		const runtime = queueRuntime();
		const frame = text(await mount(runtime));
		expect(frame).toContain('queue  2 queued · 1 running · mode: suggest · idle work 25% (1 fit)  (Tab: focus · a: mode)');
		expect(lineWith(frame, 'JOB')).toMatch(/^ {3}JOB\s+SEV\s+AGE\s+ESTIMATE\s+STATE\s+ACCOUNT$/);
		expect(lineWith(frame, 'Refactor the retry loop')).toMatch(/^ a Refactor the retry loop\s+warn\s+3h \$1\.00 5%\s+running 12m\s+work$/);
		expect(lineWith(frame, 'SQL injection')).toMatch(/^ {3}SQL injection in search\s+crit\s+3h \$1\.50 8%\s+queued\s+-$/);
		expect(lineWith(frame, 'Document the CLI')).toMatch(/info\s+2d \$1\.00 5%\s+queued/);
		runtime.clock.tick(MINUTE);
		await tick();
		expect(lineWith(text(mounted[0]!), 'Refactor the retry loop')).toContain('running 13m');
	});

	test('CJK and emoji titles are cut by terminal cells: the SEV…ACCOUNT columns stay where they are', async () => {
		const long = 'データベースの移行スクリプトを書き直してインデックスを追加する作業をする';
		const runtime = queueRuntime(queue([
			row('q-ascii', 'Document the CLI flags and every config key in the README for users'),
			row('q-cjk', long, {severity: 'critical'}),
			row('q-emoji', '🚀🚀 Ship the 🔥 release notes 🎉 for the new dashboard and the queue', {severity: 'info'}),
		]));
		const frame = text(await mount(runtime));
		const column = (needle: string, at: string) => {
			const line = lineWith(frame, needle);
			return cellWidth(line.slice(0, line.indexOf(at)));
		};
		const sev = column('Document the CLI', 'warn');
		expect(sev).toBeGreaterThan(10);
		expect(column('データ', 'crit')).toBe(sev);
		expect(column('🚀', 'info')).toBe(sev);
		expect(lineWith(frame, 'データ')).toContain('…');
		expect(lineWith(frame, 'データ')).toMatch(/crit\s+3h \$1\.00 5%\s+queued\s+-$/);
		for (const line of frame.split('\n')) expect(cellWidth(line)).toBeLessThanOrEqual(100);
	});

	test('an empty queue is one line saying how to add a job', async () => {
		const frame = text(await mount(queueRuntime(queue([]))));
		expect(frame).toContain('queue  empty · mode: suggest · add jobs: quota-tui queue add --title T --prompt P');
		expect(frame).not.toContain('JOB ');
		const warned = queueRuntime({...queue([]), warnings: ['/p/.fleet/tasks/T1/follow-ups.yaml: entry 2 (id fu-3) skipped: …']});
		expect(text(await mount(warned))).toContain('queue  empty · 1 source warning: quota-tui queue list');
		const some = queueRuntime({...queue(), warnings: ['a', 'b']});
		expect(text(await mount(some))).toContain('queue  2 queued · 1 running · mode: suggest · idle work 25% (1 fit) · 2 source warnings (queue list');
	});
});

describe('keys', () => {
	test('Tab focuses the queue (selection on the first queued job), j moves, Tab gives focus back', async () => {
		const runtime = queueRuntime();
		const result = await mount(runtime);
		await result.press(TAB);
		let frame = text(result);
		expect(lineWith(frame, 'SQL injection')).toMatch(/^› /);
		expect(frame.split('\n').at(-1)).toBe('↑↓ move · Enter open · d dispatch · Tab focus · a auto · r refresh · ? help · q quit');
		expect(frame).toContain('(Tab: accounts)');
		// The accounts list shows no selection marker while the queue has focus.
		expect(frame).not.toMatch(/^›● work/m);
		await result.press('j');
		expect(lineWith(text(result), 'Document the CLI')).toMatch(/^› /);
		await result.press('k', 'k');
		expect(lineWith(text(result), 'Refactor the retry')).toMatch(/^›a/);
		await result.press(TAB);
		frame = text(result);
		// With a queue, the accounts footer says how to reach it and how to change the auto mode.
		expect(frame.split('\n').at(-1)).toBe('↑↓ move · Enter open · s switch · Tab focus · a auto · r refresh · o sort:chain · ? help · q quit');
		expect(frame).toMatch(/^›● work/m);
		expect(runtime.calls.switchTo).toEqual([]);
	});

	test('d asks the gate, shows the verdict for y/n; y dispatches on that account', async () => {
		const runtime = queueRuntime();
		const result = await mount(runtime);
		await result.press(TAB, 'd');
		await tick(5);
		const frame = text(result);
		expect(runtime.previews).toEqual(['q-crit']);
		// The y/n box above the footer: the question, then the whole verdict.
		const lines = frame.split('\n');
		expect(lines.at(-3)).toBe('[y/n] Dispatch q-crit "SQL injection in search"?');
		expect(lines.at(-2)).toBe('      on work: Go: work has room for this task');
		expect(frame.split('\n').at(-1)).toBe('y yes · n no · r refresh · ? help · q quit');
		await result.press('y');
		expect(runtime.dispatched).toEqual([['q-crit', 'work']]);
		expect(text(result)).toContain('queue  2 queued');
	});

	test('n or Esc cancels; a refused verdict cannot be confirmed; a running job is not dispatchable', async () => {
		const runtime = queueRuntime(queue(), jobId => ({jobId, title: 'SQL injection in search', account: 'work', go: false, message: 'Not dispatched: Deferring: 5-hour quota usage at 96% + 5% estimated would pass 100%'}));
		const result = await mount(runtime);
		await result.press(TAB, 'd');
		await tick(5);
		expect(text(result)).toContain('[Esc] Cannot dispatch q-crit "SQL injection in search"\n      Deferring: 5-hour quota usage at 96% + 5% estimated would pass 100%');
		await result.press('y');
		expect(runtime.dispatched).toEqual([]);
		expect(text(result)).toContain('queue  2 queued');
		await result.press('k', 'd');
		expect(text(result)).toContain('[Esc] Cannot dispatch q-run "Refactor the retry loop"\n      it is running; only queued jobs can be dispatched');
		await result.press(KEYS.escape);
		expect(text(result)).not.toContain('Cannot dispatch');
		await result.press('j', 'd', 'n');
		await tick(5);
		expect(runtime.dispatched).toEqual([]);
	});

	test('a cycles the auto mode (global: with or without queue focus)', async () => {
		const runtime = queueRuntime();
		const result = await mount(runtime);
		await result.press('a', TAB, 'a');
		expect(runtime.cycles).toBe(2);
	});

	test('without a queue (a runtime that has none), Tab and d do nothing', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		await result.press(TAB, 'd');
		expect(text(result).split('\n').at(-1)).toBe('↑↓ move · Enter open · s switch · r refresh · o sort:chain · ? help · q quit');
	});
});

describe('height budget with every panel', () => {
	/** A real runtime over a temp home: accounts, waste panel data, a queue of 8 jobs, decisions. */
	function realRuntime(): AppRuntime {
		const home = tempHome();
		const now = Date.parse('2026-11-22T14:30:00Z');
		const at = new Date(now).toISOString();
		const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: at}});
		ctx.configStore.setKey('autoUtilization.notify', 'none');
		for (const name of ['work', 'personal', 'team', 'spare']) {
			ctx.configStore.addAccount({name, provider: 'manual', plan: 'max5'});
			for (const [window, used, resetAt] of [['five_hour', 30, '2026-11-22T17:00:00Z'], ['seven_day', 45, '2026-11-25T09:00:00Z']] as const) {
				const budget = {scope: `account:${name}`, window, limit: 100, unit: 'percent', used, resetAt, source: 'user-entered' as const, checkedAt: at};
				upsertBudget(ctx.db, budget);
				recordManualWindow(ctx, budget, now);
			}
		}
		for (let i = 0; i < 8; i++) {
			addJob(ctx.db, {id: `q-${i}`, title: `Follow-up number ${i + 1} with a long title`, prompt: 'p', cwd: home, severity: i % 3 === 0 ? 'critical' : 'info', createdAt: new Date(now - (10 - i) * MINUTE).toISOString(), source: 'backlog', kind: 'task'}, now);
		}
		for (const subject of ['work', 'personal']) recordDecision(ctx.db, {at, kind: 'gate', subject, verdict: 'go', reasons: [`Go: ${subject} has room for this task`], inputs: {}});
		ctx.close();
		return createAppRuntime(openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: at}}));
	}

	test.each([[80, 24], [60, 20], [40, 12]])('%d×%d: ≤ rows − 1 lines and ≤ columns wide, unfocused and focused; focused shows the queue', async (columns, rows) => {
		const runtime = realRuntime();
		const snapshot = runtime.getSnapshot();
		expect(snapshot.queue?.rows).toHaveLength(8);
		expect(snapshot.utilization).toBeDefined();
		const result = await mount(runtime, {columns, rows});
		let frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
		await result.press(TAB);
		frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
		expect(frame).toContain('queue  8 queued');
		expect(frame).toMatch(/^› {2}Follow-up numb/m);
		expect(frame.split('\n').filter(line => / (crit|info) /.test(line)).length + Number(/^ {2}… (\d+) more(?: \(\d+ above\))?$/m.exec(frame)?.[1] ?? 0)).toBe(8);
		runtime.dispose();
	}, 30_000);
});

describe('pure layout of the queue', () => {
	const planned = (l: FrameLayout) => l.headerLines + (l.spacerAfterHeader ? 1 : 0) + l.listLines + (l.spacerAfterList ? 1 : 0)
		+ l.noticeLines + l.waste.lines + l.queueLines + l.decisionLines + l.confirmLines + l.footerLines;

	test('every panel together never exceeds rows − 1; focus gives the queue room first (property)', () => {
		fc.assert(fc.property(
			fc.integer({min: 40, max: 200}),
			fc.integer({min: 10, max: 60}),
			fc.integer({min: 0, max: 20}),
			fc.integer({min: 0, max: 30}),
			fc.boolean(),
			fc.integer({min: 0, max: 3}),
			fc.integer({min: 0, max: 10}),
			(columns, rows, accounts, jobs, focused, notices, decisions) => {
				const layout = computeLayout({columns, rows}, accounts, {noticeLines: notices, decisionCount: decisions, waste: {accounts, alerts: 1}, queue: {rows: jobs, focused}});
				if (layout.kind === 'too-small') return;
				expect(planned(layout)).toBeLessThanOrEqual(rows - 1);
				if (focused && jobs > 0 && rows >= 12) expect(layout.queueLines).toBeGreaterThanOrEqual(3);
			},
		));
	});

	test('the queue never disappears: its title, header and next job come before the list grows; never without a queue', () => {
		const layout = computeLayout({columns: 80, rows: 24}, 4, {decisionCount: 2, queue: {rows: 3, focused: false}}) as FrameLayout;
		expect(layout.queueLines).toBe(5);
		expect((computeLayout({columns: 80, rows: 24}, 4, {decisionCount: 2}) as FrameLayout).queueLines).toBe(0);
		// Tight: title, column header, the next job and a "… 2 more" line.
		expect((computeLayout({columns: 40, rows: 12}, 4, {decisionCount: 5, noticeLines: 2, queue: {rows: 3, focused: false, essential: 1}}) as FrameLayout).queueLines).toBe(4);
		expect((computeLayout({columns: 40, rows: 12}, 4, {decisionCount: 5, noticeLines: 2, queue: {rows: 3, focused: true}}) as FrameLayout).queueLines).toBeGreaterThanOrEqual(3);
		// An empty queue keeps its one line.
		expect((computeLayout({columns: 80, rows: 24}, 10, {decisionCount: 5, noticeLines: 2, waste: {accounts: 10, alerts: 1}, queue: {rows: 0, focused: false}}) as FrameLayout).queueLines).toBe(1);
	});

	test('property: with any queue, at least its title shows; with jobs and 12+ rows, the header and first job too', () => {
		fc.assert(fc.property(
			fc.integer({min: 40, max: 200}), fc.integer({min: 12, max: 60}), fc.integer({min: 0, max: 30}), fc.integer({min: 0, max: 30}), fc.integer({min: 1, max: 3}),
			(columns, rows, accounts, jobs, essential) => {
				const layout = computeLayout({columns, rows}, accounts, {noticeLines: 3, decisionCount: 5, waste: {accounts, alerts: 2}, queue: {rows: jobs, focused: false, essential}});
				if (layout.kind === 'too-small') return;
				expect(layout.queueLines).toBeGreaterThanOrEqual(jobs === 0 ? 1 : 3);
			},
		));
	});

	test('columns: title and state always; severity, age, estimate, account as width allows', () => {
		expect(queueColumns(100, 7)).toEqual({marker: 2, title: 57, severity: 4, age: 4, estimate: 9, state: 11, account: 7});
		expect(queueColumns(60, 7)).toEqual({marker: 2, title: 17, severity: 4, age: 4, estimate: 9, state: 11, account: 7});
		expect(queueColumns(40, 7)).toEqual({marker: 2, title: 15, severity: 4, age: 4, estimate: 0, state: 11, account: 0});
		for (let width = 40; width <= 200; width++) {
			const c = queueColumns(width, 12);
			const used = [c.marker, c.title, c.severity, c.age, c.estimate, c.state, c.account].filter(w => w > 0);
			expect(used.reduce((a, b) => a + b, 0) + used.length - 1).toBeLessThanOrEqual(width);
			expect(queueHeaderText(c).length).toBeLessThanOrEqual(width);
		}
		expect(stateText({state: 'running', startedAt: iso(NOW - 12 * MINUTE)}, NOW)).toBe('running 12m');
		expect(stateText({state: 'running', startedAt: iso(NOW - 75 * MINUTE)}, NOW)).toBe('run 1h15m');
		expect(stateText({state: 'running', startedAt: iso(NOW - 75 * MINUTE - 5000)}, NOW, 13)).toBe('running 1h15m');
		expect(stateText({state: 'interrupted', startedAt: iso(NOW - 75 * MINUTE)}, NOW)).toBe('interrupted');
		expect(visibleRows(10, 7, 4)).toEqual({start: 6, end: 9, more: 7, moreLine: true});
		expect(visibleRows(3, 0, 4)).toEqual({start: 0, end: 3, more: 0, moreLine: false});
		expect(visibleRows(3, 0, 1)).toEqual({start: 0, end: 1, more: 2, moreLine: false});
	});
});
