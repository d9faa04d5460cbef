/**
 * Run the built CLI (build/cli.js) as a real child process, with its own QUOTA_TUI_HOME.
 * `npm test` builds before vitest runs, so build/ is current.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'build', 'cli.js');

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

export function runCli(args: readonly string[], options: CliOptions & {input?: string}): CliResult {
	const env = cliEnv(options);
	const result = spawnSync(process.execPath, [CLI, ...args], {env, encoding: 'utf8', input: options.input ?? '', timeout: 30_000});
	return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr};
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
