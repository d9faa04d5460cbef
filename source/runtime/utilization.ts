/**
 * The utilization report at run time (DESIGN §7.5, §10): window history of every account, its open
 * week from `collect`, the automatic spend and the pending follow-ups from the job queue, and the
 * once-per-window "use it or lose it" notification.
 */
import {jsonWithout} from '../engine/json.js';
import {SEVEN_DAYS} from '../engine/time.js';
import {historySpanMs, usd, useItOrLoseItText, utilizationReport, type AutoSpend, type Pending, type UseItOrLoseIt, type UtilizationReport} from '../engine/waste.js';
import {resolveEstimate} from '../engine/jobs.js';
import {autoJobsSince, listJobs} from '../store/jobs.js';
import {collect, localOffsetMinutes, type Collected} from './collect.js';
import type {Context} from './context.js';
import type {Observation} from '../engine/history.js';
import {accountObservations, pruneHistory} from './history.js';
import {notify, type NotifyResult} from './notify.js';
import {estimateDefaults, learned, readQueue} from './queue.js';
import {instantMs, isoAt} from '../engine/time.js';
import {resetCreditsAt, type ResetCreditView} from '../engine/resets.js';
import {listResetCredits} from '../store/resets.js';
import {DateTime} from 'luxon';

export type UtilizationOptions = {
	/** 5-hour windows that opened in the last `days` count (weekly ones: the last max(days, 28)). @default 7 */
	days?: number | undefined;
	/** What `collect` gave at the same `now` (saves collecting twice). */
	collected?: Collected | undefined;
	/** Read the queue's sources (Fleet files) before counting pending follow-ups. @default false */
	syncQueue?: boolean | undefined;
};

/** Automatic jobs in the last 7 days: their count and dollars (measured cost, else the estimate). */
export function autoSpendOf(ctx: Context, now: number): AutoSpend {
	const since = now - SEVEN_DAYS;
	const jobs = autoJobsSince(ctx.db, since);
	const byKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	const total = jobs.reduce((sum, job) => sum + (job.costUsd ?? resolveEstimate(job, byKind.get(job.kind), defaults).usd), 0);
	return {jobs: jobs.length, usd: Math.round(total * 100) / 100, since: isoAt(since, localOffsetMinutes(now))};
}

/** Queued follow-ups: how many and their estimated dollars. */
export function pendingOf(ctx: Context, now: number, sync = false): Pending {
	if (sync) {
		const queue = readQueue(ctx, now, {refresh: true});
		const queued = queue.jobs.filter(job => job.state === 'queued');
		return {count: queued.length, estimateUsd: Math.round(queued.reduce((sum, job) => sum + job.estimate.usd, 0) * 100) / 100};
	}
	const byKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	const queued = listJobs(ctx.db, {states: ['queued']});
	return {count: queued.length, estimateUsd: Math.round(queued.reduce((sum, job) => sum + resolveEstimate(job, byKind.get(job.kind), defaults).usd, 0) * 100) / 100};
}

/** The utilization report at `now`. */
export function collectUtilization(ctx: Context, now: number, options: UtilizationOptions = {}): UtilizationReport {
	const days = options.days ?? 7;
	return reportFrom(ctx, options.collected ?? collect(ctx, now), readHistory(ctx, now, days, options.syncQueue ?? false), now);
}

/** What the report reads from the database (the costly part): observations, auto-spend, pending. */
type HistoryRead = {days: number; observations: Map<string, Observation[]>; autoSpend: AutoSpend; pending: Pending; credits: ReadonlyMap<string, ResetCreditView[]>};

function readHistory(ctx: Context, now: number, days: number, syncQueue: boolean): HistoryRead {
	const span = historySpanMs(days);
	return {
		days,
		observations: new Map(ctx.accounts.map(account => [account.name, accountObservations(ctx, account, now, span)])),
		autoSpend: autoSpendOf(ctx, now),
		pending: pendingOf(ctx, now, syncQueue),
		credits: creditsOf(ctx, now),
	};
}

/** Each account's reset credits at `now` (open ones and those closed in the last 7 days). */
function creditsOf(ctx: Context, now: number): Map<string, ResetCreditView[]> {
	const out = new Map<string, ResetCreditView[]>();
	if (ctx.demo) return out;
	for (const view of resetCreditsAt(listResetCredits(ctx.db, {now}), now)) out.set(view.account, [...(out.get(view.account) ?? []), view]);
	return out;
}

/** `Fri 18:00` in the local zone. */
const localWhen = (iso: string) => DateTime.fromMillis(instantMs(iso) ?? 0).toFormat('ccc HH:mm');

function reportFrom(ctx: Context, collected: Collected, read: HistoryRead, now: number): UtilizationReport {
	return utilizationReport({
		accounts: ctx.accounts.map(account => ({
			account,
			observations: read.observations.get(account.name) ?? [],
			state: collected.states.find(state => state.account.name === account.name),
			resetCredits: read.credits.get(account.name),
		})),
		formatWhen: localWhen,
		now,
		days: read.days,
		headroom7d: ctx.config.autoUtilization.minHeadroom7d,
		autoSpend: read.autoSpend,
		pending: read.pending,
		offsetMinutes: localOffsetMinutes(now),
	});
}

/** The memory key of one week's "use it or lose it" notification. */
export function useItOrLoseItKey(alert: UseItOrLoseIt): string {
	return `use-it-or-lose-it:${alert.account}:${Date.parse(alert.resetsAt)}`;
}

/**
 * Notify each "use it or lose it" alert once per window (across processes), in `suggest` and `auto`
 * modes only. Resolves with what happened per alert; never rejects.
 */
export async function notifyUseItOrLoseIt(ctx: Context, report: UtilizationReport, now: number): Promise<Array<{alert: UseItOrLoseIt; result: NotifyResult}>> {
	const mode = ctx.config.autoUtilization.mode;
	if (mode === 'off' || ctx.demo) return [];
	const outcomes: Array<{alert: UseItOrLoseIt; result: NotifyResult}> = [];
	for (const alert of report.useItOrLoseIt) {
		const pending = report.pending && report.pending.count > 0 ? ` ${report.pending.count} follow-up${report.pending.count === 1 ? '' : 's'} pending (est. ${usd(report.pending.estimateUsd)}): run quota-tui auto-spend.` : '';
		const result = await notify(ctx, {key: useItOrLoseItKey(alert), title: 'quota-tui: use it or lose it', body: `${useItOrLoseItText(alert).replace(/^Use it or lose it: /, '')}.${pending}`}, now);
		outcomes.push({alert, result});
	}
	return outcomes;
}

export type DashboardUtilization = (collected: Collected, now: number, force?: boolean) => UtilizationReport | undefined;

/**
 * The dashboard's utilization report, recomputed on every collect from the fresh account states. The
 * window history behind it (the costly read) is re-read at most every `historyTtlMs` (or when `force`d:
 * a refresh, a switch): the dashboard collects whenever another process writes the database (a
 * status-line hook writes on every refresh), and closed windows do not change that fast. The automatic
 * spend and the pending follow-ups are two small queries, read on every collect, so a job that just
 * ended counts at once (audit S3: "0 jobs" after two had succeeded). Reading has no side effects:
 * retention and notifications are `utilizationHousekeeping`, on the dashboard's own tick. Undefined
 * when the history cannot be read (the rest of the dashboard goes on).
 */
export function createDashboardUtilization(ctx: Context, historyTtlMs = 60_000): DashboardUtilization {
	let read: {at: number; value: HistoryRead} | undefined;
	return (collected, now, force = false) => {
		try {
			if (!read || force || now - read.at >= historyTtlMs || now < read.at) {
				read = {at: now, value: readHistory(ctx, now, 7, false)};
			} else {
				read = {at: read.at, value: {...read.value, autoSpend: autoSpendOf(ctx, now), pending: pendingOf(ctx, now)}};
			}
			return reportFrom(ctx, collected, read.value, now);
		} catch {
			return undefined;
		}
	};
}

/**
 * The utilization side effects, on their own tick (issue 9: reading has no side effects): history
 * retention (at most once an hour across processes) and the due "use it or lose it" notifications of
 * `report` (once per window, in the background). Never throws.
 */
export function utilizationHousekeeping(ctx: Context, report: UtilizationReport | undefined, now: number): void {
	if (ctx.demo) return;
	try {
		pruneHistory(ctx, now);
	} catch {
		// A locked or damaged database: retention waits for the next tick.
	}
	if (report && report.useItOrLoseIt.length > 0) void notifyUseItOrLoseIt(ctx, report, now).catch(() => undefined);
}
/** The report without the fields that move with every second, for change detection. */
export function utilizationFingerprint(report: UtilizationReport | undefined): string {
	if (!report) return '';
	return jsonWithout(report, ['generatedAt', 'resetsInMs', 'inMs', 'fiveHourSince', 'sevenDaySince', 'since']);
}
