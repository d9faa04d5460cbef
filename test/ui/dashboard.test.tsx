process.env.TZ = 'UTC';
import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, test, vi} from 'vitest';
import chalk from 'chalk';
import {Text} from 'ink';
import {Profiler} from 'react';
import {Dashboard, renderStaticFrame} from '../../source/ui/app.js';
import {PanelBoundary} from '../../source/ui/components/index.js';
import {helpRows} from '../../source/ui/keymap.js';
import {createTheme} from '../../source/ui/theme.js';
import {KEYS, frameHeight, frameWidth, renderInTerminal, tick, type RenderResult} from '../helpers/render.js';
import {MINUTE, NOW, SECOND, createTestRuntime, demoReport, makeAccount, makeWindow, manyAccountsReport, type TestRuntime} from './fixtures.js';

const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];

async function mount(runtime: TestRuntime, size = {columns: 80, rows: 24}, theme = plain): Promise<RenderResult> {
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={theme}/>, size);
	mounted.push(result);
	return result;
}

/** The frame as text: ANSI removed (the test process may or may not have colour). */
const text = (result: RenderResult): string => stripVTControlCharacters(result.lastFrame());
/** The (first) line of the account row of `name`: it starts with the two marker cells. */
const lineOf = (frame: string, name: string): string => frame.split('\n').find(line => /^[› ][● ] /.test(line) && line.slice(3).startsWith(`${name} `)) ?? '';

afterEach(() => {
	for (const result of mounted.splice(0)) {
		result.unmount();
	}

	vi.unstubAllEnvs();
});

describe('accounts', () => {
	test('rows show name, status, percentages and countdowns', async () => {
		const frame = text(await mount(createTestRuntime()));
		expect(lineOf(frame, 'work')).toMatch(/work\s+claude\s+ok\s+.*23% ↺1h12m.*41% ↺3d4h\s+→58%/);
		expect(lineOf(frame, 'personal')).toMatch(/personal.*warn.*52% ↺2h40m.*88% ↺1d6h\s+→97%/);
		expect(lineOf(frame, 'team')).toMatch(/team\s+codex\s+EXHAUSTED.*100% ↺3h5m.*64% ↺5d/);
		// Stale data says so in STATUS (and DATA gives its age).
		expect(lineOf(frame, 'spare')).toMatch(/spare.*stale .*5% ↺4h10m.*12% ↺6d2h.*stale 12m/);
	});

	test('markers: › on the selected row (the active account at start), ● on the active account', async () => {
		const frame = text(await mount(createTestRuntime()));
		expect(lineOf(frame, 'work').startsWith('›●')).toBe(true);
		expect(lineOf(frame, 'personal').startsWith('  ')).toBe(true);
	});

	test('a failing source shows its badge and message', async () => {
		const report = demoReport({
			accounts: [makeAccount('broken', {active: true, status: 'unreachable', message: 'ECONNREFUSED api.anthropic.com', windows: [
				makeWindow('five_hour', 0.4, 60 * MINUTE),
			]})],
		});
		const frame = text(await mount(createTestRuntime(report), {columns: 100, rows: 24}));
		expect(lineOf(frame, 'broken')).toMatch(/unreachable.*40% ↺1h.*--.*ECONNREFUSED api/);
	});

	test('a passed reset shows fresh (est.) and an estimated percentage', async () => {
		const report = demoReport({
			accounts: [makeAccount('fresh-one', {active: true, windows: [
				makeWindow('five_hour', 0, 4 * 60 * MINUTE, {resetPassed: true, source: 'estimated'}),
				makeWindow('seven_day', 0.2, 3 * 24 * 60 * MINUTE),
			]})],
		});
		const frame = text(await mount(createTestRuntime(report), {columns: 100, rows: 24}));
		expect(lineOf(frame, 'fresh-one')).toMatch(/~0%.*fresh \(est\.\)/);
	});
});

describe('time', () => {
	test('the countdown flips with the header clock, on the wall clock\'s minute (1h12m → 1h11m at 14:01)', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		expect(text(result)).toContain('14:00 ');
		expect(lineOf(text(result), 'work')).toContain('↺1h12m');
		runtime.clock.tick(SECOND);
		await tick();
		expect(lineOf(text(result), 'work')).toContain('↺1h12m');
		runtime.clock.tick(MINUTE - SECOND);
		await tick();
		expect(lineOf(text(result), 'work')).toContain('↺1h11m');
		expect(text(result)).toContain('14:01 ');
	});

	test('a tick that changes no visible text renders nothing (idle cost)', async () => {
		const runtime = createTestRuntime();
		let commits = 0;
		const result = await renderInTerminal(
			<Profiler id='dashboard' onRender={() => { commits += 1; }}><Dashboard runtime={runtime} theme={plain}/></Profiler>,
			{columns: 80, rows: 24},
		);
		mounted.push(result);
		runtime.clock.tick(MINUTE); // 1h12m → 1h11m, 14:00 → 14:01: one commit
		await tick();
		const before = commits;
		expect(before).toBeGreaterThan(0);
		for (let i = 0; i < 5; i++) {
			runtime.clock.tick(SECOND); // every text stays the same (1h11m, 14:00, 2m ago …)
			await tick();
		}
		expect(commits).toBe(before);
		runtime.clock.tick(MINUTE);
		await tick();
		expect(commits).toBeGreaterThan(before);
	});

	test('ages grow with the clock; stale age too', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		runtime.clock.tick(10 * MINUTE);
		await tick();
		expect(lineOf(text(result), 'work')).toContain('12m ago');
		expect(lineOf(text(result), 'spare')).toContain('stale 22m');
	});

	test('a tick commits one frame and leaves the report untouched', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		const before = result.frames.length;
		runtime.clock.tick(MINUTE);
		await tick();
		expect(result.frames.length).toBe(before + 1);
		expect(runtime.clock.listenerCount()).toBeGreaterThan(0);
	});
});

describe('keys', () => {
	test('j then s switches to the second account', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		await result.press('j', 's');
		expect(runtime.calls.switchTo).toEqual(['personal']);
		expect(lineOf(text(result), 'personal').startsWith('›')).toBe(true);
	});

	test('arrows and k move, s switches, the selection stops at the ends', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		// spare is the last resort: the switch asks first (y).
		await result.press(KEYS.down, KEYS.down, KEYS.down, KEYS.down, 's', 'y', 'k', KEYS.up, 's');
		expect(runtime.calls.switchTo).toEqual(['spare', 'personal']);
	});

	test('r refreshes', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		await result.press('r');
		expect(runtime.calls.refresh).toBe(1);
	});

	test('? shows an overlay listing every key (one row per key set), scrolling; Esc closes it', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime, {columns: 100, rows: 30});
		await result.press('?');
		// Everything the help holds, page by page (j scrolls one line; Space/PgDn a page).
		const seen = new Set<string>();
		for (let page = 0; page < 10; page++) {
			for (const line of text(result).split('\n')) seen.add(line);
			await result.press(KEYS.pageDown);
		}

		const overlay = [...seen].join('\n');
		for (const row of helpRows()) {
			expect(overlay).toContain(row.commands);
		}

		expect(overlay).toContain('↑ / k');
		expect(overlay).toContain('q / Ctrl+C');
		expect(overlay).toContain('Select the previous account');
		// The account and job moves share one row: no duplicated ↑ / k row for the same label.
		expect([...seen].filter(line => /^ {2}↑ \/ k \/ Wheel↑ {2,}up/.test(line))).toHaveLength(1);
		expect(overlay).not.toContain(' personal ');
		// List keys do nothing while the overlay is open.
		await result.press('j', KEYS.enter);
		expect(runtime.calls.switchTo).toEqual([]);
		await result.press(KEYS.escape);
		expect(text(result)).toContain(' personal ');
		await result.press('?', '?');
		expect(text(result)).toContain(' personal ');
	});

	test('q disposes the runtime and exits', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		const exited = result.waitUntilExit();
		await result.press('q');
		await exited;
		expect(runtime.calls.dispose).toBe(1);
	});

	test('Ctrl+C quits the same way, once', async () => {
		const runtime = createTestRuntime();
		const result = await mount(runtime);
		const exited = result.waitUntilExit();
		await result.press(KEYS.ctrlC, 'q');
		await exited;
		expect(runtime.calls.dispose).toBe(1);
	});

	test('the footer comes from the keymap', async () => {
		const result = await mount(createTestRuntime());
		expect(text(result).split('\n').at(-1)).toBe('↑↓ move · Enter open · s switch · r refresh · o sort:chain · ? help · q quit');
	});
});

describe('size', () => {
	test.each([
		[80, 24],
		[60, 20],
		[40, 12],
		[40, 10],
		[120, 15],
	])('10 accounts at %d×%d: frame ≤ rows − 1 lines and ≤ columns wide; hidden ones counted', async (columns, rows) => {
		const result = await mount(createTestRuntime(manyAccountsReport(10)), {columns, rows});
		const frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
		const visible = frame.split('\n').filter(line => /^[› ][● ] acct-\d\d /.test(line)).length;
		const hidden = Number(/… (\d+) more/.exec(frame)?.[1] ?? 0);
		expect(visible).toBeGreaterThanOrEqual(1);
		expect(visible + hidden).toBe(10);
		expect(frame).toContain('acct-01');
	});

	test('moving past the window scrolls and keeps the selected row visible', async () => {
		const runtime = createTestRuntime(manyAccountsReport(10));
		const result = await mount(runtime, {columns: 40, rows: 12});
		await result.press(...Array.from({length: 9}, () => 'j'));
		const frame = text(result);
		expect(frame).toMatch(/› *acct-10/);
		expect(frame).toMatch(/… \d+ more above/);
		expect(frameHeight(frame)).toBeLessThanOrEqual(11);
		await result.press('s');
		expect(runtime.calls.switchTo).toEqual(['acct-10']);
	});

	test('the 4 demo accounts fit 80×24 without windowing', async () => {
		const frame = text(await mount(createTestRuntime()));
		expect(frame).not.toContain('more');
		expect(frameHeight(frame)).toBeLessThanOrEqual(23);
	});

	test('the help overlay fits 40×10 too, and scrolls there', async () => {
		const result = await mount(createTestRuntime(), {columns: 40, rows: 10});
		await result.press('?');
		const frame = text(result);
		expect(frame).toContain('help · ? or Esc closes');
		expect(frameHeight(frame)).toBeLessThanOrEqual(9);
		expect(frame.split('\n').at(-1)).toContain('q quit');
		expect(frameWidth(frame)).toBeLessThanOrEqual(40);
		await result.press('j', 'j');
		expect(text(result)).not.toBe(frame);
		expect(frameHeight(text(result))).toBeLessThanOrEqual(9);
	});

	test('narrow panes: two lines per account with both windows labelled', async () => {
		const frame = text(await mount(createTestRuntime(), {columns: 40, rows: 12}));
		const lines = frame.split('\n');
		const index = lines.findIndex(line => line.startsWith('›● work '));
		expect(lines[index]).toMatch(/work\s+ok\s+oauth 2m ago/);
		expect(lines[index + 1]).toMatch(/^ {3}5h .* 23% ↺1h12m 7d .* 41% ↺3d4h$/);
		expect(frameWidth(frame)).toBeLessThanOrEqual(40);
	});

	test('39×9 shows the too-small screen', async () => {
		const frame = text(await mount(createTestRuntime(), {columns: 39, rows: 9}));
		expect(frame).toContain('terminal too small');
		expect(frame).toContain('need 40×10, have 39×9');
		expect(frameHeight(frame)).toBeLessThanOrEqual(8);
	});

	test('the layout follows a resize', async () => {
		const result = await mount(createTestRuntime(), {columns: 80, rows: 24});
		result.stdout.resize(39, 9);
		await tick();
		expect(text(result)).toContain('terminal too small');
		result.stdout.resize(80, 24);
		await tick();
		expect(text(result)).toContain('EXHAUSTED');
	});
});

describe('header and notices', () => {
	test('DEMO badge, active and recommended account, auto mode', async () => {
		const frame = text(await mount(createTestRuntime()));
		const [title, recommended] = frame.split('\n');
		expect(title).toContain('[DEMO]');
		expect(title).toContain('● work');
		expect(title).toContain('mode: suggest');
		expect(recommended).toBe('recommended work — first in chain under 90 % on every window');
	});

	test('no DEMO badge on real data', async () => {
		const frame = text(await mount(createTestRuntime(demoReport({demo: false}))));
		expect(frame).not.toContain('DEMO');
	});

	test('notice, warnings, refreshing and recent decisions', async () => {
		const runtime = createTestRuntime(demoReport({warnings: ['cannot read ~/.claude-spare/.credentials.json', 'second']}));
		const result = await mount(runtime);
		runtime.update({notice: {text: 'Switched to personal', tone: 'success', at: NOW}, refreshing: true});
		await tick();
		const frame = text(result);
		expect(frame).toContain('✓ Switched to personal');
		expect(frame).toContain('! cannot read ~/.claude-spare/.credentials.json (+1 more)');
		expect(frame).toContain('refreshing…');
		expect(frame).toContain('recent decisions');
		expect(frame).toContain('13:55 switch work: switched — team exhausted its 5-hour window');
	});
});

describe('colour', () => {
	const level = chalk.level;
	afterEach(() => {
		chalk.level = level;
	});

	test('NO_COLOR: no ANSI escapes, numbers and badges still printed', async () => {
		chalk.level = 3;
		vi.stubEnv('NO_COLOR', '1');
		const result = await renderInTerminal(<Dashboard runtime={createTestRuntime()}/>, {columns: 80, rows: 24});
		mounted.push(result);
		const frame = result.lastFrame();
		expect(frame).not.toContain('\u001B[');
		expect(frame).toContain('23%');
		expect(frame).toContain('EXHAUSTED');
		expect(frame).toContain('↺1h12m');
	});

	test('with colour the same frame carries ANSI colours (so the test above means something)', async () => {
		chalk.level = 3;
		const result = await mount(createTestRuntime(), {columns: 80, rows: 24}, createTheme({isColor: true}));
		expect(result.lastFrame()).toContain('\u001B[');
		expect(stripVTControlCharacters(result.lastFrame())).toBe(text(await mount(createTestRuntime())));
	});
});

describe('renderStaticFrame', () => {
	test('one frame at a size, without selection marker or key hints', () => {
		const snapshot = createTestRuntime().getSnapshot();
		const frame = stripVTControlCharacters(renderStaticFrame(snapshot, NOW, {columns: 80, rows: 24}, {theme: plain}));
		expect(frame).toContain('[DEMO]');
		expect(frame).toContain('14:00 ');
		expect(lineOf(frame, 'work')).toMatch(/^ ● work .*23% ↺1h12m/);
		expect(frame).not.toContain('›');
		expect(frame).not.toContain('q quit');
		expect(frameHeight(frame)).toBeLessThanOrEqual(23);
	});

	test('time comes from `now`', () => {
		const snapshot = createTestRuntime().getSnapshot();
		const frame = renderStaticFrame(snapshot, NOW + MINUTE + SECOND, {columns: 80, rows: 24}, {theme: plain});
		expect(frame).toContain('14:01 ');
		expect(lineOf(frame, 'work')).toContain('↺1h11m');
	});

	test('too small', () => {
		const frame = renderStaticFrame(createTestRuntime().getSnapshot(), NOW, {columns: 30, rows: 5}, {theme: plain});
		expect(frame).toContain('need 40×10, have 30×5');
	});
});

describe('panel boundary', () => {
	function Boom(): never {
		throw new Error('bad data\nstack…');
	}

	test('a crashing panel shows one line; the rest keeps rendering', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => undefined);
		const result = await renderInTerminal(
			<>
				<PanelBoundary name="accounts"><Boom/></PanelBoundary>
				<Text>footer still here</Text>
			</>,
			{columns: 80, rows: 24},
		);
		mounted.push(result);
		expect(text(result)).toBe('! accounts panel crashed: bad data\nfooter still here');
		vi.restoreAllMocks();
	});
});
