/**
 * Deferred work that resumes by itself (issue 9 item 9, seed 003 "delay non-urgent work until after the
 * reset"): which priority a dispatch is gated with, which waiting jobs are due again at `now`, and why
 * auto-utilization leaves a waiting job alone. Pure: `now` is a parameter.
 *
 * A job the gate defers or pauses keeps `notBefore` = the gate's `retryAt`. Work a person dispatched
 * (`dispatch JOB --when-ready`, `d` in the dashboard, or a manual dispatch whose run later hit a usage
 * limit) carries `whenReady` and is dispatched again by the long-running processes (dashboard, `serve`)
 * once `notBefore` has passed and the gate says go — in every auto mode. Jobs nobody dispatched stay under
 * auto-utilization's rules (idle capacity, quiet hours, cost caps), which also respect `notBefore`.
 */
import type {Job, Severity} from './jobs.js';
import {instantMs, MINUTE} from './time.js';

export const PRIORITIES = ['critical', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A person asked for this job to run when the gate allows it (the priority and account it was asked with). */
export type WhenReady = {priority: Priority; account: string | null};

/** How long a deferral without a retry instant (unknown state, no reset known) waits before the next try. */
export const RESUME_FALLBACK_MS = 15 * MINUTE;

/**
 * The priority a job is gated with: the one asked for, else from its severity — critical → critical,
 * info → low (non-urgent: deferred near the limits like automatic work, seed 003-17) —, else low for
 * automatic work and normal for manual work.
 */
export function dispatchPriority(severity: Severity, options: {priority?: Priority | undefined; automatic?: boolean | undefined}): Priority {
	if (options.priority) return options.priority;
	if (severity === 'critical') return 'critical';
	if (severity === 'info' || options.automatic === true) return 'low';
	return 'normal';
}

/** Accepts critical, normal and low (case-insensitive); undefined for anything else. */
export function parsePriority(value: unknown): Priority | undefined {
	if (typeof value !== 'string') return undefined;
	const text = value.trim().toLowerCase();
	return (PRIORITIES as readonly string[]).includes(text) ? (text as Priority) : undefined;
}

type Waiting = Pick<Job, 'id' | 'state' | 'notBefore' | 'whenReady'>;

const waitingStates = new Set<Job['state']>(['queued', 'paused_quota']);

/** Is `job` still waiting for its `notBefore` at `now`? */
export function waitsUntil(job: Pick<Job, 'notBefore'>, now: number): string | null {
	const ms = instantMs(job.notBefore);
	return ms !== undefined && ms > now ? job.notBefore : null;
}

/** Jobs a person dispatched that are due again at `now` (queued or paused, notBefore passed or none). */
export function resumeDue<T extends Waiting>(jobs: readonly T[], now: number): T[] {
	return jobs.filter(job => job.whenReady !== null && waitingStates.has(job.state) && waitsUntil(job, now) === null);
}

/** When a deferred job is tried again: the gate's retry instant, else `now` + RESUME_FALLBACK_MS. */
export function nextTry(retryAt: string | null, now: number): number {
	const ms = instantMs(retryAt);
	return ms !== undefined && ms > now ? ms : now + RESUME_FALLBACK_MS;
}

/**
 * Why auto-utilization does not plan a waiting job now, or null when it may: a job a person dispatched
 * resumes on its own (not as automatic work); a deferred or paused job waits for its `notBefore`.
 * Paused jobs (`paused_quota`) whose time has come are planned like queued ones.
 */
export function autoHold(job: Waiting, now: number): string | null {
	if (!waitingStates.has(job.state)) return `it is ${job.state}`;
	if (job.whenReady !== null) return `a person dispatched it${job.whenReady.account ? ` on ${job.whenReady.account}` : ''}: it runs by itself when the gate allows (${job.whenReady.priority} priority), not as automatic work`;
	const until = waitsUntil(job, now);
	if (until) return `${job.state === 'paused_quota' ? 'paused by a usage limit' : 'deferred by the gate'} until ${until}`;
	return null;
}
