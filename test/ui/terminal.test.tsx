process.env.TZ = 'UTC';
/**
 * The live dashboard in a terminal emulator (@xterm/headless): its real escape output, a resize the
 * way a terminal does it (the emulator re-wraps, then SIGWINCH), and the screen compared with what a
 * fresh start at the new size shows. Audit Part 2, D1: no line of the old frame may remain.
 */
import {EventEmitter} from 'node:events';
import {afterEach, describe, expect, test} from 'vitest';
import {runDashboard} from '../../source/ui/app.js';
import {createTheme} from '../../source/ui/theme.js';
import {VirtualTerminal} from '../helpers/terminal.js';
import {createTestRuntime, manyAccountsReport, type TestRuntime} from './fixtures.js';

const plain = createTheme({isColor: false});

type FakeProcess = NodeJS.Process & {exits: number[]};

function fakeProcess(): FakeProcess {
	const proc = new EventEmitter() as unknown as FakeProcess;
	proc.exits = [];
	proc.exit = ((code?: number) => {
		proc.exits.push(code ?? 0);
	}) as NodeJS.Process['exit'];
	return proc;
}

type Live = {vt: VirtualTerminal; runtime: TestRuntime; done: Promise<number>; proc: FakeProcess; stderr: string[]};
const live: Live[] = [];

async function start(columns: number, rows: number, before = ''): Promise<Live> {
	const vt = new VirtualTerminal(columns, rows);
	if (before !== '') {
		vt.terminal.write(before);
	}

	const runtime = createTestRuntime(manyAccountsReport(10));
	const proc = fakeProcess();
	const stderr: string[] = [];
	const done = runDashboard(runtime, {
		stdout: vt.stdout as unknown as NodeJS.WriteStream,
		stdin: vt.stdin as unknown as NodeJS.ReadStream,
		stderr: {write: (text: string) => stderr.push(text)} as unknown as NodeJS.WriteStream,
		proc,
		theme: plain,
		maxFps: 60,
	});
	const session = {vt, runtime, done, proc, stderr};
	live.push(session);
	await vt.waitFor(text => text.includes('acct-01') && text.includes('q quit'));
	await vt.settle();
	return session;
}

/** What a fresh start at this size shows. */
async function freshScreen(columns: number, rows: number): Promise<string> {
	const session = await start(columns, rows);
	return session.vt.settle();
}

afterEach(async () => {
	for (const session of live.splice(0)) {
		session.vt.stdin.write('q');
		await Promise.race([session.done, new Promise(resolve => {
			setTimeout(resolve, 2000);
		})]);
		session.vt.dispose();
	}
});

describe('resizes leave no line of the old frame (D1)', () => {
	test.each([
		['120→90 columns', [[120, 30], [90, 30]]],
		['zoom out and in (200×50 → 100×50 → 200×50)', [[200, 50], [100, 50], [200, 50]]],
		['80→100 after 120→80', [[120, 30], [80, 30], [100, 30]]],
		['taller and shorter (100×30 → 100×20 → 100×40)', [[100, 30], [100, 20], [100, 40]]],
	] as const)('%s', async (_name, sizes) => {
		const [[columns, rows], ...steps] = sizes;
		const {vt} = await start(columns, rows);
		const before = await vt.settle();
		expect(before).toContain('acct-01');
		for (const [nextColumns, nextRows] of steps) {
			vt.resize(nextColumns, nextRows);
			const after = await vt.settle();
			expect(after, `after the resize to ${nextColumns}×${nextRows}`).toBe(await freshScreen(nextColumns, nextRows));
			expect(after.split('\n').filter(line => line.startsWith('quota-tui  14:00'))).toHaveLength(1);
		}
	});

	test('a narrower pane with one key pressed in between still redraws whole', async () => {
		const {vt} = await start(120, 30);
		vt.stdin.write('jjj');
		await vt.settle();
		vt.resize(90, 30);
		const after = await vt.settle();
		expect(after.split('\n').filter(line => line.includes('ACCOUNT'))).toHaveLength(1);
		expect(after).toMatch(/^› {2}acct-04/m);
	});

	test('Ctrl+L erases whatever else wrote to the terminal and draws the frame again', async () => {
		const {vt} = await start(100, 30);
		const clean = await vt.settle();
		vt.terminal.write('\u001B[5;10HGARBAGE FROM ANOTHER PROCESS\u001B[29;1Hmore junk below the frame');
		expect(await vt.settle()).toContain('GARBAGE');
		vt.stdin.write('\u000C');
		expect(await vt.waitFor(text => !text.includes('GARBAGE') && !text.includes('junk'))).toBe(clean);
	});
});

describe('the terminal is given back', () => {
	test('the dashboard draws on the alternate screen; q brings back the shell as it was', async () => {
		const session = await start(100, 30, '$ npm start\r\n');
		expect(session.vt.isAlternate()).toBe(true);
		session.vt.stdin.write('q');
		expect(await session.done).toBe(0);
		await session.vt.flush();
		expect(session.vt.isAlternate()).toBe(false);
		expect(session.vt.text()).toBe('$ npm start');
		expect(session.runtime.calls.dispose).toBeGreaterThanOrEqual(1);
	});

	test('SIGTERM quits like q and exits 143', async () => {
		const session = await start(100, 30, '$ npm start\r\n');
		session.proc.emit('SIGTERM');
		expect(await session.done).toBe(143);
		await session.vt.flush();
		expect(session.vt.isAlternate()).toBe(false);
		expect(session.vt.text()).toBe('$ npm start');
		expect(session.runtime.calls.dispose).toBeGreaterThanOrEqual(1);
	});

	test('an uncaught exception restores the terminal first, then prints the error and exits 1', async () => {
		const session = await start(100, 30, '$ npm start\r\n');
		session.proc.emit('uncaughtException', new Error('boom in a timer'));
		await session.done;
		await session.vt.flush();
		expect(session.vt.isAlternate()).toBe(false);
		expect(session.stderr.join('')).toContain('quota-tui: the dashboard crashed: Error: boom in a timer');
		expect(session.proc.exits).toEqual([1]);
	});
});
