/** Below the minimum size: say so, with the sizes, in as many lines as fit. */
import {Box, Text} from 'ink';
import type {Size} from '../layout.js';
import {useTheme} from '../theme.js';

export type TooSmallProps = {
	readonly need: Size;
	readonly have: Size;
};

/** `terminal too small: need 40×10, have 39×9`. */
export function tooSmallText(need: Size, have: Size): string {
	return `terminal too small: need ${need.columns}×${need.rows}, have ${have.columns}×${have.rows}`;
}

export function TooSmall({need, have}: TooSmallProps) {
	const theme = useTheme();
	const full = tooSmallText(need, have);
	const lines = (full.length <= have.columns
		? [full, 'q quits']
		: ['terminal too small:', `need ${need.columns}×${need.rows}, have ${have.columns}×${have.rows}`, 'q quits']
	).slice(0, Math.max(1, have.rows - 1));
	return (
		<Box flexDirection="column">
			{lines.map(line => (
				<Text key={line} wrap="truncate" {...theme.tone('warn')}>{line}</Text>
			))}
		</Box>
	);
}
