/**
 * The data of the dashboard's detail views (issue 13 item 3), read from the database when a view is
 * open: an account's window history and the decisions about it, a job's record, decisions and log
 * tail, and the decision log. The dashboard's store carries it (`AppSnapshot.detail`); the UI only
 * renders it.
 */
import fs from 'node:fs';
import {utilizationSeries} from '../engine/history.js';
import {oneLine} from '../engine/sanitize.js';
import {SEVEN_DAYS} from '../engine/time.js';
import {getJob} from '../store/jobs.js';
import {decisionCount, decisionsAbout, recentDecisions} from '../store/repositories.js';
import type {Context} from './context.js';
import {accountObservations} from './history.js';
import {estimateDefaults, jobView, learned} from './queue.js';
import type {AccountDetail, DecisionsDetail, DetailSnapshot, DetailSubject, JobDetail, JobRecord} from './types.js';

/** History points per window over the last 7 days: one per hour (a full-width sparkline at 168 columns). */
export const HISTORY_STEPS = 168;
/** Decisions the decision log holds at most (newest first). */
export const DECISION_LOG_LIMIT = 1000;
/** Bytes read from the end of a job's log, and the lines kept of them. */
const LOG_TAIL_BYTES = 16_384;
const LOG_TAIL_LINES = 60;

/** The detail data of `subject` at `now`. */
export function detailOf(ctx: Context, subject: DetailSubject, now: number): DetailSnapshot {
	switch (subject.kind) {
		case 'account': {
			return accountDetail(ctx, subject.name, now);
		}

		case 'job': {
			return jobDetail(ctx, subject.id, now);
		}

		case 'decisions': {
			return decisionLog(ctx);
		}
	}
}

export function accountDetail(ctx: Context, name: string, now: number): AccountDetail {
	const account = ctx.accounts.find(a => a.name === name);
	const observations = account ? accountObservations(ctx, account, now, SEVEN_DAYS) : [];
	const history: Record<string, Array<number | null>> = {};
	for (const kind of new Set(observations.map(o => o.kind))) {
		history[kind] = utilizationSeries(observations, kind, now, SEVEN_DAYS, HISTORY_STEPS);
	}

	return {kind: 'account', name, history, historySteps: HISTORY_STEPS, decisions: decisionsAbout(ctx.db, {subject: name, account: true}, 30)};
}

export function jobDetail(ctx: Context, id: string, now: number): JobDetail {
	const stored = getJob(ctx.db, id);
	const decisions = decisionsAbout(ctx.db, {subject: id}, 20);
	if (!stored || stored.removed) return {kind: 'job', id, job: null, decisions, logTail: [], logNote: 'the job is gone from the queue'};
	const view = jobView(stored, learned(ctx), estimateDefaults(ctx.config), now);
	const job: JobRecord = {
		id: view.id,
		title: view.title,
		severity: view.severity,
		createdAt: view.createdAt,
		state: view.state,
		account: view.account,
		estimateUsd: view.estimate.usd,
		estimatePct: view.estimate.pct,
		startedAt: view.startedAt,
		finishedAt: view.finishedAt,
		autoUtilization: view.autoUtilization,
		message: view.message,
		costUsd: view.costUsd,
		utilizationBefore: view.utilizationBefore,
		utilizationAfter: view.utilizationAfter,
		cwd: view.cwd,
		source: view.source,
		kind: view.kind,
		model: view.model ?? null,
		estimateSource: view.estimate.detail,
		claimedAt: view.claimedAt,
		exitCode: view.exitCode,
		signal: view.signal,
		failureKind: view.failureKind,
		pid: view.pid,
		logPath: view.logPath,
		notBefore: view.notBefore ?? null,
	};
	const tail = logTail(job.logPath);
	return {kind: 'job', id, job, decisions, logTail: tail.lines, logNote: tail.note};
}

export function decisionLog(ctx: Context): DecisionsDetail {
	return {kind: 'decisions', decisions: recentDecisions(ctx.db, DECISION_LOG_LIMIT), total: decisionCount(ctx.db)};
}

/** The last lines of a log file, one line each, without escape sequences; or why there are none. */
export function logTail(file: string | null, maxLines = LOG_TAIL_LINES): {lines: string[]; note: string | null} {
	if (file === null) return {lines: [], note: 'no log yet: the job has not started'};
	let fd: number | undefined;
	try {
		fd = fs.openSync(file, 'r');
		const {size} = fs.fstatSync(fd);
		const length = Math.min(size, LOG_TAIL_BYTES);
		const buffer = Buffer.alloc(length);
		fs.readSync(fd, buffer, 0, length, size - length);
		const lines = buffer.toString('utf8').split(/\r?\n/);
		// A cut first line (we started mid-file) is dropped; so is the empty line after the final newline.
		if (size > length) lines.shift();
		if (lines.at(-1) === '') lines.pop();
		return {lines: lines.slice(-maxLines).map(line => oneLine(line)), note: lines.length === 0 ? 'the log is empty so far' : null};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {lines: [], note: code === 'ENOENT' ? 'no log yet' : `the log is not readable: ${(error as Error).message}`};
	} finally {
		if (fd !== undefined) fs.closeSync(fd);
	}
}

/** A cheap signature of a log file (size and mtime), to re-read the tail only when it grew. */
export function logSignature(file: string | null): string {
	if (file === null) return '';
	try {
		const stat = fs.statSync(file);
		return `${stat.size}:${stat.mtimeMs}`;
	} catch {
		return 'missing';
	}
}
