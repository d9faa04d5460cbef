/**
 * Events (DESIGN §13): what happened, as data, for the hook runner and the built-in notifier.
 *
 * Most events are transitions between two looks at the same accounts and jobs (an account became
 * unusable, a window reset, a threshold was crossed, a job finished). `watchTransitions` compares what a
 * process sees now with what the last look saw (the `WatchState`, kept by the runtime) and returns the
 * events plus the state to keep. The other events (`switch`, `gate-paused`, `waste-warning`, …) are made
 * where they happen with `makeEvent`.
 *
 * Every event has a `key`: the same happening seen by two processes has the same key, so the runtime
 * delivers it once (and at most once per key per hour). Pure: no I/O, `now` is a parameter.
 */
export {DEFAULT_NOTIFY_EVENTS, EVENT_NAMES, isEventName, type EventName} from './event-names.js';
import type {EventName} from './event-names.js';
import {FINISHED_JOB_STATES, type Job, type JobState} from './jobs.js';
import type {Recommendation} from './report.js';
import {bindingUtilization, isUsableStatus, pct, statusSentence, windowLabel} from './status.js';
import {instantMs, isoAt} from './time.js';
import type {AccountState, WindowKind} from './types.js';


/** One event as hooks receive it on stdin (JSON). */
export type QuotaEvent = {
	event: EventName;
	/** Identity of the happening: delivered once per key per hour, whichever process sees it. */
	key: string;
	/** When it was seen (ISO with the local offset). */
	at: string;
	/** The account it is about, when there is one. */
	account: string | null;
	/** One sentence for people (notifications, logs). */
	message: string;
	/** Details for scripts. */
	data: Record<string, unknown>;
};

export function makeEvent(
	event: EventName,
	fields: {key: string; account?: string | null | undefined; message: string; data?: Record<string, unknown> | undefined},
	now: number,
	offsetMinutes = 0,
): QuotaEvent {
	return {event, key: `${event}:${fields.key}`, at: isoAt(now, offsetMinutes), account: fields.account ?? null, message: fields.message, data: fields.data ?? {}};
}

/** 0 = under the warn threshold, 1 = at or over warn, 2 = at or over the switch threshold. */
type Band = 0 | 1 | 2;

type AccountLook = {usable: boolean; status: string; windows: Record<string, {resetsAt: string | null; band: Band; utilization: number | null}>};

/** What the last look saw; the runtime keeps it between looks (and between processes). */
export type WatchState = {
	v: 1;
	/** When this look was taken (ms). */
	seenAt: number;
	accounts: Record<string, AccountLook>;
	/** undefined until a recommendation was seen. */
	recommended?: string | null | undefined;
	exhausted: boolean;
	emergency: boolean;
	/** Job id → state, for jobs not yet seen finished. */
	jobs: Record<string, JobState>;
};

export type WatchInput = {
	states: readonly AccountState[];
	recommendation: Pick<Recommendation, 'account' | 'emergency' | 'reason'>;
	jobs: ReadonlyArray<Pick<Job, 'id' | 'title' | 'state' | 'account' | 'exitCode' | 'message' | 'costUsd' | 'autoUtilization' | 'startedAt' | 'finishedAt'>>;
	warnThreshold: number;
	switchThreshold: number;
	now: number;
	offsetMinutes?: number | undefined;
};

const bandOf = (utilization: number | null, warn: number, switchAt: number): Band =>
	utilization === null ? 0 : utilization >= switchAt ? 2 : utilization >= warn ? 1 : 0;

function look(state: AccountState, warn: number, switchAt: number): AccountLook {
	const windows: AccountLook['windows'] = {};
	for (const window of state.windows) {
		windows[window.kind] = {resetsAt: window.resetsAt, band: bandOf(window.utilization, warn, switchAt), utilization: window.utilization};
	}
	return {usable: isUsableStatus(state.status) && !state.unusableReason && state.account.disabled !== true, status: state.status, windows};
}

/** Providers move a reset instant by seconds between reads: within 10 minutes it is the same period. */
const PERIOD_SLACK_MS = 10 * 60_000;
function samePeriod(a: string | null, b: string | null): boolean {
	if (a === b) return true;
	const ma = a === null ? undefined : instantMs(a);
	const mb = b === null ? undefined : instantMs(b);
	return ma !== undefined && mb !== undefined && Math.abs(ma - mb) <= PERIOD_SLACK_MS;
}
const periodKey = (resetsAt: string | null) => {
	const ms = resetsAt === null ? undefined : instantMs(resetsAt);
	return ms === undefined ? 'open' : isoAt(Math.round(ms / PERIOD_SLACK_MS) * PERIOD_SLACK_MS);
};

const STARTED: readonly JobState[] = ['running'];
const ENDED: readonly JobState[] = FINISHED_JOB_STATES;

/**
 * The events between `previous` (null: the first look ever) and what `input` shows, and the state to
 * keep. The first look of an account or a job only records it: nothing is announced about the past.
 */
export function watchTransitions(previous: WatchState | null, input: WatchInput): {events: QuotaEvent[]; next: WatchState} {
	const {now, warnThreshold: warn, switchThreshold: switchAt} = input;
	const offset = input.offsetMinutes ?? 0;
	const events: QuotaEvent[] = [];
	const add = (name: EventName, fields: Parameters<typeof makeEvent>[1]) => events.push(makeEvent(name, fields, now, offset));
	const next: WatchState = {v: 1, seenAt: now, accounts: {}, recommended: input.recommendation.account, exhausted: false, emergency: false, jobs: {}};

	for (const state of input.states) {
		const name = state.account.name;
		const current = look(state, warn, switchAt);
		next.accounts[name] = current;
		const before = previous?.accounts[name];
		if (!before) continue;
		if (before.usable && !current.usable) {
			add('account-unusable', {
				key: `${name}:${current.status}:${isoAt(now)}`,
				account: name,
				message: `${name} became unusable: ${state.unusableReason ?? statusSentence(state.status)}`,
				data: {status: state.status, previousStatus: before.status, reason: state.unusableReason ?? null, bindingUtilization: bindingUtilization(state.windows, state.account.model)},
			});
		}
		for (const [kind, was] of Object.entries(before.windows)) {
			const resetMs = was.resetsAt === null ? null : instantMs(was.resetsAt);
			if (resetMs !== null && resetMs !== undefined && resetMs <= now) {
				const nowWindow = current.windows[kind];
				add('window-reset', {
					key: `${name}:${kind}:${periodKey(was.resetsAt)}`,
					account: name,
					message: `${name}'s ${windowLabel(kind as WindowKind)} window reset at ${was.resetsAt}${was.utilization === null ? '' : ` (it ended at ${pct(was.utilization)})`}`,
					data: {window: kind, resetAt: was.resetsAt, endedAt: was.utilization, utilization: nowWindow?.utilization ?? null, nextResetAt: nowWindow?.resetsAt ?? null},
				});
			}
		}
		for (const [kind, window] of Object.entries(current.windows)) {
			const was = before.windows[kind];
			if (was === undefined) continue;
			// Same window period only: after a reset the band starts again from 0.
			const wasBand: Band = samePeriod(was.resetsAt, window.resetsAt) ? was.band : 0;
			if (window.band > wasBand) {
				const threshold = window.band === 2 ? 'switch' : 'warn';
				add('threshold-crossed', {
					key: `${name}:${kind}:${threshold}:${periodKey(window.resetsAt)}`,
					account: name,
					message: `${name}'s ${windowLabel(kind as WindowKind)} usage reached ${pct(window.utilization ?? 0)} (${threshold} threshold ${pct(window.band === 2 ? switchAt : warn)})`,
					data: {window: kind, threshold, thresholdValue: window.band === 2 ? switchAt : warn, utilization: window.utilization, resetsAt: window.resetsAt},
				});
			}
		}
	}

	const usableAny = Object.values(next.accounts).some(a => a.usable);
	next.exhausted = input.states.length > 0 && !usableAny && input.recommendation.account === null;
	next.emergency = input.recommendation.emergency && input.recommendation.account !== null;
	const stamp = isoAt(now);
	if (next.exhausted && !(previous?.exhausted ?? false)) {
		add('all-exhausted', {key: stamp, message: `No usable account: ${input.recommendation.reason}`, data: {reason: input.recommendation.reason}});
	}
	if (next.emergency && !(previous?.emergency ?? false)) {
		add('emergency', {
			key: `${input.recommendation.account}:${stamp}`,
			account: input.recommendation.account,
			message: `Only the emergency fallback ${input.recommendation.account} is left: ${input.recommendation.reason}`,
			data: {reason: input.recommendation.reason},
		});
	}
	if (previous?.recommended !== undefined && previous.recommended !== input.recommendation.account) {
		add('recommendation-changed', {
			key: `${previous.recommended ?? 'none'}->${input.recommendation.account ?? 'none'}:${stamp}`,
			account: input.recommendation.account,
			message: `Recommendation changed from ${previous.recommended ?? 'none'} to ${input.recommendation.account ?? 'none'}: ${input.recommendation.reason}`,
			data: {from: previous.recommended ?? null, to: input.recommendation.account, reason: input.recommendation.reason, emergency: input.recommendation.emergency},
		});
	}

	const since = (iso: string | null) => previous !== null && iso !== null && (instantMs(iso) ?? -Infinity) >= previous.seenAt;
	for (const job of input.jobs) {
		if (!ENDED.includes(job.state)) next.jobs[job.id] = job.state;
		if (previous === null) continue;
		const was = previous.jobs[job.id];
		// A job the last look did not know: announce what happened since that look, nothing older.
		const started = job.startedAt !== null && (was === undefined ? since(job.startedAt) : !STARTED.includes(was));
		const ended = ENDED.includes(job.state) && (was !== undefined || since(job.finishedAt));
		const data = {jobId: job.id, title: job.title, state: job.state, exitCode: job.exitCode, costUsd: job.costUsd, message: job.message, automatic: job.autoUtilization};
		const on = job.account ?? 'an account';
		if (started) add('job-started', {key: job.id, account: job.account, message: `Job ${job.id} "${job.title}" started on ${on}`, data});
		if (!ended || (job.state === 'cancelled' && job.startedAt === null)) continue;
		const ok = job.state === 'succeeded';
		add(ok ? 'job-finished' : 'job-failed', {
			key: job.id,
			account: job.account,
			message: ok ? `Job ${job.id} "${job.title}" finished on ${on}` : `Job ${job.id} "${job.title}" ${job.state}${job.message ? `: ${job.message}` : ''}`,
			data,
		});
	}
	return {events, next};
}
