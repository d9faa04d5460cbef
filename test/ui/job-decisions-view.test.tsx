process.env.TZ = 'UTC';
/**
 * The job view (Enter on a job while the queue has focus: timeline, gate verdict, account, estimate vs
 * actual, live log tail; x cancels after y/n, R requeues) and the decision log (D: every decision with
 * its reasons, scrollable).
 */
import {describe, expect, test} from 'vitest';
import type {Decision} from '../../source/engine/types.js';
import type {DetailSnapshot, DetailSubject, JobDetail, QueueRow, QueueSnapshot} from '../../source/runtime/types.js';
import {KEYS, frameHeight, frameWidth} from '../helpers/render.js';
import {HOUR, MINUTE, NOW, createTestRuntime, type TestRuntime} from './fixtures.js';
import {frameText as text, mountDashboard as mount} from './mount.js';


const iso = (ms: number) => new Date(ms).toISOString();
const TAB = '\t';

function row(id: string, title: string, extra: Partial<QueueRow> = {}): QueueRow {
	return {id, title, severity: 'warning', createdAt: iso(NOW - 3 * HOUR), state: 'queued', account: null, estimateUsd: 1, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null, ...extra};
}

const before = {at: iso(NOW - 20 * MINUTE), fiveHour: 0.2, fiveHourResetsAt: iso(NOW + HOUR), sevenDay: 0.4, sevenDayResetsAt: iso(NOW + 50 * HOUR)};
const after = {at: iso(NOW - 5 * MINUTE), fiveHour: 0.27, fiveHourResetsAt: iso(NOW + HOUR), sevenDay: 0.41, sevenDayResetsAt: iso(NOW + 50 * HOUR)};

const rows = [
	row('q-run', 'Refactor the retry loop', {state: 'running', account: 'work', startedAt: iso(NOW - 12 * MINUTE), utilizationBefore: before}),
	row('q-fail', 'Fix the flaky test', {state: 'failed', account: 'work', startedAt: iso(NOW - 20 * MINUTE), finishedAt: iso(NOW - 5 * MINUTE), costUsd: 1.42, message: 'the runner exited with 3: Error: something broke', utilizationBefore: before, utilizationAfter: after}),
	row('q-next', 'Document the CLI flags', {severity: 'info'}),
];

function queue(list: QueueRow[] = rows): QueueSnapshot {
	return {rows: list, queued: list.filter(r => r.state === 'queued').length, running: list.filter(r => r.state === 'running').length, idle: [], planned: 0, warnings: []};
}

function jobDetail(id: string, logTail: string[]): JobDetail {
	const base = rows.find(r => r.id === id)!;
	return {
		kind: 'job', id,
		job: {...base, cwd: '/work/project', source: 'backlog', kind: 'task', model: null, estimateSource: '$1.00 and 5% from the defaults', claimedAt: iso(NOW - 21 * MINUTE), exitCode: base.state === 'failed' ? 3 : null, signal: null, failureKind: base.state === 'failed' ? 'runner' : null, pid: 4242, logPath: `/home/me/.local/share/quota-tui/logs/${id}.log`, notBefore: null},
		decisions: [{at: iso(NOW - 21 * MINUTE), kind: 'dispatch', subject: id, verdict: 'dispatched', reasons: [`"${base.title}" on work`, 'Go: work has room for this task (5-hour 20% + 5% estimated)'], inputs: {}}],
		logTail,
		logNote: null,
	};
}

type ViewRuntime = TestRuntime & {opened: Array<DetailSubject | null>; cancelled: string[]; requeued: string[]};

function viewRuntime(detail: (subject: DetailSubject) => DetailSnapshot | undefined): ViewRuntime {
	const base = createTestRuntime();
	const runtime: ViewRuntime = Object.assign(base, {
		opened: [] as Array<DetailSubject | null>,
		cancelled: [] as string[],
		requeued: [] as string[],
		openDetail(subject: DetailSubject | null) {
			runtime.opened.push(subject);
			runtime.update({detail: subject === null ? undefined : detail(subject)});
		},
		cancelJob(jobId: string) {
			runtime.cancelled.push(jobId);
		},
		requeueJob(jobId: string) {
			runtime.requeued.push(jobId);
		},
	});
	runtime.update({queue: queue()});
	return runtime;
}


describe('the job view', () => {
	const logs: Record<string, string[]> = {'q-run': ['cloning', 'step 1 done'], 'q-fail': ['working', 'Error: something broke']};
	const details = (subject: DetailSubject) => (subject.kind === 'job' ? jobDetail(subject.id, logs[subject.id] ?? []) : undefined);

	test('Tab, Enter opens the selected job: state, timeline, gate verdict, estimate vs actual, log tail; Esc returns to the queue', async () => {
		const runtime = viewRuntime(details);
		const result = await mount(runtime, {columns: 100, rows: 50});
		await result.press(TAB, 'k', KEYS.enter);
		const frame = text(result);
		expect(runtime.opened).toEqual([{kind: 'job', id: 'q-fail'}]);
		expect(frame).toContain('job q-fail');
		expect(frame).toContain('Fix the flaky test');
		expect(frame).toContain('failed (exit 3): Error: something broke');
		expect(frame).toContain('account work');
		expect(frame).toMatch(/claimed +13:39 \(21m ago\) +on work/);
		expect(frame).toMatch(/started +13:40 \(20m ago\) +pid 4242/);
		expect(frame).toMatch(/failed +13:55 \(5m ago\) +after 15m/);
		expect(frame).toContain('dispatch q-fail: dispatched');
		expect(frame).toContain('Go: work has room for this task');
		expect(frame).toMatch(/dollars +\$1\.00 +\$1\.42/);
		expect(frame).toMatch(/5-hour +5% +20% → 27% \(\+7%\)/);
		expect(frame).toContain('estimate: $1.00 and 5% from the defaults');
		expect(frame).toContain('LOG');
		expect(frame).toContain('  Error: something broke');
		expect(frame.split('\n').at(-1)).toContain('x cancel job');
		expect(frameWidth(frame)).toBeLessThanOrEqual(100);

		await result.press(KEYS.escape);
		expect(text(result)).not.toContain('job q-fail');
		expect(text(result)).toMatch(/^› queue/m);
		expect(runtime.opened.at(-1)).toBeNull();
	});

	test('a running job shows its log live: a new tail in the store is drawn at once', async () => {
		const runtime = viewRuntime(details);
		const result = await mount(runtime);
		await result.press(TAB, 'k', 'k', KEYS.enter);
		expect(text(result)).toContain('job q-run');
		expect(text(result)).toMatch(/running +for 12m/);
		expect(text(result)).toContain('live');
		runtime.update({detail: jobDetail('q-run', ['cloning', 'step 1 done', 'step 2 done'])});
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(text(result)).toContain('  step 2 done');
		expect(frameHeight(text(result))).toBeLessThanOrEqual(29);
	});

	test('x asks y/n, then y cancels through the runtime; n does not', async () => {
		const runtime = viewRuntime(details);
		const result = await mount(runtime);
		await result.press(TAB, 'k', 'k', KEYS.enter, 'x');
		const frame = text(result);
		expect(frame).toContain('[y/n] Cancel q-run "Refactor the retry loop"?');
		expect(frame).toContain('SIGTERM');
		await result.press('n');
		expect(runtime.cancelled).toEqual([]);
		await result.press('x', 'y');
		expect(runtime.cancelled).toEqual(['q-run']);
		expect(text(result)).toContain('job q-run');
	});

	test('R requeues a failed job; on a running one it says why not; x on a finished job says so', async () => {
		const runtime = viewRuntime(details);
		const result = await mount(runtime);
		await result.press(TAB, 'k', 'k', KEYS.enter, 'R');
		expect(runtime.requeued).toEqual([]);
		expect(text(result)).toContain('q-run is running: only a failed, interrupted or cancelled job can be requeued');
		await result.press(KEYS.escape, 'j', KEYS.enter, 'R');
		expect(runtime.requeued).toEqual(['q-fail']);
		await result.press('x');
		expect(text(result)).toContain('q-fail has already ended (failed): nothing to cancel');
	});

	test('80×24: the view fits and scrolls', async () => {
		const runtime = viewRuntime(details);
		const result = await mount(runtime, {columns: 80, rows: 24});
		await result.press(TAB, 'k', KEYS.enter);
		expect(frameHeight(text(result))).toBeLessThanOrEqual(23);
		expect(frameWidth(text(result))).toBeLessThanOrEqual(80);
		expect(text(result)).toMatch(/Esc back · 1–\d+ of \d+/);
		// The log shows without scrolling.
		expect(text(result)).toContain('  Error: something broke');
		await result.press('j');
		expect(text(result)).toMatch(/Esc back · 2–\d+ of \d+/);
	});
});

describe('the decision log', () => {
	const decisions: Decision[] = Array.from({length: 30}, (_, i) => ({
		at: iso(NOW - (30 - i) * MINUTE), kind: i % 2 === 0 ? 'gate' as const : 'switch' as const, subject: `subject-${i}`, verdict: i % 2 === 0 ? 'defer' : 'switched',
		reasons: [`reason one of ${i}`, `reason two of ${i}, which is long enough to wrap onto a second line in a narrow pane of sixty columns`], inputs: {},
	})).toReversed();

	test('D opens it from the list: every decision with all its reasons, newest first; it scrolls; Esc returns', async () => {
		const runtime = viewRuntime(subject => (subject.kind === 'decisions' ? {kind: 'decisions', decisions, total: 30} : undefined));
		const result = await mount(runtime, {columns: 60, rows: 20});
		await result.press('D');
		let frame = text(result);
		expect(runtime.opened).toEqual([{kind: 'decisions'}]);
		expect(frame).toContain('decisions · 30 recorded');
		expect(frame).toMatch(/Mon 2 Mar 13:59 +switch +subject-29 → switched/);
		expect(frame).toContain('· reason one of 29');
		expect(frame).toContain('· reason two of 29');
		expect(frameHeight(frame)).toBeLessThanOrEqual(19);
		expect(frameWidth(frame)).toBeLessThanOrEqual(60);
		await result.press(KEYS.pageDown, KEYS.pageDown);
		frame = text(result);
		expect(frame).not.toContain('subject-29 ');
		expect(frame).toMatch(/Esc back · \d+–\d+ of \d+/);
		await result.press(KEYS.escape);
		expect(text(result)).toContain('ACCOUNT');
	});

	test('the help lists D, Enter and the job keys (from the keymap)', async () => {
		const result = await mount(viewRuntime(() => undefined), {columns: 120, rows: 80});
		await result.press('?');
		const frame = text(result);
		expect(frame).toMatch(/ D +decisions +Open the decision log/);
		expect(frame).toMatch(/ x +cancel-job/);
		expect(frame).toMatch(/ R +requeue/);
		expect(frame).toMatch(/ Enter +open · open-job/);
	});
});
