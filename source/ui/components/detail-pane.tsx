/**
 * A detail view in place of the list (issue 13 item 3): a title line with the position, then the
 * view's lines from `scroll` on, as many as fit. The lines come from the pure builders in ui/views/;
 * the time-dependent ones (countdowns, ages) are rebuilt on the clock but re-render only when their
 * text changed.
 */
import {memo, useMemo, type MutableRefObject} from 'react';
import {Box, Text} from 'ink';
import type {AppSnapshot} from '../../runtime/types.js';
import type {DetailView} from '../detail-state.js';
import {useClockValue} from '../hooks/use-now.js';
import {useTheme, utilizationTone} from '../theme.js';
import {detailTitle, detailViewLines, isTimeless} from '../views/detail-lines.js';
import type {ViewLine} from '../views/lines.js';
import {helpPosition} from './help-overlay.js';

export type ViewMetrics = {lines: number; page: number};

export type DetailPaneProps = {
	readonly view: DetailView;
	readonly snapshot: AppSnapshot;
	readonly width: number;
	/** Lines available, title included. */
	readonly height: number;
	/** Where the pane says how many lines the view has and how many fit (for scrolling keys). */
	readonly metrics?: MutableRefObject<ViewMetrics> | undefined;
};

const MINUTE = 60_000;

export const DetailPane = memo(function DetailPane({view, snapshot, width, height, metrics}: DetailPaneProps) {
	const theme = useTheme();
	const page = Math.max(1, height - 1);
	const build = (now: number): ViewLine[] => detailViewLines(view, snapshot, {width, page, now, toneOf: fraction => utilizationTone(theme, fraction)});
	// Views without countdowns (the decision log) follow the clock by the minute; the others by their text.
	const timeless = isTimeless(view);
	const key = useClockValue(now => (timeless ? Math.floor(now / MINUTE) : JSON.stringify(build(now))));
	const lines = useMemo<ViewLine[]>(
		() => (typeof key === 'string' ? JSON.parse(key) as ViewLine[] : build(key * MINUTE)),
		[key, view, snapshot, width, page, theme],
	);
	if (metrics) metrics.current = {lines: lines.length, page};
	const first = Math.max(0, Math.min(view.scroll, lines.length - page));
	const shown = lines.slice(first, first + page);
	const position = helpPosition(first, shown.length, lines.length);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text {...theme.strong('accent')}>{detailTitle(view, snapshot)}</Text>
				<Text {...theme.tone('muted')}>{`  Esc back${position === '' ? '' : ` · ${position}`}`}</Text>
			</Text>
			{shown.map((line, index) => (
				<Text key={first + index} wrap="truncate">
					{line.length === 0 ? ' ' : line.map((part, at) => (
						<Text key={at} {...(part.strong ? theme.strong(part.tone ?? 'normal') : theme.tone(part.tone ?? 'normal'))}>{part.text}</Text>
					))}
				</Text>
			))}
		</Box>
	);
});
