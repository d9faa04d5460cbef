/**
 * Pure helpers of the queue panel: its column widths for a terminal width, the cells of a row, the
 * title line and the lines it wants. No React, no clock: time-dependent cells take `now`.
 */
import type {UtilizationPoint} from '../engine/jobs.js';
import type {QueueRow, QueueSnapshot} from '../runtime/types.js';
import {cellWidth, formatAgeShort, formatDuration, formatPercent, truncate} from './format.js';
import type {Tone} from './theme.js';

export type QueueColumns = {
	/** Selection (`›`) and auto-utilization (`a`) markers. */
	readonly marker: number;
	readonly title: number;
	readonly severity: number;
	readonly age: number;
	readonly estimate: number;
	readonly state: number;
	readonly account: number;
};

const MARKER = 2;
const SEVERITY = 4;
const AGE = 4;
const ESTIMATE = 9;
const STATE = 11;
const TITLE_MIN = 8;

/**
 * Column widths for a queue `width` cells wide: marker, title and state always; then, while room is
 * left, severity, age, estimate and the account (up to its longest name, at most 12).
 */
export function queueColumns(width: number, longestAccount = 7): QueueColumns {
	let rest = width - MARKER - STATE - 1 - TITLE_MIN - 1;
	const take = (cells: number) => {
		if (cells + 1 > rest) return 0;
		rest -= cells + 1;
		return cells;
	};
	const severity = take(SEVERITY);
	const age = take(AGE);
	const estimate = take(ESTIMATE);
	const account = take(Math.min(12, Math.max(7, longestAccount)));
	return {marker: MARKER, title: TITLE_MIN + Math.max(0, rest), severity, age, estimate, state: STATE, account};
}

/**
 * The rows that must stay on screen whatever the layout (the panel lists them first): the running and
 * claimed jobs and the next queued one, at most three.
 */
export function essentialRows(queue: Pick<QueueSnapshot, 'rows'>): number {
	const running = queue.rows.filter(row => row.state === 'running' || row.state === 'claimed').length;
	const next = queue.rows.some(row => row.state === 'queued') ? 1 : 0;
	return Math.max(1, Math.min(3, running + next));
}

/**
 * The lines the panel keeps at least: the title, and with jobs the column header, the essential rows
 * and a `… N more` line when there are more jobs.
 */
export function queueEssentialLines(rows: number, essential: number): number {
	if (rows === 0) return 1;
	const shown = Math.min(rows, Math.max(1, essential));
	return 2 + shown + (rows > shown ? 1 : 0);
}

/** How many lines the panel wants: a title and a column header, then one line per row (capped unless focused). */
export function queueWantedLines(rows: number, kind: 'wide' | 'normal' | 'compact', focused: boolean): number {
	if (rows === 0) return 1;
	const cap = focused ? rows : kind === 'wide' ? 6 : kind === 'normal' ? 4 : 2;
	return 2 + Math.min(rows, cap);
}

export const SEVERITY_LABEL: Readonly<Record<QueueRow['severity'], string>> = {critical: 'crit', warning: 'warn', info: 'info'};
export const SEVERITY_TONE: Readonly<Record<QueueRow['severity'], Tone>> = {critical: 'critical', warning: 'warn', info: 'muted'};
export const STATE_TONE: Readonly<Record<QueueRow['state'], Tone>> = {
	queued: 'normal',
	paused_quota: 'warn',
	claimed: 'accent',
	running: 'accent',
	succeeded: 'ok',
	failed: 'critical',
	interrupted: 'warn',
	cancelled: 'muted',
};

/** `$1.00 5%`. */
export function estimateText(row: Pick<QueueRow, 'estimateUsd' | 'estimatePct'>): string {
	return `$${row.estimateUsd.toFixed(2)} ${formatPercent(row.estimatePct)}`;
}

/** The STATE cell at `now`: `running 12m` for a running job (elapsed time), else the state. */
export function stateText(row: Pick<QueueRow, 'state' | 'startedAt'>, now: number, width = STATE): string {
	if (row.state === 'paused_quota') return 'paused_quota'.length <= width ? 'paused_quota' : 'paused';
	if (row.state !== 'running' || row.startedAt === null) return row.state;
	const started = Date.parse(row.startedAt);
	if (!Number.isFinite(started)) return row.state;
	const elapsed = formatDuration(Math.max(0, now - started));
	const long = `running ${elapsed}`;
	return long.length <= width ? long : `run ${elapsed}`;
}

/** The AGE cell at `now`: `3h`, `12m`; `<1m` for a job younger than a minute (a queue needs no seconds). */
export function ageText(row: Pick<QueueRow, 'createdAt'>, now: number): string {
	const created = Date.parse(row.createdAt);
	if (!Number.isFinite(created)) return '--';
	const age = Math.max(0, now - created);
	return age < 60_000 ? '<1m' : formatAgeShort(age);
}

/** The column header line. */
export function queueHeaderText(columns: QueueColumns): string {
	const cells: Array<[string, number]> = [
		['  ', columns.marker],
		['JOB', columns.title],
		['SEV', columns.severity],
		['AGE', columns.age],
		['ESTIMATE', columns.estimate],
		['STATE', columns.state],
		['ACCOUNT', columns.account],
	];
	return cells.filter(([, width]) => width > 0).map(([text, width]) => text.padEnd(width).slice(0, width)).join(' ').trimEnd();
}

/** The title line's summary: `queue 3 queued · 1 running · mode: suggest · idle work 25% (2 fit)`. */
export function queueSummary(queue: QueueSnapshot, mode: string): string {
	const parts = [`${queue.queued} queued`];
	if (queue.running > 0) parts.push(`${queue.running} running`);
	parts.push(`mode: ${mode}`);
	if (queue.idle.length > 0) {
		parts.push(`idle ${queue.idle.map(a => `${a.account} ${formatPercent(a.spendable)}`).join(', ')}${queue.planned > 0 ? ` (${queue.planned} fit)` : ''}`);
	}
	if (queue.warnings.length > 0) parts.push(`${queue.warnings.length} source warning${queue.warnings.length === 1 ? '' : 's'} (queue list)`);
	return `queue  ${parts.join(' · ')}`;
}

/**
 * Which rows fit `rowLines` lines with the selected one visible; `more` counts the hidden ones, and
 * `moreLine` says whether a line is left to say so (from two lines on).
 */
export function visibleRows(count: number, selected: number, rowLines: number): {start: number; end: number; more: number; moreLine: boolean} {
	if (count <= rowLines) return {start: 0, end: count, more: 0, moreLine: false};
	const moreLine = rowLines >= 2;
	const shown = Math.max(1, moreLine ? rowLines - 1 : rowLines);
	const start = Math.min(Math.max(0, selected - Math.floor((shown - 1) / 2)), count - shown);
	return {start, end: start + shown, more: count - shown, moreLine};
}

/** States in which a job has ended. */
const ENDED: ReadonlySet<QueueRow['state']> = new Set(['succeeded', 'failed', 'interrupted', 'cancelled']);

export function hasEnded(row: Pick<QueueRow, 'state'>): boolean {
	return ENDED.has(row.state);
}

/** A run time to the second: `45s`, `4m12s`, `1h3m`, `2d4h`. */
export function formatElapsed(ms: number): string {
	const seconds = Math.max(0, Math.round(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 > 0 ? `${seconds % 60}s` : ''}`;
	return formatDuration(seconds * 1000);
}

/**
 * The share of a window a job used: the 5-hour window's rise between before and after, else the 7-day
 * window's (only when the window did not reset in between). Null when the data does not say.
 */
export function windowUse(before: UtilizationPoint | null, after: UtilizationPoint | null): {label: '5h' | '7d'; fraction: number} | null {
	if (!before || !after) return null;
	if (before.fiveHour !== null && after.fiveHour !== null && before.fiveHourResetsAt === after.fiveHourResetsAt) {
		return {label: '5h', fraction: Math.max(0, after.fiveHour - before.fiveHour)};
	}
	if (before.sevenDay !== null && after.sevenDay !== null && before.sevenDayResetsAt === after.sevenDayResetsAt) {
		return {label: '7d', fraction: Math.max(0, after.sevenDay - before.sevenDay)};
	}
	return null;
}

/** The first line of a message, without a trailing period. */
function firstLine(text: string | null): string {
	return (text ?? '').split('\n').map(line => line.trim()).find(Boolean) ?? '';
}

/**
 * How a job ended, in a few words: `succeeded in 4m12s · $0.42 · 5% of 5h`, `failed: the runner exited
 * with 3: Error: …` (the reason's first line), `cancelled by the user`; '' while it has not ended.
 */
export function jobOutcome(row: QueueRow): string {
	if (!hasEnded(row)) return '';
	if (row.state === 'succeeded') {
		const started = Date.parse(row.startedAt ?? '');
		const finished = Date.parse(row.finishedAt ?? '');
		const parts = [Number.isFinite(started) && Number.isFinite(finished) ? `succeeded in ${formatElapsed(finished - started)}` : 'succeeded'];
		if (row.costUsd !== null) parts.push(`$${row.costUsd.toFixed(2)}`);
		const use = windowUse(row.utilizationBefore, row.utilizationAfter);
		if (use) parts.push(`${formatPercent(use.fraction)} of ${use.label}`);
		return parts.join(' · ');
	}
	const reason = firstLine(row.message);
	if (row.state === 'cancelled') return reason.startsWith('cancelled') ? reason : `cancelled${reason ? `: ${reason}` : ''}`;
	if (row.state === 'interrupted') return reason.startsWith('interrupted') ? reason : `interrupted${reason ? `: ${reason}` : ''}`;
	// `the runner exited with 3: Error: …` → `failed (exit 3): Error: …`: the error is what matters.
	const exited = /^the runner exited with (\d+)(?:: (.*))?$/.exec(reason);
	if (exited) return `failed (exit ${exited[1]})${exited[2] ? `: ${exited[2]}` : ''}`;
	const reported = /^the runner reported an error(?:: (.*))?$/.exec(reason);
	if (reported) return `failed: ${reported[1] ?? 'the runner reported an error'}`;
	return `failed${reason ? `: ${reason}` : ''}`;
}

/**
 * The JOB cell of a row `width` cells wide: the title, and for an ended job `title — outcome`, the
 * title cut first (down to about a third of the cell) so the outcome shows.
 */
export function titleText(row: QueueRow, width: number): string {
	const outcome = jobOutcome(row);
	if (outcome === '' || width < 12) return truncate(row.title, width);
	const room = width - 3;
	const titleRoom = Math.min(cellWidth(row.title), Math.max(6, Math.floor(room / 3)), room);
	const outcomeText = truncate(outcome, room - titleRoom);
	return `${truncate(row.title, room - cellWidth(outcomeText))} — ${outcomeText}`;
}

/** The notice a job raises when it ends: the tone and `"Title" succeeded in 4m12s · $0.42 · 5% of 5h`. */
export function jobEndedNotice(row: QueueRow): {text: string; tone: 'success' | 'warning' | 'error' | 'info'} {
	const tone = row.state === 'succeeded' ? 'success' : row.state === 'failed' ? 'error' : row.state === 'interrupted' ? 'warning' : 'info';
	return {text: `"${row.title}" ${jobOutcome(row)}`, tone};
}

/**
 * The jobs of `rows` that ended since the previous snapshot (`before`: id → state): those that were
 * queued, claimed or running then and have ended now.
 */
export function newlyEnded(before: ReadonlyMap<string, QueueRow['state']>, rows: readonly QueueRow[]): QueueRow[] {
	return rows.filter(row => {
		const previous = before.get(row.id);
		return previous !== undefined && !ENDED.has(previous) && ENDED.has(row.state);
	});
}
