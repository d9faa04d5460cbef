/** The key hints, generated from the keymap for the active scopes. */
import {memo} from 'react';
import {Text} from 'ink';
import {footerText, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';

export type FooterProps = {
	readonly scopes: readonly Scope[];
	readonly width: number;
	/** False when keys do nothing (one-shot frame): says so instead of listing keys. @default true */
	readonly isInteractive?: boolean;
};

export const ONE_SHOT_FOOTER = 'one-shot frame: run quota-tui in a terminal for the live dashboard';

export const Footer = memo(function Footer({scopes, width, isInteractive = true}: FooterProps) {
	const theme = useTheme();
	return (
		<Text wrap="truncate" {...theme.tone('muted')}>
			{isInteractive ? footerText(scopes, width) : ONE_SHOT_FOOTER}
		</Text>
	);
});
