/**
 * A fake `claude` (and `codex`) on PATH for dispatch tests: a sh script that execs the pinned node
 * (absolute path, written at test time) on test/fixtures/fake-runner.mjs, which speaks Claude Code's
 * `-p --output-format json` protocol. Every run is recorded as one JSON line.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {CLI, cliEnv, ROOT, tempHome, type CliOptions, type CliResult} from './cli.js';

export const FAKE_RUNNER = path.join(ROOT, 'test', 'fixtures', 'fake-runner.mjs');

export type FakeRunner = {
	/** Put this first on PATH. */
	bin: string;
	record: string;
	/** The environment a CLI run needs to find and drive the fake runner. */
	env: Record<string, string>;
	/** Every run so far. */
	runs(): Array<{pid: number; argv: string[]; cwd: string; claudeConfigDir: string | null; codexHome: string | null; jobId: string | null}>;
};

export function installFakeRunner(): FakeRunner {
	const dir = tempHome('qt-runner-');
	const bin = path.join(dir, 'bin');
	fs.mkdirSync(bin);
	for (const name of ['claude', 'codex']) {
		const file = path.join(bin, name);
		fs.writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${FAKE_RUNNER}' "$@"\n`, {mode: 0o755});
	}
	const record = path.join(dir, 'runs.jsonl');
	return {
		bin,
		record,
		env: {PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`, FAKE_RUNNER_RECORD: record, FAKE_RUNNER_CLI: CLI},
		// Job runs only: the same executable also answers quota-tui's usage reads (`claude -p
		// --input-format stream-json …`, `codex app-server`), which dispatch makes first on stale data.
		runs: () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as ReturnType<FakeRunner['runs']>[number]).filter(run => !run.argv.includes('--input-format') && run.argv[0] !== 'app-server') : []),
	};
}

/** Run the built CLI without waiting (for races): resolves with its result. */
export function runCliAsync(args: readonly string[], options: CliOptions): Promise<CliResult> {
	const env = cliEnv(options);
	return new Promise(resolve => {
		const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.setEncoding('utf8').on('data', chunk => {
			stderr += chunk;
		});
		child.on('close', code => resolve({code: code ?? -1, stdout, stderr}));
	});
}

/**
 * Poll `check` until it returns a value (not undefined) or `timeoutMs` passes. A cheap check (a file
 * read) runs every 50 ms; a costly one (a whole CLI run, often with a hub sync) waits three times its own
 * duration between runs, so a long wait spends at most a quarter of a core on polling instead of all
 * of one (on a 2-core machine that CPU belongs to the other test file running meanwhile).
 */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const started = Date.now();
		const value = check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		const pause = Math.min(1000, Math.max(50, 3 * (Date.now() - started)));
		await new Promise(resolve => setTimeout(resolve, pause));
	}
}
