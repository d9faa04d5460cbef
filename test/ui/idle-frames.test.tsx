process.env.TZ = 'UTC';
/**
 * Idle cost: minute-granular texts whose minutes start at different seconds (resets at :13 and :41,
 * observations at :07, a queued job at :29) all flip in one tick, so a minute of one-second ticks
 * commits one frame, not one per distinct second (hooks/use-now.ts minuteNow). Within two minutes of a
 * reset the countdown shows seconds again and follows every tick.
 */
import {Profiler} from 'react';
import {stripVTControlCharacters} from 'node:util';
import {afterEach, expect, test} from 'vitest';
import {Dashboard} from '../../source/ui/app.js';
import {minuteNow} from '../../source/ui/hooks/use-now.js';
import {createTheme} from '../../source/ui/theme.js';
import {renderInTerminal, tick, type RenderResult} from '../helpers/render.js';
import {HOUR, MINUTE, NOW, SECOND, createTestRuntime, demoReport, makeAccount, makeWindow} from './fixtures.js';

const mounted: RenderResult[] = [];
afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

const iso = (ms: number) => new Date(ms).toISOString();

function scatteredReport(resetInMs = HOUR + 13 * SECOND) {
	const accounts = [
		makeAccount('one', {active: true, windows: [makeWindow('five_hour', 0.2, resetInMs, {observedAt: iso(NOW - 5 * MINUTE - 7 * SECOND)}), makeWindow('seven_day', 0.3, 2 * HOUR + 41 * SECOND)]}),
		makeAccount('two', {windows: [makeWindow('five_hour', 0.4, 3 * HOUR + 29 * SECOND, {observedAt: iso(NOW - 9 * MINUTE - 52 * SECOND)}), makeWindow('seven_day', 0.5, 5 * HOUR + 3 * SECOND)]}),
	];
	return demoReport({accounts, active: 'one', demo: false});
}

test('a minute of one-second ticks commits one frame, though the texts\' minutes start at four different seconds', async () => {
	const runtime = createTestRuntime(scatteredReport());
	let commits = 0;
	const result = await renderInTerminal(
		<Profiler id='dashboard' onRender={() => { commits += 1; }}><Dashboard runtime={runtime} theme={createTheme({isColor: false})}/></Profiler>,
		{columns: 100, rows: 30},
	);
	mounted.push(result);
	const before = commits;
	const frames = result.frames.length;
	for (let second = 0; second < 60; second++) {
		runtime.clock.tick(SECOND);
		await tick();
	}

	expect(commits - before).toBe(1);
	expect(result.frames.length - frames).toBe(1);
});

test('within two minutes of a reset the countdown shows seconds and follows the clock', async () => {
	const runtime = createTestRuntime(scatteredReport(MINUTE + 30 * SECOND));
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={createTheme({isColor: false})}/>, {columns: 100, rows: 30});
	mounted.push(result);
	const line = () => stripVTControlCharacters(result.lastFrame()).split('\n').find(row => /^[› ][● ] one /.test(row)) ?? '';
	expect(line()).toContain('↺1m ');
	runtime.clock.tick(31 * SECOND);
	await tick();
	expect(line()).toContain('↺59s');
	runtime.clock.tick(SECOND);
	await tick();
	expect(line()).toContain('↺58s');
});

test('minuteNow: rounded down to the minute, exact within two minutes of the target', () => {
	expect(minuteNow(NOW + 59 * SECOND)).toBe(NOW);
	expect(minuteNow(NOW + MINUTE)).toBe(NOW + MINUTE);
	expect(minuteNow(NOW + SECOND, NOW + 90 * SECOND)).toBe(NOW + SECOND);
	expect(minuteNow(NOW + SECOND, NOW - 90 * SECOND)).toBe(NOW + SECOND);
	expect(minuteNow(NOW + SECOND, NOW + 3 * MINUTE)).toBe(NOW);
});

test('a job queued seconds ago reads <1m and does not redraw the frame every second', async () => {
	const runtime = createTestRuntime(scatteredReport());
	const row = {id: 'q-1', title: 'Fresh job', severity: 'info' as const, createdAt: iso(NOW - 10 * SECOND), state: 'queued' as const, account: null, estimateUsd: 0.5, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null};
	runtime.update({queue: {rows: [row], queued: 1, running: 0, idle: [], planned: 0, warnings: []}});
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={createTheme({isColor: false})}/>, {columns: 100, rows: 30});
	mounted.push(result);
	const jobLine = () => stripVTControlCharacters(result.lastFrame()).split('\n').find(line => line.includes('Fresh job')) ?? '';
	expect(jobLine()).toContain('<1m');
	const frames = result.frames.length;
	for (let second = 0; second < 59; second++) {
		runtime.clock.tick(SECOND);
		await tick();
	}

	expect(result.frames.length - frames).toBe(0);
	runtime.clock.tick(SECOND);
	await tick();
	expect(jobLine()).toContain('1m');
});
