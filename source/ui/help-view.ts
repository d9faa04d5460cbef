/**
 * The content of the `?` overlay as lines for a given width: every key (from the keymap table, one row
 * per key set), the symbols and badges of the dashboard, how notices behave, and in demo mode what the
 * demo is and how to leave it. Descriptions wrap under their column, so nothing is cut; the overlay
 * scrolls through the lines (j/k, PgUp/PgDn). Pure: no React.
 */
import wrapAnsi from 'wrap-ansi';
import {cellWidth} from './format.js';
import {bindingKeys, helpRows, keymap, type Binding} from './keymap.js';

export type HelpLine = {
	readonly kind: 'section' | 'row' | 'text' | 'blank';
	/** The first column (keys or a symbol); '' on continuation lines. */
	readonly keys: string;
	/** The second column (commands); '' when there is none. */
	readonly label: string;
	readonly text: string;
};

type Entry = {readonly keys: string; readonly label?: string; readonly text: string};

const SYMBOLS: readonly Entry[] = [
	{keys: '●', text: 'the active account: the one your tools use now'},
	{keys: '›', text: 'the selected row (an account, or a job while the queue has focus)'},
	{keys: 'a', text: 'a queued job that auto mode started on idle quota'},
	{keys: '↺1h12m', text: 'time until the window resets'},
	{keys: 'Thu 09:00', text: 'when the window resets, in local time (t switches between countdown and clock time)'},
	{keys: '→58%', text: 'use at the reset if the current pace holds (→full: the window fills before it resets)'},
	{keys: '~23%', text: 'an estimate: a reset has passed since the last reading, or the number comes from local logs'},
	{keys: '██▊░', text: 'share of the window used, in eighths of a cell; the number beside it is exact'},
	{keys: '·····', text: 'no data for that window yet'},
	{keys: '5-HOUR 7-DAY', text: 'the rolling 5-hour window and the weekly window of each account'},
	{keys: 'DATA', text: 'where the numbers come from and how old they are; "no data" when nothing was read yet'},
	{keys: 'dimmed row', text: 'stale data: it is older than its source should be, and "stale 12m" says how old'},
	{keys: 'o sort:chain', text: 'the order of the accounts (footer): chain = the config\'s chain order, reset = soonest weekly reset first, headroom = most room left first, name'},
	{keys: '/ filter:ali 3/10', text: 'the name filter and how many accounts it shows (footer); Esc clears it'},
	{keys: '██│░░', text: 'in a detail view (Enter): the pace marker │, where the bar would be now at an even spend (the elapsed share of the window); "ahead of pace" means it fills early'},
	{keys: 'Wheel↑ Wheel↓', text: 'the mouse wheel moves the selection and scrolls this help, where the terminal reports it (ui.mouse)'},
];

const BADGES: readonly Entry[] = [
	{keys: 'ok', text: 'usable, under the warn threshold (policy.warnThreshold)'},
	{keys: 'warn', text: 'usable, over the warn threshold'},
	{keys: 'EXHAUSTED', text: 'a window is full until it resets (switching to it asks y/n)'},
	{keys: 'last resort', text: 'used only when nothing else is usable (switching to it asks y/n)'},
	{keys: 'stale', text: 'the data is older than its source should be: the row is dimmed and DATA (STATUS when DATA is too narrow) shows its age'},
	{keys: 'unknown', text: 'no readable source yet: open Claude Code or Codex once, or run quota-tui statusline install'},
	{keys: 'expired', text: 'the login token expired: run the provider CLI to log in again'},
	{keys: 'invalid key', text: 'the provider rejects the credential (401)'},
	{keys: 'refused', text: 'the provider refuses this credential for this use'},
	{keys: 'unreachable', text: 'the provider did not answer; the last good data is kept'},
	{keys: 'disabled', text: 'disabled in the config'},
];

/** The overlay's fixed title line. */
export const HELP_TITLE = 'help · ? or Esc closes · ↑↓ PgUp PgDn scroll';

export type HelpOptions = {
	/** The built-in demo accounts are shown: explain the demo and the way out. */
	readonly demo?: boolean;
	/** How long notices stay, in seconds. @default 8 */
	readonly noticeSeconds?: number;
	readonly bindings?: readonly Binding[];
};

/** `text` wrapped to `width` cells (at least one line). */
function wrap(text: string, width: number): string[] {
	if (width < 1) return [''];
	return wrapAnsi(text, width, {hard: true, trim: true}).split('\n');
}

function table(entries: readonly Entry[], width: number, withLabels: boolean): HelpLine[] {
	const keysWidth = Math.max(...entries.map(entry => cellWidth(entry.keys)));
	const labelWidth = withLabels ? Math.max(...entries.map(entry => cellWidth(entry.label ?? ''))) : 0;
	// The command column goes first when the pane is narrow: the keys and what they do matter more.
	const showLabels = withLabels && width - 2 - keysWidth - 2 - labelWidth - 2 >= 24;
	const textWidth = Math.max(8, width - 2 - keysWidth - 2 - (showLabels ? labelWidth + 2 : 0));
	const lines: HelpLine[] = [];
	for (const entry of entries) {
		for (const [index, chunk] of wrap(entry.text, textWidth).entries()) {
			lines.push({kind: 'row', keys: index === 0 ? entry.keys : '', label: showLabels && index === 0 ? (entry.label ?? '') : '', text: chunk});
		}
	}

	return lines.map(line => ({...line, keys: line.keys.padEnd(keysWidth), label: showLabels ? line.label.padEnd(labelWidth) : ''}));
}

function section(title: string): HelpLine[] {
	return [{kind: 'blank', keys: '', label: '', text: ''}, {kind: 'section', keys: '', label: '', text: title}];
}

function paragraph(text: string, width: number): HelpLine[] {
	return wrap(text, width - 2).map(chunk => ({kind: 'text', keys: '', label: '', text: chunk}));
}

/** Every line of the help for a pane `width` cells wide (the title line not included). */
export function helpLines(width: number, {demo = false, noticeSeconds = 8, bindings = keymap}: HelpOptions = {}): HelpLine[] {
	const keys = helpRows(bindings).map(row => ({keys: bindingKeys(row), label: row.commands, text: row.description}));
	return [
		...(demo
			? [
				{kind: 'section' as const, keys: '', label: '', text: 'DEMO'},
				...paragraph('The accounts are the built-in demo ones, shown because no account is configured: their numbers are simulated, a switch only changes the demo\'s own database, and auto mode (a) is kept in memory, never written to your config. To use your own accounts, quit (q) and run "quota-tui accounts discover --yes" (it finds ~/.claude*, ~/.codex) or "quota-tui accounts add NAME --provider claude --config-dir DIR", then start quota-tui again.', width),
				{kind: 'blank' as const, keys: '', label: '', text: ''},
			]
			: []),
		{kind: 'section', keys: '', label: '', text: 'keys'},
		...table(keys, width, true),
		...section('symbols'),
		...table(SYMBOLS, width, false),
		...section('status badges'),
		...table(BADGES, width, false),
		...section('notices and jobs'),
		...paragraph(`Notices expire after ${noticeSeconds} s (ui.noticeSeconds); errors stay until Esc dismisses them. A job that ends raises a notice, and its row says how it ended: "succeeded in 4m12s · $0.42 · 5% of 5h", or "failed" with the first line of the reason (quota-tui queue list shows all of it).`, width),
	];
}
