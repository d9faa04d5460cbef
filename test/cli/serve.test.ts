/**
 * `quota-tui serve` over a real socket on 127.0.0.1: the built CLI as a real process, real requests
 * (D20's slow body runs serve's API in this process, with a shorter body timeout).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openContext} from '../../source/runtime/context.js';
import {startApiServer} from '../../source/runtime/server.js';
import {CLI, cliEnv, runCli, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';

const NOW = '2026-11-22T12:00:00Z';
const servers: ChildProcess[] = [];
/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON */

afterEach(() => {
	for (const child of servers.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

type Server = {child: ChildProcess; base: string; token: string; tokenFile: string; output: () => string};

async function serve(home: string, env: Record<string, string> = {}): Promise<Server> {
	const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
		env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', NO_COLOR: '1', ...env},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	servers.push(child);
	let output = '';
	child.stdout!.setEncoding('utf8').on('data', chunk => {
		output += chunk;
	});
	child.stderr!.setEncoding('utf8').on('data', chunk => {
		output += chunk;
	});
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 15_000);
		const check = () => {
			const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(Number(match[1]));
			}
		};
		child.stdout!.on('data', check);
		child.on('exit', code => reject(new Error(`serve exited ${code}:\n${output}`)));
	});
	const tokenFile = path.join(home, 'serve-token');
	return {child, base: `http://127.0.0.1:${port}`, token: fs.readFileSync(tokenFile, 'utf8').trim(), tokenFile, output: () => output};
}

function setup(): string {
	const home = tempHome();
	for (const args of [
		['accounts', 'add', 'solo', '--provider', 'manual'],
		// serve runs auto-utilization in the background: no desktop notifications from tests.
		['config', 'set', 'autoUtilization.notify', 'none'],
		['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '50', '--reset-at', '2026-11-22T15:00:00Z'],
		['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '40', '--reset-at', '2026-11-26T09:00:00Z'],
	]) expect(runCli(args, {home, now: NOW}).code).toBe(0);
	return home;
}

describe('serve', () => {
	it('401 without the token; the status JSON with idle capacity and the queue; dispatch dryRun gives the gate verdict; 400/404/405', async () => {
		const home = setup();
		const id = runJson(['queue', 'add', '--title', 'Served', '--prompt', 'p', '--cwd', home, '--estimate-pct', '10%', '--json'], {home, now: NOW}).json.id as string;
		const s = await serve(home, installFakeRunner().env);
		expect(s.output()).toContain(`token: ${s.tokenFile} (created)`);
		expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
		expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(s.output()).not.toContain(s.token);

		const none = await fetch(`${s.base}/auto-utilization/status`);
		expect(none.status).toBe(401);
		expect(none.headers.get('www-authenticate')).toBe('Bearer realm="quota-tui"');
		expect(((await none.json()) as any).error.message).toContain('missing or wrong bearer token');
		expect((await fetch(`${s.base}/auto-utilization/status`, {headers: {authorization: `Bearer ${s.token}x`}})).status).toBe(401);
		expect((await fetch(`${s.base}/nowhere`)).status).toBe(401);

		const auth = {authorization: `Bearer ${s.token}`};
		const status = await fetch(`${s.base}/auto-utilization/status`, {headers: auth});
		expect(status.status).toBe(200);
		expect(status.headers.get('content-type')).toBe('application/json; charset=utf-8');
		const body = (await status.json()) as any;
		expect(body.accounts.map((a: {name: string}) => a.name)).toEqual(['solo']);
		expect(body.idle).toEqual([expect.objectContaining({account: 'solo', idle: true, spendable: 0.25})]);
		expect(body.autoUtilization).toMatchObject({mode: 'suggest', planned: [expect.objectContaining({jobId: id, account: 'solo', startsNow: true})]});
		expect(body.queue).toMatchObject({queued: 1, running: 0, estimateUsd: 1, jobs: [expect.objectContaining({id, state: 'queued'})]});

		const post = (payload: string) => fetch(`${s.base}/auto-utilization/dispatch`, {method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body: payload});
		const dry = await post(JSON.stringify({jobId: id, dryRun: true}));
		expect(dry.status).toBe(200);
		expect((await dry.json()) as any).toMatchObject({dispatched: false, dryRun: true, status: 'dry-run', account: 'solo', gate: {verdict: 'go', exitCode: 0, account: 'solo'}, job: {id, state: 'queued'}});
		const planned = await post(JSON.stringify({dryRun: true}));
		expect((await planned.json()) as any).toMatchObject({status: 'dry-run', job: {id}});

		const bad = await post('{"jobId": ');
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as any).error.message).toMatch(/^bad JSON: /);
		expect((await post('[1,2]')).status).toBe(400);
		expect(((await (await post('{"jobId": 5}')).json()) as any).error.message).toBe('jobId: expected a non-empty string');
		expect((await post('{"dryRun": "yes"}')).status).toBe(400);
		expect((await post('{"job": "x"}')).status).toBe(400);
		const unknown = await post(JSON.stringify({jobId: 'q-000000', dryRun: true}));
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as any).error.message).toBe('dispatch: no job "q-000000" (see quota-tui queue list)');
		expect((await fetch(`${s.base}/auto-utilization/dispatch`, {headers: auth})).status).toBe(405);
		expect((await fetch(`${s.base}/auto-utilization/status`, {method: 'POST', headers: auth})).status).toBe(405);
		expect((await fetch(`${s.base}/other`, {headers: auth})).status).toBe(404);
		// Nothing was dispatched by any of this.
		expect(runJson(['queue', 'list', '--json'], {home, now: NOW}).json.jobs[0].state).toBe('queued');

		s.child.kill('SIGTERM');
		const code = await new Promise(resolve => s.child.on('exit', resolve));
		expect(code).toBe(0);
	}, 60_000);

	it('dispatch for real (409 when already claimed); the token file is reused and a loose mode is warned about', async () => {
		const home = setup();
		const runner = installFakeRunner();
		const id = runJson(['queue', 'add', '--title', 'Served', '--prompt', 'sleep=5 served', '--cwd', home, '--estimate-pct', '10%', '--json'], {home, now: NOW}).json.id as string;
		const first = await serve(home, runner.env);
		first.child.kill('SIGTERM');
		await new Promise(resolve => first.child.on('exit', resolve));
		fs.chmodSync(first.tokenFile, 0o644);
		const s = await serve(home, runner.env);
		expect(s.token).toBe(first.token);
		expect(s.output()).toContain(`warning: ${s.tokenFile} is readable by others (mode 644); run: chmod 600 ${s.tokenFile}`);
		const post = () => fetch(`${s.base}/auto-utilization/dispatch`, {method: 'POST', headers: {authorization: `Bearer ${s.token}`}, body: JSON.stringify({jobId: id})});
		const done = await post();
		expect(done.status).toBe(200);
		expect((await done.json()) as any).toMatchObject({dispatched: true, status: 'dispatched', account: 'solo', gate: {verdict: 'go'}, job: {id, state: 'running', autoUtilization: true}});
		const twice = await post();
		expect(twice.status).toBe(409);
		expect(((await twice.json()) as any).message).toMatch(new RegExp(`^Job ${id} is already claimed`));
		expect(runCli(['queue', 'cancel', id, '--grace', '1'], {home, now: NOW}).code).toBe(0);
	}, 60_000);
});

describe('serve (issue 10: hostile clients)', () => {
	/**
	 * One raw HTTP/1.1 request over a socket (the head says Connection: close, so the server closes it
	 * after answering); resolves to the status code and body. The socket is not half-closed: Node's
	 * server drops a request whose client sent FIN before the answer was ready (status 0 under load).
	 */
	function raw(port: number, head: string, body = ''): Promise<{status: number; text: string}> {
		return new Promise((resolve, reject) => {
			const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n${body}`));
			let text = '';
			socket.setEncoding('utf8').on('data', chunk => {
				text += chunk;
			});
			socket.on('close', () => resolve({status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text}));
			socket.on('error', reject);
		});
	}

	it('D19: with the right token, a Host other than 127.0.0.1:PORT or localhost:PORT gets 421 (DNS rebinding)', async () => {
		const home = setup();
		const s = await serve(home);
		const port = Number(new URL(s.base).port);
		const auth = `Authorization: Bearer ${s.token}\r\nConnection: close`;
		const evil = await raw(port, `GET /auto-utilization/status HTTP/1.1\r\nHost: evil.example.com\r\n${auth}`);
		expect(evil.status).toBe(421);
		expect(evil.text).toContain(`this API answers only Host 127.0.0.1:${port} or localhost:${port}`);
		expect((await raw(port, `GET /auto-utilization/status HTTP/1.1\r\nHost: evil.example.com:${port}\r\n${auth}`)).status).toBe(421);
		expect((await raw(port, `GET /auto-utilization/status HTTP/1.1\r\n${auth}`)).status).toBe(400); // no Host at all: Node's own 400
		expect((await raw(port, `GET /auto-utilization/status HTTP/1.1\r\nHost: localhost:${port}\r\n${auth}`)).status).toBe(200);
		expect((await raw(port, `GET /auto-utilization/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}`)).status).toBe(200);
	}, 60_000);

	it('D20: an authorised POST that dribbles its body holds only itself: a GET meanwhile answers at once; the slow one gets 408', async () => {
		// serve's API in this process (the same server serve starts) with a 2 s body timeout instead of
		// its 10 s: what D20 is about is the server's handling, not the process.
		const home = setup();
		const ctx = openContext({env: cliEnv({home, now: NOW})});
		const api = await startApiServer(ctx, 'secret-token', 0, {bodyTimeoutMs: 2000});
		const port = api.port;
		const socket = net.connect(port, '127.0.0.1');
		let slow = '';
		let slowClosed = false;
		try {
			await new Promise(resolve => socket.once('connect', resolve));
			socket.setEncoding('utf8').on('data', chunk => {
				slow += chunk;
			});
			const closed = new Promise(resolve => socket.on('close', resolve)).then(() => (slowClosed = true));
			socket.write(`POST /auto-utilization/dispatch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer secret-token\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
			const dribble = setInterval(() => socket.writable && socket.write(' '), 200);
			try {
				await new Promise(resolve => setTimeout(resolve, 300));
				const status = await fetch(`http://127.0.0.1:${port}/auto-utilization/status`, {headers: {authorization: 'Bearer secret-token'}});
				expect(status.status).toBe(200);
				// Answered while the slow request was still open (it is held until its body times out).
				expect(slowClosed).toBe(false);
				await closed;
			} finally {
				clearInterval(dribble);
			}
		} finally {
			socket.destroy();
			await api.close();
			ctx.close();
		}
		expect(slow).toMatch(/^HTTP\/1\.1 408/);
		expect(slow).toContain('request body not received within 2 s');
	}, 60_000);
});
