/**
 * Audit D1: a job prompt never becomes a command-line option. The fake `claude` on PATH parses options
 * like the real one (before `--`: `--settings=JSON` runs its SessionStart hooks through sh, `--version`
 * prints a version), so the audit's payload would leave a file if the prompt were read as an option.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runJson, tempHome} from '../helpers/cli.js';
import {installFakeRunner, waitFor, type FakeRunner} from '../helpers/fake-runner.js';

const NOW = '2026-11-22T12:00:00Z';

type Setup = {home: string; runner: FakeRunner; project: string; env: Record<string, string>};

function setup(): Setup {
	const home = tempHome();
	const runner = installFakeRunner();
	const project = tempHome('qt-project-');
	for (const args of [
		['accounts', 'add', 'j', '--provider', 'claude', '--config-dir', tempHome('qt-claude-')],
		['budget', 'set', '--scope', 'account:j', '--window', 'five_hour', '--used', '10', '--reset-at', '2026-11-22T14:00:00Z'],
		['budget', 'set', '--scope', 'account:j', '--window', 'seven_day', '--used', '10', '--reset-at', '2026-11-25T12:00:00Z'],
	]) expect(runCli(args, {home, now: NOW}).code).toBe(0);
	return {home, runner, project, env: runner.env};
}

/** The audit's payload: a SessionStart hook that writes `marker`. */
const hookPrompt = (marker: string) => `--settings={"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"id > ${marker}"}]}]}}`;

function jobState(s: Setup, id: string): {state: string} | undefined {
	return runJson(['queue', 'list', '--all', '--json'], {home: s.home, now: NOW}).json.jobs.find((j: {id: string}) => j.id === id);
}

describe('a prompt never becomes an option (D1)', {timeout: 60_000}, () => {
	it('dispatch of the audit --settings payload runs no hook and leaves no file; queue add warns', async () => {
		const s = setup();
		const marker = path.join(s.project, 'pwned');
		const added = runJson(['queue', 'add', '--title', 'innocent follow-up', `--prompt=${hookPrompt(marker)}`, '--cwd', s.project, '--json'], {home: s.home, now: NOW});
		expect(added.code).toBe(0);
		const id = added.json.id as string;
		expect(added.stderr).toContain(`warning: job ${id}: the prompt starts with "-"`);
		const r = runCli(['dispatch', id, '--account', 'j'], {home: s.home, now: NOW, env: s.env});
		expect(r.code).toBe(0);
		await waitFor(() => (['succeeded', 'failed'].includes(jobState(s, id)?.state ?? '') ? true : undefined), 15_000, 'the job to end');
		const [run] = s.runner.runs();
		expect(run!.argv).toEqual(['-p', '--output-format', 'json', '--', hookPrompt(marker)]);
		expect(fs.existsSync(marker)).toBe(false);
		expect(fs.readdirSync(s.project)).toEqual([]);
	});

	it('a prompt of --version is a prompt: the runner works on it instead of printing its version', async () => {
		const s = setup();
		const id = runJson(['queue', 'add', '--title', 'v', '--prompt=--version', '--cwd', s.project, '--json'], {home: s.home, now: NOW}).json.id as string;
		expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		const job = await waitFor(() => {
			const found = runJson(['queue', 'list', '--all', '--json'], {home: s.home, now: NOW}).json.jobs.find((j: {id: string}) => j.id === id);
			return found?.state === 'succeeded' || found?.state === 'failed' ? found : undefined;
		}, 15_000, 'the job to end');
		const log = fs.readFileSync(job.logPath, 'utf8');
		expect(log).not.toContain('(Claude Code)');
		expect(log).toContain('fake runner: working on "--version"');
	});

	it('a user template with {prompt} not after "--" is refused (exit 2, naming the job) unless allowOptionPrompt', async () => {
		const s = setup();
		const marker = path.join(s.project, 'pwned');
		const id = runJson(['queue', 'add', '--title', 't', `--prompt=${hookPrompt(marker)}`, '--cwd', s.project, '--json'], {home: s.home, now: NOW}).json.id as string;
		expect(runCli(['config', 'set', 'runners.claude', '["claude","-p","{prompt}"]'], {home: s.home}).code).toBe(0);
		const refused = runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain(`Not dispatched: the runner template runners.claude lets the prompt of job ${id} be read as an option ({prompt} is not preceded by "--"); put "--" before {prompt}, or set runners.allowOptionPrompt to true`);
		// A template without {prompt} gets the prompt appended: it needs a "--" too.
		expect(runCli(['config', 'set', 'runners.claude', '["claude","-p"]'], {home: s.home}).code).toBe(0);
		expect(runCli(['dispatch', id], {home: s.home, now: NOW, env: s.env}).stderr).toContain('(the prompt is appended as the last argument with no "--" before it)');
		expect(jobState(s, id)?.state).toBe('queued');
		expect(s.runner.runs()).toHaveLength(0);
		// Text before {prompt} in one argument is never an option of its own; "--" anywhere before it is fine.
		expect(runCli(['config', 'set', 'runners.claude', '["claude","-p","--","x {prompt}"]'], {home: s.home}).code).toBe(0);
		expect(runCli(['dispatch', id, '--dry-run'], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
		// The user's explicit choice.
		expect(runCli(['config', 'set', 'runners.claude', '["claude","-p","{prompt}"]'], {home: s.home}).code).toBe(0);
		expect(runCli(['config', 'set', 'runners.allowOptionPrompt', 'true'], {home: s.home}).code).toBe(0);
		expect(runCli(['dispatch', id, '--dry-run'], {home: s.home, now: NOW, env: s.env}).code).toBe(0);
	});

	it('a Fleet follow-up whose prompt starts with "-" is a warning naming the file and entry', () => {
		const project = tempHome('qt-fleet-project-');
		const file = path.join(project, '.fleet', 'tasks', 'T1', 'follow-ups.yaml');
		fs.mkdirSync(path.dirname(file), {recursive: true});
		fs.writeFileSync(file, '- {id: a, title: Alpha, prompt: "--settings={}"}\n- {id: b, title: Beta, prompt: fine}\n');
		const home = tempHome();
		expect(runCli(['config', 'set', 'sources.fleet.roots', JSON.stringify([project])], {home}).code).toBe(0);
		const r = runCli(['queue', 'list'], {home, now: NOW});
		expect(r.code).toBe(0);
		expect(r.stderr).toContain(`warning: Fleet follow-up ${file}#a: the prompt starts with "-" ("--settings={}")`);
		expect(r.stderr).not.toContain('#b');
	});
});
