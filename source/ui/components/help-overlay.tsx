/**
 * The `?` overlay: the help lines (help-view.ts: every key from the keymap table, the symbols, the
 * badges, the demo) from `scroll` on, as many as fit, with the position in the title line.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import {HELP_TITLE, type HelpLine} from '../help-view.js';
import {useTheme} from '../theme.js';

export type HelpOverlayProps = {
	readonly lines: readonly HelpLine[];
	/** Index of the first line shown. */
	readonly scroll: number;
	/** Lines available, title included. */
	readonly height: number;
};

/** `12–30 of 45` when the help does not fit, else ''. */
export function helpPosition(first: number, shown: number, total: number): string {
	return shown >= total ? '' : `${first + 1}–${first + shown} of ${total}`;
}

export const HelpOverlay = memo(function HelpOverlay({lines, scroll, height}: HelpOverlayProps) {
	const theme = useTheme();
	const page = Math.max(0, height - 1);
	const first = Math.max(0, Math.min(scroll, lines.length - page));
	const shown = lines.slice(first, first + page);
	const position = helpPosition(first, shown.length, lines.length);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text {...theme.strong('accent')}>{HELP_TITLE}</Text>
				{position === '' ? null : <Text {...theme.tone('muted')}>{`  ${position}`}</Text>}
			</Text>
			{shown.map((line, index) => {
				const key = `${first + index}`;
				switch (line.kind) {
					case 'blank': {
						return <Text key={key}> </Text>;
					}

					case 'section': {
						return <Text key={key} wrap="truncate" {...theme.strong('accent')}>{line.text}</Text>;
					}

					case 'text': {
						return <Text key={key} wrap="truncate">{`  ${line.text}`}</Text>;
					}

					case 'row': {
						return (
							<Text key={key} wrap="truncate">
								<Text {...theme.strong()}>{`  ${line.keys}`}</Text>
								{line.label === '' ? null : <Text {...theme.tone('muted')}>{`  ${line.label}`}</Text>}
								<Text>{`  ${line.text}`}</Text>
							</Text>
						);
					}
				}
			})}
		</Box>
	);
});
