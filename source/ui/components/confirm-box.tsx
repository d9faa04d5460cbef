/**
 * The y/n box above the footer: what a key is about to do (dispatch a job, switch onto an exhausted
 * or last-resort account, use a banked reset) with the whole verdict, wrapped onto up to two more lines instead of cut.
 * The keys come first on the first line, so even a narrow pane shows how to answer.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import wrapAnsi from 'wrap-ansi';
import type {Confirm} from '../dashboard-state.js';
import {truncate} from '../format.js';
import {useTheme, type Tone} from '../theme.js';

export type ConfirmLine = {readonly text: string; readonly tone: Tone; readonly strong: boolean};

/** Lines of the verdict below the question, at most. */
const MAX_DETAIL_LINES = 2;
const INDENT = '      ';

function detail(message: string, width: number): string[] {
	if (message === '') {
		return [];
	}

	const room = Math.max(8, width - INDENT.length);
	const lines = wrapAnsi(message, room, {hard: true, trim: true}).split('\n');
	if (lines.length <= MAX_DETAIL_LINES) {
		return lines.map(line => INDENT + line);
	}

	const kept = lines.slice(0, MAX_DETAIL_LINES);
	kept[MAX_DETAIL_LINES - 1] = truncate(`${kept[MAX_DETAIL_LINES - 1]} ${lines.slice(MAX_DETAIL_LINES).join(' ')}`, room);
	return kept.map(line => INDENT + line);
}

/** The box as lines for a pane `width` cells wide (2 or 3 lines). */
export function confirmLines(confirm: Confirm, width: number): ConfirmLine[] {
	const question = (keys: string, what: string, title: string | null, rest = ''): string => {
		const head = `${keys} ${what}`;
		if (title === null) {
			return truncate(`${head}${rest}`, width);
		}

		const room = width - [...head].length - [...rest].length - 3;
		return truncate(`${head} "${truncate(title, Math.max(6, room))}"${rest}`, width);
	};

	if (confirm.kind === 'switch') {
		return [
			{text: question('[y/n]', `Switch to ${confirm.account}?`, null), tone: 'warn', strong: true},
			...detail(confirm.message, width).map(text => ({text, tone: 'warn' as const, strong: false})),
		];
	}

	if (confirm.kind === 'reset') {
		return [
			{text: question('[y/n]', `Use a banked reset of ${confirm.account}?`, null), tone: 'accent', strong: true},
			...detail(confirm.message, width).map(text => ({text, tone: 'normal' as const, strong: false})),
		];
	}

	if (confirm.kind === 'cancel-job') {
		return [
			{text: question('[y/n]', `Cancel ${confirm.jobId}`, confirm.title, '?'), tone: 'warn', strong: true},
			...detail(confirm.message, width).map(text => ({text, tone: 'normal' as const, strong: false})),
		];
	}

	switch (confirm.state) {
		case 'checking': {
			return [
				{text: question('[Esc]', `Dispatch ${confirm.jobId}`, confirm.title, '?'), tone: 'muted', strong: true},
				{text: `${INDENT}asking the gate what dispatching it would do…`, tone: 'muted', strong: false},
			];
		}

		case 'ready': {
			return [
				{text: question('[y/n]', `Dispatch ${confirm.jobId}`, confirm.title, '?'), tone: 'accent', strong: true},
				...detail(confirm.message, width).map(text => ({text, tone: 'normal' as const, strong: false})),
			];
		}

		case 'refused': {
			return [
				{text: question('[Esc]', `Cannot dispatch ${confirm.jobId}`, confirm.title), tone: 'warn', strong: true},
				...detail(confirm.message.replace(/^Not dispatched: /, ''), width).map(text => ({text, tone: 'warn' as const, strong: false})),
			];
		}
	}
}

export type ConfirmBoxProps = {
	readonly confirm: Confirm;
	readonly width: number;
	/** Lines the layout gives the box. */
	readonly lines: number;
};

export const ConfirmBox = memo(function ConfirmBox({confirm, width, lines}: ConfirmBoxProps) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			{confirmLines(confirm, width).slice(0, lines).map(line => (
				<Text key={line.text} wrap="truncate" {...(line.strong ? theme.strong(line.tone) : theme.tone(line.tone))}>{line.text}</Text>
			))}
		</Box>
	);
});
