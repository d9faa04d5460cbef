process.env.TZ = 'UTC';
/**
 * Habits of good TUIs (issue 13 item 4): `o` sorts the accounts (chain → soonest reset → most headroom
 * → name, shown in the footer), `/` filters by name (typed text; Enter keeps, Esc clears), `t` switches
 * resets between countdown and local clock time, stale rows say their age, the `?` legend, and the
 * mouse wheel (SGR reports) — each key also in one-write chunks, as tmux, a paste or SSH deliver them.
 */
import {EventEmitter} from 'node:events';
import {stripVTControlCharacters} from 'node:util';
import type {Key} from 'ink';
import {afterEach, describe, expect, test} from 'vitest';
import type {AccountReport} from '../../source/engine/report.js';
import type {AppRuntime} from '../../source/runtime/types.js';
import {Dashboard} from '../../source/ui/app.js';
import {keyNamesOf} from '../../source/ui/keymap.js';
import {arrangeAccounts, headroom, INITIAL_LIST, soonestReset} from '../../source/ui/list-view.js';
import {enableMouse, MOUSE_OFF, MOUSE_ON, translateMouse, wantsMouse, wheelAsKeys, WHEEL_DOWN_KEY, WHEEL_UP_KEY} from '../../source/ui/terminal.js';
import {createTheme} from '../../source/ui/theme.js';
import {KEYS, tick, renderInTerminal, type RenderResult} from '../helpers/render.js';
import {DAY, HOUR, MINUTE, NOW, createTestRuntime, demoReport, makeAccount, makeWindow, manyAccountsReport} from './fixtures.js';

const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];

afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

async function mount(runtime: AppRuntime, size = {columns: 100, rows: 30}): Promise<RenderResult> {
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, size);
	mounted.push(result);
	return result;
}

const text = (result: RenderResult) => stripVTControlCharacters(result.lastFrame());
const footer = (result: RenderResult) => text(result).split('\n').at(-1) ?? '';
const selectedLine = (result: RenderResult) => text(result).split('\n').find(line => line.startsWith('›')) ?? '';

/** Write `data` as ONE chunk, then let React settle (a lone Esc waits for Ink's escape timeout). */
async function writeChunk(result: RenderResult, data: string): Promise<void> {
	result.stdin.write(data);
	await tick(data.endsWith('\u001B') ? 40 : 5);
}

const NAMES = ['zeta', 'alpha', 'mid', 'beta'];

/** Four accounts whose chain, reset, headroom and name orders all differ. */
function fourAccounts(): AccountReport[] {
	return [
		makeAccount('zeta', {chainOrder: 1, active: true, windows: [makeWindow('five_hour', 0.5, 2 * HOUR), makeWindow('seven_day', 0.5, 3 * DAY)]}),
		makeAccount('alpha', {chainOrder: 2, windows: [makeWindow('five_hour', 0.9, HOUR), makeWindow('seven_day', 0.2, DAY)]}),
		makeAccount('mid', {chainOrder: 3, windows: [makeWindow('five_hour', 0.1, 3 * HOUR), makeWindow('seven_day', 0.1, 5 * DAY)]}),
		makeAccount('beta', {chainOrder: 4, status: 'unknown', windows: []}),
	];
}

function fourRuntime() {
	const accounts = fourAccounts();
	const report = demoReport({accounts, active: 'zeta', demo: false});
	return createTestRuntime({...report, recommendation: {...report.recommendation, account: 'zeta'}});
}

/** The account names of the list rows, top to bottom. */
function listed(result: RenderResult): string[] {
	return text(result).split('\n').map(line => /^[› ][● ] (\w+)\s/.exec(line)?.[1]).filter((name): name is string => name !== undefined && NAMES.includes(name));
}

describe('o sorts the accounts', () => {
	test('chain → soonest reset → most headroom → name → chain, the footer naming the order', async () => {
		const result = await mount(fourRuntime());
		expect(listed(result)).toEqual(['zeta', 'alpha', 'mid', 'beta']);
		expect(footer(result)).toContain('o sort:chain');
		const expected = [
			['reset', ['alpha', 'zeta', 'mid', 'beta']],
			['headroom', ['mid', 'zeta', 'alpha', 'beta']],
			['name', ['alpha', 'beta', 'mid', 'zeta']],
			['chain', ['zeta', 'alpha', 'mid', 'beta']],
		] as const;
		for (const [order, names] of expected) {
			await result.press('o');
			expect(listed(result)).toEqual(names);
			expect(footer(result)).toContain(`o sort:${order}`);
		}
	});

	test('"oo" in one write sorts twice; the selection stays on the same account', async () => {
		const result = await mount(fourRuntime());
		await writeChunk(result, 'jj');
		expect(selectedLine(result)).toMatch(/^› {2}mid /);
		await writeChunk(result, 'oo');
		expect(footer(result)).toContain('o sort:headroom');
		expect(listed(result)[0]).toBe('mid');
		expect(selectedLine(result)).toMatch(/^› {2}mid /);
		// j moves in the order on screen: mid → zeta.
		await writeChunk(result, 'j');
		expect(selectedLine(result)).toMatch(/^›● zeta /);
	});

	test('the order survives a new snapshot, and s switches to the account on screen', async () => {
		const runtime = fourRuntime();
		const result = await mount(runtime);
		await writeChunk(result, 'ooo');
		runtime.update({report: {...runtime.getSnapshot().report}});
		await tick(5);
		expect(listed(result)).toEqual(['alpha', 'beta', 'mid', 'zeta']);
		// The selection is still zeta (the active one); k k k reaches alpha, the first by name.
		await writeChunk(result, 'kkk');
		await result.press('s');
		expect(runtime.calls.switchTo).toEqual(['alpha']);
	});
});

describe('/ filters by name', () => {
	test('typed text filters, Backspace erases, Enter keeps it, Esc clears it', async () => {
		const result = await mount(fourRuntime());
		await result.press('/');
		expect(footer(result)).toMatch(/^\/ {3}4\/4 {2}Enter keep · Esc clear · Backspace erase/);
		await result.press('a');
		expect(listed(result)).toEqual(['zeta', 'alpha', 'beta']);
		expect(footer(result)).toMatch(/^\/a {3}3\/4 /);
		await result.press('l');
		expect(listed(result)).toEqual(['alpha']);
		await result.press('\u007F');
		expect(listed(result)).toEqual(['zeta', 'alpha', 'beta']);
		await result.press(KEYS.enter);
		// Back in the list: the filter stays and the footer says so; keys are keys again.
		expect(footer(result)).toContain('/ filter:a 3/4');
		expect(footer(result)).toContain('Esc clear');
		await result.press('j');
		expect(selectedLine(result)).toMatch(/^› {2}alpha /);
		await result.press(KEYS.escape);
		expect(listed(result)).toEqual(NAMES);
		expect(footer(result)).not.toContain('filter');
	});

	test('while typing, q r ? and / are text, not commands; a filter that matches nothing says so', async () => {
		const runtime = fourRuntime();
		const result = await mount(runtime);
		await writeChunk(result, '/q?r/');
		expect(runtime.calls.refresh).toBe(0);
		expect(runtime.calls.dispose).toBe(0);
		expect(text(result)).toContain('no account name contains "q?r/" (/ edits the filter, Esc clears it)');
		expect(footer(result)).toMatch(/^\/q\?r\/ {3}0\/4/);
		await writeChunk(result, '\u001B');
		expect(listed(result)).toEqual(NAMES);
	});

	test('"/mid\\rs" in one write filters, keeps the filter and switches to mid; Ctrl+C still quits while typing', async () => {
		const runtime = fourRuntime();
		const result = await mount(runtime);
		await writeChunk(result, '/mid\rs');
		expect(listed(result)).toEqual(['mid']);
		expect(runtime.calls.switchTo).toEqual(['mid']);
		await writeChunk(result, '/x');
		await result.press(KEYS.ctrlC);
		expect(runtime.calls.dispose).toBe(1);
	});

	test('arrows move the selection while typing; an escape sequence nobody names is not typed', async () => {
		const result = await mount(fourRuntime());
		await writeChunk(result, '/a');
		await result.press(KEYS.down);
		expect(selectedLine(result)).toMatch(/^› {2}alpha /);
		await writeChunk(result, '\u001B[15~');
		expect(footer(result)).toMatch(/^\/a {3}3\/4/);
	});
});

describe('t switches resets between countdown and clock time', () => {
	test('↺1d becomes Tue 14:00 (local time) and back', async () => {
		const result = await mount(fourRuntime());
		const alpha = () => text(result).split('\n').find(line => /^ {3}alpha /.test(line)) ?? '';
		expect(alpha()).toContain('↺1d');
		await result.press('t');
		expect(alpha()).toContain('Tue 14:00');
		expect(alpha()).toContain('15:00');
		expect(alpha()).not.toContain('↺');
		await result.press('t');
		expect(alpha()).toContain('↺1d');
	});

	test('"tt" in one write changes nothing; clock times fit 80 and 60 columns', async () => {
		for (const columns of [80, 60]) {
			const result = await mount(fourRuntime(), {columns, rows: 24});
			const before = text(result);
			await writeChunk(result, 'tt');
			expect(text(result)).toBe(before);
			await writeChunk(result, 't');
			const frame = text(result);
			expect(frame).toContain('Tue 14:00');
			expect(Math.max(...frame.split('\n').map(line => [...line].length))).toBeLessThanOrEqual(columns);
		}
	});
});

describe('stale rows', () => {
	const staleReport = () => {
		const accounts = fourAccounts().map(account => account.name === 'mid'
			? {...account, stale: true, windows: account.windows.map(window => ({...window, stale: true, observedAt: new Date(NOW - 43 * MINUTE).toISOString()}))}
			: account);
		return demoReport({accounts, active: 'zeta', demo: false});
	};

	test.each([100, 80, 60])('say their age at %i columns (DATA, or STATUS when DATA is too narrow)', async columns => {
		const result = await mount(createTestRuntime(staleReport()), {columns, rows: 24});
		const mid = text(result).split('\n').find(line => /^ {3}mid /.test(line)) ?? '';
		expect(mid).toContain('stale 43m');
	});
});

describe('? legend and help scrolling', () => {
	test('the overlay explains clock times, the order, the filter, dimmed rows and the wheel', async () => {
		const result = await mount(fourRuntime(), {columns: 120, rows: 60});
		await result.press('?');
		const seen = new Set<string>();
		for (let page = 0; page < 6; page++) {
			for (const line of text(result).split('\n')) seen.add(line);
			await result.press(KEYS.pageDown);
		}

		const overlay = [...seen].join('\n');
		for (const legend of ['Thu 09:00', 'o sort:chain', '/ filter:ali 3/10', 'dimmed row', 'Wheel↑ Wheel↓', 'o  ', 't  ']) {
			expect(overlay).toContain(legend);
		}
	});
});

describe('mouse wheel (SGR reports)', () => {
	// What the live dashboard's stdin (wheelAsKeys) hands Ink for `ESC[<65;10;5M` and `ESC[<64;10;5M`.
	const wheelDown = translateMouse('\u001B[<65;10;5M');
	const wheelUp = translateMouse('\u001B[<64;10;5M');

	test('the wheel moves the selection; two reports in one write move two rows; clicks do nothing', async () => {
		const result = await mount(createTestRuntime(manyAccountsReport(10)));
		await writeChunk(result, wheelDown);
		expect(selectedLine(result)).toMatch(/^› {2}acct-02 /);
		await writeChunk(result, wheelDown + wheelDown);
		expect(selectedLine(result)).toMatch(/^› {2}acct-04 /);
		await writeChunk(result, wheelUp);
		expect(selectedLine(result)).toMatch(/^› {2}acct-03 /);
		await writeChunk(result, '\u001B[<0;10;5M\u001B[<0;10;5m');
		expect(selectedLine(result)).toMatch(/^› {2}acct-03 /);
	});

	test('the wheel scrolls the help; a click is not typed into the filter', async () => {
		const result = await mount(fourRuntime(), {columns: 80, rows: 24});
		await result.press('?');
		expect(text(result)).toMatch(/ {2}1–\d+ of \d+/);
		await writeChunk(result, wheelDown + wheelDown);
		expect(text(result)).toMatch(/ {2}3–\d+ of \d+/);
		await result.press(KEYS.escape);
		await writeChunk(result, '/');
		await writeChunk(result, '\u001B[<0;3;4M');
		expect(footer(result)).toMatch(/^\/ {3}4\/4/);
	});

	const key = (extra: Partial<Key> = {}): Key => ({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...extra});

	test('wheel reports become Super+↑/↓ (with modifiers too), clicks and releases vanish, the rest is kept', () => {
		expect(translateMouse('\u001B[<64;1;1M')).toBe(WHEEL_UP_KEY);
		expect(translateMouse('j\u001B[<65;80;24Mk')).toBe(`j${WHEEL_DOWN_KEY}k`);
		expect(translateMouse('\u001B[<80;1;1M\u001B[<77;1;1M')).toBe(WHEEL_UP_KEY + WHEEL_DOWN_KEY);
		expect(translateMouse('\u001B[<66;1;1M\u001B[<0;1;1M\u001B[<0;1;1m\u001B[<32;4;4M')).toBe('');
		expect(translateMouse('\u001B[A')).toBe('\u001B[A');
		expect(keyNamesOf('', key({upArrow: true, super: true}))).toEqual(['wheelup']);
		expect(keyNamesOf('', key({downArrow: true, super: true}))).toEqual(['wheeldown']);
		expect(keyNamesOf('', key({downArrow: true}))).toEqual(['down']);
		expect(keyNamesOf('[15~', key())).toEqual([]);
		// Ctrl+→ arrives named `right` with ctrl: not the letters r-i-g-h-t (r would refresh).
		expect(keyNamesOf('right', key({ctrl: true}))).toEqual([]);
	});
});

describe('mouse reporting on the terminal', () => {
	test('wheelAsKeys renames what read() returns and passes everything else through', () => {
		const chunks: Array<string | null> = ['\u001B[<65;2;2M', null];
		const stream = Object.assign(new EventEmitter(), {read: () => chunks.shift() ?? null, isTTY: true, setRawMode: () => 'raw'}) as unknown as NodeJS.ReadStream;
		const wrapped = wheelAsKeys(stream);
		expect(wrapped.read()).toBe(WHEEL_DOWN_KEY);
		expect(wrapped.read()).toBeNull();
		expect(wrapped.isTTY).toBe(true);
		expect(wrapped.setRawMode(true)).toBe('raw');
	});

	test('only a TTY, a known TERM other than dumb, and not GNU screen outside tmux', () => {
		const tty = {isTTY: true};
		expect(wantsMouse(tty, {TERM: 'xterm-256color'})).toBe(true);
		expect(wantsMouse(tty, {TERM: 'tmux-256color', TMUX: '/tmp/tmux-1/default,1,0'})).toBe(true);
		expect(wantsMouse(tty, {TERM: 'screen-256color', TMUX: '/tmp/tmux-1/default,1,0'})).toBe(true);
		expect(wantsMouse(tty, {TERM: 'screen'})).toBe(false);
		expect(wantsMouse(tty, {TERM: 'dumb'})).toBe(false);
		expect(wantsMouse(tty, {})).toBe(false);
		expect(wantsMouse({isTTY: false}, {TERM: 'xterm'})).toBe(false);
		expect(wantsMouse(tty, {TERM: 'xterm'}, false)).toBe(false);
	});

	test('on at start; off on dispose and on process exit, once', () => {
		const written: string[] = [];
		const proc = new EventEmitter() as unknown as NodeJS.Process;
		const mouse = enableMouse({write: data => written.push(data)}, proc);
		expect(written).toEqual([MOUSE_ON]);
		proc.emit('exit', 1);
		expect(written).toEqual([MOUSE_ON, MOUSE_OFF]);
		mouse.dispose();
		expect(written).toEqual([MOUSE_ON, MOUSE_OFF]);
		const second = enableMouse({write: data => written.push(data)}, proc);
		second.dispose();
		expect(written.slice(2)).toEqual([MOUSE_ON, MOUSE_OFF]);
		expect((proc as unknown as EventEmitter).listenerCount('exit')).toBe(0);
	});
});

describe('list-view (pure)', () => {
	test('soonest reset reads the weekly window, then any reset; headroom is 1 − the higher use; unknown sorts last', () => {
		const [zeta, alpha, mid, beta] = fourAccounts() as [AccountReport, AccountReport, AccountReport, AccountReport];
		expect(soonestReset(alpha, NOW)).toBe(NOW + DAY);
		expect(soonestReset(beta, NOW)).toBeNull();
		expect(soonestReset(makeAccount('five', {windows: [makeWindow('five_hour', 0.2, HOUR)]}), NOW)).toBe(NOW + HOUR);
		expect(headroom(zeta)).toBeCloseTo(0.5);
		expect(headroom(mid)).toBeCloseTo(0.9);
		expect(headroom(beta)).toBeNull();
		const names = (sort: typeof INITIAL_LIST.sort, filter = '') => arrangeAccounts(fourAccounts(), {...INITIAL_LIST, sort, filter}, NOW).map(account => account.name);
		expect(names('headroom')).toEqual(['mid', 'zeta', 'alpha', 'beta']);
		expect(names('name', 'TA')).toEqual(['beta', 'zeta']);
	});
});
