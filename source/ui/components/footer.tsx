/**
 * The key hints, generated from the keymap for the active scopes. The list's order and filter ride on
 * their hints (`o sort:reset`, `/ filter:ali 3/10`); while the filter is typed the footer is its prompt
 * (`/ali▌  Enter keep · Esc clear · Backspace erase`).
 */
import {memo} from 'react';
import {Text} from 'ink';
import {cellWidth} from '../format.js';
import {footerText, type Scope} from '../keymap.js';
import {filterStatus, INITIAL_LIST, SORT_LABELS, type ListState} from '../list-view.js';
import {useTheme} from '../theme.js';

export type FooterProps = {
	readonly scopes: readonly Scope[];
	readonly width: number;
	/** False when keys do nothing (one-shot frame): says so instead of listing keys. @default true */
	readonly isInteractive?: boolean;
	/** The account list's order and filter. @default INITIAL_LIST */
	readonly list?: ListState;
	/** Accounts listed (after the filter) and in all. */
	readonly listed?: number;
	readonly total?: number;
};

export const ONE_SHOT_FOOTER = 'one-shot frame: run quota-tui in a terminal for the live dashboard';

export const Footer = memo(function Footer({scopes, width, isInteractive = true, list = INITIAL_LIST, listed = 0, total = 0}: FooterProps) {
	const theme = useTheme();
	if (!isInteractive) {
		return <Text wrap="truncate" {...theme.tone('muted')}>{ONE_SHOT_FOOTER}</Text>;
	}

	if (scopes.includes('filter')) {
		const prompt = `/${list.filter}`;
		const count = `  ${listed}/${total}  `;
		return (
			<Text wrap="truncate">
				<Text {...theme.strong('accent')}>{prompt}</Text>
				<Text inverse> </Text>
				<Text {...theme.tone('muted')}>{count}{footerText(['filter'], Math.max(0, width - cellWidth(prompt) - 1 - count.length))}</Text>
			</Text>
		);
	}

	return (
		<Text wrap="truncate" {...theme.tone('muted')}>
			{footerText(scopes, width, undefined, {sort: SORT_LABELS[list.sort], filter: filterStatus(list, listed, total)})}
		</Text>
	);
});
