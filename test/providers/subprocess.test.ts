/**
 * The `claude` get_usage control request and `codex app-server`, against fake executables that speak
 * the real protocols (test/fixtures/bin), run with the pinned node.
 */
process.env.TZ = 'UTC';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {claudeEnv, fetchViaClaudeCli} from '../../source/providers/claude-cli.js';
import {fetchViaAppServer} from '../../source/providers/codex-app-server.js';
import {findExecutable} from '../../source/providers/util.js';
import {childPath, FAKE_BIN, fakeEnv, FIXTURES, tempDir} from '../helpers/providers.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const claude = path.join(FAKE_BIN, 'claude');
const codex = path.join(FAKE_BIN, 'codex');

function env(extra: Record<string, string> = {}) {
	const log = path.join(tempDir(), 'fake.log');
	return {log, env: {PATH: childPath(true), HOME: os.homedir(), ...fakeEnv({FAKE_LOG: log, ...extra})}};
}
const calls = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>) : []);

describe('claude get_usage control request', {timeout: 30_000}, () => {
	it('answers with the usage payload; the account dir is passed as CLAUDE_CONFIG_DIR', async () => {
		const {log, env: e} = env({FAKE_CLAUDE_PAYLOAD: path.join(FIXTURES, 'get-usage-rate-limits.json')});
		const dir = path.join(tempDir(), '.claude-work');
		const outcome = await fetchViaClaudeCli({executable: claude, configDir: dir, env: e, now: NOW});
		expect(outcome).toMatchObject({ok: true, origin: 'claude-cli', observedAt: '2026-11-22T12:00:00Z', plan: 'max', partial: false, requested: true});
		if (outcome.ok) expect(outcome.windows.map(w => [w.kind, w.utilization, w.resetsAt])).toEqual([['five_hour', 0.08, '2026-09-25T11:20:00Z'], ['seven_day', 0.3, '2026-09-29T23:00:00Z']]);
		const [call] = calls(log);
		expect(call).toMatchObject({configDir: dir, request: {subtype: 'get_usage', skip_behaviors: true}});
		expect(call!['argv']).toEqual(['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--no-session-persistence', '--setting-sources', '']);
	});

	it('the default ~/.claude runs without CLAUDE_CONFIG_DIR (Claude Code keys its Keychain item on it)', () => {
		expect(claudeEnv('/home/u/.claude', {CLAUDE_CONFIG_DIR: '/elsewhere', PATH: 'x'}, '/home/u')).toEqual({PATH: 'x'});
		expect(claudeEnv('/home/u/.claude-work', {PATH: 'x'}, '/home/u')).toEqual({PATH: 'x', CLAUDE_CONFIG_DIR: '/home/u/.claude-work'});
	});

	it('skips unrelated lines (non-JSON, init, another request id) and still answers', async () => {
		const {env: e} = env({FAKE_CLAUDE_MODE: 'noise'});
		const outcome = await fetchViaClaudeCli({executable: claude, configDir: tempDir(), env: e, now: NOW});
		expect(outcome).toMatchObject({ok: true, windows: [{kind: 'five_hour', utilization: 0.08}, {kind: 'seven_day', utilization: 0.3}]});
	});

	it('an old Claude Code refusing get_usage, an API-key login, a crash, a hang and a missing executable are failures with a sentence', async () => {
		const cases: Array<[Record<string, string>, RegExp, Record<string, unknown>]> = [
			[{FAKE_CLAUDE_MODE: 'error'}, /claude refused get_usage: Unsupported control request subtype: get_usage \(this Claude Code may be too old for it\)/, {}],
			[{FAKE_CLAUDE_MODE: 'unavailable'}, /claude reports no login in .* \(run claude with this CLAUDE_CONFIG_DIR and \/login\)/, {status: 'invalid_key'}],
			[{FAKE_CLAUDE_MODE: 'exit'}, /claude exited \(code 1\) without answering get_usage: Error: Invalid API key/, {}],
		];
		for (const [extra, message, fields] of cases) {
			const {env: e} = env(extra);
			const outcome = await fetchViaClaudeCli({executable: claude, configDir: tempDir(), env: e, now: NOW});
			expect(outcome, JSON.stringify(extra)).toMatchObject({ok: false, origin: 'claude-cli', ...fields});
			expect(!outcome.ok && outcome.message).toMatch(message);
		}
		const {env: hangEnv} = env({FAKE_CLAUDE_MODE: 'hang'});
		const started = Date.now();
		const hung = await fetchViaClaudeCli({executable: claude, configDir: tempDir(), env: hangEnv, now: NOW, timeoutMs: 1500});
		expect(hung).toMatchObject({ok: false, status: 'unreachable', message: 'claude did not answer the get_usage request within 2 s'});
		expect(Date.now() - started).toBeLessThan(10_000);
		const missing = await fetchViaClaudeCli({executable: path.join(tempDir(), 'claude'), configDir: tempDir(), env: hangEnv, now: NOW});
		expect(missing).toMatchObject({ok: false, requested: false, message: expect.stringContaining('ENOENT')});
	});

	it('finds executables on the PATH it is given, only there', () => {
		expect(findExecutable('claude', {PATH: childPath(true)})).toBe(claude);
		expect(findExecutable('claude', {PATH: childPath(false)})).toBeUndefined();
		expect(findExecutable(claude, {PATH: ''})).toBe(claude);
	});
});

describe('codex app-server account/rateLimits/read', {timeout: 30_000}, () => {
	it('initialize → initialized → account/rateLimits/read; windows by duration, the account home as CODEX_HOME', async () => {
		const {log, env: e} = env({FAKE_CODEX_PAYLOAD: path.join(FIXTURES, 'app-server-rate-limits.json')});
		const home = tempDir();
		const outcome = await fetchViaAppServer({executable: codex, home, env: e, now: NOW});
		expect(outcome).toMatchObject({ok: true, origin: 'codex-app-server', plan: 'pro', partial: false});
		if (!outcome.ok) return;
		expect(Object.fromEntries(outcome.windows.map(w => [w.kind, [w.utilization, w.resetsAt]]))).toEqual({
			five_hour: [0.22, '2025-12-28T18:54:28Z'],
			seven_day: [0.43, '2026-01-03T02:38:34Z'],
			'custom:gpt-5.3-codex-spark-5h': [0.305, '2025-12-28T18:54:28Z'],
			'weekly:gpt-5.3-codex-spark': [1, '2026-01-03T02:38:34Z'],
		});
		const methods = calls(log).map(c => c['method']);
		expect(methods).toEqual(['initialize', 'initialized', 'account/rateLimits/read']);
		expect(calls(log)[0]).toMatchObject({codexHome: home, argv: ['-s', 'read-only', '-a', 'never', 'app-server']});
	});

	it('an auth error → invalid_key with "run codex login"; a crash and a hang → failures', async () => {
		const auth = await fetchViaAppServer({executable: codex, home: tempDir(), env: env({FAKE_CODEX_MODE: 'auth-error'}).env, now: NOW});
		expect(auth).toMatchObject({ok: false, status: 'invalid_key', message: expect.stringContaining('run codex login')});
		const crash = await fetchViaAppServer({executable: codex, home: tempDir(), env: env({FAKE_CODEX_MODE: 'exit'}).env, now: NOW});
		expect(crash).toMatchObject({ok: false, message: 'codex app-server exited (code 1) without answering: Error: failed to load auth'});
		const hang = await fetchViaAppServer({executable: codex, home: tempDir(), env: env({FAKE_CODEX_MODE: 'hang'}).env, now: NOW, timeoutMs: 800});
		expect(hang).toMatchObject({ok: false, status: 'unreachable'});
	});
});
