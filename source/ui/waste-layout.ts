/**
 * The height budget of the waste panel (DESIGN §10), part of the pure layout: the panel gets what the
 * accounts list and the notices leave, before recent decisions. Full: a title, the four summary lines
 * (two rows of two columns when wide enough), one "use it or lose it" line per alert, then one line per
 * account with its 7-day sparkline and forecast. With less room, accounts go first (a `… N more` line
 * says how many are left out), then the panel shrinks to one summary line (plus alerts), then it hides.
 */

export type WasteCounts = {
	/** Accounts with a line (sparkline, forecast). */
	readonly accounts: number;
	/** "Use it or lose it" lines. */
	readonly alerts: number;
};

export type WasteLayout = {
	/** Lines the panel takes, spacer included; 0 = hidden. */
	readonly lines: number;
	readonly title: boolean;
	/** 4 or 2 (two columns) = the full summary; 1 = one compact line; 0 = none. */
	readonly summaryRows: 0 | 1 | 2 | 4;
	readonly alertLines: number;
	readonly accountLines: number;
	/** A `… N more` line after the account lines, when not every account fits. */
	readonly moreLine: boolean;
	/** Cells of each account's sparkline. */
	readonly sparkWidth: number;
	/** A blank line after the panel (set by computeLayout from leftover rows). */
	readonly spacerAfter: boolean;
	/** A blank line before the panel, after the notices (set by computeLayout from leftover rows). */
	readonly spacerBefore?: boolean;
};

export const NO_WASTE: WasteLayout = {lines: 0, title: false, summaryRows: 0, alertLines: 0, accountLines: 0, moreLine: false, sparkWidth: 0, spacerAfter: false};

/** From this width the four summary lines sit in two columns. */
export const WASTE_TWO_COLUMNS = 66;

/** Sparkline cells for a terminal `columns` wide: 28 (one per 6 h), 14 (12 h) or 7 (a day). */
export function sparkWidthFor(columns: number): number {
	return columns >= 100 ? 28 : columns >= 70 ? 14 : 7;
}

/** The panel's lines within `rest` rows (no spacer: computeLayout adds it when rows are left over). */
export function computeWasteLayout(rest: number, columns: number, counts: WasteCounts): WasteLayout {
	if (rest < 1) return NO_WASTE;
	const summaryRows = columns >= WASTE_TWO_COLUMNS ? 2 : 4;
	const sparkWidth = sparkWidthFor(columns);
	const full = 1 + summaryRows;
	if (rest < full) {
		// One compact summary line, then alerts (they are actionable) while they fit.
		const alertLines = Math.min(counts.alerts, rest - 1);
		return {lines: 1 + alertLines, title: false, summaryRows: 1, alertLines, accountLines: 0, moreLine: false, sparkWidth, spacerAfter: false};
	}
	let left = rest - full;
	const alertLines = Math.min(counts.alerts, left);
	left -= alertLines;
	// Not every account fits: the last line says how many are left out (the rows follow the selection).
	const fitsAll = counts.accounts <= left;
	const accountLines = fitsAll ? counts.accounts : Math.max(0, left - 1);
	const moreLine = !fitsAll && left >= 1;
	return {lines: full + alertLines + accountLines + (moreLine ? 1 : 0), title: true, summaryRows, alertLines, accountLines, moreLine, sparkWidth, spacerAfter: false};
}
