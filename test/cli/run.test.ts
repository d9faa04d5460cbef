/**
 * `quota-tui run` (issue 12 item 1): the built CLI as a real process (signals, streams and exit codes
 * are the point), fake `claude` and `codex` executables on PATH that stop at a usage limit and resume
 * by session id, two accounts.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {describe, expect, it} from 'vitest';
import {CLI, cliEnv, ROOT, runCli, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-22T12:00:00Z';
const AGENT = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');

function setup(provider: 'claude' | 'codex', used: {a: number; b: number}) {
	const home = tempHome();
	const bin = path.join(home, 'bin');
	fs.mkdirSync(bin);
	fs.writeFileSync(path.join(bin, provider), `#!/bin/sh\nexec '${process.execPath}' '${AGENT}' "$@"\n`, {mode: 0o755});
	const record = path.join(home, 'runs.jsonl');
	const dirs: Record<string, string> = {};
	for (const name of ['a', 'b'] as const) {
		dirs[name] = path.join(home, name);
		fs.mkdirSync(dirs[name]);
		const flag = provider === 'claude' ? '--config-dir' : '--home';
		expect(runCli(['accounts', 'add', name, '--provider', provider, flag, dirs[name], '--chain-order', name === 'a' ? '1' : '2'], {home}).code).toBe(0);
		expect(runCli(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(used[name]), '--reset-at', name === 'a' ? '2026-11-26T09:00:00Z' : '2026-11-22T14:00:00Z'], {home, now: NOW}).code).toBe(0);
	}
	const env = (extra: Record<string, string> = {}) => cliEnv({home, now: NOW, env: {PATH: `${bin}${path.delimiter}${process.env['PATH']}`, FAKE_AGENT_RECORD: record, FAKE_AGENT_KIND: provider, ...extra}});
	const run = (args: string[], extra: Record<string, string> = {}) => {
		const r = spawnSync(process.execPath, [CLI, 'run', ...args], {env: env(extra), encoding: 'utf8', timeout: 60_000});
		return {code: r.status, stdout: r.stdout, stderr: r.stderr};
	};
	const runs = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map(line => JSON.parse(line)) : []);
	return {home, dirs, run, runs};
}

describe('quota-tui run', () => {
	it('runs on the recommended account with its CLAUDE_CONFIG_DIR; stdout passes through; the exit code is the command\'s', () => {
		const s = setup('claude', {a: 10, b: 10});
		const r = s.run(['--', 'claude', '-p', 'hello']);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({is_error: false, result: 'done on a'});
		expect(s.runs()).toEqual([{argv: ['-p', 'hello'], account: 'a', resumed: null}]);
		const missing = s.run(['--', 'no-such-agent-here']);
		expect(missing.code).toBe(127);
		expect(missing.stderr).toContain('no-such-agent-here: command not found');
	});

	it('--resume: at a limit the same session continues on the next account, both outcomes recorded, the resumed exit code returned', () => {
		const s = setup('claude', {a: 10, b: 10});
		const r = s.run(['--resume', '--json', '--', 'claude', '-p', '--output-format', 'json', 'fix the bug'], {FAKE_AGENT_LIMITED: 'a'});
		expect(r.code, r.stderr).toBe(0);
		const id = '0a1b2c3d-1111-4222-8333-444455556666';
		expect(s.runs()).toEqual([
			{argv: ['-p', '--output-format', 'json', 'fix the bug'], account: 'a', resumed: null},
			{argv: ['--resume', id, '-p', '--output-format', 'json', 'fix the bug'], account: 'b', resumed: id},
		]);
		expect(fs.existsSync(path.join(s.dirs['b']!, 'projects', '-work-repo', `${id}.jsonl`))).toBe(true);
		expect(r.stderr).toContain(`quota-tui run: a hit its limit (resets 2026-11-22T13:00:00Z)`);
		expect(r.stderr).toContain(`quota-tui run: resuming session ${id} on b`);
		const steps = JSON.parse(r.stderr.slice(r.stderr.indexOf('{'))).steps;
		expect(steps).toEqual([
			{account: 'a', exitCode: 1, outcome: 'limit', sessionId: id, resumed: false},
			{account: 'b', exitCode: 0, outcome: 'ok', sessionId: id, resumed: true},
		]);
		const db = new DatabaseSync(path.join(s.home, 'quota.db'));
		expect(db.prepare('SELECT account, kind, resets_at AS resetsAt FROM outcomes ORDER BY id').all().map(row => ({...row}))).toEqual([
			{account: 'a', kind: 'limit', resetsAt: '2026-11-22T13:00:00Z'},
			{account: 'b', kind: 'ok', resetsAt: null},
		]);
		db.close();
	});

	it('without a usable account and without --wait: exit 75 with the gate\'s sentence; with --wait it resumes at the reset (QUOTA_TUI_NOW moves in simulated time)', () => {
		const s = setup('claude', {a: 10, b: 100});
		const stop = s.run(['--resume', '--', 'claude', '-p', 'work'], {FAKE_AGENT_LIMITED: 'a'});
		expect(stop.code).toBe(75);
		expect(stop.stderr).toMatch(/quota-tui run: Stopping: no usable account/);
		const w = setup('claude', {a: 10, b: 100});
		const waited = w.run(['--resume', '--wait', '--', 'claude', '-p', 'work'], {FAKE_AGENT_LIMITED: 'a,b'});
		expect(waited.stderr).toMatch(/waiting for the reset at 2026-11-22T13:00:00Z \(in 1h00m\)/);
		const runs = w.runs();
		expect(runs.map(run => [run.account, run.resumed])).toEqual([['a', null], ['a', '0a1b2c3d-1111-4222-8333-444455556666']]);
	});

	it('codex: codex exec resume ID under the next account\'s CODEX_HOME, the rollout copied there', () => {
		const s = setup('codex', {a: 10, b: 10});
		const r = s.run(['--resume', '--', 'codex', 'exec', '--json', 'fix it'], {FAKE_AGENT_LIMITED: 'a'});
		expect(r.code, r.stderr).toBe(0);
		const id = '0a1b2c3d-1111-4222-8333-444455556666';
		expect(s.runs().map(run => [run.account, run.argv])).toEqual([['a', ['exec', '--json', 'fix it']], ['b', ['exec', 'resume', id, '--json', 'fix it']]]);
		expect(fs.existsSync(path.join(s.dirs['b']!, 'sessions', '2026', '11', '22', `rollout-2026-11-22T12-00-00-${id}.jsonl`))).toBe(true);
	});

	it('bad usage: nothing after --, or words before it', () => {
		const s = setup('claude', {a: 10, b: 10});
		expect(s.run([]).code).toBe(2);
		const words = s.run(['claude']);
		expect(words.code).toBe(2);
		expect(words.stderr).toContain('put the command after "--"');
	});
});
