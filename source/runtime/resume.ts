/**
 * Deferred work resumes by itself (issue 9 item 9; engine/resume): the step of the long-running
 * processes (the dashboard and `serve`, through the auto tick, in every auto mode) that dispatches again
 * the jobs a person dispatched "when ready" once their notBefore has passed — through the same dispatch
 * path (gate, claim, runner) as `quota-tui dispatch`, as manual work with the priority and account the
 * person asked for. A job the gate still holds keeps waiting until the next retry instant.
 */
import {resumeDue} from '../engine/resume.js';
import {listJobs} from '../store/jobs.js';
import type {Context} from './context.js';
import {dispatchJob, type DispatchOutcome} from './dispatch.js';
import {displayOrder} from './queue.js';
import {takenByTeam} from './hub-jobs.js';

/** Dispatch every due when-ready job (queue order); one outcome each. Never throws for expected failures. */
export async function resumeTick(ctx: Context, now: number): Promise<DispatchOutcome[]> {
	if (ctx.demo) return [];
	const due = resumeDue(listJobs(ctx.db, {states: ['queued', 'paused_quota']}), now)
		.filter(job => !takenByTeam(ctx, job.id))
		.toSorted(displayOrder);
	const outcomes: DispatchOutcome[] = [];
	for (const job of due) {
		const whenReady = job.whenReady!;
		outcomes.push(await dispatchJob(ctx, {
			jobId: job.id,
			account: whenReady.account ?? undefined,
			priority: whenReady.priority,
			whenReady: true,
			why: [`resumed by itself: a person dispatched it when ready (${whenReady.priority} priority${job.notBefore ? `; it waited until ${job.notBefore}` : ''})`],
			// Each dispatch reads the accounts itself: an earlier one in this step may have used quota.
			refresh: false,
		}));
	}
	return outcomes;
}
