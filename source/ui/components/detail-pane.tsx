/**
 * A detail view in place of the list (issue 13 item 3): a title line with the position, then the
 * view's lines from `scroll` on, as many as fit. The lines come from the pure builders in ui/views/;
 * they are rebuilt when the data changes or when the clock moves what they show (views/detail-lines
 * timeKey: a countdown or age ticking over, the pace moving a percent), not on every tick.
 */
import {memo, useContext, useMemo, type MutableRefObject} from 'react';
import {Box, Text} from 'ink';
import type {AppSnapshot} from '../../runtime/types.js';
import type {DetailView} from '../detail-state.js';
import {ClockContext, useClockValue} from '../hooks/use-now.js';
import {useTheme, utilizationTone} from '../theme.js';
import {detailTitle, detailViewLines, timeKey} from '../views/detail-lines.js';
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

export const DetailPane = memo(function DetailPane({view, snapshot, width, height, metrics}: DetailPaneProps) {
	const theme = useTheme();
	const page = Math.max(1, height - 1);
	const clock = useContext(ClockContext);
	// Rebuilt when the data changes or when the clock changes what the view shows (timeKey), not every second.
	const key = useClockValue(now => timeKey(view, snapshot, now));
	const lines = useMemo<ViewLine[]>(
		() => detailViewLines(view, snapshot, {width, page, now: Math.floor(clock.now() / 1000) * 1000, toneOf: fraction => utilizationTone(theme, fraction)}),
		// `key` is the clock's part: the lines are rebuilt when it changes.
		[key, view, snapshot, width, page, theme, clock],
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
