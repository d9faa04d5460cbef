/**
 * The accounts list: a column header, one row per account, windowed to the lines the layout gives it
 * with a `… N more` line that keeps the selected row visible.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import type {AccountReport} from '../../engine/report.js';
import {windowCellWidth, windowList, type FrameLayout, type RowColumns} from '../layout.js';
import {useTheme} from '../theme.js';
import {cell} from '../view-model.js';
import type {TimeMode} from '../list-view.js';
import {AccountRow} from './account-row.js';

export type AccountsPanelProps = {
	readonly accounts: readonly AccountReport[];
	readonly layout: FrameLayout;
	readonly selected: number;
	readonly generatedAt: number;
	/** @default true */
	readonly showSelection?: boolean;
	/** Resets as countdowns or local clock times (`t`). @default 'countdown' */
	readonly times?: TimeMode;
	/** What an empty list says (a filter that matches nothing); by default how to add accounts. */
	readonly emptyText?: string | undefined;
};

/** The header line of the one-line rows, aligned with their cells. */
export function columnHeaderText(row: RowColumns): string {
	const parts = [
		'  ',
		cell(row.name >= 7 ? 'ACCOUNT' : 'NAME', row.name),
		...(row.provider > 0 ? [cell('PROV', row.provider)] : []),
		cell('STATUS', row.status),
		cell('5-HOUR', windowCellWidth(row, '5h')),
		cell('7-DAY', windowCellWidth(row, '7d')),
		...(row.note > 0 ? [cell('DATA', row.note)] : []),
	];
	return parts.join(' ').trimEnd();
}

/** `… 6 more (2 above, 4 below)`. */
export function moreText(hiddenBefore: number, hiddenAfter: number): string {
	const total = hiddenBefore + hiddenAfter;
	if (hiddenBefore > 0 && hiddenAfter > 0) {
		return `… ${total} more (${hiddenBefore} above, ${hiddenAfter} below)`;
	}

	return `… ${total} more ${hiddenBefore > 0 ? 'above' : 'below'}`;
}

export const AccountsPanel = memo(function AccountsPanel({accounts, layout, selected, generatedAt, showSelection = true, times = 'countdown', emptyText}: AccountsPanelProps) {
	const theme = useTheme();
	if (accounts.length === 0) {
		return (
			<Text wrap="truncate" {...theme.tone('muted')}>
				{emptyText ?? 'no accounts yet: quota-tui accounts discover, or accounts add NAME --provider claude'}
			</Text>
		);
	}

	const {row} = layout;
	const capacity = layout.listLines - (layout.columnHeader ? 1 : 0);
	const view = windowList(accounts.length, selected, capacity, row.lines);
	const hasMore = view.hiddenBefore + view.hiddenAfter > 0;
	return (
		<Box flexDirection="column">
			{layout.columnHeader ? <Text wrap="truncate" {...theme.tone('muted')}>{columnHeaderText(row)}</Text> : null}
			{accounts.slice(view.start, view.end).map((account, offset) => (
				<AccountRow
					key={account.name}
					account={account}
					row={row}
					generatedAt={generatedAt}
					isSelected={view.start + offset === selected}
					showSelection={showSelection}
					times={times}
				/>
			))}
			{hasMore ? <Text wrap="truncate" {...theme.tone('muted')}>{moreText(view.hiddenBefore, view.hiddenAfter)}</Text> : null}
		</Box>
	);
});
