/**
 * The outcome of the last command (`snapshot.notice`) and the report's warnings, one line each, cut to
 * the lines the layout allows (the last shown line says how many more there are).
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import type {Notice} from '../../runtime/types.js';
import {useTheme, type Tone} from '../theme.js';

export type NoticePanelProps = {
	readonly notice: Notice | null;
	readonly warnings: readonly string[];
	readonly lines: number;
};

const NOTICE_TONES: Readonly<Record<Notice['tone'], Tone>> = {
	info: 'accent',
	success: 'ok',
	warning: 'warn',
	error: 'critical',
};

const NOTICE_MARKS: Readonly<Record<Notice['tone'], string>> = {
	info: 'i',
	success: '✓',
	warning: '!',
	error: '✗',
};

type Line = {text: string; tone: Tone};

/** The lines the panel wants to show, in priority order. */
export function noticeLines(notice: Notice | null, warnings: readonly string[]): Line[] {
	const lines: Line[] = [];
	if (notice !== null) {
		lines.push({text: `${NOTICE_MARKS[notice.tone]} ${notice.text}`, tone: NOTICE_TONES[notice.tone]});
	}

	const [first] = warnings;
	if (first !== undefined) {
		const more = warnings.length > 1 ? ` (+${warnings.length - 1} more)` : '';
		lines.push({text: `! ${first}${more}`, tone: 'warn'});
	}

	return lines;
}

export const NoticePanel = memo(function NoticePanel({notice, warnings, lines}: NoticePanelProps) {
	const theme = useTheme();
	const all = noticeLines(notice, warnings);
	const shown = all.slice(0, Math.max(0, lines));
	if (shown.length === 0) {
		return null;
	}

	const hidden = all.length - shown.length;
	return (
		<Box flexDirection="column">
			{shown.map((line, index) => (
				<Text key={line.text} wrap="truncate" {...theme.tone(line.tone)}>
					{index === shown.length - 1 && hidden > 0 ? `${line.text} · +${hidden} more` : line.text}
				</Text>
			))}
		</Box>
	);
});
