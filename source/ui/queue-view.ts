/**
 * Pure helpers of the queue panel: its column widths for a terminal width, the cells of a row, the
 * title line and the lines it wants. No React, no clock: time-dependent cells take `now`.
 */
import type {QueueRow, QueueSnapshot} from '../runtime/types.js';
import {formatAgeShort, formatDuration, formatPercent} from './format.js';
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
	if (row.state !== 'running' || row.startedAt === null) return row.state;
	const started = Date.parse(row.startedAt);
	if (!Number.isFinite(started)) return row.state;
	const elapsed = formatDuration(Math.max(0, now - started));
	const long = `running ${elapsed}`;
	return long.length <= width ? long : `run ${elapsed}`;
}

/** The AGE cell at `now`: `3h`. */
export function ageText(row: Pick<QueueRow, 'createdAt'>, now: number): string {
	const created = Date.parse(row.createdAt);
	return Number.isFinite(created) ? formatAgeShort(Math.max(0, now - created)) : '--';
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

/** The title line's summary: `queue 3 queued · 1 running · auto suggest · idle work 25% (2 fit)`. */
export function queueSummary(queue: QueueSnapshot, mode: string): string {
	const parts = [`${queue.queued} queued`];
	if (queue.running > 0) parts.push(`${queue.running} running`);
	parts.push(`auto ${mode}`);
	if (queue.idle.length > 0) {
		parts.push(`idle ${queue.idle.map(a => `${a.account} ${formatPercent(a.spendable)}`).join(', ')}${queue.planned > 0 ? ` (${queue.planned} fit)` : ''}`);
	}
	if (queue.warnings.length > 0) parts.push(`${queue.warnings.length} source warning${queue.warnings.length === 1 ? '' : 's'} (queue list)`);
	return `queue  ${parts.join(' · ')}`;
}

/** Which rows fit `rowLines` lines with the selected one visible; `more` counts the hidden ones. */
export function visibleRows(count: number, selected: number, rowLines: number): {start: number; end: number; more: number} {
	if (count <= rowLines) return {start: 0, end: count, more: 0};
	const shown = Math.max(1, rowLines - 1);
	const start = Math.min(Math.max(0, selected - Math.floor((shown - 1) / 2)), count - shown);
	return {start, end: start + shown, more: count - shown};
}
