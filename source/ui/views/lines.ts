/**
 * The line model of the detail views: a view is a list of lines, each a list of segments with a tone,
 * already fitted to the pane's width in terminal cells (string-width: CJK and emoji take two). The
 * detail pane shows a window of them and scrolls. Pure: no React.
 */
import wrapAnsi from 'wrap-ansi';
import {cellWidth, truncate} from '../format.js';
import type {Tone} from '../theme.js';

export type Seg = {readonly text: string; readonly tone?: Tone | undefined; readonly strong?: boolean | undefined};
export type ViewLine = readonly Seg[];

export const seg = (text: string, tone?: Tone, strong?: boolean): Seg => ({text, tone, strong});

/** The cells a line takes. */
export function lineWidth(line: ViewLine): number {
	return line.reduce((sum, part) => sum + cellWidth(part.text), 0);
}

/** The plain text of a line. */
export function lineText(line: ViewLine): string {
	return line.map(part => part.text).join('');
}

/** Cut a line to `width` cells (a `…` marks the cut). */
export function fitLine(line: ViewLine, width: number): ViewLine {
	if (lineWidth(line) <= width) return line;
	const out: Seg[] = [];
	let used = 0;
	for (const part of line) {
		const cells = cellWidth(part.text);
		if (used + cells <= width) {
			out.push(part);
			used += cells;
			continue;
		}

		out.push({...part, text: truncate(part.text, width - used)});
		break;
	}

	return out;
}

/** A section title: `WINDOWS` with an optional muted note after it. */
export function sectionLine(title: string, note = ''): ViewLine {
	return note === '' ? [seg(title, 'accent', true)] : [seg(title, 'accent', true), seg(`  ${note}`, 'muted')];
}

export const blankLine: ViewLine = [];

/** Plain text wrapped to `width` cells, every line after `indent` (a tone for all of it). */
export function wrapText(text: string, width: number, indent = 0, tone?: Tone): ViewLine[] {
	const room = Math.max(8, width - indent);
	return wrapAnsi(text, room, {hard: true, trim: true}).split('\n').map(chunk => [seg(' '.repeat(indent) + chunk, tone)]);
}

/**
 * Parts joined by ` · `, packed into as few lines as fit `width` (each after `indent`); a part longer
 * than a line is cut.
 */
export function packParts(parts: readonly Seg[], width: number, indent: number): ViewLine[] {
	const room = Math.max(8, width - indent);
	const lines: Seg[][] = [];
	let current: Seg[] = [];
	let used = 0;
	for (const part of parts) {
		const cells = cellWidth(part.text);
		const gap = current.length === 0 ? 0 : 3;
		if (current.length > 0 && used + gap + cells > room) {
			lines.push(current);
			current = [];
			used = 0;
		}

		if (current.length > 0) {
			current.push(seg(' · ', 'muted'));
			used += 3;
		}

		current.push(cells > room ? {...part, text: truncate(part.text, room)} : part);
		used += Math.min(cells, room);
	}

	if (current.length > 0) lines.push(current);
	return lines.map(line => [seg(' '.repeat(indent)), ...line]);
}

/** Pad (or cut) to exactly `width` cells, left- or right-aligned. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = truncate(text, width);
	const fill = ' '.repeat(Math.max(0, width - cellWidth(cut)));
	return align === 'left' ? cut + fill : fill + cut;
}

/**
 * A table: column widths measured in cells over the header and every row (each capped at `max`), the
 * last column takes what is left of `width`. Header line first (muted), then one line per row.
 */
export function tableLines(header: readonly string[], rows: ReadonlyArray<readonly Seg[]>, width: number, indent = 2): ViewLine[] {
	const columns = header.length;
	const widths = header.map((title, index) => Math.max(cellWidth(title), ...rows.map(row => cellWidth(row[index]?.text ?? ''))));
	const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
	widths[columns - 1] = Math.max(4, Math.min(widths[columns - 1]!, width - indent - fixed));
	const line = (cells: readonly Seg[], tone?: Tone): ViewLine => fitLine([
		seg(' '.repeat(indent)),
		...cells.flatMap((part, index) => {
			const text = pad(part.text, widths[index]!, index === 0 ? 'left' : 'left');
			return index === columns - 1 ? [{...part, text, tone: part.tone ?? tone}] : [{...part, text, tone: part.tone ?? tone}, seg('  ')];
		}),
	], width);
	return [line(header.map(title => seg(title)), 'muted'), ...rows.map(row => line(row))];
}
