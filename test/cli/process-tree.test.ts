/**
 * Audit D3: a provider CLI's timeout bounds the whole process tree. Fake `claude`/`codex` wrappers
 * that fork the "real" binary as a grandchild (a shell script without `exec`, like npm's codex.js on an
 * older Node) and never answer: the read fails at its timeout, the grandchild is killed, and the
 * command exits right after its verdict.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {fetchViaClaudeCli} from '../../source/providers/claude-cli.js';
import {fetchViaAppServer} from '../../source/providers/codex-app-server.js';
import {CLI, runCli, tempHome} from '../helpers/cli.js';
import {tempDir} from '../helpers/providers.js';

/** A wrapper that forks `sleep 600` (its pid written to `pids`) and waits for it, never answering. */
function wrapper(dir: string, name: string, pids: string): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, `#!/bin/bash\nsleep 600 &\necho $! >> '${pids}'\nwait\n`, {mode: 0o755});
	return file;
}

const alive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

async function gone(pids: string, withinMs: number): Promise<boolean> {
	const list = fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number);
	expect(list.length).toBeGreaterThan(0);
	const deadline = Date.now() + withinMs;
	while (Date.now() < deadline) {
		if (list.every(pid => !alive(pid))) return true;
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	for (const pid of list) if (alive(pid)) process.kill(pid, 'SIGKILL');
	return false;
}

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; ms: number; stdout: string}> {
	const started = Date.now();
	return new Promise(resolve => {
		const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.on('close', code => resolve({code, ms: Date.now() - started, stdout}));
	});
}

/** polling.cliTimeoutSeconds in the gate test. */
const TIMEOUT_MS = 2000;

describe('timeouts bound the whole process tree (D3)', {timeout: 120_000}, () => {
	it('claude and codex wrappers that fork a grandchild: the read fails at its timeout and no orphan remains', async () => {
		const dir = tempDir('qt-wrap-');
		const pids = path.join(dir, 'pids');
		const env = {PATH: '/usr/bin:/bin', HOME: dir};
		const claude = await fetchViaClaudeCli({executable: wrapper(dir, 'claude', pids), configDir: dir, env, now: Date.now(), timeoutMs: 1000});
		expect(claude).toMatchObject({ok: false, status: 'unreachable'});
		expect(await gone(pids, 3000)).toBe(true);
		fs.rmSync(pids);
		const codex = await fetchViaAppServer({executable: wrapper(dir, 'codex', pids), home: dir, env, now: Date.now(), timeoutMs: 1000});
		expect(codex).toMatchObject({ok: false, status: 'unreachable'});
		expect(await gone(pids, 3000)).toBe(true);
	});

	it('gate --json with a wrapper claude that sleeps 600 s exits within its timeout + 2 s, no orphan', async () => {
		const home = tempHome();
		const dir = tempDir('qt-wrap-');
		const pids = path.join(dir, 'pids');
		const bin = path.join(dir, 'bin');
		fs.mkdirSync(bin);
		wrapper(bin, 'claude', pids);
		expect(runCli(['accounts', 'add', 'h', '--provider', 'claude', '--config-dir', tempDir('qt-claude-')], {home}).code).toBe(0);
		// The read's timeout is polling.cliTimeoutSeconds (20 s for claude by default): 2 s here.
		expect(runCli(['config', 'set', 'polling.cliTimeoutSeconds', String(TIMEOUT_MS / 1000)], {home}).code).toBe(0);
		const env = {...process.env, QUOTA_TUI_HOME: home, TZ: 'UTC', PATH: `${bin}:/usr/bin:/bin`, HOME: dir};
		// The same command with nothing to wait for: start-up and the rest of the run on this machine now.
		const baseline = await timed(['gate', '--json'], {...env, PATH: '/usr/bin:/bin'});
		const run = await timed(['gate', '--json'], env);
		expect(JSON.parse(run.stdout)).toHaveProperty('verdict');
		// It waited for the timeout (the wrapper never answers), and not much longer.
		expect(run.ms - baseline.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 500);
		expect(run.ms - baseline.ms).toBeLessThan(TIMEOUT_MS + 2000);
		expect(await gone(pids, 2000)).toBe(true);
	});
});
