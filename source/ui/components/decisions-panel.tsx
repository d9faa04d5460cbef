/** The most recent decisions (switches, gate verdicts, dispatches), newest first. */
import {memo} from 'react';
import {Box, Text} from 'ink';
import type {Decision} from '../../engine/types.js';
import {formatLocalTime, parseInstant} from '../format.js';
import {useTheme} from '../theme.js';

export type DecisionsPanelProps = {
	readonly decisions: readonly Decision[];
	/** Lines including the title; 0 hides the panel. */
	readonly lines: number;
	/** The report's `generatedAt` (epoch ms): times are shown relative to it. */
	readonly generatedAt: number;
};

/**
 * `14:02 switch work: switched — over 90 % on personal`; when the reason already starts with the
 * verdict it is said once: `14:02 switch work — switched from personal to work at the user's request`.
 */
export function decisionText(decision: Decision, generatedAt: number): string {
	const at = parseInstant(decision.at);
	const time = at === null ? '--:--' : formatLocalTime(at, generatedAt);
	const reason = decision.reasons[0];
	if (reason !== undefined && reason.toLowerCase().startsWith(decision.verdict.toLowerCase())) {
		return `${time} ${decision.kind} ${decision.subject} — ${reason}`;
	}

	return `${time} ${decision.kind} ${decision.subject}: ${decision.verdict}${reason === undefined ? '' : ` — ${reason}`}`;
}

/** Decisions newest first. */
export function recentDecisions(decisions: readonly Decision[]): Decision[] {
	return [...decisions].sort((a, b) => (parseInstant(b.at) ?? 0) - (parseInstant(a.at) ?? 0));
}

export const DecisionsPanel = memo(function DecisionsPanel({decisions, lines, generatedAt}: DecisionsPanelProps) {
	const theme = useTheme();
	if (lines < 2 || decisions.length === 0) {
		return null;
	}

	const shown = recentDecisions(decisions).slice(0, lines - 1);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate" {...theme.tone('muted')}>recent decisions</Text>
			{shown.map((decision, index) => (
				<Text key={`${decision.at}-${index}`} wrap="truncate">
					{decisionText(decision, generatedAt)}
				</Text>
			))}
		</Box>
	);
});
