/**
 * The queue as a user drives it: the built CLI as real processes, real config and database files,
 * real Fleet YAML files, a frozen clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROOT, runCli, runJson, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-22T12:00:00Z';
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'fleet');

function home(): string {
	const dir = tempHome();
	expect(runCli(['accounts', 'add', 'work', '--provider', 'manual'], {home: dir}).code).toBe(0);
	return dir;
}

function add(dir: string, args: string[], now = NOW): string {
	const r = runJson(['queue', 'add', '--prompt', 'do the thing', '--cwd', dir, ...args, '--json'], {home: dir, now});
	expect(r.stderr).toBe('');
	expect(r.code).toBe(0);
	return r.json.id as string;
}

describe('queue add / list / remove', {timeout: 60_000}, () => {
	it('lists jobs by severity, then age, with their estimates and where they came from', () => {
		const dir = home();
		const old = add(dir, ['--title', 'Old info', '--severity', 'info'], '2026-11-20T09:00:00Z');
		const warn = add(dir, ['--title', 'Newer warning'], '2026-11-21T09:00:00Z');
		const crit = add(dir, ['--title', 'Critical', '--severity', 'critical', '--estimate-usd', '2.5', '--estimate-pct', '8%'], '2026-11-22T09:00:00Z');
		const oldWarn = add(dir, ['--title', 'Older warning', '--severity', 'warning', '--provider', 'codex', '--kind', 'finding'], '2026-11-19T09:00:00Z');
		const {code, json} = runJson(['queue', 'list', '--json'], {home: dir, now: NOW});
		expect(code).toBe(0);
		expect(json.jobs.map((j: {id: string}) => j.id)).toEqual([crit, oldWarn, warn, old]);
		expect(json.jobs[0]).toMatchObject({title: 'Critical', state: 'queued', source: 'backlog', kind: 'task', cwd: dir, estimate: {usd: 2.5, pct: 0.08, usdSource: 'explicit', pctSource: 'explicit'}});
		expect(json.jobs[1]).toMatchObject({provider: 'codex', kind: 'finding', estimate: {usd: 1, pct: 0.05, usdSource: 'default', detail: '$1.00 and 5% from the defaults'}});
		expect(json.jobs[3].ageMs).toBe(Date.parse(NOW) - Date.parse('2026-11-20T09:00:00Z'));
		const text = runCli(['queue', 'list'], {home: dir, now: NOW}).stdout;
		expect(text.split('\n')[0]).toMatch(/^ID\s+STATE\s+SEVERITY\s+AGE\s+ESTIMATE\s+ACCOUNT\s+TITLE$/);
		expect(text).toMatch(new RegExp(`${crit}\\s+queued\\s+critical\\s+3h\\s+~\\$2\\.50 8%\\s+-\\s+Critical`));

		expect(runCli(['queue', 'remove', warn.slice(0, 5)], {home: dir, now: NOW}).stdout).toContain(`Removed ${warn}.`);
		expect(runJson(['queue', 'list', '--json'], {home: dir, now: NOW}).json.jobs).toHaveLength(3);
	});

	it.each([
		[['queue', 'add', '--prompt', 'p'], '--title: required'],
		[['queue', 'add', '--title', 't'], '--prompt: required'],
		[['queue', 'add', '--title', 't', '--prompt', 'p', '--severity', 'urgent'], '--severity: expected critical, warning, info, got "urgent"'],
		[['queue', 'add', '--title', 't', '--prompt', 'p', '--estimate-pct', '30'], '--estimate-pct: expected a fraction 0–1 (0.05) or a percent with its sign (5%), got "30"'],
		[['queue', 'add', '--title', 't', '--prompt', 'p', '--cwd', '/no/such/dir'], '--cwd: /no/such/dir is not a directory'],
		[['queue', 'add', '--title', 't', '--prompt', 'p', '--provider', 'gemini'], '--provider: expected claude or codex, got "gemini"'],
		[['queue', 'cancel', 'nope'], 'queue cancel: no job "nope" (see quota-tui queue list)'],
		[['queue', 'frobnicate'], 'queue: unknown subcommand "frobnicate"'],
	])('%j → exit 2 naming the problem', (args, message) => {
		const r = runCli(args, {home: home(), now: NOW});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(message);
	});

	it('--prompt - reads the prompt from stdin; a queued job is cancelled at once', () => {
		const dir = home();
		const r = runJson(['queue', 'add', '--title', 'From stdin', '--prompt', '-', '--cwd', dir, '--json'], {home: dir, now: NOW, input: 'a long prompt\nwith two lines\n'});
		expect(r.json.prompt).toBe('a long prompt\nwith two lines');
		const cancelled = runCli(['queue', 'cancel', r.json.id], {home: dir, now: NOW});
		expect(cancelled.code).toBe(0);
		expect(cancelled.stdout).toContain('(it had not started)');
		expect(runJson(['queue', 'list', '--json'], {home: dir, now: NOW}).json.jobs[0]).toMatchObject({state: 'cancelled', message: 'cancelled by the user before it started'});
	});
});

describe('Fleet follow-ups (read-only)', {timeout: 60_000}, () => {
	function fleetHome(roots: string[]): string {
		const dir = home();
		expect(runCli(['config', 'set', 'sources.fleet.roots', JSON.stringify(roots)], {home: dir}).code).toBe(0);
		return dir;
	}

	it('one broken entry: the others are queued in severity-then-age order and the warning names file and entry', () => {
		const dir = fleetHome([path.join(FIXTURES, 'project-*')]);
		const r = runJson(['queue', 'list', '--json'], {home: dir, now: NOW});
		expect(r.code).toBe(0);
		const t1 = path.join(FIXTURES, 'project-a', '.fleet', 'tasks', 'T1', 'follow-ups.yaml');
		expect(r.stderr).toContain(`warning: ${t1}: entry 2 (id fu-3) skipped: severity "urgent" is not critical, warning or info`);
		expect(r.json.warnings).toContain(`${t1}: entry 11 (id fu-9) skipped: estimate_usd "lots" is not a non-negative number`);
		const titles = r.json.jobs.map((j: {title: string}) => j.title);
		expect(titles).toEqual([
			'SQL injection in the search endpoint', // critical
			'Long tail: 3 follow-ups in src/parser', // warning, oldest member 2026-11-15
			'Upgrade the logging library', // warning 2026-11-19
			'Fix the flaky retry test', // warning 2026-11-20
			'Document the CLI flags', // info 2026-11-10
			'Remove the dead feature flag', // info 2026-11-18
			'Only a title', // info, the file's mtime
		]);
		expect(r.json.jobs[0]).toMatchObject({source: 'fleet', sourceRef: `${t1}#fu-4`, cwd: path.join(FIXTURES, 'project-a'), estimate: {usd: 1.5, usdSource: 'explicit'}});
		expect(r.json.jobs[1]).toMatchObject({kind: 'long_tail', module: 'src/parser', severity: 'warning', createdAt: '2026-11-15T09:00:00Z'});
		expect(r.json.heldLongTail).toEqual([{module: 'src/ui', cwd: path.join(FIXTURES, 'project-a'), ids: [expect.stringMatching(/^f-/)]}]);
		expect(titles).not.toContain('Already fixed');
		// Listing again changes nothing (stable ids, no duplicates).
		expect(runJson(['queue', 'list', '--json'], {home: dir, now: NOW}).json.jobs.map((j: {id: string}) => j.id)).toEqual(r.json.jobs.map((j: {id: string}) => j.id));
	});

	it('an entry closed or deleted in the source withdraws its queued job; a removed job is not re-added', () => {
		const project = tempHome('qt-fleet-project-');
		const file = path.join(project, '.fleet', 'tasks', 'T9', 'follow-ups.yaml');
		fs.mkdirSync(path.dirname(file), {recursive: true});
		fs.writeFileSync(file, '- {id: a, title: Alpha, severity: warning}\n- {id: b, title: Beta}\n- {id: c, title: Gamma}\n');
		const dir = fleetHome([project]);
		const ids = runJson(['queue', 'list', '--json'], {home: dir, now: NOW}).json.jobs.map((j: {id: string; title: string}) => [j.title, j.id]);
		const id = Object.fromEntries(ids) as Record<string, string>;
		expect(runCli(['queue', 'remove', id['Gamma']!], {home: dir, now: NOW}).stdout).toContain('it will not be re-added');
		fs.writeFileSync(file, '- {id: a, title: Alpha, severity: warning, status: done}\n- {id: c, title: Gamma}\n');
		const after = runJson(['queue', 'list', '--json'], {home: dir, now: NOW}).json.jobs;
		expect(after.map((j: {title: string; state: string}) => [j.title, j.state])).toEqual([['Alpha', 'cancelled'], ['Beta', 'cancelled']]);
		expect(after[0].message).toBe(`withdrawn: marked "done" in ${file}`);
		expect(after[1].message).toBe(`withdrawn: no longer listed in ${file}`);
	});

	it('a missing root is a warning, not a failure', () => {
		const dir = fleetHome(['/no/such/root']);
		const r = runCli(['queue', 'list'], {home: dir, now: NOW});
		expect(r.code).toBe(0);
		expect(r.stderr).toContain('warning: sources.fleet.roots: "/no/such/root" matches no directory');
		expect(r.stdout).toContain('The queue is empty.');
	});
});

describe('estimate', {timeout: 60_000}, () => {
	it('prints the plan sentence: defaults per task, remaining weekly quota at plan value', () => {
		const dir = tempHome();
		expect(runCli(['accounts', 'add', 'work', '--provider', 'manual', '--plan', 'max20'], {home: dir}).code).toBe(0);
		expect(runCli(['budget', 'set', '--scope', 'account:work', '--window', 'seven_day', '--used', '40', '--reset-at', '2026-11-25T12:00:00Z'], {home: dir, now: NOW}).code).toBe(0);
		const r = runCli(['estimate', '--tasks', '12'], {home: dir, now: NOW});
		expect(r.code).toBe(0);
		// max20: $200/month → $46.15/week; 60 % left → $27.69.
		expect(r.stdout.split('\n')[0]).toBe('This plan has 12 tasks, estimated cost ~$12.00, remaining quota ~$27.69');
		const json = runJson(['estimate', '--tasks', '3', '--kind', 'finding', '--json'], {home: dir, now: NOW}).json;
		expect(json).toMatchObject({tasks: 3, kind: 'finding', estimatedUsd: 3, remainingUsd: 27.69, fits: true, accounts: [{name: 'work', weeklyHeadroom: 0.6, remainingUsd: 27.69}]});
		add(dir, ['--title', 'One', '--estimate-usd', '0.75']);
		add(dir, ['--title', 'Two', '--estimate-usd', '1.25']);
		expect(runCli(['estimate'], {home: dir, now: NOW}).stdout.split('\n')[0]).toBe('This plan has 2 tasks, estimated cost ~$2.00, remaining quota ~$27.69');
		expect(runCli(['estimate', '--tasks', '1.5'], {home: dir, now: NOW}).code).toBe(2);
	});
});
