/**
 * The one table of key bindings. It drives the input handler (`commandFor`), the footer
 * (`footerHints`), the `?` overlay and the README keys table (`keymapMarkdown`). Only keys that do
 * something are listed, each with the scope it works in (`queue` while the queue has focus, …).
 */
import type {Key} from 'ink';

export type Command =
	| 'up' | 'down' | 'switch' | 'refresh' | 'help' | 'close' | 'quit' | 'focus' | 'auto' | 'job-up' | 'job-down' | 'dispatch' | 'confirm' | 'cancel'
	| 'help-up' | 'help-down' | 'page-up' | 'page-down' | 'dismiss' | 'redraw' | 'suspend' | 'use-reset'
	| 'open' | 'open-job' | 'decisions' | 'back' | 'view-up' | 'view-down' | 'view-page-up' | 'view-page-down' | 'cancel-job' | 'requeue'
	| 'sort' | 'filter' | 'times' | 'filter-done' | 'filter-clear' | 'filter-erase';

/**
 * Where a binding applies: `global` always; `accounts` while the account list has focus and no overlay
 * is open; `overlay` while the help overlay is open; `queue` while the queue panel has focus (Tab);
 * `confirm` while a dispatch or a switch waits for y/n; `panels` while the queue has jobs to focus;
 * `auto` while there is an auto mode to cycle; `notices` while a notice waits to be dismissed; `resets`
 * while the selected account has a banked reset it can use now; `views` while no overlay or question is
 * open (the list or a detail view); `detail` while a detail view is open; `job` while the job view is;
 * `filter` while a name filter is typed (printable keys are its text); `filtered` while a filter hides accounts.
 */
export type Scope = 'global' | 'accounts' | 'overlay' | 'queue' | 'confirm' | 'panels' | 'auto' | 'notices' | 'resets' | 'views' | 'detail' | 'job' | 'filter' | 'filtered';

/** Normalised key names: a printable character (`k`, `?`) or a named key. */
export type KeyName = 'up' | 'down' | 'pageup' | 'pagedown' | 'return' | 'escape' | 'tab' | 'backspace' | 'ctrl+c' | 'ctrl+l' | 'ctrl+z' | 'wheelup' | 'wheeldown' | (string & {});

export type Binding = {
	readonly command: Command;
	readonly keys: readonly KeyName[];
	/** Short label for the footer. Bindings sharing a label are merged there (`↑↓ move`). */
	readonly label: string;
	/** One sentence for the overlay and the README. */
	readonly description: string;
	readonly scope: Scope;
	/** Shown in the footer (the overlay always lists every binding); a binding with a state to show (FooterStates) is shown anyway. */
	readonly footer: boolean;
};

export const keymap = [
	{command: 'up', keys: ['up', 'k', 'wheelup'], label: 'move', description: 'Select the previous account (the previous job while the queue has focus)', scope: 'accounts', footer: true},
	{command: 'down', keys: ['down', 'j', 'wheeldown'], label: 'move', description: 'Select the next account (the next job while the queue has focus)', scope: 'accounts', footer: true},
	{command: 'open', keys: ['return'], label: 'open', description: 'Open the selected account: every window as a bar with its pace, reset and projection, 7-day history, waste ledger, budgets, decisions (the selected job while the queue has focus: its timeline, verdict, cost and live log)', scope: 'accounts', footer: true},
	{command: 'switch', keys: ['s'], label: 'switch', description: 'Make the selected account the active one (asks y/n when it is exhausted, unusable or the last resort)', scope: 'accounts', footer: true},
	{command: 'job-up', keys: ['up', 'k', 'wheelup'], label: 'move', description: 'Select the previous job (queue focused)', scope: 'queue', footer: true},
	{command: 'job-down', keys: ['down', 'j', 'wheeldown'], label: 'move', description: 'Select the next job (queue focused)', scope: 'queue', footer: true},
	{command: 'open-job', keys: ['return'], label: 'open', description: 'Open the selected job: its timeline, gate verdict, estimate vs actual and the tail of its log (queue focused)', scope: 'queue', footer: true},
	{command: 'dispatch', keys: ['d'], label: 'dispatch', description: 'Dispatch the selected job now, through the gate (asks y/n first); if the gate says wait, it runs by itself when ready', scope: 'queue', footer: true},
	{command: 'confirm', keys: ['y'], label: 'yes', description: 'Answer yes to the question in the box above the footer', scope: 'confirm', footer: true},
	{command: 'cancel', keys: ['n', 'escape'], label: 'no', description: 'Answer no: nothing happens', scope: 'confirm', footer: true},
	{command: 'back', keys: ['escape'], label: 'back', description: 'Close the detail view: back to the list', scope: 'detail', footer: true},
	{command: 'view-up', keys: ['up', 'k', 'wheelup'], label: 'scroll', description: 'Scroll the help or a detail view up one line', scope: 'detail', footer: true},
	{command: 'view-down', keys: ['down', 'j', 'wheeldown'], label: 'scroll', description: 'Scroll the help or a detail view down one line', scope: 'detail', footer: true},
	{command: 'view-page-up', keys: ['pageup'], label: 'page', description: 'Scroll the help or a detail view up one page', scope: 'detail', footer: false},
	{command: 'view-page-down', keys: ['pagedown', ' '], label: 'page', description: 'Scroll the help or a detail view down one page', scope: 'detail', footer: false},
	{command: 'cancel-job', keys: ['x'], label: 'cancel job', description: 'Cancel the job shown (asks y/n; a running one gets SIGTERM, then SIGKILL after 10 s)', scope: 'job', footer: true},
	{command: 'requeue', keys: ['R'], label: 'requeue', description: 'Put the job shown back in the queue (failed, interrupted or cancelled jobs)', scope: 'job', footer: true},
	{command: 'decisions', keys: ['D'], label: 'decisions', description: 'Open the decision log: every switch, gate verdict, dispatch and deferral with its reasons, scrollable', scope: 'views', footer: false},
	{command: 'use-reset', keys: ['u'], label: 'use reset', description: 'Use a banked reset of the selected account (asks y/n; Codex credits are redeemed through codex app-server, a Claude reset says how to redeem it in Claude Code)', scope: 'resets', footer: true},
	{command: 'focus', keys: ['tab'], label: 'focus', description: 'Move focus between the accounts and the queue (when the queue has jobs)', scope: 'panels', footer: true},
	{command: 'auto', keys: ['a'], label: 'auto', description: 'Cycle auto mode off → suggest → auto (saved to the config; the demo keeps it in memory)', scope: 'auto', footer: true},
	{command: 'refresh', keys: ['r'], label: 'refresh', description: 'Re-read every source now', scope: 'global', footer: true},
	{command: 'sort', keys: ['o'], label: 'sort', description: 'Sort the accounts: chain order → soonest weekly reset → most headroom → name (the footer shows the order: o sort:reset)', scope: 'accounts', footer: true},
	{command: 'filter', keys: ['/'], label: 'filter', description: 'Filter the accounts by name: type part of a name, Enter keeps the filter, Esc clears it (the footer shows it: / filter:ali 3/10)', scope: 'accounts', footer: false},
	{command: 'times', keys: ['t'], label: 'times', description: 'Show resets as a countdown (↺1h12m) or as the local clock time (Thu 09:00)', scope: 'accounts', footer: false},
	{command: 'filter-done', keys: ['return'], label: 'keep', description: 'Keep the typed filter and give the keys back to the list', scope: 'filter', footer: true},
	{command: 'filter-clear', keys: ['escape'], label: 'clear', description: 'Clear the name filter (while typing it, or while it hides accounts)', scope: 'filter', footer: true},
	{command: 'filter-erase', keys: ['backspace'], label: 'erase', description: 'Erase the last character of the filter', scope: 'filter', footer: true},
	{command: 'dismiss', keys: ['escape'], label: 'dismiss', description: 'Dismiss the notices (errors stay until dismissed; others expire)', scope: 'notices', footer: true},
	{command: 'filter-clear', keys: ['escape'], label: 'clear', description: 'Clear the name filter (while typing it, or while it hides accounts)', scope: 'filtered', footer: true},
	{command: 'help', keys: ['?'], label: 'help', description: 'Show or hide this help: keys, symbols and badges', scope: 'global', footer: true},
	{command: 'help-up', keys: ['up', 'k', 'wheelup'], label: 'scroll', description: 'Scroll the help or a detail view up one line', scope: 'overlay', footer: true},
	{command: 'help-down', keys: ['down', 'j', 'wheeldown'], label: 'scroll', description: 'Scroll the help or a detail view down one line', scope: 'overlay', footer: true},
	{command: 'page-up', keys: ['pageup'], label: 'page', description: 'Scroll the help or a detail view up one page', scope: 'overlay', footer: false},
	{command: 'page-down', keys: ['pagedown', ' '], label: 'page', description: 'Scroll the help or a detail view down one page', scope: 'overlay', footer: false},
	{command: 'close', keys: ['escape'], label: 'close', description: 'Close the help', scope: 'overlay', footer: true},
	{command: 'redraw', keys: ['ctrl+l'], label: 'redraw', description: 'Clear the screen and draw the dashboard again', scope: 'global', footer: false},
	{command: 'suspend', keys: ['ctrl+z'], label: 'suspend', description: 'Suspend to the shell (fg brings the dashboard back)', scope: 'global', footer: false},
	{command: 'quit', keys: ['q', 'ctrl+c'], label: 'quit', description: 'Quit the dashboard (running jobs keep running)', scope: 'global', footer: true},
] as const satisfies readonly Binding[];

const KEY_LABELS: Readonly<Record<string, string>> = {
	up: '↑',
	down: '↓',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	return: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	' ': 'Space',
	'ctrl+c': 'Ctrl+C',
	'ctrl+l': 'Ctrl+L',
	'ctrl+z': 'Ctrl+Z',
	backspace: 'Backspace',
	wheelup: 'Wheel↑',
	wheeldown: 'Wheel↓',
};

/** How a key is printed: `↑`, `Enter`, `Esc`, `Ctrl+C`, or the character itself. */
export function keyLabel(key: KeyName): string {
	return KEY_LABELS[key] ?? key;
}

/** The key name of one character of typed text: `\r` → return, `\t` → tab, `\x0c` → ctrl+l, `j` → j. */
export function charKeyName(char: string): KeyName | undefined {
	const code = char.codePointAt(0);
	if (code === undefined) {
		return undefined;
	}

	if (char === '\r' || char === '\n') {
		return 'return';
	}

	if (char === '\t') {
		return 'tab';
	}

	if (code === 0x7F || code === 0x08) {
		return 'backspace';
	}

	if (code >= 1 && code <= 26) {
		return `ctrl+${String.fromCodePoint(code + 96)}`;
	}

	// Other control characters (ESC, NUL, C1) name no key.
	return code < 0x20 || (code >= 0x80 && code < 0xA0) ? undefined : char;
}

/** A CSI sequence without its ESC: parameters, intermediates, one final byte. */
const UNNAMED_SEQUENCE = /^\[[\d;:<=>?]+[ -/]*[@-~]$/;

/** Keys read from one chunk at most: a huge paste must not queue thousands of commands. */
export const MAX_KEYS_PER_CHUNK = 256;

/**
 * Turn Ink's `(input, key)` pair into the key names it holds, in order. Ink hands over one event per
 * escape sequence, but plain text that arrives in one read (`jjjjj` from tmux send-keys, a paste, keys
 * typed over SSH faster than the frame rate) comes as one string: each character is one key.
 */
export function keyNamesOf(input: string, key: Readonly<Key>): KeyName[] {
	// The wheel comes as Super+↑/↓ (see terminal.ts wheelAsKeys: Ink drops mouse reports before useInput).
	if (key.upArrow) {
		return [key.super ? 'wheelup' : 'up'];
	}

	if (key.downArrow) {
		return [key.super ? 'wheeldown' : 'down'];
	}

	if (key.pageUp) {
		return ['pageup'];
	}

	if (key.pageDown) {
		return ['pagedown'];
	}

	if (key.escape) {
		return ['escape'];
	}

	// An escape sequence Ink did not name (a mouse report, an unknown key) is no key, and never text.
	if (key.meta || UNNAMED_SEQUENCE.test(input)) {
		return [];
	}

	if (key.ctrl) {
		return [...input].length === 1 ? [`ctrl+${input.toLowerCase()}`] : [];
	}

	if (input === '') {
		if (key.return) {
			return ['return'];
		}

		if (key.tab) {
			return ['tab'];
		}

		return key.backspace || key.delete ? ['backspace'] : [];
	}

	const names: KeyName[] = [];
	for (const char of input) {
		const name = charKeyName(char);
		if (name !== undefined) {
			names.push(name);
		}

		if (names.length >= MAX_KEYS_PER_CHUNK) {
			break;
		}
	}

	return names;
}

/** The first key name of `(input, key)` (see keyNamesOf), or undefined for keys nobody binds. */
export function keyNameOf(input: string, key: Readonly<Key>): KeyName | undefined {
	return keyNamesOf(input, key)[0];
}

/** The command a key runs in the given active scopes (the first matching binding wins). */
export function commandFor(
	name: KeyName,
	scopes: readonly Scope[],
	bindings: readonly Binding[] = keymap,
): Command | undefined {
	for (const binding of bindings) {
		if (scopes.includes(binding.scope) && binding.keys.includes(name)) {
			return binding.command;
		}
	}

	return undefined;
}

export type FooterHint = {readonly keys: string; readonly label: string; readonly commands?: readonly Command[]};

/** A state a footer hint carries after its label (`o sort:reset`, `/ filter:ali 3/10`), by command. */
export type FooterStates = Partial<Record<Command, string>>;

/**
 * Footer hints for the active scopes, in table order. Bindings that share a label are merged and show
 * their first key each (`↑↓ move`).
 */
export function footerHints(scopes: readonly Scope[], bindings: readonly Binding[] = keymap, states: FooterStates = {}): FooterHint[] {
	const hints: Array<{keys: string[]; label: string; commands: Command[]}> = [];
	for (const binding of bindings) {
		if (!(binding.footer || Boolean(states[binding.command])) || !scopes.includes(binding.scope)) {
			continue;
		}

		const first = binding.keys[0];
		if (first === undefined) {
			continue;
		}

		const existing = hints.find(hint => hint.label === binding.label);
		if (existing) {
			if (!existing.keys.includes(keyLabel(first))) {
				existing.keys.push(keyLabel(first));
			}

			existing.commands.push(binding.command);
		} else {
			hints.push({keys: [keyLabel(first)], label: binding.label, commands: [binding.command]});
		}
	}

	return hints.map(hint => ({keys: hint.keys.join(''), label: hint.label, commands: hint.commands}));
}

/** Hints kept when the footer is too narrow for all of them: the way to every key, and the way out. */
const ESSENTIAL_LABELS = new Set(['help', 'close', 'back', 'quit']);

/**
 * The footer as one line, `↑↓ move · Enter switch · r refresh · ? help · q quit`, fitted to `width`:
 * tighter separators first, then hints other than help/close/quit are dropped from the right (marked
 * `…`), since the `?` overlay lists every key anyway. A hint with a state (`o sort:chain`, the
 * list's order) is kept too: it is the only place that state is shown.
 */
export function footerText(scopes: readonly Scope[], width = Number.POSITIVE_INFINITY, bindings: readonly Binding[] = keymap, states: FooterStates = {}): string {
	const hints = footerHints(scopes, bindings, states).map(hint => {
		const state = hint.commands?.map(command => states[command]).find(value => value !== undefined && value !== '');
		return {text: `${hint.keys} ${hint.label}${state === undefined ? '' : `:${state}`}`, isEssential: state !== undefined || ESSENTIAL_LABELS.has(hint.label)};
	});
	const length = (text: string) => [...text].length;
	for (const separator of [' · ', '  ']) {
		const full = hints.map(hint => hint.text).join(separator);
		if (length(full) <= width) {
			return full;
		}
	}

	const kept = [...hints];
	while (kept.some(hint => !hint.isEssential)) {
		const drop = kept.findLastIndex(hint => !hint.isEssential);
		kept.splice(drop, 1);
		const optional = kept.filter(hint => !hint.isEssential).map(hint => hint.text);
		const essential = kept.filter(hint => hint.isEssential).map(hint => hint.text);
		const text = [...optional, '…', ...essential].join('  ');
		if (length(text) <= width) {
			return text;
		}
	}

	return kept.map(hint => hint.text).join('  ');
}

/** Every key of a binding (or help row), printed: `↑ / k`. */
export function bindingKeys(binding: Pick<Binding, 'keys'>): string {
	return binding.keys.map(key => keyLabel(key)).join(' / ');
}

export type HelpRow = {
	readonly keys: readonly KeyName[];
	/** The commands of the row (`up · job-up`): bindings with the same keys and label share a row. */
	readonly commands: string;
	readonly description: string;
};

/**
 * One row per distinct key set and label, in table order: `↑ / k` moves the account selection and the
 * job selection (two bindings, two scopes), but is one row of the help and of the README.
 */
export function helpRows(bindings: readonly Binding[] = keymap): HelpRow[] {
	const rows: Array<{keys: readonly KeyName[]; commands: string[]; description: string; label: string}> = [];
	for (const binding of bindings) {
		const same = rows.find(row => row.label === binding.label && row.keys.join(' ') === binding.keys.join(' '));
		if (same) {
			if (!same.commands.includes(binding.command)) {
				same.commands.push(binding.command);
			}
		} else {
			rows.push({keys: binding.keys, commands: [binding.command], description: binding.description, label: binding.label});
		}
	}

	return rows.map(row => ({keys: row.keys, commands: row.commands.join(' · '), description: row.description}));
}

/** The keymap as a Markdown table (for README.md), one row per helpRows row. */
export function keymapMarkdown(bindings: readonly Binding[] = keymap): string {
	const lines = ['| keys | command | what it does |', '|---|---|---|'];
	for (const row of helpRows(bindings)) {
		const keys = row.keys.map(key => `\`${keyLabel(key)}\``).join(' ');
		lines.push(`| ${keys} | ${row.commands} | ${row.description} |`);
	}

	return lines.join('\n');
}
