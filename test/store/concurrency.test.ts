import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {MIGRATIONS, openDatabase} from '../../source/store/db.js';
import {getActive, latestSnapshots, recentDecisions} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';
import {compiledStoreDir} from './compiled-store.js';

/**
 * Real processes writing one database at once, through the real (compiled) store code. Each child waits
 * at a barrier so that they really overlap, then records decisions, snapshots and switches. stderr must
 * stay empty, on the floor (Node 22.16) as well.
 */
const CHILD = `
import fs from 'node:fs';
const [storeDir, file, tag, countText, barrier, openAfterBarrier] = process.argv.slice(2);
// As every entry point does first (cli.ts, supervise.ts): Node 22's "SQLite is an experimental
// feature" is dropped, every other warning still reaches stderr (and fails the test).
(await import(new URL('node-floor.js', storeDir))).quietExperimentalWarnings();
const {openDatabase} = await import(new URL('db.js', storeDir));
const repo = await import(new URL('repositories.js', storeDir));
const count = Number(countText);
const sleep = ms => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const waitForGo = () => {
	fs.writeFileSync(barrier + '.' + tag, '');
	while (!fs.existsSync(barrier + '.go')) sleep(2);
};
let db;
if (openAfterBarrier === '1') { waitForGo(); db = openDatabase(file); } else { db = openDatabase(file); waitForGo(); }
const base = Date.parse('2026-03-01T00:00:00Z');
for (let i = 0; i < count; i++) {
	const at = new Date(base + i * 1000).toISOString();
	repo.recordDecision(db, {at, kind: 'gate', subject: tag, verdict: 'go', reasons: ['n' + i], inputs: {i}});
	if (i % 4 === 0) {
		repo.insertSnapshot(db, {account: tag, observedAt: at, status: 'allowed', windows: [
			{kind: 'five_hour', utilization: i / count, resetsAt: null, durationMs: null, source: 'provider-detected', origin: 'demo', observedAt: at},
		]}, base + i * 1000);
	}
	if (i % 50 === 0) {
		repo.setActive(db, tag, {at, kind: 'switch', subject: tag, verdict: 'switched', reasons: [], inputs: {}}, 'demo');
	}
}
db.close();
`;

let dir: string;
let storeUrl: string;
let childFile: string;

beforeAll(async () => {
	dir = tempHome('qt-concurrency-');
	storeUrl = pathToFileURL((await compiledStoreDir(path.join(dir, 'compiled'))) + path.sep).href;
	childFile = path.join(dir, 'child.mjs');
	fs.writeFileSync(childFile, CHILD);
}, 120_000);

afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

type Exit = {code: number | null; stderr: string};

async function runChildren(file: string, tags: string[], count: number, openAfterBarrier: boolean): Promise<Exit[]> {
	const barrier = path.join(dir, `barrier-${path.basename(file)}`);
	const children = tags.map(tag =>
		spawn(process.execPath, [childFile, storeUrl, file, tag, String(count), barrier, openAfterBarrier ? '1' : '0'], {stdio: ['ignore', 'ignore', 'pipe']}),
	);
	const exits = children.map(
		child =>
			new Promise<Exit>(resolve => {
				let stderr = '';
				child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
				child.on('close', code => resolve({code, stderr}));
			}),
	);
	// Release every child at once when all are ready (or when one already died).
	const deadline = Date.now() + 60_000;
	while (!tags.every(tag => fs.existsSync(`${barrier}.${tag}`)) && children.every(child => child.exitCode === null) && Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}
	fs.writeFileSync(`${barrier}.go`, '');
	return Promise.all(exits);
}

function expectCounts(file: string, tags: string[], count: number): void {
	const db = openDatabase(file);
	try {
		const total = (table: string) => (db.raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as {n: number}).n;
		const switches = Math.ceil(count / 50);
		expect(total('decisions')).toBe(tags.length * (count + switches));
		expect(total('snapshots')).toBe(tags.length * Math.ceil(count / 4));
		for (const tag of tags) {
			const perTag = db.raw.prepare("SELECT COUNT(*) AS n FROM decisions WHERE subject = ? AND kind = 'gate'").get(tag) as {n: number};
			expect(perTag.n).toBe(count);
		}
		expect(latestSnapshots(db).size).toBe(tags.length);
		expect(tags).toContain(getActive(db)?.name);
		expect(getActive(db, 'demo')).toEqual(getActive(db));
		expect(recentDecisions(db, 5)).toHaveLength(5);
		expect(db.schemaVersion).toBe(MIGRATIONS.length);
	} finally {
		db.close();
	}
}

describe('several processes sharing quota.db', () => {
	it('4 processes writing at once lose no rows and never fail with SQLITE_BUSY', async () => {
		const file = path.join(dir, 'shared.db');
		openDatabase(file).close();
		const tags = ['p1', 'p2', 'p3', 'p4'];
		const exits = await runChildren(file, tags, 200, false);
		expect(exits).toEqual(tags.map(() => ({code: 0, stderr: ''})));
		expectCounts(file, tags, 200);
	}, 120_000);

	it('4 processes opening a brand-new database at once migrate it exactly once', async () => {
		const file = path.join(dir, 'fresh', 'quota.db');
		const tags = ['q1', 'q2', 'q3', 'q4'];
		const exits = await runChildren(file, tags, 100, true);
		expect(exits).toEqual(tags.map(() => ({code: 0, stderr: ''})));
		expectCounts(file, tags, 100);
	}, 120_000);
});
