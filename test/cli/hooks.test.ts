/**
 * Event hooks (issue 12 item 3, DESIGN §13): configured commands run without a shell, with the event
 * JSON on stdin, once per event key per hour, from every face: `switch`, `recommend`, `gate`, `serve`,
 * `hooks test`.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {processAlive} from '../../source/runtime/process.js';
import {CLI, runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';

const NOW = '2026-11-22T12:00:00Z';
/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON */

type Recorded = {argv: string[]; event: string | undefined; key: string | undefined; account: string | undefined; stdin: any};

/** A hook script that appends what it received (argv, environment, stdin) as one JSON line. */
function hookScript(home: string, extra = ''): {script: string; log: string; read: () => Recorded[]} {
	const log = path.join(home, 'hooks.jsonl');
	const script = path.join(home, 'hook.mjs');
	fs.writeFileSync(script, `import fs from 'node:fs';
let input = '';
process.stdin.setEncoding('utf8').on('data', c => input += c).on('end', () => {
	fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({argv: process.argv.slice(2), event: process.env.QUOTA_TUI_EVENT, key: process.env.QUOTA_TUI_EVENT_KEY, account: process.env.QUOTA_TUI_ACCOUNT, stdin: JSON.parse(input)}) + '\\n');
	${extra}
});
`);
	return {script, log, read: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as Recorded) : [])};
}

async function ok(args: string[], home: string, now = NOW) {
	const r = await runMain(args, {home, now});
	expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
	return r;
}

function writeHooks(home: string, hooks: unknown[], extra: Record<string, unknown> = {}) {
	const file = path.join(home, 'config.json');
	const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
	fs.writeFileSync(file, JSON.stringify({...config, hooks, autoUtilization: {...config.autoUtilization, notify: 'none'}, ...extra}, null, 2));
}

async function twoManualAccounts(home: string, used: number) {
	for (const name of ['a', 'b']) {
		await ok(['accounts', 'add', name, '--provider', 'manual'], home);
		await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(used), '--reset-at', '2026-11-26T09:00:00Z'], home);
	}
}

describe('event hooks', () => {
	it('a switch runs the "switch" hook once, with the event JSON on stdin and QUOTA_TUI_EVENT; placeholders are argv words, never shell', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		await twoManualAccounts(home, 10);
		writeHooks(home, [{on: ['switch'], command: [process.execPath, hook.script, '{event}', '{account}; rm -rf /']}]);
		await ok(['switch', 'b'], home);
		const runs = hook.read();
		expect(runs).toHaveLength(1);
		expect(runs[0]).toMatchObject({argv: ['switch', 'b; rm -rf /'], event: 'switch', account: 'b'});
		expect(runs[0]!.stdin).toMatchObject({event: 'switch', account: 'b', at: '2026-11-22T12:00:00Z', data: {to: 'b', provider: 'manual'}});
		expect(runs[0]!.stdin.key).toBe(runs[0]!.key);
		// Every switch is its own event, even at the same frozen instant.
		await ok(['switch', 'a'], home);
		expect(hook.read().map(run => run.account)).toEqual(['b', 'a']);
	});

	it('a switch from the dashboard (the runtime behind its s key) runs the switch hook once', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		await twoManualAccounts(home, 10);
		writeHooks(home, [{on: ['switch'], command: [process.execPath, hook.script]}]);
		const runtime = createAppRuntime(openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC'}}));
		try {
			runtime.switchTo('b');
			await expect.poll(() => hook.read().length, {timeout: 20_000}).toBe(1);
			expect(hook.read()[0]!.stdin).toMatchObject({event: 'switch', account: 'b', data: {to: 'b'}});
		} finally {
			runtime.dispose();
		}
	});

	it('a dashboard switch is published at once: the active marker moves while a slow switch hook still runs', async () => {
		const home = tempHome();
		// The hook records its start, then keeps running for 4 s.
		const hook = hookScript(home, 'setTimeout(() => {}, 4000);');
		await twoManualAccounts(home, 10);
		writeHooks(home, [{on: ['switch'], command: [process.execPath, hook.script]}]);
		const runtime = createAppRuntime(openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC'}}));
		try {
			const started = Date.now();
			runtime.switchTo('b');
			await expect.poll(() => runtime.getSnapshot().report.active, {timeout: 3000, interval: 20}).toBe('b');
			const shownAfter = Date.now() - started;
			expect(shownAfter).toBeLessThan(3000);
			expect(runtime.getSnapshot().notice?.text).toMatch(/^Switched to b/);
			// The hook ran (and is still running when the marker moved).
			await expect.poll(() => hook.read().length, {timeout: 10_000}).toBe(1);
		} finally {
			runtime.dispose();
		}
	});

	it('the old switch.onSwitch still runs, as a switch hook', async () => {
		const home = tempHome();
		const out = path.join(home, 'old.txt');
		const script = path.join(home, 'old.mjs');
		fs.writeFileSync(script, `import fs from 'node:fs'; fs.writeFileSync(${JSON.stringify(out)}, [process.argv[2], process.env.QUOTA_TUI_ACCOUNT, process.env.QUOTA_TUI_PROVIDER, process.env.QUOTA_TUI_EVENT].join(' '));`);
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], home);
		await ok(['config', 'set', 'switch.onSwitch', JSON.stringify([process.execPath, script, '{account}'])], home);
		await ok(['switch', 'a'], home);
		expect(fs.readFileSync(out, 'utf8')).toBe('a a manual switch');
	});

	it('recommend with every account exhausted fires all-exhausted once; a second recommend within the hour does not fire it again', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		await twoManualAccounts(home, 100);
		writeHooks(home, [{on: ['all-exhausted', 'emergency'], command: [process.execPath, hook.script]}]);
		const first = await runMain(['recommend'], {home, now: NOW});
		expect(first.code).toBe(1);
		expect(hook.read().map(run => run.event)).toEqual(['all-exhausted']);
		expect(hook.read()[0]!.stdin.message).toMatch(/^No usable account: /);
		await runMain(['recommend'], {home, now: '2026-11-22T12:10:00Z'});
		expect(hook.read()).toHaveLength(1);
	});

	it('a recommendation that changes between two looks fires recommendation-changed', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		await twoManualAccounts(home, 10);
		writeHooks(home, [{on: ['recommendation-changed', 'threshold-crossed'], command: [process.execPath, hook.script]}]);
		await ok(['switch', 'a'], home);
		await ok(['recommend'], home);
		expect(hook.read()).toHaveLength(0);
		await ok(['budget', 'set', '--scope', 'account:a', '--window', 'seven_day', '--used', '95', '--reset-at', '2026-11-26T09:00:00Z'], home);
		const r = await ok(['recommend'], home, '2026-11-22T12:05:00Z');
		expect(r.stdout.trim()).toBe('b');
		const events = hook.read().map(run => run.stdin);
		expect(events.map(e => e.event).sort()).toEqual(['recommendation-changed', 'threshold-crossed']);
		expect(events.find(e => e.event === 'recommendation-changed')).toMatchObject({data: {from: 'a', to: 'b'}});
		expect(events.find(e => e.event === 'threshold-crossed')).toMatchObject({account: 'a', data: {window: 'seven_day', threshold: 'switch'}});
	});

	it('gate pausing fires gate-paused with the stop sentence', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], home);
		await ok(['budget', 'set', '--scope', 'account:a', '--window', 'seven_day', '--used', '91', '--reset-at', '2026-11-26T09:00:00Z'], home);
		writeHooks(home, [{on: ['gate-paused'], command: [process.execPath, hook.script]}]);
		const r = await runMain(['gate', '--account', 'a'], {home, now: NOW});
		expect(r.code).toBe(75);
		expect(hook.read()).toHaveLength(1);
		expect(hook.read()[0]!.stdin).toMatchObject({event: 'gate-paused', account: 'a', message: 'Stopping: weekly quota usage at 91% (configured max: 90%)'});
	});

	it('hooks test EVENT fires a sample; a failing hook exits 1 with its last stderr line; list shows the hooks', async () => {
		const home = tempHome();
		const hook = hookScript(home);
		const failing = path.join(home, 'fail.mjs');
		fs.writeFileSync(failing, "process.stderr.write('\\u001b[31mcannot reach the pager\\u001b[0m\\n'); process.exit(3);");
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], home);
		writeHooks(home, [{on: ['*'], command: [process.execPath, hook.script]}, {on: ['job-failed'], command: [process.execPath, failing]}]);
		const good = await ok(['hooks', 'test', 'waste-warning', '--json'], home);
		expect(JSON.parse(good.stdout)).toMatchObject({event: {event: 'waste-warning', account: 'a', data: {sample: true}}, delivered: true});
		expect(hook.read()[0]).toMatchObject({event: 'waste-warning'});
		const bad = await runMain(['hooks', 'test', 'job-failed'], {home, now: NOW});
		expect(bad.code).toBe(1);
		expect(bad.stdout).toContain(`hook ${process.execPath} exited with 3: cannot reach the pager`);
		expect(bad.stdout).not.toContain('\u001b');
		const unknown = await runMain(['hooks', 'test', 'nonsense'], {home, now: NOW});
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('unknown event "nonsense"');
		const list = await ok(['hooks'], home);
		expect(list.stdout).toContain('on *: ');
		expect(list.stdout).toContain('on job-failed: ');
	});

	it('a hook that outlives its timeout is stopped with its whole process group', async () => {
		const home = tempHome();
		const pidFile = path.join(home, 'grandchild.pid');
		const script = path.join(home, 'slow.mjs');
		fs.writeFileSync(script, `import {spawn} from 'node:child_process'; import fs from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], {stdio: 'ignore'});
fs.writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
setTimeout(() => {}, 600000);`);
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], home);
		writeHooks(home, [{on: ['switch'], command: [process.execPath, script], timeoutSeconds: 1}]);
		const r = await runMain(['switch', 'a'], {home, now: NOW});
		expect(r.code).toBe(0);
		expect(r.stderr).toContain('did not finish within 1 s and was stopped');
		const pid = Number(fs.readFileSync(pidFile, 'utf8'));
		await new Promise(resolve => setTimeout(resolve, 200));
		expect(processAlive(pid)).toBe(false);
	});

	it('a hook naming an unknown event is a config error naming the field', async () => {
		const home = tempHome();
		writeHooks(home, [{on: ['switched'], command: ['true']}]);
		const r = await runMain(['status'], {home, now: NOW});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('hooks.0.on.0');
	});
});

describe('serve', () => {
	const servers: ChildProcess[] = [];
	afterEach(() => {
		for (const child of servers.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
	});

	it('a job dispatched through serve as a person\'s work ("manual": true) fires job-started and job-finished once each from its tick', async () => {
		/** serve's polling interval here (its tick fires the events). */
		const TICK_S = 1;
		const home = tempHome();
		const hook = hookScript(home);
		const runner = installFakeRunner();
		await ok(['accounts', 'add', 'solo', '--provider', 'manual'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '40', '--reset-at', '2026-11-26T09:00:00Z'], home);
		writeHooks(home, [{on: ['job-started', 'job-finished', 'job-failed'], command: [process.execPath, hook.script]}], {polling: {intervalSeconds: TICK_S}});
		const added = await ok(['queue', 'add', '--title', 'Served', '--prompt', 'sleep=1 served', '--cwd', home, '--estimate-pct', '10%', '--json'], home);
		const id = JSON.parse(added.stdout).id as string;
		const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {env: {...process.env, ...runner.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
		servers.push(child);
		let output = '';
		child.stdout!.setEncoding('utf8').on('data', chunk => (output += chunk));
		child.stderr!.setEncoding('utf8').on('data', chunk => (output += chunk));
		const until = async (check: () => boolean, what: string) => {
			for (let i = 0; i < 300 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 100));
			if (!check()) throw new Error(`${what}:\n${output}`);
		};
		await until(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.test(output), 'serve did not start');
		const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
		const token = fs.readFileSync(path.join(home, 'serve-token'), 'utf8').trim();
		// The first tick has seen the job queued before it is dispatched.
		await new Promise(resolve => setTimeout(resolve, 1.5 * TICK_S * 1000));
		const response = await fetch(`http://127.0.0.1:${port}/auto-utilization/dispatch`, {method: 'POST', headers: {authorization: `Bearer ${token}`}, body: JSON.stringify({jobId: id, manual: true})});
		expect(response.status).toBe(200);
		await until(() => hook.read().some(run => run.event === 'job-finished'), 'no job-finished');
		// Two more ticks: neither fires an event again.
		await new Promise(resolve => setTimeout(resolve, 2.2 * TICK_S * 1000));
		const events = hook.read().map(run => run.stdin);
		expect(events.map(e => e.event)).toEqual(['job-started', 'job-finished']);
		expect(events[1]).toMatchObject({account: 'solo', data: {jobId: id, title: 'Served', state: 'succeeded'}});
	}, 60_000);
});
