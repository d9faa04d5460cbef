/**
 * Seed 001 (multi-account, issue 9 items 3, 4, 10): the emergency account is failure, recommend records
 * and switches. Driven through the CLI in-process (main()), on a real SQLite file, manual windows.
 */
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';

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
