/**
 * The one table of key bindings. It drives the input handler (`commandFor`), the footer
 * (`footerHints`), the `?` overlay and the README keys table (`keymapMarkdown`). Only keys that do
 * something are listed, each with the scope it works in (`queue` while the queue has focus, …).
 */
import type {Key} from 'ink';

export type Command = 'up' | 'down' | 'switch' | 'refresh' | 'help' | 'close' | 'quit' | 'focus' | 'auto' | 'job-up' | 'job-down' | 'dispatch' | 'confirm' | 'cancel';

/**
 * Where a binding applies: `global` always; `accounts` while the account list has focus and no overlay
 * is open; `overlay` while the help overlay is open; `queue` while the queue panel has focus (Tab);
 * `confirm` while a dispatch waits for y/n.
 */
export type Scope = 'global' | 'accounts' | 'overlay' | 'queue' | 'confirm' | 'panels';

/** Normalised key names: a printable character (`k`, `?`) or a named key. */
export type KeyName = 'up' | 'down' | 'return' | 'escape' | 'tab' | 'ctrl+c' | (string & {});

export type Binding = {
	readonly command: Command;
	readonly keys: readonly KeyName[];
	/** Short label for the footer. Bindings sharing a label are merged there (`↑↓ move`). */
	readonly label: string;
	/** One sentence for the overlay and the README. */
	readonly description: string;
	readonly scope: Scope;
	/** Shown in the footer (the overlay always lists every binding). */
	readonly footer: boolean;
};

export const keymap = [
	{command: 'up', keys: ['up', 'k'], label: 'move', description: 'Select the previous account', scope: 'accounts', footer: true},
	{command: 'down', keys: ['down', 'j'], label: 'move', description: 'Select the next account', scope: 'accounts', footer: true},
	{command: 'switch', keys: ['return', 's'], label: 'switch', description: 'Make the selected account the active one', scope: 'accounts', footer: true},
	{command: 'job-up', keys: ['up', 'k'], label: 'move', description: 'Select the previous job (queue focused)', scope: 'queue', footer: true},
	{command: 'job-down', keys: ['down', 'j'], label: 'move', description: 'Select the next job (queue focused)', scope: 'queue', footer: true},
	{command: 'dispatch', keys: ['d'], label: 'dispatch', description: 'Dispatch the selected job now, through the gate (asks y/n first)', scope: 'queue', footer: true},
	{command: 'confirm', keys: ['y'], label: 'yes', description: 'Confirm the dispatch', scope: 'confirm', footer: true},
	{command: 'cancel', keys: ['n', 'escape'], label: 'no', description: 'Do not dispatch', scope: 'confirm', footer: true},
	{command: 'focus', keys: ['tab'], label: 'focus', description: 'Move focus between the accounts and the queue', scope: 'panels', footer: true},
	{command: 'auto', keys: ['a'], label: 'auto', description: 'Cycle auto mode off → suggest → auto (saved to the config)', scope: 'panels', footer: true},
	{command: 'refresh', keys: ['r'], label: 'refresh', description: 'Re-read every source now', scope: 'global', footer: true},
	{command: 'help', keys: ['?'], label: 'help', description: 'Show or hide this list of keys', scope: 'global', footer: true},
	{command: 'close', keys: ['escape'], label: 'close', description: 'Close the help overlay', scope: 'overlay', footer: true},
	{command: 'quit', keys: ['q', 'ctrl+c'], label: 'quit', description: 'Quit the dashboard (running jobs keep running)', scope: 'global', footer: true},
] as const satisfies readonly Binding[];

const KEY_LABELS: Readonly<Record<string, string>> = {
	up: '↑',
	down: '↓',
	return: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	'ctrl+c': 'Ctrl+C',
};

/** How a key is printed: `↑`, `Enter`, `Esc`, `Ctrl+C`, or the character itself. */
export function keyLabel(key: KeyName): string {
	return KEY_LABELS[key] ?? key;
}

/** Turn Ink's `(input, key)` pair into one key name, or undefined for keys nobody binds. */
export function keyNameOf(input: string, key: Readonly<Key>): KeyName | undefined {
	if (key.upArrow) {
		return 'up';
	}

	if (key.downArrow) {
		return 'down';
	}

	if (key.return) {
		return 'return';
	}

	if (key.escape) {
		return 'escape';
	}

	if (key.tab) {
		return 'tab';
	}

	if (key.ctrl) {
		return input.length === 1 ? `ctrl+${input.toLowerCase()}` : undefined;
	}

	if (key.meta) {
		return undefined;
	}

	return [...input].length === 1 ? input : undefined;
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

export type FooterHint = {readonly keys: string; readonly label: string};

/**
 * Footer hints for the active scopes, in table order. Bindings that share a label are merged and show
 * their first key each (`↑↓ move`).
 */
export function footerHints(scopes: readonly Scope[], bindings: readonly Binding[] = keymap): FooterHint[] {
	const hints: Array<{keys: string[]; label: string}> = [];
	for (const binding of bindings) {
		if (!binding.footer || !scopes.includes(binding.scope)) {
			continue;
		}

		const first = binding.keys[0];
		if (first === undefined) {
			continue;
		}

		const existing = hints.find(hint => hint.label === binding.label);
		if (existing) {
			existing.keys.push(keyLabel(first));
		} else {
			hints.push({keys: [keyLabel(first)], label: binding.label});
		}
	}

	return hints.map(hint => ({keys: hint.keys.join(''), label: hint.label}));
}

/** Hints kept when the footer is too narrow for all of them: the way to every key, and the way out. */
const ESSENTIAL_LABELS = new Set(['help', 'close', 'quit']);

/**
 * The footer as one line, `↑↓ move · Enter switch · r refresh · ? help · q quit`, fitted to `width`:
 * tighter separators first, then hints other than help/close/quit are dropped from the right (marked
 * `…`), since the `?` overlay lists every key anyway.
 */
export function footerText(scopes: readonly Scope[], width = Number.POSITIVE_INFINITY, bindings: readonly Binding[] = keymap): string {
	const hints = footerHints(scopes, bindings).map(hint => ({text: `${hint.keys} ${hint.label}`, isEssential: ESSENTIAL_LABELS.has(hint.label)}));
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

/** Every key of a binding, printed: `↑ / k`. */
export function bindingKeys(binding: Binding): string {
	return binding.keys.map(key => keyLabel(key)).join(' / ');
}

/** The keymap as a Markdown table (for README.md). */
export function keymapMarkdown(bindings: readonly Binding[] = keymap): string {
	const lines = ['| keys | command | what it does |', '|---|---|---|'];
	for (const binding of bindings) {
		const keys = binding.keys.map(key => `\`${keyLabel(key)}\``).join(' ');
		lines.push(`| ${keys} | ${binding.command} | ${binding.description} |`);
	}

	return lines.join('\n');
}
