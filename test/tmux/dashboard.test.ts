/**
 * The real built binary (build/cli.js) in real tmux panes: resize-window, a zoomed split pane, key
 * bursts sent in one write, TERM=dumb, quitting and SIGTERM (issue 13's done-when lines, audit Part 2
 * D1/D2/D3/D18). Each test polls capture-pane until a condition holds, with a generous deadline, so a
 * loaded 2-core machine makes it slower but not flaky. Every tmux server is private (`tmux -L …`) and
 * killed at the end. Skipped, with one line saying why, where tmux is not installed.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {TmuxServer} from '../../scripts/lib/tmux.mjs';
import {openContext} from '../../source/runtime/context.js';
import {recordManualWindow} from '../../source/runtime/history.js';
import {addJob} from '../../source/store/jobs.js';
import {upsertBudget} from '../../source/store/repositories.js';
import {CLI, ROOT, tempHome} from '../helpers/cli.js';
import {hasTmux} from '../helpers/tmux.js';


const NOW = '2026-11-22T14:30:00Z';
const HEADER = /^quota-tui {2}\d\d:\d\d/;
const TIMEOUT = 120_000;

let server: TmuxServer;
let counter = 0;

beforeAll(() => {
	if (hasTmux) server = new TmuxServer(`qt-test-${process.pid}`);
});

afterAll(() => {
	server?.kill();
});

/** The environment of a dashboard pane: its own home (and HOME), the frozen clock, UTC. */
function paneEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
	return {QUOTA_TUI_HOME: home, HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', LANG: 'C.UTF-8', ...extra};
}

const dashboardArgv = (...args: string[]) => [process.execPath, CLI, ...args];

/** Start the dashboard in a new session of `cols`×`rows`; resolves to the session name once drawn. */
async function startDashboard(cols: number, rows: number, home: string, args: string[] = ['--demo'], extraEnv: Record<string, string> = {}): Promise<string> {
	const name = `s${counter++}`;
	await server.start(name, {cols, rows, cwd: ROOT, env: paneEnv(home, extraEnv), argv: dashboardArgv(...args)});
	await server.waitStable(name, {accept: screen => screen.includes('q quit'), timeoutMs: 60_000});
	return name;
}

/** What a fresh dashboard shows at this size (the reference a resized one must match). */
async function freshScreen(cols: number, rows: number, home: string, args?: string[]): Promise<string> {
	const name = await startDashboard(cols, rows, home, args);
	const screen = await server.waitStable(name, {accept: s => s.includes('q quit')});
	await server.killSession(name);
	return plain(screen);
}

/** A capture without colour escapes, trailing blanks removed. */
const plain = (screen: string): string => stripVTControlCharacters(screen).split('\n').map(line => line.trimEnd()).join('\n').replace(/\n+$/, '');

async function stableScreen(target: string): Promise<string> {
	return plain(await server.waitStable(target, {accept: s => s.includes('q quit'), timeoutMs: 60_000}));
}

/** Ten manual accounts with usage, and `jobs` queued jobs, in a fresh home. */
function tenAccountsHome(jobs = 0): string {
	const home = tempHome('qt-tmux-');
	const now = Date.parse(NOW);
	const env = {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW};
	const ctx = openContext({env});
	ctx.configStore.setKey('autoUtilization.notify', 'none');
	for (let index = 0; index < 10; index++) {
		const name = `acct-${String(index + 1).padStart(2, '0')}`;
		ctx.configStore.addAccount({name, provider: 'manual', plan: 'max5'});
		for (const [window, used, resetAt] of [['five_hour', 10 + index * 7, '2026-11-22T17:00:00Z'], ['seven_day', 20 + index * 5, '2026-11-25T09:00:00Z']] as const) {
			const budget = {scope: `account:${name}`, window, limit: 100, unit: 'percent', used, resetAt, source: 'user-entered' as const, checkedAt: NOW};
			upsertBudget(ctx.db, budget);
			recordManualWindow(ctx, budget, now);
		}
	}

	for (const [index, title] of ['Job one', 'Job two', 'Job three'].slice(0, jobs).entries()) {
		addJob(ctx.db, {id: `q-${index}`, title, prompt: 'p', cwd: home, severity: 'warning', createdAt: new Date(now - (10 - index) * 60_000).toISOString(), source: 'backlog', kind: 'task'}, now);
	}

	ctx.close();
	return home;
}

const countLines = (screen: string, pattern: RegExp) => screen.split('\n').filter(line => pattern.test(line)).length;

describe.skipIf(!hasTmux)('the dashboard in tmux', () => {
	test('120→90 columns leaves no stale line: the screen is what a fresh start at 90 shows', async () => {
		const home = tempHome('qt-tmux-');
		const name = await startDashboard(120, 30, home);
		await server.run(['resize-window', '-t', name, '-x', '90', '-y', '30']);
		await server.waitFor(`${name}:0.0`, () => true);
		const after = await stableScreen(`${name}:0.0`);
		expect(countLines(after, HEADER)).toBe(1);
		expect(after).toBe(await freshScreen(90, 30, home));
		await server.killSession(name);
	}, TIMEOUT);

	test('80→100 after 120→80 leaves no stale line', async () => {
		const home = tempHome('qt-tmux-');
		const name = await startDashboard(120, 30, home);
		await server.run(['resize-window', '-t', name, '-x', '80', '-y', '30']);
		await stableScreen(`${name}:0.0`);
		await server.run(['resize-window', '-t', name, '-x', '100', '-y', '30']);
		await server.waitFor(`${name}:0.0`, screen => screen.split('\n').some(line => line.length > 80));
		const after = await stableScreen(`${name}:0.0`);
		expect(countLines(after, HEADER)).toBe(1);
		expect(after).toBe(await freshScreen(100, 30, home));
		await server.killSession(name);
	}, TIMEOUT);

	test('zoom in and out of a split pane (resize-pane -Z) leaves no stale line', async () => {
		const home = tempHome('qt-tmux-');
		const name = `z${counter++}`;
		await server.run(['new-session', '-d', '-s', name, '-x', '200', '-y', '50', '--', 'sh', '-c', 'sleep 600']);
		await server.run(['split-window', '-h', '-l', '100', '-t', name, '-c', ROOT, ...Object.entries(paneEnv(home)).flatMap(([k, v]) => ['-e', `${k}=${v}`]), '--', ...dashboardArgv('--demo')]);
		const pane = `${name}:0.1`;
		await server.waitStable(pane, {accept: s => s.includes('q quit'), timeoutMs: 60_000});
		const width = Number(await server.display(pane, '#{pane_width}'));
		await server.run(['resize-pane', '-Z', '-t', pane]);
		expect(await server.display(pane, '#{window_zoomed_flag} #{pane_width}')).toBe('1 200');
		const zoomed = await stableScreen(pane);
		expect(countLines(zoomed, HEADER)).toBe(1);
		expect(zoomed).toBe(await freshScreen(200, 50, home));
		await server.run(['resize-pane', '-Z', '-t', pane]);
		expect(await server.display(pane, '#{window_zoomed_flag}')).toBe('0');
		await server.waitFor(pane, screen => !screen.split('\n').some(line => line.trimEnd().length > width));
		const unzoomed = await stableScreen(pane);
		expect(countLines(unzoomed, HEADER)).toBe(1);
		expect(unzoomed).toBe(await freshScreen(width, 50, home));
		await server.killSession(name);
	}, TIMEOUT);

	test('send-keys jjjjj in one write moves the selection five rows', async () => {
		const home = tenAccountsHome();
		const name = await startDashboard(100, 30, home, []);
		expect(await stableScreen(`${name}:0.0`)).toMatch(/^› {2}acct-01 /m);
		await server.sendLiteral(name, 'jjjjj');
		const moved = await server.waitFor(`${name}:0.0`, screen => /^› {2}acct-\d\d /m.test(screen));
		await server.waitStable(name, {accept: () => true});
		expect(plain(await server.capture(name))).toMatch(/^› {2}acct-06 /m);
		expect(moved).toBeTruthy();
		await server.sendKeys(name, 'Up', 'Up');
		await server.waitFor(`${name}:0.0`, screen => /^› {2}acct-04 /m.test(screen));
		await server.killSession(name);
	}, TIMEOUT);

	test('the mouse wheel moves the selection (SGR reports); mouse reporting is on while it runs and off after q', async () => {
		const home = tenAccountsHome();
		const name = `m${counter++}`;
		await server.start(name, {cols: 100, rows: 30, cwd: ROOT, env: paneEnv(home), argv: ['sh', '-c', '"$@"; echo "exit $?"; exec sleep 600', 'x', ...dashboardArgv()]});
		await server.waitStable(name, {accept: s => s.includes('q quit'), timeoutMs: 60_000});
		expect(await server.display(`${name}:0.0`, '#{mouse_any_flag} #{mouse_sgr_flag}')).toBe('1 1');
		// Two wheel-down reports and a click in one write, as a terminal sends them.
		await server.sendLiteral(name, '\u001B[<65;20;6M\u001B[<65;20;6M\u001B[<0;20;6M\u001B[<0;20;6m');
		await server.waitFor(`${name}:0.0`, screen => /^› {2}acct-03 /m.test(plain(screen)));
		await server.sendLiteral(name, '\u001B[<64;20;6M');
		await server.waitFor(`${name}:0.0`, screen => /^› {2}acct-02 /m.test(plain(screen)));
		await server.sendLiteral(name, 'q');
		await server.waitFor(`${name}:0.0`, screen => screen.includes('exit 0'));
		expect(await server.display(`${name}:0.0`, '#{mouse_any_flag} #{mouse_sgr_flag}')).toBe('0 0');
		await server.killSession(name);
	}, TIMEOUT);

	test('o sorts, / filters, t shows clock times in the real binary', async () => {
		const home = tenAccountsHome();
		const name = await startDashboard(100, 30, home, []);
		// Most headroom first (o twice): acct-01 has the least use.
		await server.sendLiteral(name, 'oo');
		await server.waitFor(`${name}:0.0`, screen => plain(screen).includes('o sort:headroom'));
		await server.sendLiteral(name, '/07');
		await server.waitFor(`${name}:0.0`, screen => /^\/07 +1\/10/m.test(plain(screen)));
		await server.sendKeys(name, 'Enter');
		const filtered = plain(await server.waitFor(`${name}:0.0`, screen => plain(screen).includes('/ filter:07 1/10')));
		expect(filtered).not.toMatch(/^ {3}acct-01 /m);
		await server.sendLiteral(name, 't');
		// 17:00 today (the frozen clock is 14:30 UTC) for the 5-hour window, Wed 09:00 for the week.
		await server.waitFor(`${name}:0.0`, screen => /acct-07 .*17:00.*Wed 09:00/.test(plain(screen)));
		await server.killSession(name);
	}, TIMEOUT);

	test('ten accounts and three jobs at 80×24: the queue header and the next job are visible', async () => {
		const home = tenAccountsHome(3);
		const name = await startDashboard(80, 24, home, []);
		const screen = await stableScreen(`${name}:0.0`);
		expect(screen).toMatch(/^queue {2}3 queued/m);
		expect(screen).toMatch(/^ {3}JOB +SEV/m);
		expect(screen).toMatch(/^ {3}Job one /m);
		expect(screen.split('\n').length).toBeLessThanOrEqual(23);
		await server.killSession(name);
	}, TIMEOUT);

	test('TERM=dumb prints one frame as for a pipe: no cursor movement, exit 0', async () => {
		const home = tempHome('qt-tmux-');
		const name = `d${counter++}`;
		const log = path.join(home, 'pane.log');
		const ready = path.join(home, 'ready');
		// The dashboard starts once pipe-pane records (the shell waits for the file, not for a time).
		const status = path.join(home, 'status');
		// The shell writes the exit code to a file: tmux can mark a pane dead (its terminal closed) well
		// before it has reaped the process and knows its status, so pane_dead_status is not reliable here.
		await server.start(name, {cols: 100, rows: 30, cwd: ROOT, env: paneEnv(home), argv: ['env', 'TERM=dumb', 'sh', '-c', 'ready=$0; status=$1; shift; while [ ! -e "$ready" ]; do sleep 0.05; done; "$@"; echo $? > "$status.tmp"; mv "$status.tmp" "$status"', ready, status, ...dashboardArgv('--demo')]});
		await server.run(['pipe-pane', '-t', `${name}:0.0`, '-o', `cat > '${log}'`]);
		fs.writeFileSync(ready, '');
		const deadline = Date.now() + 60_000;
		while (!fs.existsSync(status) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100));
		expect(fs.readFileSync(status, 'utf8').trim()).toBe('0');
		const raw = fs.readFileSync(log, 'utf8');
		expect(raw).toContain('demo-main');
		expect(raw).toContain('one-shot frame');
		expect(raw).not.toContain('\u001B');
		expect(raw.match(/quota-tui {2}\d\d:\d\d/g)).toHaveLength(1);
		await server.killSession(name);
	}, TIMEOUT);

	test('q and SIGTERM give the terminal back: primary screen, cursor shown, exit 0 and 143', async () => {
		const home = tempHome('qt-tmux-');
		// A shell runs the dashboard and stays, so the pane shows what is left after it and its exit code.
		const run = async () => {
			const name = `t${counter++}`;
			await server.start(name, {cols: 100, rows: 30, cwd: ROOT, env: paneEnv(home), argv: ['sh', '-c', 'echo "shell before"; "$@"; echo "exit $?"; exec sleep 600', 'x', ...dashboardArgv('--demo')]});
			await server.waitStable(name, {accept: s => s.includes('q quit'), timeoutMs: 60_000});
			expect(await server.display(`${name}:0.0`, '#{alternate_on}')).toBe('1');
			return name;
		};

		const first = await run();
		await server.sendLiteral(first, 'q');
		let screen = plain(await server.waitFor(`${first}:0.0`, s => s.includes('exit ')));
		expect(screen).toBe('shell before\nexit 0');
		expect(await server.display(`${first}:0.0`, '#{alternate_on} #{cursor_flag}')).toBe('0 1');
		await server.killSession(first);

		const second = await run();
		const shell = (await server.paneInfo(second)).pid;
		const child = Number(spawnSync('ps', ['-o', 'pid=', '--ppid', String(shell)], {encoding: 'utf8'}).stdout.trim().split('\n')[0]);
		expect(child).toBeGreaterThan(0);
		process.kill(child, 'SIGTERM');
		screen = plain(await server.waitFor(`${second}:0.0`, s => s.includes('exit ')));
		expect(screen).toBe('shell before\nexit 143');
		expect(await server.display(`${second}:0.0`, '#{alternate_on} #{cursor_flag}')).toBe('0 1');
		await server.killSession(second);
	}, TIMEOUT);

	test('CI=true in the environment does not stop a real terminal from getting the live dashboard', async () => {
		const home = tempHome('qt-tmux-');
		const name = await startDashboard(100, 30, home, ['--demo'], {CI: 'true'});
		expect(await server.display(`${name}:0.0`, '#{alternate_on}')).toBe('1');
		await server.killSession(name);
	}, TIMEOUT);
});
