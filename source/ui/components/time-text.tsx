/**
 * The leaves that show time. Each derives its text from the shared clock with `useClockValue()`, so a
 * tick re-renders a leaf only when its text changes, and nothing around it. They render nested `<Text>` and are meant to sit inside a
 * row's `<Text>`.
 */
import {memo} from 'react';
import {Text} from 'ink';
import type {AccountReport} from '../../engine/report.js';
import {formatAgeShort, formatClock, formatCountdown, formatLocalTime} from '../format.js';
import {useClockValue, useMinuteValue} from '../hooks/use-now.js';
import {useTheme, type Tone} from '../theme.js';
import {accountNote, cell, observedAt} from '../view-model.js';

/** Local wall-clock time `HH:MM` (minutes: a dashboard left open all day need not redraw every second). */
export const ClockText = memo(function ClockText() {
	const text = useClockValue(formatClock);
	return <Text>{text}</Text>;
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
	const theme = useTheme();
	const text = useMinuteValue(target, now => (target === null ? '--' : `↺${formatCountdown(target, now)}`));
	return <Text {...theme.tone(tone)}>{cell(text, width)}</Text>;
});

export type ResetTimeTextProps = {
	readonly target: number | null;
	readonly width: number;
	/** @default 'muted' */
	readonly tone?: Tone;
	/** Shown when the reset is unknown. @default '' */
	readonly unknownText?: string;
};

/** The local time of a reset: `14:05` today, `Thu 09:00` later this week. */
export const ResetTimeText = memo(function ResetTimeText({target, width, tone = 'muted', unknownText = ''}: ResetTimeTextProps) {
	const theme = useTheme();
	const text = useMinuteValue(target, now => (target === null ? unknownText : formatLocalTime(target, now)));
	return <Text {...theme.tone(tone)}>{cell(text, width)}</Text>;
});

export type StaleAgeTextProps = {
	/** Epoch ms of the newest observation; null when unknown. */
	readonly at: number | null;
	readonly width: number;
	readonly tone?: Tone;
};

/** `stale 12m` (just `stale` when the age is unknown), for a STATUS cell. */
export const StaleAgeText = memo(function StaleAgeText({at, width, tone = 'warn'}: StaleAgeTextProps) {
	const theme = useTheme();
	const text = useMinuteValue(at, now => (at === null ? 'stale' : `stale ${formatAgeShort(now - at)}`));
	return <Text {...theme.tone(tone)}>{cell(text, width)}</Text>;
});

export type NoteTextProps = {
	readonly account: AccountReport;
	readonly generatedAt: number;
	readonly width: number;
};

/** The row's note: `stale 12m`, `fresh (est.)`, an error, or `oauth 2m ago`. */
export const NoteText = memo(function NoteText({account, generatedAt, width}: NoteTextProps) {
	const theme = useTheme();
	const at = observedAt(account, generatedAt);
	// One derivation for both: `tone text`.
	const note = useMinuteValue(at, now => {
		const {text, tone} = accountNote(account, generatedAt, now, width);
		return `${tone} ${text}`;
	});
	const space = note.indexOf(' ');
	const tone = note.slice(0, space) as Tone;
	const text = note.slice(space + 1);
	return <Text {...theme.tone(tone)}>{text}</Text>;
});
