/**
 * Seed 001 / 002 (issue 9 item 5): real use outranks quota numbers. Driven through the CLI in-process
 * (main()), with the real job supervisor (build/supervise.js), a fake agent runner, a fake OAuth usage
 * endpoint on a real socket and a real SQLite file.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {FAKE_RUNNER, installFakeRunner, type FakeRunner} from '../helpers/fake-runner.js';
import {childPath, claudeDir, fixtureText, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T14:00:00Z';
const SEVEN_RESET = '2026-11-25T12:00:00Z';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

type Setup = {home: string; runner: FakeRunner; project: string; env: Record<string, string>};

async function ok(args: string[], options: {home: string; now?: string; env?: Record<string, string>}) {
	const r = await runMain(args, {now: NOW, ...options});
	expect(r.stderr, args.join(' ')).toBe('');
	expect(r.code, args.join(' ')).toBe(0);
	return r;
}

/** Two Claude accounts with manual windows (work first in the chain, spare second) and the fake runner on PATH. */
async function setup(): Promise<Setup> {
	const home = tempHome();
	const runner = installFakeRunner();
	const project = tempHome('qt-project-');
	for (const [name, five, seven] of [['work', 50, 40], ['spare', 10, 10]] as const) {
		await ok(['accounts', 'add', name, '--provider', 'claude', '--config-dir', tempHome(`qt-claude-${name}-`)], {home});
		await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'five_hour', '--used', String(five), '--reset-at', FIVE_RESET], {home});
		await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(seven), '--reset-at', SEVEN_RESET], {home});
	}
	return {home, runner, project, env: runner.env};
}

async function addJob(s: {home: string; project: string}, prompt: string): Promise<string> {
	const r = await runMain(['queue', 'add', '--title', 'Task', '--prompt', prompt, '--cwd', s.project, '--json'], {home: s.home, now: NOW});
	expect(r.code).toBe(0);
	return JSON.parse(r.stdout).id as string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
async function json(args: string[], options: {home: string; now?: string; env?: Record<string, string>}): Promise<{code: number; json: any; stderr: string}> {
	const r = await runMain(args, {now: NOW, ...options});
	return {code: r.code, json: JSON.parse(r.stdout), stderr: r.stderr};
}

async function ended(s: {home: string}, id: string) {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const jobs = (await json(['queue', 'list', '--all', '--json'], {home: s.home})).json.jobs as Array<{id: string; state: string}>;
		const job = jobs.find(j => j.id === id)!;
		if (['succeeded', 'failed', 'interrupted', 'cancelled', 'paused_quota'].includes(job.state)) return job;
		if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job)}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

describe('seed 001: real use outranks quota numbers', {timeout: 90_000}, () => {
	it('001-13 a job refused by policy (API Error 400 "only authorized for use with Claude Code") marks the account; recommend moves on, gate denies 69', async () => {
		const s = await setup();
		const id = await addJob(s, 'fail=policy');
		expect((await runMain(['dispatch', id, '--account', 'work'], {home: s.home, now: NOW, env: s.env})).code).toBe(0);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON
		const job: any = await ended(s, id);
		expect(job).toMatchObject({state: 'failed', failureKind: 'policy', message: expect.stringMatching(/^policy refused: .*only authorized for use with Claude Code/)});
		const rec = await json(['recommend', '--json'], {home: s.home});
		expect(rec.json.account).toBe('spare');
		expect(rec.json.alternatives).toContainEqual({name: 'work', reason: expect.stringMatching(new RegExp(`^marked unusable: job ${id} failed at .* because the provider refused this credential for this use \\(policy\\)`))});
		const gate = await runMain(['gate', '--account', 'work'], {home: s.home, now: NOW});
		expect(gate.code).toBe(69);
		expect(gate.stdout).toMatch(/^Denied: account work cannot be used: job .* \(policy\)/);
	});

	it('001-15 the refusal stays primary over the quota API: a fresh status-line read does not clear it; a later real success does', async () => {
		const s = await setup();
		const id = await addJob(s, 'fail=credential');
		expect((await runMain(['dispatch', id, '--account', 'work'], {home: s.home, now: NOW, env: s.env})).code).toBe(0);
		expect(await ended(s, id)).toMatchObject({state: 'failed', failureKind: 'credential'});
		// The quota API answers 200 six minutes later (a status-line capture is a live read).
		const configDir = (await json(['status', '--json'], {home: s.home})).json.accounts.find((a: {name: string}) => a.name === 'work').configDir as string;
		const later = '2026-11-22T12:06:00Z';
		const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
		await runMain(['statusline'], {home: s.home, now: later, env: {CLAUDE_CONFIG_DIR: configDir}, input: JSON.stringify({model: {id: 'claude-sonnet-4-5'}, rate_limits: {five_hour: {used_percentage: 5, resets_at: epoch(FIVE_RESET)}, seven_day: {used_percentage: 20, resets_at: epoch(SEVEN_RESET)}}})});
		expect((await json(['recommend', '--json'], {home: s.home, now: later})).json.account).toBe('spare');
		expect((await runMain(['gate', '--account', 'work'], {home: s.home, now: later})).code).toBe(69);
		// A day later it is still refused: only a real success clears it.
		expect((await json(['recommend', '--json'], {home: s.home, now: '2026-11-23T13:00:00Z'})).json.account).toBe('spare');
		const cleared = await json(['outcome', 'work', 'ok', '--json'], {home: s.home, now: '2026-11-23T13:00:00Z'});
		expect(cleared.json).toMatchObject({account: 'work', kind: 'ok', source: 'outcome', unusable: null});
		expect((await runMain(['recommend'], {home: s.home, now: '2026-11-23T13:00:01Z'})).stdout.trim()).toBe('work');
	});

	it('001-16 quota API 401 while real runs succeed: dispatch --account proves liveness; then usable, labelled "quota data unavailable"', async () => {
		server = await startServer({status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"Invalid authentication credentials"}}'});
		const home = tempHome();
		const user = tempDir('qt-user-');
		const project = tempHome('qt-project-');
		const runner = installFakeRunner();
		// The agent runner lives in the job's folder (./agent): quota-tui's usage polling (runners.claude[0]
		// resolved from its own cwd) cannot reach it, so the quota API is the endpoint alone.
		fs.writeFileSync(path.join(project, 'agent'), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_RUNNER}' "$@"\n`, {mode: 0o755});
		const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false), FAKE_RUNNER_RECORD: runner.record};
		await ok(['accounts', 'add', 'nadja', '--provider', 'claude', '--config-dir', claudeDir(path.join(user, '.claude-nadja')), '--usage-endpoint'], {home, env});
		await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], {home, env});
		await ok(['config', 'set', 'runners.claude', '["./agent", "-p", "--", "{prompt}"]'], {home, env});
		const before = await json(['recommend', '--json'], {home, env});
		expect(before.code).toBe(3);
		expect(before.json.account).toBe('shelley');
		expect(before.json.alternatives).toContainEqual({name: 'nadja', reason: 'its credential is invalid (401)'});
		// Explicitly named, with only its quota API failing: the job may run (and proves the credential).
		const id = await addJob({home, project}, 'cost=0.1 prove it');
		const dispatched = await runMain(['dispatch', id, '--account', 'nadja'], {home, now: NOW, env});
		expect(dispatched.stderr).toBe('');
		expect(dispatched.code).toBe(0);
		expect(await ended({home}, id)).toMatchObject({state: 'succeeded', account: 'nadja'});
		const after = await json(['recommend', '--json'], {home, env, now: '2026-11-22T12:10:00Z'});
		expect(after.code).toBe(0);
		expect(after.json.account).toBe('nadja');
		expect(after.json.reason).toContain('quota data unavailable');
		const status = await json(['status', '--json'], {home, env, now: '2026-11-22T12:10:00Z'});
		expect(status.json.accounts[0]).toMatchObject({name: 'nadja', status: 'allowed', message: expect.stringMatching(/^quota data unavailable \(the usage source says: .*\), but a real run succeeded at 2026-11-22T12:00/)});
		// Manual work goes with a warning; automatic work waits for numbers.
		const manual = await runMain(['gate', '--account', 'nadja'], {home, env, now: '2026-11-22T12:10:00Z'});
		expect(manual.code).toBe(0);
		expect(manual.stdout).toContain('quota data unavailable');
		expect((await runMain(['gate', '--account', 'nadja', '--auto'], {home, env, now: '2026-11-22T12:10:00Z'})).code).toBe(75);
		// A day after its last real success the account is unproven again; named explicitly, it may prove itself again.
		expect((await json(['recommend', '--json'], {home, env, now: '2026-11-23T13:00:00Z'})).json.account).toBe('shelley');
		const next = await addJob({home, project}, 'cost=0.1 again');
		expect((await runMain(['dispatch', next, '--account', 'nadja', '--dry-run'], {home, env, now: '2026-11-23T13:00:00Z'})).code).toBe(0);
	});
});

describe('seed 002: "You\'ve hit your limit" from real runs', {timeout: 90_000}, () => {
	it('002-17 a runner that hits its limit (usage limit reached|epoch): the job is paused_quota until that reset, not failed; gate stops on the account', async () => {
		const s = await setup();
		const reset = '2026-11-22T15:30:00Z';
		const id = await addJob(s, `fail=limit@${Date.parse(reset) / 1000}`);
		expect((await runMain(['dispatch', id, '--account', 'work'], {home: s.home, now: NOW, env: s.env})).code).toBe(0);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON
		const job: any = await ended(s, id);
		expect(job).toMatchObject({state: 'paused_quota', failureKind: 'limit', notBefore: reset});
		expect(job.message).toMatch(/^paused: the provider refused with a usage limit \(Claude AI usage limit reached\|\d+\); runs again after 2026-11-22T15:30:00Z$/);
		const gate = await runMain(['gate', '--account', 'work'], {home: s.home, now: NOW});
		expect(gate.code).toBe(75);
		expect(gate.stdout).toMatch(/^Stopping: 5-hour quota exhausted \(100%\); resets at 2026-11-22T15:30:00Z/);
		expect(gate.stdout).toContain('a real run hit the 5-hour limit at');
		expect((await json(['recommend', '--json'], {home: s.home})).json.account).toBe('spare');
		const status = await json(['status', '--json'], {home: s.home});
		expect(status.json.accounts[0].windows[0]).toMatchObject({kind: 'five_hour', utilization: 1, source: 'estimated', origin: 'real-use', resetsAt: reset});
		expect(status.json.decisions).toContainEqual(expect.objectContaining({kind: 'defer', subject: id, verdict: 'paused_quota'}));
		// After the reset the account is used again, and the paused job can be dispatched again.
		expect((await runMain(['gate', '--account', 'work'], {home: s.home, now: '2026-11-22T15:31:00Z'})).code).toBe(0);
	});

	it('002-17 a runner saying "You\'ve hit your limit" with no instant: paused until the account\'s known reset (estimated)', async () => {
		const s = await setup();
		const id = await addJob(s, 'fail=limit');
		expect((await runMain(['dispatch', id, '--account', 'work'], {home: s.home, now: NOW, env: s.env})).code).toBe(0);
		expect(await ended(s, id)).toMatchObject({state: 'paused_quota', notBefore: FIVE_RESET});
		expect((await runMain(['gate', '--account', 'work'], {home: s.home, now: NOW})).code).toBe(75);
	});

	it('outcome NAME limit|ok from any launcher: the limit holds until --resets-at; ok clears it', async () => {
		const s = await setup();
		const limited = await json(['outcome', 'work', 'limit', '--message', "You've hit your limit · resets 7pm", '--resets-at', '2026-11-22T19:00:00Z', '--json'], {home: s.home});
		expect(limited.code).toBe(0);
		expect(limited.json).toMatchObject({account: 'work', kind: 'limit', resetsAt: '2026-11-22T19:00:00Z', status: 'rejected', limit: expect.stringContaining('counted as exhausted until 2026-11-22T19:00:00Z')});
		const text = await runMain(['gate', '--account', 'work'], {home: s.home, now: NOW});
		expect(text.code).toBe(75);
		expect(text.stdout).toContain('resets at 2026-11-22T19:00:00Z');
		expect((await runMain(['outcome', 'work', 'ok'], {home: s.home, now: '2026-11-22T12:30:00Z'})).stdout).toMatch(/^Recorded: work ok at 2026-11-22T12:30:00Z\n {2}work works: any credential, policy or usage-limit mark from earlier runs is cleared\n$/);
		expect((await runMain(['gate', '--account', 'work'], {home: s.home, now: '2026-11-22T12:30:01Z'})).code).toBe(0);
	});

	it('outcome rejects bad usage with exit 2 naming the problem', async () => {
		const s = await setup();
		const cases: Array<[string[], RegExp]> = [
			[['outcome', 'work', 'broken'], /expected ok, limit, credential, policy or error, got "broken"/],
			[['outcome', 'nobody', 'ok'], /no account named "nobody"/],
			[['outcome', 'work', 'ok', '--resets-at', '2026-11-22T19:00:00Z'], /--resets-at: only with limit/],
			[['outcome', 'work', 'limit', '--resets-at', '7pm'], /--resets-at: expected an ISO 8601 instant/],
			[['outcome', 'work'], /Usage: quota-tui outcome NAME/],
		];
		for (const [args, message] of cases) {
			const r = await runMain(args, {home: s.home, now: NOW});
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.stderr).toMatch(message);
		}
	});
});

describe('seed 001: every chain account invalid — read them again at once', {timeout: 90_000}, () => {
	it('001-10 all chain accounts invalid → emergency; keys back → the next recommend re-reads each once (past the 180 s slot) and answers a chain account; a Retry-After still holds', async () => {
		server = await startServer({status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"Invalid authentication credentials"}}'});
		const home = tempHome();
		const user = tempDir('qt-user-');
		// No claude executable on PATH: the OAuth endpoint is each account's only source.
		const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false)};
		for (const name of ['vigilio', 'ludo']) {
			await ok(['accounts', 'add', name, '--provider', 'claude', '--config-dir', claudeDir(path.join(user, `.claude-${name}`)), '--usage-endpoint'], {home, env});
		}
		await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], {home, env});
		const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();
		const first = await json(['recommend', '--json'], {home, env, now: at(0)});
		expect(first.code).toBe(3);
		expect(first.json).toMatchObject({account: 'shelley', emergency: true});
		expect(server.requests).toHaveLength(2);
		// The keys come back: 30 s later (well inside the 180 s slot) both accounts are read again at once.
		server.reply({status: 200, body: fixtureText('oauth-live-max.json')});
		const back = await json(['recommend', '--json'], {home, env, now: at(30)});
		expect(server.requests).toHaveLength(4);
		expect(back.code).toBe(0);
		expect(back.json).toMatchObject({account: 'vigilio', emergency: false});
		const decisions = (await json(['status', '--json'], {home, env, now: at(31)})).json.decisions as Array<{kind: string; inputs: {probed?: string[]}}>;
		expect(decisions.find(d => d.kind === 'recommend' && d.inputs.probed)?.inputs.probed?.toSorted()).toEqual(['ludo', 'vigilio']);
	});

	it('001-10 the bypass honours Retry-After and is not repeated within 20 s; data that is merely fresh-and-allowed is never bypassed', async () => {
		server = await startServer({status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"Invalid authentication credentials"}}'});
		const home = tempHome();
		const user = tempDir('qt-user-');
		const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false)};
		await ok(['accounts', 'add', 'vigilio', '--provider', 'claude', '--config-dir', claudeDir(path.join(user, '.claude-vigilio')), '--usage-endpoint'], {home, env});
		await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], {home, env});
		const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();
		expect((await json(['recommend', '--json'], {home, env, now: at(0)})).code).toBe(3);
		expect(server.requests).toHaveLength(1);
		// 10 s later: not again (a tight loop must not burn the host's hourly reads).
		expect((await json(['recommend', '--json'], {home, env, now: at(10)})).code).toBe(3);
		expect(server.requests).toHaveLength(1);
		// 40 s: read again; the provider says 429 with Retry-After 300.
		server.reply({status: 429, headers: {'retry-after': '300'}, body: '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}'});
		expect((await json(['recommend', '--json'], {home, env, now: at(40)})).code).toBe(3);
		expect(server.requests).toHaveLength(2);
		// The keys are back, but the Retry-After holds until 340 s: no request at 100 s or 300 s.
		server.reply({status: 200, body: fixtureText('oauth-live-max.json')});
		for (const seconds of [100, 300]) expect((await json(['recommend', '--json'], {home, env, now: at(seconds)})).code).toBe(3);
		expect(server.requests).toHaveLength(2);
		const recovered = await json(['recommend', '--json'], {home, env, now: at(341)});
		expect(recovered.json.account).toBe('vigilio');
		expect(server.requests).toHaveLength(3);
		// Healthy now: inside the slot nothing is read again.
		expect((await json(['recommend', '--json'], {home, env, now: at(370)})).json.account).toBe('vigilio');
		expect(server.requests).toHaveLength(3);
	});
});
