/**
 * `quota-tui serve` as a real process on a real socket, with a frozen clock (QUOTA_TUI_NOW): scenario
 * tests start it at one instant, let its first tick run, stop it, and start it again later.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {CLI, cliEnv} from './cli.js';

export type Served = {
	child: ChildProcess;
	base: string;
	token: string;
	output: () => string;
	/** GET/POST with the bearer token; resolves with status and parsed JSON. */
	request: (method: 'GET' | 'POST', route: string, body?: unknown) => Promise<{status: number; json: any}>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
	/** SIGTERM and wait for the exit. */
	stop: () => Promise<void>;
};

const running = new Set<ChildProcess>();

/** Kill what is still running (afterEach). */
export function killServers(): void {
	for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
	running.clear();
}

/** Start `serve --port 0` for `home` at `now` (the environment of cliEnv plus `env`). */
export async function startServe(home: string, now: string, env: Record<string, string> = {}): Promise<Served> {
	const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {env: cliEnv({home, now, env}), stdio: ['ignore', 'pipe', 'pipe']});
	running.add(child);
	let output = '';
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
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
	const token = fs.readFileSync(path.join(home, 'serve-token'), 'utf8').trim();
	const base = `http://127.0.0.1:${port}`;
	return {
		child,
		base,
		token,
		output: () => output,
		async request(method, route, body) {
			const response = await fetch(`${base}${route}`, {method, headers: {authorization: `Bearer ${token}`}, ...(body === undefined ? {} : {body: JSON.stringify(body)})});
			return {status: response.status, json: await response.json()};
		},
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise(resolve => child.once('exit', resolve));
			child.kill('SIGTERM');
			await exited;
			running.delete(child);
		},
	};
}
