/**
 * The leaves that show time. Each reads the shared clock through `useNow()`, so a tick re-renders
 * these `Text`s and nothing around them. They render nested `<Text>` and are meant to sit inside a
 * row's `<Text>`.
 */
import {memo} from 'react';
import {Text} from 'ink';
import type {AccountReport} from '../../engine/report.js';
import {formatClock, formatCountdown, formatLocalTime} from '../format.js';
import {useNow} from '../hooks/use-now.js';
import {useTheme, type Tone} from '../theme.js';
import {accountNote, cell} from '../view-model.js';

/** Local wall-clock time `HH:MM:SS`. */
export const ClockText = memo(function ClockText() {
	const now = useNow();
	return <Text>{formatClock(now)}</Text>;
});

export type CountdownTextProps = {
	/** Epoch ms of the reset, null when unknown. */
	readonly target: number | null;
	/** Exact width of the cell (`↺` included). */
	readonly width: number;
	readonly tone?: Tone;
};

/** `↺1h12m` until `target`, padded to `width`; `↺now` once passed; `--` when unknown. */
export const CountdownText = memo(function CountdownText({target, width, tone = 'normal'}: CountdownTextProps) {
	const now = useNow();
	const theme = useTheme();
	const text = target === null ? '--' : `↺${formatCountdown(target, now)}`;
	return <Text {...theme.tone(tone)}>{cell(text, width)}</Text>;
});

export type ResetTimeTextProps = {
	readonly target: number | null;
	readonly width: number;
};

/** The local time of a reset: `14:05` today, `Thu 09:00` later this week. */
export const ResetTimeText = memo(function ResetTimeText({target, width}: ResetTimeTextProps) {
	const now = useNow();
	const theme = useTheme();
	const text = target === null ? '' : formatLocalTime(target, now);
	return <Text {...theme.tone('muted')}>{cell(text, width)}</Text>;
});

export type NoteTextProps = {
	readonly account: AccountReport;
	readonly generatedAt: number;
	readonly width: number;
};

/** The row's note: `stale 12m`, `fresh (est.)`, an error, or `oauth 2m ago`. */
export const NoteText = memo(function NoteText({account, generatedAt, width}: NoteTextProps) {
	const now = useNow();
	const theme = useTheme();
	const note = accountNote(account, generatedAt, now, width);
	return <Text {...theme.tone(note.tone)}>{note.text}</Text>;
});
