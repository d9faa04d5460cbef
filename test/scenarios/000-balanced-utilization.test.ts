/**
 * Seed 000 (balanced token utilization: auto-spend idle quota), line by line, through the CLI in-process
 * (main()) on a real SQLite file and real Fleet follow-up files.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';

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
});
