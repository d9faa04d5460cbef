/**
 * The job view (Enter on a job while the queue has focus): how it ended, its state timeline, the
 * tail of its log (live while it runs: the runtime re-reads the tail when the file grows; it fills what
 * the page leaves, so it shows without scrolling), estimate vs actual (dollars and the window it used)
 * and the gate's verdicts. Pure: lines for a width at `now`.
 */
import type {Decision} from '../../engine/types.js';
import type {UtilizationPoint} from '../../engine/jobs.js';
import type {JobDetail, JobRecord, QueueRow} from '../../runtime/types.js';
import {decisionText} from '../components/decisions-panel.js';
import {formatAge, formatLocalTime, formatPercent, parseInstant} from '../format.js';
import {formatElapsed, hasEnded, jobOutcome} from '../queue-view.js';
import type {Tone} from '../theme.js';
import {blankLine, fitLine, packParts, sectionLine, seg, tableLines, wrapText, type Seg, type ViewLine} from './lines.js';

export type JobViewInput = {
	/** The queue's row of the job (what the list shows), when it is in the queue snapshot. */
	readonly row?: QueueRow | undefined;
	/** The runtime's detail data (full record, decisions, log tail); undefined until it arrives. */
	readonly detail?: JobDetail | undefined;
	readonly width: number;
	/** Lines the pane shows at once: the log tail fills what the rest leaves. */
	readonly page: number;
	readonly now: number;
};

/** Log lines shown at least, even when the rest of the view already fills the pane. */
const MIN_LOG_LINES = 5;

const STATE_TONES: Readonly<Record<string, Tone>> = {
	queued: 'normal', paused_quota: 'warn', claimed: 'accent', running: 'accent', succeeded: 'ok', failed: 'critical', interrupted: 'warn', cancelled: 'muted',
};

function when(iso: string | null | undefined, now: number): string {
	const at = parseInstant(iso);
	return at === null ? '--' : `${formatLocalTime(at, now)} (${formatAge(at, now)})`;
}

function timeline(job: JobRecord | QueueRow, full: JobRecord | undefined, now: number): ViewLine[] {
	const rows: Seg[][] = [[seg('created'), seg(when(job.createdAt, now)), seg(full ? `${full.source} · ${full.kind}` : '', 'muted')]];
	if (full?.notBefore) rows.push([seg('waits until'), seg(when(full.notBefore, now)), seg('a usage limit or the gate said wait', 'muted')]);
	if (full?.claimedAt) rows.push([seg('claimed'), seg(when(full.claimedAt, now)), seg(`on ${job.account ?? '?'}${job.autoUtilization ? ' · auto-utilization' : ''}${full.model ? ` · model ${full.model}` : ''}`, 'muted')]);
	const started = parseInstant(job.startedAt);
	if (started !== null) rows.push([seg('started'), seg(when(job.startedAt, now)), seg(full?.pid ? `pid ${full.pid}` : '', 'muted')]);
	const finished = parseInstant(job.finishedAt);
	if (finished !== null) {
		rows.push([seg(job.state), seg(when(job.finishedAt, now)), seg(started === null ? '' : `after ${formatElapsed(finished - started)}`, 'muted')]);
	} else if (started !== null) {
		rows.push([seg(job.state), seg(`for ${formatElapsed(now - started)}`), seg('live', 'accent')]);
	}

	return tableLines(['state', 'when', ''], rows, Number.POSITIVE_INFINITY).slice(1);
}

/** `12% → 15% (+3%)` of one window, or why there is no delta. */
function windowDelta(before: number | null | undefined, after: number | null | undefined, sameWindow: boolean): string {
	if (before === null || before === undefined) return '--';
	if (after === null || after === undefined) return `${formatPercent(before)} at the start`;
	if (!sameWindow) return `${formatPercent(before)} → ${formatPercent(after)} (the window reset in between)`;
	const delta = after - before;
	return `${formatPercent(before)} → ${formatPercent(after)} (${delta >= 0 ? '+' : ''}${formatPercent(delta)})`;
}

function estimateLines(job: JobRecord | QueueRow, full: JobRecord | undefined, width: number): ViewLine[] {
	const before: UtilizationPoint | null = job.utilizationBefore;
	const after: UtilizationPoint | null = job.utilizationAfter;
	const rows: Seg[][] = [
		[seg('dollars'), seg(`$${job.estimateUsd.toFixed(2)}`), seg(job.costUsd === null ? (hasEnded(job) ? 'not reported by the runner' : '--') : `$${job.costUsd.toFixed(2)}`, job.costUsd !== null && job.costUsd > job.estimateUsd ? 'warn' : undefined)],
		[seg('5-hour'), seg(formatPercent(job.estimatePct)), seg(windowDelta(before?.fiveHour, after?.fiveHour, before?.fiveHourResetsAt === after?.fiveHourResetsAt))],
		[seg('weekly'), seg('--'), seg(windowDelta(before?.sevenDay, after?.sevenDay, before?.sevenDayResetsAt === after?.sevenDayResetsAt))],
	];
	const lines = tableLines(['', 'estimate', 'actual'], rows, width);
	if (full) lines.push(...wrapText(`estimate: ${full.estimateSource}`, width, 2, 'muted'));
	return lines;
}

function gateLines(decisions: readonly Decision[], width: number, now: number): ViewLine[] {
	if (decisions.length === 0) return wrapText('no gate verdict yet: the job has not been dispatched', width, 2, 'muted');
	return decisions.slice(0, 6).flatMap(decision => [
		fitLine([seg(`  ${decisionText(decision, now)}`, decision.verdict === 'dispatched' || decision.verdict === 'go' ? 'ok' : 'warn')], width),
		...decision.reasons.slice(1).flatMap(reason => wrapText(reason, width, 6, 'muted')),
	]);
}

/** Every line of the job view. */
export function jobViewLines(input: JobViewInput): ViewLine[] {
	const {width, now, detail} = input;
	const job: JobRecord | QueueRow | undefined = detail?.job ?? input.row;
	if (job === undefined) {
		return wrapText(detail ? 'This job is gone from the queue (removed, or finished more than a day ago).' : 'reading the job…', width, 0, 'muted');
	}

	const full: JobRecord | undefined = detail?.job ?? undefined;
	const outcome = jobOutcome(job as QueueRow);
	const head: ViewLine[] = [
		fitLine([seg(job.title, undefined, true)], width),
		...packParts([
			seg(job.id, 'muted'),
			seg(job.state, STATE_TONES[job.state] ?? 'normal'),
			seg(job.severity, job.severity === 'critical' ? 'critical' : job.severity === 'warning' ? 'warn' : 'muted'),
			seg(`account ${job.account ?? 'not chosen yet'}`),
			...(full ? [seg(full.cwd, 'muted')] : []),
		], width, 0),
		...(outcome === '' ? [] : wrapText(outcome, width, 0, job.state === 'succeeded' ? 'ok' : 'warn')),
		...(job.message && job.state !== 'succeeded' && outcome.indexOf(job.message.split('\n')[0] ?? '') === -1 ? wrapText(job.message, width, 0, 'muted') : []),
		...(full && (full.exitCode !== null || full.signal || full.failureKind) ? [fitLine([seg(`exit ${full.exitCode ?? '--'}${full.signal ? ` · signal ${full.signal}` : ''}${full.failureKind ? ` · ${full.failureKind}` : ''}`, 'muted')], width)] : []),
		blankLine,
		sectionLine('TIMELINE'),
		...timeline(job, full, now),
		blankLine,
	];
	// The log comes right after the timeline (the live part while it runs), filling what the page
	// leaves; the gate's verdicts and estimate vs actual follow, a scroll away.
	const running = job.state === 'running' || job.state === 'claimed';
	const logTitle = sectionLine('LOG', `${full?.logPath ?? ''}${running ? ' · live' : ''}`);
	const tail = detail?.logTail ?? [];
	const room = Math.max(MIN_LOG_LINES, input.page - head.length - 1);
	const log: ViewLine[] = tail.length === 0
		? wrapText(detail?.logNote ?? 'reading the log…', width, 2, 'muted')
		: tail.slice(-room).map(line => fitLine([seg(`  ${line}`)], width));
	return [
		...head,
		fitLine(logTitle, width),
		...log,
		blankLine,
		sectionLine('ESTIMATE VS ACTUAL'),
		...estimateLines(job, full, width),
		blankLine,
		sectionLine('GATE', 'verdicts and dispatches, newest first'),
		...gateLines(detail?.decisions ?? [], width, now),
	];
}
