/**
 * Layout is a pure function of the terminal size and a few counts (style rule 9). The frame is never
 * taller than `rows − 1` (a frame as tall as the terminal makes Ink clear and repaint every frame, see
 * vadimdemedes/ink#450): lists are windowed with a `… N more` line that keeps the selected row visible.
 */

import {queueEssentialLines, queueWantedLines} from './queue-view.js';
import {computeWasteLayout, NO_WASTE, type WasteCounts, type WasteLayout} from './waste-layout.js';

export type Size = {readonly columns: number; readonly rows: number};

/** Below this the dashboard shows only a "terminal too small" screen. */
export const MIN_SIZE: Size = {columns: 40, rows: 10};
/** From this width on, the layout is `wide` (all columns, reset times). */
export const WIDE_COLUMNS = 100;
/** From this width on, the layout is `normal`; below it `compact`. */
export const NORMAL_COLUMNS = 70;

/** Gap between two cells of a row. */
export const GAP = 1;

/** Fixed widths of row cells. */
export const CELL = {
	marker: 2,
	status: 11,
	percent: 4,
	countdown: 6,
	projection: 5,
	provider: 6,
	resetTime: 9,
	label: 2,
	noteMin: 5,
	noteStale: 9,
	noteFresh: 12,
	noteMax: 26,
	/** Room for model-scoped windows, extra usage and, in team mode, the machines holding the account (`sonnet 12% · held by laptop 2m, ci (here) · oauth 2m ago`) on wide terminals. */
	noteWide: 64,
	barMin: 3,
	barMax: 12,
	nameMin: 4,
	nameMax: 20,
} as const;

/**
 * Widths of an account row's cells (0 = the cell is hidden). With `lines: 2` the row is two lines:
 * marker, name, status, note; then both windows each with a short label.
 */
export type RowColumns = {
	readonly lines: 1 | 2;
	readonly name: number;
	readonly provider: number;
	readonly status: number;
	readonly bar: number;
	readonly percent: number;
	readonly countdown: number;
	readonly projection5h: number;
	readonly projection7d: number;
	readonly resetTime: number;
	readonly note: number;
	/** Width actually used by the widest line of the row. */
	readonly width: number;
};

export type LayoutKind = 'wide' | 'normal' | 'compact' | 'too-small';

export type TooSmallLayout = {
	readonly kind: 'too-small';
	readonly need: Size;
	readonly have: Size;
};

export type FrameLayout = {
	readonly kind: 'wide' | 'normal' | 'compact';
	readonly size: Size;
	/** The tallest the frame may be: `rows − 1`. */
	readonly maxHeight: number;
	readonly headerLines: 1 | 2;
	/** Lines for the accounts list, including the column header and a `… N more` line. */
	readonly listLines: number;
	readonly columnHeader: boolean;
	readonly row: RowColumns;
	/** How many accounts fit at once. */
	readonly visibleAccounts: number;
	readonly noticeLines: number;
	/** Lines of the recent-decisions panel, including its title (0 = hidden). */
	readonly decisionLines: number;
	/** The waste panel (waste-layout.ts): after the notices, before the decisions. */
	readonly waste: WasteLayout;
	/** Lines of the queue panel, title and column header included (0 = hidden). */
	readonly queueLines: number;
	/** Lines of the y/n box above the footer (0 = none open). */
	readonly confirmLines: number;
	/** Blank lines after the header and after the list, when rows are left over. */
	readonly spacerAfterHeader: boolean;
	readonly spacerAfterList: boolean;
	/** Lines between header and footer: what an overlay (help) may use. */
	readonly bodyLines: number;
	readonly footerLines: 1;
};

export type Layout = FrameLayout | TooSmallLayout;

export type LayoutOptions = {
	/** Length of the longest account name. @default 10 */
	readonly longestName?: number;
	/** Notice lines that want showing (a command outcome, warnings). @default 0 */
	readonly noticeLines?: number;
	/** Recent decisions available. @default 0 */
	readonly decisionCount?: number;
	/** What the waste panel has to show; undefined = no panel. */
	readonly waste?: WasteCounts | undefined;
	/**
	 * The queue panel: how many jobs it lists, whether it has focus, and how many of its rows must stay
	 * on screen (`essential`: the running jobs and the next queued one); undefined = no panel. Its title,
	 * column header and essential rows are kept before anything but one account; focused it comes right
	 * after one account; the rest of its rows get what is left after everything else.
	 */
	readonly queue?: {readonly rows: number; readonly focused: boolean; readonly essential?: number} | undefined;
	/** Lines the open y/n box wants (2 or 3; 0 = none). @default 0 */
	readonly confirmLines?: number;
	/** Resets shown as local clock times (`t`): the countdown cell is as wide as a reset time. @default false */
	readonly clockTimes?: boolean;
};

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** The widths of both windows' cells of a one-line row, each including its inner gaps. */
export function windowCellWidth(row: RowColumns, window: '5h' | '7d'): number {
	const projection = window === '5h' ? row.projection5h : row.projection7d;
	const parts = [row.bar, row.percent, row.countdown, projection, row.resetTime].filter(width => width > 0);
	return parts.reduce((sum, width) => sum + width, 0) + (parts.length - 1) * GAP;
}

/**
 * Column widths of an account row for a terminal `columns` wide: the essential cells first (marker,
 * name, status, both percentages and countdowns) and the bars (the product's main visual); then,
 * while room is left and in this order: a short note, the full name, a `stale 12m` note, the 7-day
 * projection, the provider, a `fresh (est.)` note, the 5-hour projection, bars up to 6 cells, reset
 * times (wide only), a note up to 20 cells, wider bars, a longer note, then the rest to the note
 * (extras). When one line has no room for bars, a row takes two lines (bars on the second).
 */
export function computeRowColumns(columns: number, longestName = 10, {clockTimes = false}: {readonly clockTimes?: boolean} = {}): RowColumns {
	const wantName = clamp(longestName, CELL.nameMin, CELL.nameMax);
	const minName = Math.min(wantName, 8);
	// With clock times the countdown cell holds `Thu 09:00`, and no separate reset-time cell is needed.
	const countdown = clockTimes ? CELL.resetTime : CELL.countdown;
	// Marker, name, status, 2 × (percent, countdown): 7 cells, 6 gaps; then two bars with their gaps.
	const fixed = CELL.marker + CELL.status + 2 * (CELL.percent + countdown) + 6 * GAP;
	const bars = 2 * (CELL.barMin + GAP);
	if (fixed + minName + bars > columns) {
		return twoLineRow(columns, wantName, countdown);
	}

	let rest = columns - fixed - minName - bars;
	let name = minName;
	let note = 0;
	let bar: number = CELL.barMin;
	let provider = 0;
	let projection5h = 0;
	let projection7d = 0;
	let resetTime = 0;
	const take = (cost: number): boolean => {
		if (cost > rest) {
			return false;
		}

		rest -= cost;
		return true;
	};

	const grow = (current: number, target: number): number => {
		const step = Math.max(0, Math.min(rest, target - current));
		rest -= step;
		return current + step;
	};

	const growNote = (target: number) => {
		if (note === 0 && take(CELL.noteMin + GAP)) {
			note = CELL.noteMin;
		}

		if (note > 0) {
			note = grow(note, target);
		}
	};

	growNote(CELL.noteMin);
	name = grow(name, wantName);
	growNote(CELL.noteStale);
	if (take(CELL.projection + GAP)) {
		projection7d = CELL.projection;
	}

	if (take(CELL.provider + GAP)) {
		provider = CELL.provider;
	}

	growNote(CELL.noteFresh);
	if (take(CELL.projection + GAP)) {
		projection5h = CELL.projection;
	}

	const growBars = (target: number) => {
		while (bar < target && take(2)) {
			bar++;
		}
	};

	growBars(6);
	if (!clockTimes && columns >= WIDE_COLUMNS && take(2 * (CELL.resetTime + GAP))) {
		resetTime = CELL.resetTime;
	}

	growNote(20);
	growBars(CELL.barMax);
	growNote(CELL.noteMax);
	// Whatever is left: the note's extras (view-model accountExtras) before it is cut.
	growNote(CELL.noteWide);
	const row = {
		lines: 1 as const,
		name,
		provider,
		status: CELL.status,
		bar,
		percent: CELL.percent,
		countdown,
		projection5h,
		projection7d,
		resetTime,
		note,
		width: 0,
	};
	return {...row, width: columns - rest};
}

function twoLineRow(columns: number, wantName: number, countdown: number = CELL.countdown): RowColumns {
	// Line 1: marker, name, status, note (3 gaps). Line 2: indent, then per window label, bar, percent,
	// countdown (8 gaps between 9 cells).
	const name = clamp(columns - CELL.marker - CELL.status - CELL.noteStale - 3 * GAP, CELL.nameMin, wantName);
	const note = Math.max(0, Math.min(CELL.noteMax, columns - CELL.marker - name - CELL.status - 3 * GAP));
	const line2Fixed = CELL.marker + 2 * (CELL.label + CELL.percent + countdown) + 6 * GAP;
	const barRoom = Math.floor((columns - line2Fixed - 2 * GAP) / 2);
	const bar = barRoom >= 1 ? Math.min(8, barRoom) : 0;
	const line1 = CELL.marker + name + CELL.status + note + 3 * GAP;
	const line2 = line2Fixed + (bar > 0 ? 2 * (bar + GAP) : 0);
	return {
		lines: 2,
		name,
		provider: 0,
		status: CELL.status,
		bar,
		percent: CELL.percent,
		countdown,
		projection5h: 0,
		projection7d: 0,
		resetTime: 0,
		note,
		width: Math.max(line1, line2),
	};
}

/**
 * Which accounts of a list are visible when only `capacityLines` lines are available and each account
 * takes `linesPerItem`: everything when it fits; otherwise a window centred on `selected` plus one line
 * saying how many are hidden.
 */
export function windowList(
	count: number,
	selected: number,
	capacityLines: number,
	linesPerItem = 1,
): {start: number; end: number; hiddenBefore: number; hiddenAfter: number} {
	if (count * linesPerItem <= capacityLines) {
		return {start: 0, end: count, hiddenBefore: 0, hiddenAfter: 0};
	}

	const visible = clamp(Math.floor((capacityLines - 1) / linesPerItem), 1, count);
	const current = clamp(selected, 0, Math.max(0, count - 1));
	const start = clamp(current - Math.floor((visible - 1) / 2), 0, count - visible);
	const end = start + visible;
	return {start, end, hiddenBefore: start, hiddenAfter: count - end};
}

/** The header's lines for a terminal of `size`: 2 (title, recommendation) unless compact or short. */
export function headerLinesFor(size: Size): 1 | 2 {
	const columns = Math.floor(size.columns);
	return columns >= NORMAL_COLUMNS && Math.floor(size.rows) - 1 >= 12 ? 2 : 1;
}

/** Lines between the header and the footer (what an overlay such as the help may use). */
export function bodyLinesFor(size: Size): number {
	return Math.max(0, Math.floor(size.rows) - 1 - 1 - headerLinesFor(size));
}

/** Lay the dashboard out for a terminal of `size` showing `accountCount` accounts. */
export function computeLayout(size: Size, accountCount: number, options: LayoutOptions = {}): Layout {
	const columns = Math.floor(size.columns);
	const rows = Math.floor(size.rows);
	if (!(columns >= MIN_SIZE.columns) || !(rows >= MIN_SIZE.rows)) {
		return {kind: 'too-small', need: MIN_SIZE, have: {columns: Math.max(0, columns || 0), rows: Math.max(0, rows || 0)}};
	}

	const kind = columns >= WIDE_COLUMNS ? 'wide' : columns >= NORMAL_COLUMNS ? 'normal' : 'compact';
	const row = computeRowColumns(columns, options.longestName ?? 10, {clockTimes: options.clockTimes ?? false});
	const maxHeight = rows - 1;
	const footerLines = 1;
	const headerLines = headerLinesFor(size);
	let rest = maxHeight - footerLines - headerLines;
	const bodyLines = rest;

	const perAccount = row.lines;
	const fullList = Math.max(1, accountCount * perAccount);
	const columnHeader = row.lines === 1 && rest >= 5;
	if (columnHeader) {
		rest -= 1;
	}

	// Keep at least one account (and the "more" line) visible before anything else.
	const minimumList = Math.min(fullList, perAccount + (fullList > perAccount ? 1 : 0));
	// An open y/n question is shown whole (it is what the keys answer now).
	const confirmLines = Math.min(Math.max(0, options.confirmLines ?? 0), Math.max(0, rest - minimumList));
	rest -= confirmLines;
	// The queue never disappears: its title, column header and running/next jobs come next.
	const queueWanted = options.queue ? queueWantedLines(options.queue.rows, kind, options.queue.focused) : 0;
	const queueEssential = options.queue ? queueEssentialLines(options.queue.rows, options.queue.essential ?? 1) : 0;
	const queueRoom = Math.max(0, rest - minimumList);
	const queueFirst = Math.min(queueRoom, options.queue?.focused ? queueWanted : Math.min(queueWanted, queueEssential));
	rest -= queueFirst;
	const noticeWanted = Math.max(0, options.noticeLines ?? 0);
	const firstNotice = Math.min(1, noticeWanted, Math.max(0, rest - minimumList));
	rest -= firstNotice;
	const list = Math.min(fullList, rest);
	rest -= list;
	const secondNotice = Math.min(noticeWanted - firstNotice, rest);
	rest -= secondNotice;
	const wasteWithoutSpacer = options.waste ? computeWasteLayout(rest, columns, options.waste) : NO_WASTE;
	rest -= wasteWithoutSpacer.lines;
	const decisions = options.decisionCount ?? 0;
	const maxDecisions = kind === 'wide' ? 5 : 3;
	const decisionLines = decisions > 0 && rest >= 2 ? Math.min(rest, 1 + Math.min(decisions, maxDecisions)) : 0;
	rest -= decisionLines;
	const queueLater = Math.min(rest, queueWanted - queueFirst);
	rest -= queueLater;
	const queueLines = queueFirst + queueLater;
	const spacerAfterHeader = rest >= 1;
	rest -= spacerAfterHeader ? 1 : 0;
	const spacerAfterList = rest >= 1 && noticeWanted + decisionLines + wasteWithoutSpacer.lines + queueLines > 0;
	rest -= spacerAfterList ? 1 : 0;
	const wasteSpacer = rest >= 1 && wasteWithoutSpacer.lines > 0 && (decisionLines > 0 || queueLines > 0);
	rest -= wasteSpacer ? 1 : 0;
	const spacerBeforeWaste = rest >= 1 && wasteWithoutSpacer.lines > 0 && firstNotice + secondNotice > 0;
	const waste = wasteSpacer || spacerBeforeWaste
		? {...wasteWithoutSpacer, lines: wasteWithoutSpacer.lines + (wasteSpacer ? 1 : 0) + (spacerBeforeWaste ? 1 : 0), spacerAfter: wasteSpacer, spacerBefore: spacerBeforeWaste}
		: wasteWithoutSpacer;
	const visibleAccounts = accountCount === 0 ? 0 : windowList(accountCount, 0, list, perAccount).end;

	return {
		kind,
		size: {columns, rows},
		maxHeight,
		headerLines,
		listLines: list + (columnHeader ? 1 : 0),
		columnHeader,
		row,
		visibleAccounts,
		noticeLines: firstNotice + secondNotice,
		decisionLines,
		waste,
		queueLines,
		confirmLines,
		spacerAfterHeader,
		spacerAfterList,
		bodyLines,
		footerLines,
	};
}
