import {describe, expect, test} from 'vitest';
import fc from 'fast-check';
import {CELL, GAP, MIN_SIZE, computeLayout, computeRowColumns, windowCellWidth, windowList, type FrameLayout, type RowColumns} from '../../source/ui/layout.js';

function frame(columns: number, rows: number, accounts: number, options = {}): FrameLayout {
	const layout = computeLayout({columns, rows}, accounts, options);
	if (layout.kind === 'too-small') {
		throw new Error(`expected a frame at ${columns}×${rows}`);
	}

	return layout;
}

/** Sum of every cell and gap of a one-line row (the row renders exactly these). */
function oneLineWidth(row: RowColumns): number {
	const cells = [CELL.marker, row.name, row.provider, row.status, windowCellWidth(row, '5h'), windowCellWidth(row, '7d'), row.note].filter(width => width > 0);
	return cells.reduce((sum, width) => sum + width, 0) + (cells.length - 1) * GAP;
}

/** Lines the frame uses at most, per the layout. */
function plannedHeight(layout: FrameLayout): number {
	return layout.headerLines + (layout.spacerAfterHeader ? 1 : 0) + layout.listLines + (layout.spacerAfterList ? 1 : 0)
		+ layout.noticeLines + layout.waste.lines + layout.decisionLines + layout.footerLines;
}

describe('computeLayout', () => {
	test.each([
		[120, 40, 'wide'],
		[100, 30, 'wide'],
		[80, 24, 'normal'],
		[70, 20, 'normal'],
		[60, 20, 'compact'],
		[40, 12, 'compact'],
		[40, 10, 'compact'],
		[39, 9, 'too-small'],
		[39, 24, 'too-small'],
		[120, 9, 'too-small'],
		[0, 0, 'too-small'],
	] as const)('%d×%d → %s', (columns, rows, kind) => {
		expect(computeLayout({columns, rows}, 4).kind).toBe(kind);
	});

	test('too small says what it needs and what it has', () => {
		expect(computeLayout({columns: 39, rows: 9}, 4)).toEqual({kind: 'too-small', need: MIN_SIZE, have: {columns: 39, rows: 9}});
	});

	test('80×24 with 4 accounts: one line each, all visible, column header, 2 header lines', () => {
		const layout = frame(80, 24, 4, {longestName: 8, decisionCount: 2});
		expect(layout.row.lines).toBe(1);
		expect(layout.visibleAccounts).toBe(4);
		expect(layout.columnHeader).toBe(true);
		expect(layout.headerLines).toBe(2);
		expect(layout.decisionLines).toBe(3);
		expect(layout.row.bar).toBeGreaterThan(0);
		expect(layout.row.provider).toBeGreaterThan(0);
		expect(layout.row.projection7d).toBeGreaterThan(0);
	});

	test('120 columns adds the 5-hour projection, reset times and wider bars', () => {
		const layout = frame(120, 40, 4, {longestName: 8});
		expect(layout.row.projection5h).toBeGreaterThan(0);
		expect(layout.row.resetTime).toBeGreaterThan(0);
		expect(layout.row.bar).toBeGreaterThan(frame(80, 24, 4, {longestName: 8}).row.bar);
	});

	test('narrow panes drop low-priority columns first (bars stay), then go to two lines per account', () => {
		const at60 = frame(60, 20, 4, {longestName: 8});
		expect(at60.row.lines).toBe(1);
		expect(at60.row.provider).toBe(0);
		expect(at60.row.projection7d).toBe(0);
		expect(at60.row.bar).toBeGreaterThanOrEqual(CELL.barMin);
		const at40 = frame(40, 12, 4, {longestName: 8});
		expect(at40.row.lines).toBe(2);
		expect(at40.row.bar).toBeGreaterThan(0);
		expect(at40.headerLines).toBe(1);
	});

	test('10 accounts at 80×24, 60×20, 40×12: windowed, never taller than rows − 1', () => {
		for (const [columns, rows] of [[80, 24], [60, 20], [40, 12]] as const) {
			const layout = frame(columns, rows, 10, {longestName: 7, noticeLines: 2, decisionCount: 5});
			expect(plannedHeight(layout)).toBeLessThanOrEqual(rows - 1);
			expect(layout.visibleAccounts).toBeGreaterThanOrEqual(1);
		}
	});

	test('frame budget and row width hold for every size (property)', () => {
		fc.assert(fc.property(
			fc.integer({min: 40, max: 300}),
			fc.integer({min: 10, max: 120}),
			fc.integer({min: 0, max: 60}),
			fc.integer({min: 1, max: 40}),
			fc.integer({min: 0, max: 3}),
			fc.integer({min: 0, max: 20}),
			fc.option(fc.record({accounts: fc.integer({min: 0, max: 20}), alerts: fc.integer({min: 0, max: 5})}), {nil: undefined}),
			(columns, rows, accounts, longestName, noticeLines, decisionCount, waste) => {
				const layout = frame(columns, rows, accounts, {longestName, noticeLines, decisionCount, waste});
				expect(plannedHeight(layout)).toBeLessThanOrEqual(rows - 1);
				expect(layout.row.width).toBeLessThanOrEqual(columns);
				if (layout.row.lines === 1) {
					expect(oneLineWidth(layout.row)).toBe(layout.row.width);
				}

				if (accounts > 0) {
					expect(layout.visibleAccounts).toBeGreaterThanOrEqual(1);
				}
			},
		));
	});
});

describe('computeRowColumns', () => {
	test('names get their full width before optional columns', () => {
		expect(computeRowColumns(80, 14).name).toBe(14);
		expect(computeRowColumns(80, 14).provider).toBe(0);
	});

	test('the note fits "stale 12m" on one-line rows wide enough for it (stale also shows in STATUS)', () => {
		for (let columns = 40; columns <= 200; columns++) {
			const row = computeRowColumns(columns, 8);
			expect(row.width).toBeLessThanOrEqual(columns);
			if (row.lines === 1 && columns >= 65) {
				expect(row.note).toBeGreaterThanOrEqual(CELL.noteStale);
			}
		}
	});

	test('bars at every width: one-line rows from 55 columns, two-line rows (bars on the second line) below (D13)', () => {
		for (let columns = 40; columns <= 200; columns++) {
			const row = computeRowColumns(columns, 10);
			expect(row.bar, `${columns} columns`).toBeGreaterThanOrEqual(row.lines === 1 ? CELL.barMin : 1);
		}

		for (const columns of [53, 56, 60, 65, 67]) {
			expect(computeRowColumns(columns, 10).bar, `${columns} columns`).toBeGreaterThan(0);
		}

		expect(computeRowColumns(54, 10).lines).toBe(2);
		expect(computeRowColumns(55, 10).lines).toBe(1);
	});
});

describe('windowList', () => {
	test('everything when it fits', () => {
		expect(windowList(4, 2, 10)).toEqual({start: 0, end: 4, hiddenBefore: 0, hiddenAfter: 0});
	});

	test('a window around the selection plus one "more" line', () => {
		expect(windowList(10, 0, 5)).toEqual({start: 0, end: 4, hiddenBefore: 0, hiddenAfter: 6});
		expect(windowList(10, 9, 5)).toEqual({start: 6, end: 10, hiddenBefore: 6, hiddenAfter: 0});
		expect(windowList(10, 5, 5)).toEqual({start: 4, end: 8, hiddenBefore: 4, hiddenAfter: 2});
		expect(windowList(10, 5, 7, 2)).toEqual({start: 4, end: 7, hiddenBefore: 4, hiddenAfter: 3});
	});

	test('the selected item is always visible and the window fits (property)', () => {
		fc.assert(fc.property(fc.integer({min: 1, max: 100}), fc.nat(), fc.integer({min: 2, max: 50}), fc.integer({min: 1, max: 2}), (count, rawSelected, capacity, perItem) => {
			const selected = rawSelected % count;
			const view = windowList(count, selected, Math.max(capacity, perItem + 1), perItem);
			expect(view.start).toBeLessThanOrEqual(selected);
			expect(view.end).toBeGreaterThan(selected);
			const lines = (view.end - view.start) * perItem + (view.hiddenBefore + view.hiddenAfter > 0 ? 1 : 0);
			expect(lines).toBeLessThanOrEqual(Math.max(capacity, perItem + 1));
		}));
	});
});
