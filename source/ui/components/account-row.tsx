/**
 * One account: `›` marks the selected row, `●` the active account, then name, provider, status badge,
 * both windows (bar, percent, countdown, projection, reset time) and a note. Widths come from the
 * layout; only the time leaves re-render on a clock tick. A row with stale data is dimmed and says
 * `stale` in STATUS (its age is in DATA); the selected row is highlighted whole.
 */
import {memo, type ReactNode} from 'react';
import {Box, Text} from 'ink';
import type {AccountReport, WindowReport} from '../../engine/report.js';
import {formatBar, parseInstant} from '../format.js';
import {CELL, type RowColumns} from '../layout.js';
import type {TimeMode} from '../list-view.js';
import {useTheme, utilizationTone} from '../theme.js';
import {cell, cellRight, observedAt, pickWindows, rowBadge, windowPercent, windowProjection} from '../view-model.js';
import {CountdownText, NoteText, ResetTimeText, StaleAgeText} from './time-text.js';

export type AccountRowProps = {
	readonly account: AccountReport;
	readonly row: RowColumns;
	/** The report's `generatedAt` in epoch ms (ages fall back to it). */
	readonly generatedAt: number;
	readonly isSelected: boolean;
	/** False when keys do nothing (one-shot frame): no selection marker. @default true */
	readonly showSelection?: boolean;
	/** Resets as countdowns (`↺1h12m`) or local clock times (`Thu 09:00`). @default 'countdown' */
	readonly times?: TimeMode;
};

export const SELECTED_MARKER = '›';
export const ACTIVE_MARKER = '●';
/** The selected row's background (a dark grey that keeps every foreground colour readable). */
export const SELECTED_BACKGROUND = '#303030';

type WindowCellsProps = {
	readonly window: WindowReport | null;
	readonly row: RowColumns;
	readonly projection: number;
	readonly times: TimeMode;
};

/** Bar, percent, countdown, projection and reset time of one window, with the gaps between them. */
function WindowCells({window, row, projection, times}: WindowCellsProps): ReactNode {
	const theme = useTheme();
	const utilization = window?.utilization ?? null;
	const tone = window === null ? 'muted' : utilizationTone(theme, utilization);
	const target = parseInstant(window?.resetsAt);
	const projected = windowProjection(window);
	const projectedTone = utilizationTone(theme, window?.projectedAtReset ?? null);
	return (
		<>
			{row.bar > 0 ? <Text {...theme.tone(tone)}>{formatBar(window === null ? null : utilization, row.bar)} </Text> : null}
			<Text {...theme.tone(tone)}>{cellRight(windowPercent(window, row.percent), row.percent)} </Text>
			{times === 'clock' ? <ResetTimeText target={target} width={row.countdown} tone="normal" unknownText="--"/> : <CountdownText target={target} width={row.countdown}/>}
			{projection > 0 ? <Text {...theme.tone(projectedTone)}> {cell(projected ?? '', projection)}</Text> : null}
			{row.resetTime > 0 ? <><Text> </Text><ResetTimeText target={target} width={row.resetTime}/></> : null}
		</>
	);
}

/** In place of the 5-hour cells of a weekly-only account: "weekly only", as wide as the cells. */
function WeeklyOnlyCells({row, projection}: {readonly row: RowColumns; readonly projection: number}): ReactNode {
	const theme = useTheme();
	const width = (row.bar > 0 ? row.bar + 1 : 0) + row.percent + 1 + row.countdown + (projection > 0 ? projection + 1 : 0) + (row.resetTime > 0 ? row.resetTime + 1 : 0);
	return <Text {...theme.tone('muted')}>{cell('weekly only', width)}</Text>;
}

export const AccountRow = memo(function AccountRow({account, row, generatedAt, isSelected, showSelection = true, times = 'countdown'}: AccountRowProps) {
	const theme = useTheme();
	const badge = rowBadge(account);
	const isHighlighted = showSelection && isSelected;
	// The whole row: dimmed when its data is stale, a background when selected (colour only; the › says it too).
	const rowStyle = theme.isColor ? {...(account.stale ? {dimColor: true} : {}), ...(isHighlighted ? {backgroundColor: SELECTED_BACKGROUND} : {})} : {};
	const {fiveHour, sevenDay} = pickWindows(account);
	const marker = `${showSelection && isSelected ? SELECTED_MARKER : ' '}${account.active ? ACTIVE_MARKER : ' '}`;
	const nameStyle = isSelected && showSelection ? theme.strong('accent') : account.disabled ? theme.tone('muted') : {};
	const head = (
		<>
			<Text {...theme.tone('accent')}>{marker} </Text>
			<Text {...nameStyle}>{cell(account.name, row.name)} </Text>
			{row.provider > 0 ? <Text {...theme.tone('muted')}>{cell(account.provider, row.provider)} </Text> : null}
			{badge.text === 'stale' && row.note < CELL.noteStale
				// No DATA cell wide enough for `stale 12m`: the age goes into STATUS.
				? <><StaleAgeText at={observedAt(account, generatedAt)} width={row.status} tone={badge.tone}/><Text> </Text></>
				: <Text {...theme.tone(badge.tone)}>{cell(badge.text, row.status)} </Text>}
		</>
	);

	if (row.lines === 2) {
		return (
			<Box flexDirection="column">
				<Text wrap="truncate" {...rowStyle}>
					{head}
					<NoteText account={account} generatedAt={generatedAt} width={row.note}/>
				</Text>
				<Text wrap="truncate" {...rowStyle}>
					<Text {...theme.tone('muted')}>{'   '}5h </Text>
					{account.weeklyOnly && fiveHour === null ? <WeeklyOnlyCells row={row} projection={0}/> : <WindowCells window={fiveHour} row={row} projection={0} times={times}/>}
					<Text {...theme.tone('muted')}> 7d </Text>
					<WindowCells window={sevenDay} row={row} projection={0} times={times}/>
				</Text>
			</Box>
		);
	}

	return (
		<Text wrap="truncate" {...rowStyle}>
			{head}
			{account.weeklyOnly && fiveHour === null ? <WeeklyOnlyCells row={row} projection={row.projection5h}/> : <WindowCells window={fiveHour} row={row} projection={row.projection5h} times={times}/>}
			<Text> </Text>
			<WindowCells window={sevenDay} row={row} projection={row.projection7d} times={times}/>
			{row.note > 0 ? <><Text> </Text><NoteText account={account} generatedAt={generatedAt} width={row.note}/></> : null}
		</Text>
	);
});
