/**
 * The queue in a real SQLite file: claims are one transaction (two connections never both win), source
 * sync never touches running or finished jobs, and the first writer of a job's end wins.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Decision} from '../../source/engine/types.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {
	addJob,
	autoJobsSince,
	claimJob,
	finishJob,
	getJob,
	listJobs,
	markRunning,
	removeJob,
	requeueJob,
	syncSourceJobs,
	type ClaimRequest,
	type NewJob,
} from '../../source/store/jobs.js';
import {recentDecisions} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
let dir: string;
let file: string;
let db: Db;

beforeEach(() => {
	dir = tempHome('qt-jobs-');
	file = path.join(dir, 'quota.db');
	db = openDatabase(file);
});

afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

function job(id: string, extra: Partial<NewJob> = {}): NewJob {
	return {id, title: `Job ${id}`, prompt: 'do it', cwd: dir, severity: 'warning', createdAt: '2026-11-22T11:00:00Z', source: 'backlog', kind: 'task', ...extra};
}

function decision(subject: string): Decision {
	return {at: '2026-11-22T12:00:00Z', kind: 'dispatch', subject, verdict: 'dispatched', reasons: [`dispatched ${subject}`], inputs: {}};
}

function claim(id: string, extra: Partial<ClaimRequest> = {}): ClaimRequest {
	return {id, account: 'work', claimedBy: '1@host', autoUtilization: false, at: '2026-11-22T12:00:00Z', utilizationBefore: null, logPath: `/logs/${id}.log`, decision: decision(id), ...extra};
}

describe('claimJob', () => {
	it('claims a queued job once: the second claimer, on another connection, is told it is not queued', () => {
		addJob(db, job('q-1'), NOW);
		const other = openDatabase(file);
		const first = claimJob(db, claim('q-1'));
		const second = claimJob(other, claim('q-1', {claimedBy: '2@host'}));
		other.close();
		expect(first.ok).toBe(true);
		expect(second).toMatchObject({ok: false, reason: 'not-queued', job: {state: 'claimed', claimedBy: '1@host'}});
		// The dispatch decision was written in the same transaction, once.
		expect(recentDecisions(db).filter(d => d.subject === 'q-1')).toHaveLength(1);
	});

	it('a missing or removed job is "missing"', () => {
		expect(claimJob(db, claim('nope'))).toEqual({ok: false, reason: 'missing', job: null});
	});

	it('automatic claims: one automatic job at a time per account', () => {
		addJob(db, job('a-1'), NOW);
		addJob(db, job('a-2'), NOW);
		expect(claimJob(db, claim('a-1', {autoUtilization: true})).ok).toBe(true);
		expect(claimJob(db, claim('a-2', {autoUtilization: true}))).toMatchObject({ok: false, reason: 'account-busy', busyWith: 'a-1'});
		expect(claimJob(db, claim('a-2', {autoUtilization: true, account: 'other'})).ok).toBe(true);
		expect(autoJobsSince(db, NOW - 1000).map(j => j.id)).toEqual(['a-1', 'a-2']);
	});

	it('the first end recorded wins; a finished job is never finished again', () => {
		addJob(db, job('q-1'), NOW);
		claimJob(db, claim('q-1'));
		expect(markRunning(db, 'q-1', {pid: 4242, pidStart: '99', at: '2026-11-22T12:00:01Z'})).toBe(true);
		expect(finishJob(db, 'q-1', {state: 'interrupted', at: '2026-11-22T12:05:00Z', signal: 'SIGKILL', message: 'killed'})).toBe(true);
		expect(finishJob(db, 'q-1', {state: 'succeeded', at: '2026-11-22T12:06:00Z', costUsd: 1})).toBe(false);
		expect(getJob(db, 'q-1')).toMatchObject({state: 'interrupted', signal: 'SIGKILL', costUsd: null, pid: 4242, startedAt: '2026-11-22T12:00:01Z'});
	});

	it('requeue is explicit and resets the run; remove hides Fleet jobs and deletes backlog ones', () => {
		addJob(db, job('q-1'), NOW);
		addJob(db, job('f-1', {source: 'fleet', sourceFile: '/p/f.yaml'}), NOW);
		claimJob(db, claim('q-1'));
		expect(requeueJob(db, 'q-1', NOW)).toBe('not-finished');
		expect(removeJob(db, 'q-1', NOW)).toBe('running');
		finishJob(db, 'q-1', {state: 'failed', at: '2026-11-22T12:01:00Z', message: 'boom', failureKind: 'runner'});
		expect(requeueJob(db, 'q-1', NOW)).toBe('requeued');
		expect(getJob(db, 'q-1')).toMatchObject({state: 'queued', account: null, message: null, failureKind: null, finishedAt: null});
		expect(removeJob(db, 'q-1', NOW)).toBe('deleted');
		expect(getJob(db, 'q-1')).toBeNull();
		expect(removeJob(db, 'f-1', NOW)).toBe('hidden');
		expect(getJob(db, 'f-1')?.removed).toBe(true);
		expect(listJobs(db).map(j => j.id)).toEqual([]);
	});
});

describe('syncSourceJobs', () => {
	const fleet = (id: string, extra: Partial<NewJob> = {}) => job(id, {source: 'fleet', sourceFile: '/p/f.yaml', sourceHash: 'h1', ...extra});

	it('adds new entries, updates changed queued ones, withdraws vanished and closed ones, never touches running or removed jobs', () => {
		expect(syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1'), fleet('f-2'), fleet('f-3'), fleet('f-4')], filesRead: ['/p/f.yaml']}, NOW)).toEqual({added: ['f-1', 'f-2', 'f-3', 'f-4'], updated: [], withdrawn: []});
		claimJob(db, claim('f-2'));
		removeJob(db, 'f-4', NOW);
		const result = syncSourceJobs(db, 'fleet', {
			jobs: [fleet('f-1', {title: 'New title', sourceHash: 'h2'}), fleet('f-2', {title: 'Changed while running', sourceHash: 'h2'}), fleet('f-4')],
			filesRead: ['/p/f.yaml'],
		}, NOW);
		expect(result).toEqual({added: [], updated: ['f-1'], withdrawn: ['f-3']});
		expect(getJob(db, 'f-1')?.title).toBe('New title');
		expect(getJob(db, 'f-2')).toMatchObject({title: 'Job f-2', state: 'claimed'});
		expect(getJob(db, 'f-3')).toMatchObject({state: 'cancelled', message: 'withdrawn: no longer listed in /p/f.yaml'});
		expect(getJob(db, 'f-4')?.removed).toBe(true);
	});

	it('a file that could not be read withdraws nothing; a closed entry is withdrawn with its status', () => {
		syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1'), fleet('f-2')], filesRead: ['/p/f.yaml']}, NOW);
		expect(syncSourceJobs(db, 'fleet', {jobs: [], filesRead: []}, NOW).withdrawn).toEqual([]);
		const closed = syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1')], filesRead: [], closed: new Map([['f-2', 'withdrawn: marked "done" in /p/f.yaml']])}, NOW);
		expect(closed.withdrawn).toEqual(['f-2']);
		expect(getJob(db, 'f-2')?.message).toBe('withdrawn: marked "done" in /p/f.yaml');
	});

	it('an unchanged source writes nothing (other dashboards are not woken every tick)', () => {
		syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1')], filesRead: ['/p/f.yaml']}, NOW);
		const other = openDatabase(file);
		const version = () => (other.raw.prepare('PRAGMA data_version').get() as {data_version: number}).data_version;
		const before = version();
		syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1')], filesRead: ['/p/f.yaml']}, NOW);
		expect(version()).toBe(before);
		syncSourceJobs(db, 'fleet', {jobs: [fleet('f-1', {sourceHash: 'h9'})], filesRead: ['/p/f.yaml']}, NOW);
		expect(version()).not.toBe(before);
		other.close();
	});
});
