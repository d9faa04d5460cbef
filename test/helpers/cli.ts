/**
 * Run the CLI in tests.
 *
 * `runCli` / `runJson` run the built CLI's main() (build/main.js) in-process: in a worker thread of
 * this test file, kept for the file's later runs, with an injected Io (captured stdout/stderr, stdin
 * holding `input`, isTTY false) and the environment a child process would get (cliEnv). A run is
 * synchronous like the spawnSync it replaces, so tests read the result directly; what a test serves
 * itself (an HTTP server in this thread) needs `runCliAsync`, which lets this thread keep answering.
 *
 * `spawnCli` runs build/cli.js as a real child process: for tests whose point is the process boundary
 * (exit on a pipe, signals, races between processes, the status-line hook, detached children, a non-UTC
 * TZ). `QUOTA_TUI_TEST_SPAWN=1` makes every run spawn (to compare both ways).
 *
 * `npm test` builds before vitest runs, so build/ is current (run `npm run build` before a single file).
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {MessageChannel, receiveMessageOnPort, Worker} from 'node:worker_threads';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'build', 'cli.js');
const BUILT_MAIN = path.join(ROOT, 'build', 'main.js');
const WORKER = path.join(ROOT, 'test', 'helpers', 'cli-worker.mjs');
const TIMEOUT_MS = 30_000;

export type CliResult = {code: number; stdout: string; stderr: string};

/** A fresh QUOTA_TUI_HOME in the temp dir. */
export function tempHome(prefix = 'qt-home-'): string {
	return fs.mkdtempSync(path.join(testRoot(), prefix));
}

/** The run's temp folder (test/global-setup.ts removes it at the end), else the system's. */
function testRoot(): string {
	return process.env['QUOTA_TUI_TEST_ROOT'] ?? os.tmpdir();
}

/**
 * The test's PATH without the directories that hold a real `claude` or `codex`: a CLI under test
 * refreshes stale accounts through them, and tests must never run the user's real CLIs (or reach a
 * real provider). Tests that want the fake ones pass their own PATH.
 */
export function pathWithoutProviderClis(pathValue = process.env['PATH'] ?? ''): string {
	return pathValue.split(path.delimiter).filter(dir => dir !== '' && !['claude', 'codex'].some(name => fs.existsSync(path.join(dir, name)))).join(path.delimiter);
}

export type CliOptions = {home: string; now?: string; env?: Record<string, string | undefined>};

/**
 * The environment of a CLI child: its own home, UTC, no colour, the frozen clock when given, and a PATH
 * without the user's real `claude`/`codex` (a test can never launch them); `options.env` wins.
 */
export function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: pathWithoutProviderClis(),
		QUOTA_TUI_HOME: options.home,
		TZ: 'UTC',
		NO_COLOR: '1',
		...(options.now ? {QUOTA_TUI_NOW: options.now} : {}),
		...options.env,
	};
	delete env['FORCE_COLOR'];
	return env;
}

export type RunOptions = CliOptions & {input?: string};

/** Run the CLI in-process (see the top of this file); a spawned run where in-process cannot be the same. */
export function runCli(args: readonly string[], options: RunOptions): CliResult {
	const env = cliEnv(options);
	if (mustSpawn(env)) return spawnCli(args, options);
	return inProcess().runSync(request(args, env, options));
}

/** Run the CLI in-process without blocking this thread (an in-process test server keeps answering). */
export async function runCliAsync(args: readonly string[], options: RunOptions): Promise<CliResult> {
	const env = cliEnv(options);
	if (mustSpawn(env)) return spawnCliAsync(args, options);
	return inProcess().run(request(args, env, options));
}

/** Run build/cli.js as a child process (the process boundary is what the test is about). */
export function spawnCli(args: readonly string[], options: RunOptions): CliResult {
	const env = cliEnv(options);
	const result = spawnSync(process.execPath, [CLI, ...args], {env, encoding: 'utf8', input: options.input ?? '', timeout: TIMEOUT_MS});
	return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr};
}

/** spawnCli without blocking this thread. */
export async function spawnCliAsync(args: readonly string[], options: RunOptions): Promise<CliResult> {
	const {spawn} = await import('node:child_process');
	const env = cliEnv(options);
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
		child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
		const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code: code ?? -1, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});
}

/**
 * In-process is the same as a child only when the child's time zone is this process's (a thread
 * cannot have its own TZ), and not when the run asks for spawned runs everywhere.
 */
function mustSpawn(env: NodeJS.ProcessEnv): boolean {
	return process.env['QUOTA_TUI_TEST_SPAWN'] === '1' || (env['TZ'] ?? '') !== (process.env['TZ'] ?? '');
}

type Request = {id: number; args: string[]; env: Record<string, string>; input: string; tty: boolean; columns: number | undefined; cwd: string};
type Reply = CliResult & {id: number; dead?: boolean};

let nextId = 1;
function request(args: readonly string[], env: NodeJS.ProcessEnv, options: RunOptions): Request {
	const clean: Record<string, string> = {};
	for (const [key, value] of Object.entries(env)) if (value !== undefined) clean[key] = value;
	return {id: nextId++, args: [...args], env: clean, input: options.input ?? '', tty: false, columns: undefined, cwd: process.cwd()};
}

type Runner = {runSync(request: Request): CliResult; run(request: Request): Promise<CliResult>};
let runner: Runner | undefined;

/** The worker of this test file (started on first use, replaced when a run kills it). */
function inProcess(): Runner {
	runner ??= startWorker(() => {
		runner = undefined;
	});
	return runner;
}

function startWorker(onDead: () => void): Runner {
	const signal = new SharedArrayBuffer(4);
	const flag = new Int32Array(signal);
	const {port1, port2} = new MessageChannel();
	const worker = new Worker(WORKER, {workerData: {port: port2, signal, mainUrl: pathToFileURL(BUILT_MAIN).href}, transferList: [port2], stdout: false, stderr: false});
	const waiting = new Map<number, (reply: Reply) => void>();
	let dead = false;
	const kill = () => {
		if (dead) return;
		dead = true;
		onDead();
		void worker.terminate();
		port1.close();
	};
	const deliver = (reply: Reply) => {
		if (reply.dead) kill();
		const resolve = waiting.get(reply.id);
		waiting.delete(reply.id);
		resolve?.(reply);
	};
	port1.on('message', deliver);
	// Neither keeps the test file's process alive.
	worker.unref();
	port1.unref();
	worker.on('error', error => {
		for (const [id, resolve] of waiting) resolve({id, code: -1, stdout: '', stderr: `in-process CLI worker failed: ${error.stack ?? String(error)}\n`});
		waiting.clear();
		kill();
	});
	const send = (message: Request) => {
		Atomics.store(flag, 0, 0);
		port1.postMessage(message);
	};
	const result = ({code, stdout, stderr}: Reply): CliResult => ({code, stdout, stderr});
	return {
		run(message) {
			return new Promise<CliResult>(resolve => {
				waiting.set(message.id, reply => resolve(result(reply)));
				send(message);
			});
		},
		runSync(message) {
			let mine: Reply | undefined;
			waiting.set(message.id, reply => (mine = reply));
			send(message);
			const deadline = Date.now() + TIMEOUT_MS;
			while (mine === undefined) {
				const left = deadline - Date.now();
				if (left <= 0 || Atomics.wait(flag, 0, 0, left) === 'timed-out') {
					if (mine !== undefined) break;
					waiting.delete(message.id);
					kill();
					return {code: -1, stdout: '', stderr: `in-process CLI run timed out after ${TIMEOUT_MS} ms: ${message.args.join(' ')}\n`};
				}
				Atomics.store(flag, 0, 0);
				// Every reply waiting on the port (an earlier async run's too) goes to its caller.
				for (let next = receiveMessageOnPort(port1); next; next = receiveMessageOnPort(port1)) deliver(next.message as Reply);
			}
			return result(mine);
		},
	};
}

/** Run and parse stdout as JSON (throws with the output when it is not JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
export function runJson<T = any>(args: readonly string[], options: Parameters<typeof runCli>[1]): {code: number; json: T; stderr: string} {
	const result = runCli(args, options);
	try {
		return {code: result.code, json: JSON.parse(result.stdout) as T, stderr: result.stderr};
	} catch {
		throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
	}
}

export type MainOptions = CliOptions & {
	/** What stdin holds (written, then ended). */
	input?: string;
	/** Make stdin (and stdout) look like a terminal (for y/n questions). */
	tty?: boolean;
};

/**
 * Run the CLI's main() in this process with an injected Io (no child process): the same environment
 * as runCli (own home, UTC, no colour, frozen clock, PATH without real provider CLIs).
 */
export async function runMain(args: readonly string[], options: MainOptions): Promise<CliResult> {
	const {PassThrough} = await import('node:stream');
	const {main} = await import('../../source/cli/main.js');
	const stdout = Object.assign(new PassThrough(), {isTTY: options.tty === true, columns: 100});
	const stderr = new PassThrough();
	const stdin = Object.assign(new PassThrough(), {isTTY: options.tty === true});
	let out = '';
	let err = '';
	stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
	stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
	stdin.end(options.input ?? '');
	const env = cliEnv(options);
	for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
	const code = await main(args, {stdout, stderr, stdin, env});
	return {code, stdout: out, stderr: err};
}
