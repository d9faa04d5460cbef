/**
 * The follow-up queue (DESIGN §10) as a table: title, severity, age, estimate, state (running jobs
 * with their elapsed time) and account; an ended job's title is followed by how it ended
 * (`succeeded in 4m12s · $0.42 · 5% of 5h`, `failed (exit 3): Error: …`). One line per job, windowed to
 * the lines the layout gives it: from the top (running jobs, then the next queued one) unless the
 * queue has focus, then around the selected job. The first line is the summary; `›` marks it while
 * the queue has focus. The y/n question of a dispatch is the confirm box's (confirm-box.tsx).
 *
 * Not @alcalzone/ink-table: it draws two lines per row plus three border lines and sizes columns to
 * their content without truncation, so three jobs with real titles take nine lines and overflow 80
 * columns; this table is one line per job and fits the width budget.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import type {QueueRow, QueueSnapshot} from '../../runtime/types.js';
import {useMinuteValue} from '../hooks/use-now.js';
import {
	ageText,
	estimateText,
	queueColumns,
	queueHeaderText,
	queueSummary,
	SEVERITY_LABEL,
	SEVERITY_TONE,
	stateText,
	STATE_TONE,
	titleText,
	visibleRows,
	type QueueColumns,
} from '../queue-view.js';
import {useTheme} from '../theme.js';
import {cell, cellRight} from '../view-model.js';

export type QueuePanelProps = {
	readonly queue: QueueSnapshot;
	/** Lines including the title (0 hides the panel). */
	readonly lines: number;
	readonly width: number;
	readonly mode: string;
	readonly isFocused: boolean;
	readonly selected: number;
	/** False when keys do nothing (one-shot frame): no selection marker and no key hints. @default true */
	readonly isInteractive?: boolean;
};

const AgeCell = memo(function AgeCell({row, width}: {readonly row: QueueRow; readonly width: number}) {
	// Whole minutes, flipping on the wall clock's minute with every other minute-granular text.
	const text = useMinuteValue(null, now => ageText(row, now));
	return <Text>{cellRight(text, width)} </Text>;
});

const StateCell = memo(function StateCell({row, width}: {readonly row: QueueRow; readonly width: number}) {
	const theme = useTheme();
	const text = useMinuteValue(row.startedAt === null ? null : Date.parse(row.startedAt), now => stateText(row, now, width));
	return <Text {...theme.tone(STATE_TONE[row.state])}>{cell(text, width)}</Text>;
});

const JobRow = memo(function JobRow({row, columns, isSelected}: {readonly row: QueueRow; readonly columns: QueueColumns; readonly isSelected: boolean}) {
	const theme = useTheme();
	return (
		<Text wrap="truncate">
			<Text {...theme.tone('accent')}>{`${isSelected ? '›' : ' '}${row.autoUtilization ? 'a' : ' '}`} </Text>
			<Text {...(isSelected ? theme.strong('accent') : row.state === 'failed' ? theme.tone('critical') : {})}>{cell(titleText(row, columns.title), columns.title)} </Text>
			{columns.severity > 0 ? <Text {...theme.tone(SEVERITY_TONE[row.severity])}>{cell(SEVERITY_LABEL[row.severity], columns.severity)} </Text> : null}
			{columns.age > 0 ? <AgeCell row={row} width={columns.age}/> : null}
			{columns.estimate > 0 ? <Text {...theme.tone('muted')}>{cell(estimateText(row), columns.estimate)} </Text> : null}
			<StateCell row={row} width={columns.state}/>
			{columns.account > 0 ? <Text {...theme.tone('muted')}> {cell(row.account ?? '-', columns.account)}</Text> : null}
		</Text>
	);
});

export const QueuePanel = memo(function QueuePanel({queue, lines, width, mode, isFocused, selected, isInteractive = true}: QueuePanelProps) {
	const theme = useTheme();
	if (lines < 1) {
		return null;
	}

	const hint = !isInteractive ? '' : isFocused ? '  (Tab: accounts)' : '  (Tab: focus · a: mode)';
	const marker = isInteractive && isFocused ? '› ' : '';
	const title = (
		<Text wrap="truncate">
			<Text {...(isFocused ? theme.strong('accent') : theme.tone('muted'))}>{`${marker}${queueSummary(queue, mode)}`}</Text>
			<Text {...theme.tone('muted')}>{hint}</Text>
		</Text>
	);
	if (queue.rows.length === 0) {
		return (
			<Text wrap="truncate" {...theme.tone(queue.warnings.length > 0 ? 'warn' : 'muted')}>
				{queue.warnings.length > 0
					? `queue  empty · ${queue.warnings.length} source warning${queue.warnings.length === 1 ? '' : 's'}: quota-tui queue list`
					: `queue  empty · mode: ${mode} · add jobs: quota-tui queue add --title T --prompt P`}
			</Text>
		);
	}

	if (lines < 3) {
		return title;
	}

	const longestAccount = Math.max(7, ...queue.rows.map(row => (row.account ?? '').length));
	const columns = queueColumns(width, longestAccount);
	const view = visibleRows(queue.rows.length, isFocused ? selected : 0, lines - 2);
	return (
		<Box flexDirection="column">
			{title}
			<Text wrap="truncate" {...theme.tone('muted')}>{queueHeaderText(columns)}</Text>
			{queue.rows.slice(view.start, view.end).map((row, offset) => (
				<JobRow key={row.id} row={row} columns={columns} isSelected={isInteractive && isFocused && view.start + offset === selected}/>
			))}
			{view.moreLine ? <Text wrap="truncate" {...theme.tone('muted')}>{`  … ${view.more} more${view.start > 0 ? ` (${view.start} above)` : ''}`}</Text> : null}
		</Box>
	);
});
