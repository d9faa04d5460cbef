process.env.TZ = 'UTC';
/**
 * The detail views' data (runtime/detail.ts) and the store carrying it (openDetail): an account's
 * window history and decisions, a job's record, decisions and log tail (re-read while it runs, when
 * the log grows), the decision log; x and R through the runtime (cancel, requeue).
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {HISTORY_STEPS, detailOf, logTail} from '../../source/runtime/detail.js';
import {addJob, claimJob, finishJob, getJob, markRunning} from '../../source/store/jobs.js';
import {recordDecision} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

const NOW = Date.parse('2026-11-22T14:30:00Z');
const at = (ms: number) => new Date(ms).toISOString();

function home(): {home: string; env: Record<string, string>} {
	const dir = tempHome();
	const env = {QUOTA_TUI_HOME: dir, QUOTA_TUI_NOW: at(NOW)};
	const ctx = openContext({env});
	ctx.configStore.setKey('autoUtilization.notify', 'none');
	ctx.configStore.setKey('autoUtilization.mode', 'off');
	ctx.configStore.addAccount({name: 'work', provider: 'manual', plan: 'max5'});
	ctx.close();
	return {home: dir, env};
}

function job(ctx: ReturnType<typeof openContext>, id: string, state: 'queued' | 'running' | 'failed', log?: string): void {
	addJob(ctx.db, {id, title: `Job ${id}`, prompt: 'p', cwd: '/tmp', severity: 'warning', createdAt: at(NOW - 3_600_000), source: 'backlog', kind: 'task', estimateUsd: 0.5}, NOW - 3_600_000);
	if (state === 'queued') return;
	const logPath = path.join(ctx.paths.logsDir, `${id}.log`);
	fs.mkdirSync(ctx.paths.logsDir, {recursive: true});
	if (log !== undefined) fs.writeFileSync(logPath, log);
	claimJob(ctx.db, {
		id, account: 'work', claimedBy: `${process.pid}@here`, autoUtilization: false, at: at(NOW - 600_000), logPath,
		utilizationBefore: {at: at(NOW - 600_000), fiveHour: 0.2, fiveHourResetsAt: at(NOW + 3_600_000), sevenDay: 0.4, sevenDayResetsAt: at(NOW + 86_400_000)},
		decision: {at: at(NOW - 600_000), kind: 'dispatch', subject: id, verdict: 'dispatched', reasons: [`"Job ${id}" on work`, 'Go: work has room for this task'], inputs: {job: id, account: 'work'}},
	});
	markRunning(ctx.db, id, {pid: process.pid, pidStart: null, at: at(NOW - 590_000)});
	if (state === 'failed') {
		finishJob(ctx.db, id, {state: 'failed', at: at(NOW - 60_000), exitCode: 3, costUsd: 0.21, message: 'the runner exited with 3: Error: broke', failureKind: 'runner'});
	}
}

describe('detail data', () => {
	it('an account: 7 days of history per window kind, and the decisions about it', () => {
		const {env} = home();
		const ctx = openContext({env, demo: true});
		recordDecision(ctx.db, {at: at(NOW - 60_000), kind: 'switch', subject: 'demo-main', verdict: 'switched', reasons: ['by hand'], inputs: {}});
		recordDecision(ctx.db, {at: at(NOW - 50_000), kind: 'dispatch', subject: 'q-1', verdict: 'dispatched', reasons: ['on demo-main'], inputs: {account: 'demo-main'}});
		recordDecision(ctx.db, {at: at(NOW - 40_000), kind: 'switch', subject: 'demo-team', verdict: 'switched', reasons: ['other'], inputs: {}});
		const detail = detailOf(ctx, {kind: 'account', name: 'demo-main'}, NOW);
		expect(detail.kind).toBe('account');
		if (detail.kind !== 'account') return;
		expect(Object.keys(detail.history).toSorted()).toEqual(['five_hour', 'seven_day']);
		expect(detail.history['seven_day']).toHaveLength(HISTORY_STEPS);
		expect(detail.history['seven_day']!.some(value => value !== null && value > 0)).toBe(true);
		expect(detail.decisions.map(d => d.subject)).toEqual(['q-1', 'demo-main']);
		ctx.close();
	});

	it('a job: its record, its decisions, the tail of its log; the decision log', () => {
		const {env} = home();
		const ctx = openContext({env});
		job(ctx, 'q-f', 'failed', `${Array.from({length: 100}, (_, i) => `line ${i}`).join('\n')}\n\u001B[31mError: broke\u001B[0m\n`);
		const detail = detailOf(ctx, {kind: 'job', id: 'q-f'}, NOW);
		expect(detail.kind).toBe('job');
		if (detail.kind !== 'job') return;
		expect(detail.job).toMatchObject({state: 'failed', account: 'work', exitCode: 3, costUsd: 0.21, estimateUsd: 0.5, failureKind: 'runner'});
		expect(detail.job?.claimedAt).toBe(at(NOW - 600_000));
		expect(detail.decisions[0]).toMatchObject({kind: 'dispatch', verdict: 'dispatched'});
		expect(detail.logTail.at(-1)).toBe('Error: broke');
		expect(detail.logTail.length).toBeLessThanOrEqual(60);
		expect(detail.logNote).toBeNull();
		const gone = detailOf(ctx, {kind: 'job', id: 'q-none'}, NOW);
		expect(gone).toMatchObject({job: null});
		const log = detailOf(ctx, {kind: 'decisions'}, NOW);
		expect(log).toMatchObject({kind: 'decisions', total: 1});
		ctx.close();
	});

	it('a log that is missing or empty says so', () => {
		expect(logTail(null).note).toContain('not started');
		expect(logTail('/nonexistent/q.log').note).toBe('no log yet');
		const file = path.join(tempHome(), 'empty.log');
		fs.writeFileSync(file, '');
		expect(logTail(file)).toEqual({lines: [], note: 'the log is empty so far'});
	});
});

describe('the store carries the open view', () => {
	it('openDetail puts the data in the snapshot; a running job\'s log is re-read when it grows; null closes', async () => {
		const {env} = home();
		const setup = openContext({env});
		job(setup, 'q-r', 'running', 'starting\n');
		const logPath = getJob(setup.db, 'q-r')!.logPath!;
		setup.close();
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: env.QUOTA_TUI_HOME}}));
		const off = runtime.subscribe(() => undefined);
		runtime.openDetail!({kind: 'job', id: 'q-r'});
		const detail = runtime.getSnapshot().detail;
		expect(detail?.kind === 'job' && detail.logTail).toEqual(['starting']);
		fs.appendFileSync(logPath, 'step 2 done\n');
		await expect.poll(() => {
			const now = runtime.getSnapshot().detail;
			return now?.kind === 'job' ? now.logTail.at(-1) : undefined;
		}, {timeout: 4000}).toBe('step 2 done');
		runtime.openDetail!(null);
		expect(runtime.getSnapshot().detail).toBeUndefined();
		off();
		runtime.dispose();
	});

	it('R requeues a failed job, x cancels a queued one; each says so in the notice', async () => {
		const {env} = home();
		const setup = openContext({env});
		job(setup, 'q-f', 'failed', 'x\n');
		job(setup, 'q-q', 'queued');
		setup.close();
		const runtime = createAppRuntime(openContext({env}));
		runtime.requeueJob!('q-f');
		expect(runtime.getSnapshot().notice).toMatchObject({text: 'Queued q-f again.', tone: 'success'});
		expect(runtime.getSnapshot().queue?.rows.find(row => row.id === 'q-f')?.state).toBe('queued');
		runtime.requeueJob!('q-q');
		expect(runtime.getSnapshot().notice?.tone).toBe('warning');
		runtime.cancelJob!('q-q');
		await expect.poll(() => runtime.getSnapshot().notice?.text).toBe('Cancelled q-q (it had not started).');
		expect(runtime.getSnapshot().queue?.rows.find(row => row.id === 'q-q')?.state).toBe('cancelled');
		runtime.dispose();
	});
});
