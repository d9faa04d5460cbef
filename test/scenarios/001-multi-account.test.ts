/**
 * Seed 001 (multi-account, issue 9 items 3, 4, 10): the emergency account is failure, recommend records
 * and switches. Driven through the CLI in-process (main()), on a real SQLite file, manual windows.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {FAKE_RUNNER, installFakeRunner} from '../helpers/fake-runner.js';
import {childPath, claudeDir, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T14:00:00Z';
const SEVEN_RESET = '2026-11-25T12:00:00Z';

type Opts = {home: string; now?: string; env?: Record<string, string>};

async function ok(args: string[], options: Opts) {
	const r = await runMain(args, {now: NOW, ...options});
	expect(r.stderr, args.join(' ')).toBe('');
	expect(r.code, args.join(' ')).toBe(0);
	return r;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
async function json(args: string[], options: Opts): Promise<{code: number; json: any; stderr: string}> {
	const r = await runMain(args, {now: NOW, ...options});
	return {code: r.code, json: JSON.parse(r.stdout), stderr: r.stderr};
}

async function windows(home: string, name: string, five: number, seven: number) {
	await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'five_hour', '--used', String(five), '--reset-at', FIVE_RESET], {home});
	await ok(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(seven), '--reset-at', SEVEN_RESET], {home});
}

/** work (manual) exhausted, shelley the manual last-resort account; a queued job; the fake runner. */
async function emergency() {
	const home = tempHome();
	const runner = installFakeRunner();
	const project = tempHome('qt-project-');
	await ok(['accounts', 'add', 'work', '--provider', 'manual'], {home});
	await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], {home});
	await windows(home, 'work', 100, 100);
	const added = await json(['queue', 'add', '--title', 'Follow-up', '--prompt', 'cost=0.1 do it', '--cwd', project, '--severity', 'warning', '--json'], {home});
	return {home, env: runner.env, job: added.json.id as string};
}

describe('seed 001: the emergency account is failure, not capacity', {timeout: 60_000}, () => {
	it('001-8 gate and dispatch stop with 75 "only the emergency fallback … is left"; manual work runs there only when named or with --allow-emergency; the decision is recorded', async () => {
		const s = await emergency();
		const rec = await runMain(['recommend'], {home: s.home, now: NOW});
		expect(rec.code).toBe(3);
		expect(rec.stdout.trim()).toBe('shelley');

		const gate = await runMain(['gate'], {home: s.home, now: NOW});
		expect(gate.code).toBe(75);
		expect(gate.stdout).toMatch(/^Stopping: only the emergency fallback shelley is left \(no regular account is usable.*\); run there only with --account shelley or --allow-emergency/);
		const gateJson = await json(['gate', '--json'], {home: s.home});
		expect(gateJson.code).toBe(75);
		expect(gateJson.json).toMatchObject({verdict: 'pause', state: 'paused_quota', emergency: true, account: 'shelley'});

		const dry = await runMain(['dispatch', s.job, '--dry-run'], {home: s.home, now: NOW, env: s.env});
		expect(dry.code).toBe(75);
		expect(dry.stderr).toMatch(/Not dispatched: Stopping: only the emergency fallback shelley is left/);

		// Automatic work never runs there, not even when named.
		const auto = await runMain(['gate', '--auto', '--account', 'shelley'], {home: s.home, now: NOW});
		expect(auto.code).toBe(75);
		expect(auto.stdout).toMatch(/^Stopping: shelley is the emergency fallback: automatic work never runs there/);
		expect((await runMain(['gate', '--auto'], {home: s.home, now: NOW})).code).toBe(75);

		// Manual work: named, or allowed.
		const named = await runMain(['gate', '--account', 'shelley'], {home: s.home, now: NOW});
		expect(named.code).toBe(0);
		expect(named.stdout).toContain('EMERGENCY: shelley is the emergency fallback; manual work runs there because it was named');
		expect((await runMain(['gate', '--allow-emergency'], {home: s.home, now: NOW})).code).toBe(0);
		const allowed = await runMain(['dispatch', s.job, '--dry-run', '--allow-emergency'], {home: s.home, now: NOW, env: s.env});
		expect(allowed.code).toBe(0);
		expect(allowed.stdout).toMatch(/^Would dispatch .* to shelley/);

		const decisions = (await json(['status', '--json'], {home: s.home})).json.decisions as Array<{kind: string; verdict: string; reasons: string[]; inputs: Record<string, unknown>}>;
		expect(decisions).toContainEqual(expect.objectContaining({kind: 'gate', verdict: 'pause', reasons: [expect.stringMatching(/^Stopping: only the emergency fallback shelley is left/)], inputs: expect.objectContaining({emergency: true})}));
	});
});

describe('seed 001: recommend records its answer and can switch', {timeout: 60_000}, () => {
	it('001-21 recommend records a decision when its answer changes: "confirmed a", then "switching a → b"; not again while it stays', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], {home});
		await ok(['accounts', 'add', 'b', '--provider', 'manual'], {home});
		await windows(home, 'a', 20, 30);
		await windows(home, 'b', 10, 10);
		await ok(['switch', 'a'], {home});
		expect((await runMain(['recommend'], {home, now: NOW})).stdout.trim()).toBe('a');
		expect((await runMain(['recommend'], {home, now: NOW})).stdout.trim()).toBe('a');
		await windows(home, 'a', 95, 95);
		expect((await runMain(['recommend'], {home, now: NOW})).stdout.trim()).toBe('b');
		const decisions = ((await json(['status', '--json'], {home})).json.decisions as Array<{kind: string; reasons: string[]}>).filter(d => d.kind === 'recommend');
		expect(decisions.map(d => d.reasons[0])).toEqual(['switching a → b', 'confirmed a']);
	});

	it('001-2 recommend --switch makes the answer the active account (a switch decision); never the emergency fallback', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'a', '--provider', 'manual'], {home});
		await ok(['accounts', 'add', 'b', '--provider', 'manual'], {home});
		await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], {home});
		await windows(home, 'a', 95, 95);
		await windows(home, 'b', 10, 10);
		await ok(['switch', 'a'], {home});
		const switched = await runMain(['recommend', '--switch'], {home, now: NOW});
		expect(switched.code).toBe(0);
		expect(switched.stdout.trim()).toBe('b');
		expect(switched.stderr).toContain('Active account: b');
		expect((await runMain(['active'], {home, now: NOW})).stdout.trim()).toBe('b');
		const decisions = (await json(['status', '--json'], {home})).json.decisions as Array<{kind: string; subject: string; reasons: string[]}>;
		expect(decisions).toContainEqual(expect.objectContaining({kind: 'switch', subject: 'b', reasons: expect.arrayContaining([expect.stringMatching(/^switched from a to b on the recommendation \(recommend --switch\)/)])}));
		// Only the emergency account left: recommend says so (3) and --switch does not make it active.
		await windows(home, 'b', 100, 100);
		await windows(home, 'a', 100, 100);
		const emergency = await json(['recommend', '--switch', '--json'], {home});
		expect(emergency.code).toBe(3);
		expect(emergency.json).toMatchObject({account: 'shelley', emergency: true, switched: null, switchNote: expect.stringMatching(/^not switched: shelley is the emergency fallback/)});
		expect((await runMain(['active'], {home, now: NOW})).stdout.trim()).toBe('b');
	});
});

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** molto (Claude, OAuth endpoint): weekly included quota exhausted, extra usage $14.80 of $20 left; spare (manual) at 95 %/95 %. */
async function extraUsage() {
	server = await startServer({status: 200, body: JSON.stringify({
		five_hour: {utilization: 40, resets_at: FIVE_RESET},
		seven_day: {utilization: 100, resets_at: SEVEN_RESET},
		extra_usage: {is_enabled: true, monthly_limit: 2000, used_credits: 520, currency: 'USD'},
	})});
	const home = tempHome();
	const user = tempDir('qt-user-');
	const env = {HOME: user, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false)};
	await ok(['accounts', 'add', 'molto', '--provider', 'claude', '--config-dir', claudeDir(path.join(user, '.claude-molto')), '--usage-endpoint'], {home, env});
	await ok(['accounts', 'add', 'spare', '--provider', 'manual'], {home, env});
	await windows(home, 'spare', 50, 50);
	// The agent runner lives in the job's folder (./agent): usage polling (runners.claude[0] from quota-tui's
	// own cwd) cannot reach it, so molto's numbers come from the endpoint alone.
	const project = tempHome('qt-project-');
	fs.writeFileSync(path.join(project, 'agent'), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_RUNNER}' "$@"\n`, {mode: 0o755});
	await ok(['config', 'set', 'runners.claude', '["./agent", "-p", "--", "{prompt}"]'], {home, env});
	const job = (await json(['queue', 'add', '--title', 'Manual task', '--prompt', 'cost=0.1 go', '--cwd', project, '--provider', 'claude', '--json'], {home, env})).json.id as string;
	return {home, env, job};
}

describe('seed 001: extra usage, one rule for recommend, gate and dispatch', {timeout: 60_000}, () => {
	it('001-18 extra usage lets an exhausted account keep working: normal → usable at extra cost everywhere (the reason says the credit left); last → only when no account with included quota is eligible, and then all three agree; never → never', async () => {
		const s = await extraUsage();
		const faces = async (named: boolean) => {
			const rec = await json(['recommend', '--json', ...(named ? ['--provider', 'claude'] : [])], {home: s.home, env: s.env});
			const gate = await json(['gate', '--json', ...(named ? ['--account', 'molto'] : [])], {home: s.home, env: s.env});
			const dry = await json(['dispatch', s.job, '--dry-run', '--json', ...(named ? ['--account', 'molto'] : [])], {home: s.home, env: s.env});
			return {rec: [rec.code, rec.json.account], gate: [gate.code, gate.json.account, gate.json.reasons as string[]], dry: [dry.code, dry.json.account]};
		};
		// normal: usable at extra cost by all three (the reason says how much credit is left).
		await ok(['config', 'set', 'policy.extraUsage', 'normal'], {home: s.home, env: s.env});
		let f = await faces(true);
		expect(f.rec).toEqual([0, 'molto']);
		expect(f.gate.slice(0, 2)).toEqual([0, 'molto']);
		expect(f.gate[2]).toContainEqual('weekly included quota exhausted (100%): the work runs on extra usage at extra cost ($14.80 of $20.00 extra-usage credit left)');
		expect(f.dry).toEqual([0, 'molto']);
		const reason = (await json(['recommend', '--json', '--provider', 'claude'], {home: s.home, env: s.env})).json.reason as string;
		expect(reason).toContain('on extra usage at extra cost, $14.80 of $20.00 extra-usage credit left');
		// last (the default): while spare has included quota, molto's extra usage is not used — all three say spare …
		await ok(['config', 'set', 'policy.extraUsage', 'last'], {home: s.home, env: s.env});
		f = await faces(false);
		expect([f.rec, f.gate.slice(0, 2), f.dry]).toEqual([[0, 'spare'], [0, 'spare'], [0, 'spare']]);
		const named = await json(['gate', '--account', 'molto', '--json'], {home: s.home, env: s.env});
		expect(named.code).toBe(75);
		expect(named.json.reasons).toContainEqual('its extra usage is not used: policy.extraUsage is "last" and another account still has included quota');
		// … and once spare is exhausted too, all three agree on molto at extra cost.
		await windows(s.home, 'spare', 100, 100);
		f = await faces(false);
		expect([f.rec, f.gate.slice(0, 2), f.dry]).toEqual([[0, 'molto'], [0, 'molto'], [0, 'molto']]);
		// never: never.
		await ok(['config', 'set', 'policy.extraUsage', 'never'], {home: s.home, env: s.env});
		const rec = await json(['recommend', '--json'], {home: s.home, env: s.env});
		expect(rec.code).toBe(1);
		expect(rec.json.alternatives).toContainEqual({name: 'molto', reason: 'weekly usage at 100%: included quota exhausted and policy.extraUsage is "never"'});
		f = await faces(true);
		expect(f.gate.slice(0, 2)).toEqual([75, 'molto']);
		expect(f.gate[2]).toContainEqual('its extra usage is not used: policy.extraUsage is "never"');
		expect(f.dry[0]).toBe(75);
	});
});
