/** How a job ended, in a row and in a notice (audit Part 2, D5). */
import {describe, expect, test} from 'vitest';
import type {QueueRow} from '../../source/runtime/types.js';
import {formatElapsed, jobEndedNotice, jobOutcome, newlyEnded, titleText, windowUse} from '../../source/ui/queue-view.js';

const at = (minutes: number) => new Date(Date.parse('2026-11-22T14:00:00Z') + minutes * 60_000).toISOString();
const point = (fiveHour: number | null, sevenDay: number | null, fiveReset = at(120), sevenReset = at(5000)) => ({at: at(0), fiveHour, fiveHourResetsAt: fiveReset, sevenDay, sevenDayResetsAt: sevenReset});

function row(extra: Partial<QueueRow>): QueueRow {
	return {id: 'q-1', title: 'Tighten the retry loop', severity: 'info', createdAt: at(-60), state: 'queued', account: 'work', estimateUsd: 1, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null, ...extra};
}

describe('jobOutcome', () => {
	test('succeeded: run time to the second, the runner\'s cost, the share of the 5-hour window', () => {
		expect(jobOutcome(row({state: 'succeeded', startedAt: at(0), finishedAt: at(4.2), costUsd: 0.42, utilizationBefore: point(0.2, 0.4), utilizationAfter: point(0.25, 0.41)}))).toBe('succeeded in 4m12s · $0.42 · 5% of 5h');
		// The 5-hour window reset in between: the weekly one says it.
		expect(jobOutcome(row({state: 'succeeded', startedAt: at(0), finishedAt: at(90), utilizationBefore: point(0.9, 0.4), utilizationAfter: point(0.1, 0.43, at(400))}))).toBe('succeeded in 1h30m · 3% of 7d');
		expect(jobOutcome(row({state: 'succeeded'}))).toBe('succeeded');
	});

	test('failed: the first line of the reason, the exit code up front; cancelled and interrupted in their words', () => {
		expect(jobOutcome(row({state: 'failed', message: 'the runner exited with 3: Error: something broke badly in step 2\nat line 4'}))).toBe('failed (exit 3): Error: something broke badly in step 2');
		expect(jobOutcome(row({state: 'failed', message: 'the runner reported an error: rate limited'}))).toBe('failed: rate limited');
		expect(jobOutcome(row({state: 'failed', message: 'timed out after 60 min (jobs.timeoutMinutes) and was stopped'}))).toBe('failed: timed out after 60 min (jobs.timeoutMinutes) and was stopped');
		expect(jobOutcome(row({state: 'failed', message: null}))).toBe('failed');
		expect(jobOutcome(row({state: 'cancelled', message: 'cancelled by the user'}))).toBe('cancelled by the user');
		expect(jobOutcome(row({state: 'interrupted', message: 'interrupted: the runner was killed by SIGKILL'}))).toBe('interrupted: the runner was killed by SIGKILL');
		expect(jobOutcome(row({state: 'running'}))).toBe('');
	});

	test('the title cell keeps a third of its width for the title and gives the rest to the outcome', () => {
		const failed = row({state: 'failed', title: 'Job that fails', message: 'the runner exited with 3: Error: something broke badly in step 2'});
		expect(titleText(failed, 38)).toBe('Job that f… — failed (exit 3): Error:…');
		expect(titleText(row({}), 10)).toBe('Tighten t…');
		expect([...titleText(failed, 20)].length).toBeLessThanOrEqual(20);
	});

	test('the notice, and which jobs ended since the last snapshot', () => {
		expect(jobEndedNotice(row({state: 'failed', message: 'the runner exited with 1'}))).toEqual({text: '"Tighten the retry loop" failed (exit 1)', tone: 'error'});
		expect(jobEndedNotice(row({state: 'cancelled', message: 'cancelled by the user'})).tone).toBe('info');
		const before = new Map<string, QueueRow['state']>([['a', 'running'], ['b', 'queued'], ['c', 'failed']]);
		const rows = [row({id: 'a', state: 'succeeded'}), row({id: 'b', state: 'running'}), row({id: 'c', state: 'failed'}), row({id: 'd', state: 'failed'})];
		expect(newlyEnded(before, rows).map(r => r.id)).toEqual(['a']);
	});

	test('formatElapsed and windowUse', () => {
		expect([formatElapsed(45_000), formatElapsed(252_000), formatElapsed(240_000), formatElapsed(3_780_000)]).toEqual(['45s', '4m12s', '4m', '1h3m']);
		expect(windowUse(null, point(0.1, 0.1))).toBeNull();
		expect(windowUse(point(null, null), point(0.1, 0.1))).toBeNull();
	});
});
