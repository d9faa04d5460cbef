/**
 * Seed 000 (balanced token utilization: auto-spend idle quota), line by line, through the CLI in-process
 * (main()) on a real SQLite file and real Fleet follow-up files.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openContext, type Context} from '../../source/runtime/context.js';
import {startApiServer, type ApiServer} from '../../source/runtime/server.js';
import {runMain, tempHome} from '../helpers/cli.js';
import {installFakeRunner} from '../helpers/fake-runner.js';

describe('resume', {timeout: 90_000}, () => {
	/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON */
	const NOW = '2026-11-20T10:00:00Z';

	async function ok(args: string[], home: string) {
		const r = await runMain(args, {home, now: NOW});
		expect(r.stderr, args.join(' ')).toBe('');
		expect(r.code, args.join(' ')).toBe(0);
		return r;
	}

	/** An idle manual account (5h 10 %, 7d 10 %) and a Fleet project with one finding, one recommendation and three long-tail items on one module. */
	async function setup() {
		const home = tempHome();
		const root = tempHome('qt-fleet-');
		const dir = path.join(root, '.fleet', 'tasks', 'T1');
		fs.mkdirSync(dir, {recursive: true});
		const entry = (id: string, kind: string, title: string) => `  - {id: ${id}, title: "${title}", severity: warning, created_at: "2026-11-19T09:00:00Z", kind: ${kind}, module: src/net, estimate_usd: 0.5}`;
		fs.writeFileSync(path.join(dir, 'follow-ups.yaml'), ['follow_ups:', entry('f1', 'finding', 'Deviation: retries'), entry('r1', 'recommendation', 'Split the module'), entry('l1', 'long_tail', 'Typo one'), entry('l2', 'long_tail', 'Typo two'), entry('l3', 'long_tail', 'Typo three')].join('\n') + '\n');
		await ok(['accounts', 'add', 'solo', '--provider', 'manual'], home);
		await ok(['config', 'set', 'autoUtilization.notify', 'none'], home);
		await ok(['config', 'set', 'sources.fleet.roots', JSON.stringify([root])], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '10', '--reset-at', '2026-11-20T14:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '10', '--reset-at', '2026-11-24T09:00:00Z'], home);
		return home;
	}

	async function plan(home: string) {
		const r = await runMain(['auto-spend', '--dry-run', '--json'], {home, now: NOW});
		expect(r.code).toBe(0);
		const json = JSON.parse(r.stdout);
		const titles = (list: any[]) => list.map(job => job.title as string).toSorted();
		return {planned: titles(json.planned), excluded: json.excluded as any[], stderr: r.stderr};
	}

	it('000-9 autoUtilization.sources takes the seed\'s vocabulary (fleet_follow_ups, fleet_long_tail, deviation_checks, backlog), each selecting its Fleet kind; unknown names are warned about', async () => {
		const home = await setup();
		// The seed's list selects every Fleet follow-up: nothing is excluded for its source.
		await ok(['config', 'set', 'autoUtilization.sources', '["fleet_follow_ups","fleet_long_tail","deviation_checks","backlog"]'], home);
		const all = await plan(home);
		expect(all.stderr).toBe('');
		expect(all.excluded.filter(job => job.reasons.join(' ').includes('autoUtilization.sources'))).toEqual([]);
		expect(all.planned.length + all.excluded.length).toBe(3);
		// One name each: officer findings (deviation checks), long tail, explicit follow-ups.
		await ok(['config', 'set', 'autoUtilization.sources', '["deviation_checks"]'], home);
		const deviation = await plan(home);
		expect(deviation.planned).toEqual(['Deviation: retries']);
		expect(deviation.excluded.find(job => job.title === 'Split the module').reasons[0]).toBe('its source "fleet" (kind recommendation) is not in autoUtilization.sources (deviation_checks); fleet_follow_ups or fleet would include it');
		await ok(['config', 'set', 'autoUtilization.sources', '["fleet_long_tail"]'], home);
		expect((await plan(home)).planned).toEqual(['Long tail: 3 follow-ups in src/net']);
		await ok(['config', 'set', 'autoUtilization.sources', '["fleet_follow_ups"]'], home);
		expect((await plan(home)).planned).toEqual(['Split the module']);
		// An unknown name is accepted but said at once, and by every command after.
		const set = await runMain(['config', 'set', 'autoUtilization.sources', '["fleet_followups","backlog"]'], {home, now: NOW});
		expect(set.code).toBe(0);
		expect(set.stderr).toBe('warning: autoUtilization.sources: "fleet_followups" is not a known source and selects no job (known: fleet, backlog, team, fleet_long_tail, deviation_checks, fleet_follow_ups)\n');
		expect((await plan(home)).stderr).toMatch(/^warning: .*config\.json: autoUtilization\.sources: "fleet_followups" is not a known source/);
	});

	it('000-20 utilization prints "Quota Utilization (last 7 days)" with █░ bars and the five lines; the dashboard panel shows the pending follow-ups', async () => {
		const home = await setup();
		// A closed 5-hour window at 80 % and a closed week at 60 %.
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '80', '--reset-at', '2026-11-20T04:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '60', '--reset-at', '2026-11-17T09:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '10', '--reset-at', '2026-11-20T14:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '10', '--reset-at', '2026-11-24T09:00:00Z'], home);
		const text = (await ok(['utilization'], home)).stdout.split('\n');
		expect(text[0]).toBe('Quota Utilization (last 7 days)');
		expect(text[1]).toMatch(/^ {2}[█░]{10} {2}\d+% average 5h utilization$/);
		expect(text[2]).toMatch(/^ {2}[█░]{10} {2}\d+% average 7d utilization$/);
		expect(text[3]).toMatch(/^ {2}Estimated waste: /);
		expect(text.slice(4, 7)).toEqual(['', '  Auto-spend this week: 0 jobs ($0.00)', '  Pending follow-ups: 3 (est. $2.50)']);
		const frame = (await runMain(['dashboard'], {home, now: NOW, env: {COLUMNS: '120', LINES: '40'}})).stdout;
		expect(frame).toMatch(/Pending follow-ups: 3 \(est\. \$2\.50\)|pending 3/);
	});
	/* eslint-enable @typescript-eslint/no-explicit-any */
});

// ---------------------------------------------------------------------------------------------------
// slice A (decide): half-headroom across ticks, automatic work on every path (issue 9 items 2, 10)

const NOW = '2026-11-22T12:00:00Z';
const FIVE_RESET = '2026-11-22T16:00:00Z';
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

/** One manual account (5h 20 %, 7d 30 %: spendable 35 %), the fake runner, N queued jobs of 10 %. */
async function balanced(jobs: number) {
	const home = tempHome();
	const runner = installFakeRunner();
	const project = tempHome('qt-project-');
	await ok(['accounts', 'add', 'solo', '--provider', 'manual'], {home});
	await ok(['config', 'set', 'autoUtilization.notify', 'none'], {home});
	await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '20', '--reset-at', FIVE_RESET], {home});
	await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '30', '--reset-at', SEVEN_RESET], {home});
	const ids: string[] = [];
	for (let i = 0; i < jobs; i++) {
		ids.push((await json(['queue', 'add', '--title', `Job ${i + 1}`, '--prompt', `cost=0.05 job ${i + 1}`, '--cwd', project, '--estimate-pct', '10%', '--estimate-usd', '0.05', '--json'], {home})).json.id as string);
	}
	return {home, env: runner.env, runner, ids};
}

async function settled(home: string) {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const jobs = (await json(['queue', 'list', '--all', '--json'], {home})).json.jobs as Array<{id: string; state: string}>;
		if (!jobs.some(j => j.state === 'claimed' || j.state === 'running')) return jobs;
		if (Date.now() > deadline) throw new Error(`jobs did not end: ${JSON.stringify(jobs)}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

let api: ApiServer | undefined;
let ctx: Context | undefined;
afterEach(async () => {
	await api?.close();
	ctx?.close();
	api = undefined;
	ctx = undefined;
});

describe('slice A (decide): balanced utilization', {timeout: 120_000}, () => {
	it('000-13 never more than half the headroom, across ticks: 35% spendable and six 10% jobs → three start in one idle episode', async () => {
		const s = await balanced(6);
		const started: string[] = [];
		// Ticks a minute apart: each starts the first planned job (one automatic job at a time), which ends before the next.
		for (let tick = 1; tick <= 6; tick++) {
			const at = new Date(Date.parse(NOW) + tick * 60_000).toISOString();
			const r = await json(['auto-spend', '--json'], {home: s.home, now: at, env: s.env});
			expect(r.code).toBe(0);
			for (const outcome of r.json.dispatched as Array<{dispatched: boolean; job: {id: string}}>) if (outcome.dispatched) started.push(outcome.job.id);
			await settled(s.home);
			if (tick === 4) {
				// After three: 5% still spendable (35% − 30% started since the observation); nothing fits.
				expect(r.json.planned).toEqual([]);
				expect(r.json.excluded[0].reasons[0]).toBe('estimate 10% does not fit the 5% still spendable on solo (35% spendable, 30% by 3 automatic jobs started since its usage was observed)');
			}
		}
		expect(new Set(started).size).toBe(3);
		expect(s.ids).toEqual(expect.arrayContaining(started));
		expect(s.runner.runs()).toHaveLength(3);
		// New numbers (the observation now shows the work): the budget starts again from them.
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '40', '--reset-at', SEVEN_RESET], {home: s.home, now: '2026-11-22T12:10:00Z'});
		const after = await json(['auto-spend', '--dry-run', '--json'], {home: s.home, now: '2026-11-22T12:11:00Z'});
		// 7d 40 %: spendable min(80 %, 60 %)/2 = 30 %, three 10 % jobs again — the three not run yet.
		expect(after.json.planned.map((p: {jobId: string}) => p.jobId).toSorted()).toEqual(s.ids.filter(id => !started.includes(id)).toSorted());
	});

	it('000-18 HTTP dispatch with a jobId is automatic work (quiet hours and the cost cap apply) unless the body says "manual": true', async () => {
		const s = await balanced(1);
		await ok(['config', 'set', 'autoUtilization.quietHours', '["22:00-08:00"]'], {home: s.home});
		const pricey = (await json(['queue', 'add', '--title', 'Pricey', '--prompt', 'cost=0.05 pricey', '--cwd', tempHome('qt-project-'), '--estimate-pct', '5%', '--estimate-usd', '5', '--json'], {home: s.home})).json.id as string;
		const env = {...process.env, ...s.env, QUOTA_TUI_HOME: s.home, QUOTA_TUI_NOW: '2026-11-22T23:00:00Z', TZ: 'UTC'};
		ctx = openContext({env});
		api = await startApiServer(ctx, 'secret-token', 0);
		const post = async (body: unknown) => {
			const response = await fetch(`http://127.0.0.1:${api!.port}/auto-utilization/dispatch`, {method: 'POST', headers: {authorization: 'Bearer secret-token', 'content-type': 'application/json'}, body: JSON.stringify(body)});
			return {status: response.status, body: await response.json() as {dispatched: boolean; status: string; message: string; job: {autoUtilization?: boolean} | null}};
		};
		// 23:00 is in the quiet hours: automatic work waits.
		const quiet = await post({jobId: s.ids[0]});
		expect(quiet.status).toBe(200);
		expect(quiet.body).toMatchObject({dispatched: false, status: 'not-planned', message: expect.stringMatching(/^Not dispatched: automatic work, and quiet hours 22:00-08:00: automatic work waits until/)});
		// At noon the $5 job is over maxAutoCostUsd ($3): automatic work does not run it.
		ctx.clock = {now: () => Date.parse('2026-11-23T12:00:00Z')} as Context['clock'];
		const cap = await post({jobId: pricey, dryRun: true});
		expect(cap.body).toMatchObject({dispatched: false, status: 'not-planned', message: expect.stringContaining('estimate $5.00 is over maxAutoCostUsd $3.00')});
		// A person's request goes through the gate only, and is not tagged automatic.
		const manual = await post({jobId: pricey, manual: true});
		expect(manual.status).toBe(200);
		expect(manual.body).toMatchObject({dispatched: true, status: 'dispatched'});
		await settled(s.home);
		const jobs = (await json(['queue', 'list', '--all', '--json'], {home: s.home, now: '2026-11-23T12:00:00Z'})).json.jobs as Array<{id: string; autoUtilization: boolean; state: string}>;
		expect(jobs.find(j => j.id === pricey)).toMatchObject({state: 'succeeded', autoUtilization: false});
	});
});
