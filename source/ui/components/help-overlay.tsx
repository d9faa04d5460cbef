/** The `?` overlay: every binding of the keymap with its keys and what it does. */
import {memo} from 'react';
import {Box, Text} from 'ink';
import {bindingKeys, keymap, type Binding} from '../keymap.js';
import {useTheme} from '../theme.js';
import {cell} from '../view-model.js';

export type HelpOverlayProps = {
	/** Lines available, title included. */
	readonly lines: number;
	readonly bindings?: readonly Binding[];
};

export const HelpOverlay = memo(function HelpOverlay({lines, bindings = keymap}: HelpOverlayProps) {
	const theme = useTheme();
	const keysWidth = Math.max(...bindings.map(binding => bindingKeys(binding).length));
	const commandWidth = Math.max(...bindings.map(binding => binding.command.length));
	const room = Math.max(0, lines - 1);
	const fits = bindings.length <= room;
	const shown = fits ? bindings : bindings.slice(0, Math.max(0, room - 1));
	return (
		<Box flexDirection="column">
			<Text wrap="truncate" {...theme.strong('accent')}>keys (? or Esc closes)</Text>
			{shown.map(binding => (
				<Text key={binding.command} wrap="truncate">
					<Text {...theme.strong()}>{`  ${cell(bindingKeys(binding), keysWidth)}`}</Text>
					<Text {...theme.tone('muted')}>{`  ${cell(binding.command, commandWidth)}  `}</Text>
					<Text>{binding.description}</Text>
				</Text>
			))}
			{fits || room === 0 ? null : <Text wrap="truncate" {...theme.tone('muted')}>{`  … ${bindings.length - shown.length} more`}</Text>}
		</Box>
	);
});
