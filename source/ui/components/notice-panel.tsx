/**
 * The notices: the stacked toasts (outcomes of commands, jobs that ended; newest first), what the DEMO
 * is and how to leave it, and the report's warnings, one line each, cut to the lines the layout allows
 * (the last shown line says how many more there are). Toasts expire on the shared clock (the dashboard
 * hook filters them); errors stay until Esc.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import {budgetSentence, type BudgetStanding} from '../../engine/budget-state.js';
import type {Notice} from '../../runtime/types.js';
import type {Toast} from '../dashboard-state.js';
import {useTheme, type Tone} from '../theme.js';

export type NoticeLine = {readonly key: string; readonly text: string; readonly tone: Tone};

export type NoticePanelProps = {
	readonly lines: readonly NoticeLine[];
	/** Lines the layout gives the panel. */
	readonly height: number;
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

/** The line that says what the demo is, and the way out. */
export const DEMO_LINE = 'DEMO: simulated accounts, nothing here is real · use yours: quota-tui accounts discover --yes · ? explains';

/** The lines the panel wants to show, in priority order. */
export function noticeLines(toasts: readonly Toast[], warnings: readonly string[], demo = false, budgets: readonly BudgetStanding[] = [], inView = false): NoticeLine[] {
	// In a detail view Esc goes back to the list, where the next Esc dismisses: the hint says so.
	const hint = inView ? ' (Esc twice: back, then dismiss)' : ' (Esc dismisses)';
	const lines: NoticeLine[] = toasts.map(toast => ({
		key: `toast-${toast.id}`,
		text: `${NOTICE_MARKS[toast.tone]} ${toast.text}${toast.sticky ? hint : ''}`,
		tone: NOTICE_TONES[toast.tone],
	}));
	const [first] = warnings;
	if (first !== undefined) {
		const more = warnings.length > 1 ? ` (+${warnings.length - 1} more)` : '';
		lines.push({key: 'warning', text: `! ${first}${more}`, tone: 'warn'});
	}

	// Budgets near or over their limit (project, role, credits…): the fullest first.
	const pressing = budgets.filter(b => b.level !== 'ok');
	if (pressing.length > 0) {
		const more = pressing.length > 1 ? ` (+${pressing.length - 1} more)` : '';
		lines.push({key: 'budgets', text: `! budget ${budgetSentence(pressing[0]!)}${more} · quota-tui budget status`, tone: pressing[0]!.level === 'over' ? 'critical' : 'warn'});
	}

	if (demo) {
		lines.push({key: 'demo', text: `i ${DEMO_LINE}`, tone: 'accent'});
	}

	return lines;
}

export const NoticePanel = memo(function NoticePanel({lines, height}: NoticePanelProps) {
	const theme = useTheme();
	const shown = lines.slice(0, Math.max(0, height));
	if (shown.length === 0) {
		return null;
	}

	const hidden = lines.length - shown.length;
	return (
		<Box flexDirection="column">
			{shown.map((line, index) => (
				<Text key={line.key} wrap="truncate" {...theme.tone(line.tone)}>
					{index === shown.length - 1 && hidden > 0 ? `${line.text} · +${hidden} more` : line.text}
				</Text>
			))}
		</Box>
	);
});
