/**
 * Fleet follow-ups from real YAML files (test/fixtures/fleet): good entries load, bad ones are skipped
 * with a warning naming the file and the entry, missing fields get defaults, bad files and roots are
 * warnings, and nothing is ever written to a project.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {expandRootGlob, fleetJobId, readFleetFollowUps} from '../../source/providers/fleet.js';
import {ROOT, tempHome} from '../helpers/cli.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'fleet');
const A = path.join(FIXTURES, 'project-a');
const B = path.join(FIXTURES, 'project-b');
const T1 = path.join(A, '.fleet', 'tasks', 'T1', 'follow-ups.yaml');
const T2 = path.join(A, '.fleet', 'tasks', 'T2', 'follow-ups.yaml');
const T3 = path.join(A, '.fleet', 'tasks', 'T3', 'follow-ups.yaml');
const X = path.join(B, '.fleet', 'tasks', 'X', 'follow-ups.yml');

function snapshotFiles(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const entry of fs.readdirSync(dir, {recursive: true, withFileTypes: true})) {
		if (!entry.isFile()) continue;
		const file = path.join(entry.parentPath, entry.name);
		out[file] = `${createHash('sha1').update(fs.readFileSync(file)).digest('hex')}:${fs.statSync(file).mtimeMs}`;
	}
	return out;
}

describe('readFleetFollowUps', () => {
	it('loads good entries, skips bad ones with a warning naming file and entry, keeps the rest', () => {
		const before = snapshotFiles(FIXTURES);
		const missing = path.join(FIXTURES, 'no-such-project');
		const read = readFleetFollowUps([A, B, missing]);
		const ids = read.items.map(item => item.ref.split('#')[1]);
		expect(ids).toEqual(['fu-1', 'fu-2', 'fu-4', '[4]', 'lt-1', 'lt-2', 'lt-3', 'lt-4', 'a1', 'b1']);
		expect(read.warnings).toEqual([
			`${T1}: entry 2 (id fu-3) skipped: severity "urgent" is not critical, warning or info`,
			`${T1}: entry 10 skipped: expected a mapping with title, severity, …, got "just a string, not an entry"`,
			`${T1}: entry 11 (id fu-9) skipped: estimate_usd "lots" is not a non-negative number`,
			expect.stringMatching(new RegExp(`^${T3.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid YAML \\(line \\d+\\): .+; its entries were not loaded$`)),
			`sources.fleet.roots: "${missing}" matches no directory`,
		]);
		expect(read.filesRead).toEqual([T1, T2, X]);
		expect(read.closed).toEqual([{file: T1, id: 'fu-6', jobId: fleetJobId(T1, 'fu-6'), status: 'done'}]);
		// Read-only: not a byte or an mtime changed.
		expect(snapshotFiles(FIXTURES)).toEqual(before);
	});

	it('fields: prompt from prompt or description, defaults for missing ones, synonyms normalised', () => {
		const read = readFleetFollowUps([A]);
		const byRef = (id: string) => read.items.find(item => item.ref === `${T1}#${id}`) ?? read.items.find(item => item.ref === `${T2}#${id}`)!;
		expect(byRef('fu-1')).toMatchObject({
			id: fleetJobId(T1, 'fu-1'),
			title: 'Fix the flaky retry test',
			prompt: 'The retry test fails one run in twenty; make it deterministic.',
			severity: 'warning',
			createdAt: '2026-11-20T09:00:00Z',
			kind: 'finding',
			module: 'src/net',
			estimateUsd: 0.8,
			cwd: A,
			sourceFile: T1,
		});
		expect(byRef('fu-4')).toMatchObject({severity: 'critical', createdAt: '2026-11-21T09:00:00+01:00', prompt: 'The search endpoint interpolates the query string into SQL.\nUse a prepared statement.', estimateUsd: 1.5});
		expect(byRef('lt-2').kind).toBe('long_tail');
		expect(byRef('a1')).toMatchObject({createdAt: '2026-11-10T00:00:00Z', provider: 'codex', severity: 'info'});
		// Only a title: severity info, kind finding, prompt = title, created at the file's mtime, a derived stable id.
		const bare = read.items.find(item => item.title === 'Only a title')!;
		expect(bare).toMatchObject({severity: 'info', kind: 'finding', prompt: 'Only a title', module: null, estimateUsd: null});
		expect(Date.parse(bare.createdAt)).toBe(Math.trunc(fs.statSync(T1).mtimeMs));
		expect(readFleetFollowUps([A]).items.find(item => item.title === 'Only a title')!.id).toBe(bare.id);
	});

	it('roots are globs; a root without .fleet under a glob is quiet, a plain one is a warning', () => {
		const read = readFleetFollowUps([path.join(FIXTURES, 'project-*')]);
		expect(read.filesRead).toEqual([T1, T2, X]);
		const empty = tempHome('qt-fleet-empty-');
		expect(readFleetFollowUps([empty]).warnings).toEqual([`${path.join(empty, '.fleet', 'tasks')}: cannot be read (ENOENT)`]);
		expect(readFleetFollowUps([path.join(path.dirname(empty), `${path.basename(empty)}*`)]).warnings).toEqual([]);
	});

	it('expandRootGlob: ~, *, ? and ** (not into node_modules or dot directories)', () => {
		const home = tempHome('qt-glob-');
		for (const dir of ['code/app-one', 'code/app-two', 'code/node_modules/dep', 'code/deep/nested/app-three', 'code/.hidden/app-four']) fs.mkdirSync(path.join(home, dir), {recursive: true});
		expect(expandRootGlob('~/code/app-*', home)).toEqual([path.join(home, 'code/app-one'), path.join(home, 'code/app-two')]);
		expect(expandRootGlob('~/code/app-?ne', home)).toEqual([path.join(home, 'code/app-one')]);
		expect(expandRootGlob('~/code/**/app-*', home)).toEqual([
			path.join(home, 'code/app-one'),
			path.join(home, 'code/app-two'),
			path.join(home, 'code/deep/nested/app-three'),
		]);
		expect(expandRootGlob('code/app-one', home)).toEqual([path.join(home, 'code/app-one')]);
		expect(expandRootGlob('~/nothing/*', home)).toEqual([]);
	});

	it('an unreadable file is a warning; the other files still load', () => {
		const root = tempHome('qt-fleet-perm-');
		for (const task of ['ok', 'locked']) fs.mkdirSync(path.join(root, '.fleet', 'tasks', task), {recursive: true});
		fs.writeFileSync(path.join(root, '.fleet', 'tasks', 'ok', 'follow-ups.yaml'), '- {id: one, title: One}\n');
		const locked = path.join(root, '.fleet', 'tasks', 'locked', 'follow-ups.yaml');
		fs.writeFileSync(locked, '- {id: two, title: Two}\n');
		fs.chmodSync(locked, 0o000);
		const read = readFleetFollowUps([root]);
		if (process.getuid?.() === 0) {
			// root reads anything: both load.
			expect(read.items).toHaveLength(2);
		} else {
			expect(read.items.map(item => item.title)).toEqual(['One']);
			expect(read.warnings).toEqual([`${locked}: cannot be read (EACCES)`]);
		}
		fs.chmodSync(locked, 0o644);
	});
});
