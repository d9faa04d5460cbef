/**
 * A one-line sparkline (`▁▂▃▅▇`) of fractions 0–1 (values above 1 show as full, null as a gap).
 */
import {memo} from 'react';
import {Text} from 'ink';
import {useTheme, type Tone} from '../theme.js';

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * `values` drawn in exactly `width` cells: when there are more values than cells, each cell shows the
 * highest value of its share; when fewer, the line is right-aligned (the newest value last) after a
 * dotted baseline for the days without data.
 */
export function sparkline(values: ReadonlyArray<number | null>, width: number): string {
	const cells = Math.max(0, Math.floor(width));
	if (cells === 0) return '';
	const buckets: Array<number | null> = [];
	if (values.length <= cells) {
		buckets.push(...values);
	} else {
		for (let i = 0; i < cells; i++) {
			const from = Math.floor((i * values.length) / cells);
			const to = Math.floor(((i + 1) * values.length) / cells);
			const known = values.slice(from, to).filter((v): v is number => v !== null && Number.isFinite(v));
			buckets.push(known.length === 0 ? null : Math.max(...known));
		}
	}
	// Buckets before the first value are days without history: a dotted baseline, so a lone newest
	// value sits at the end of a visible axis instead of floating far from its name.
	const first = buckets.findIndex(v => v !== null && Number.isFinite(v));
	const text = buckets.map((v, i) => (v === null || !Number.isFinite(v) ? (first === -1 || i < first ? '·' : ' ') : LEVELS[Math.min(LEVELS.length - 1, Math.max(0, Math.floor(v * LEVELS.length)))]!)).join('');
	return text.padStart(cells, '·');
}

export type SparklineProps = {
	readonly values: ReadonlyArray<number | null>;
	readonly width: number;
	/** @default 'accent' */
	readonly tone?: Tone;
};

export const Sparkline = memo(function Sparkline({values, width, tone = 'accent'}: SparklineProps) {
	const theme = useTheme();
	return <Text {...theme.tone(tone)}>{sparkline(values, width)}</Text>;
});
