import {describe, expect, test} from 'vitest';
import type {Key} from 'ink';
import {MAX_KEYS_PER_CHUNK, bindingKeys, commandFor, footerText, helpRows, keyLabel, keyNameOf, keyNamesOf, keymap, keymapMarkdown, type Scope} from '../../source/ui/keymap.js';

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

describe('keymap table', () => {
	test('no key is bound twice within scopes that can be active at the same time', () => {
		// The scope sets dashboard-state.ts scopesOf can produce.
		const combos: Scope[][] = [
			['global', 'overlay'],
			['global', 'confirm'],
			['global', 'accounts', 'panels', 'auto', 'notices'],
			['global', 'queue', 'panels', 'auto', 'notices'],
		];
		for (const combo of combos) {
			const seen = new Map<string, string>();
			for (const binding of keymap.filter(b => combo.includes(b.scope))) {
				for (const key of binding.keys) {
					expect(seen.get(key), `${key} in ${combo.join('+')}`).toBeUndefined();
					seen.set(key, binding.command);
				}
			}
		}
	});

	test('the commands of the brief, with their keys', () => {
		const keysOf = (command: string) => keymap.find(binding => binding.command === command)?.keys;
		expect(keysOf('up')).toEqual(['up', 'k', 'wheelup']);
		expect(keysOf('down')).toEqual(['down', 'j', 'wheeldown']);
		expect(keysOf('switch')).toEqual(['s']);
		expect(keysOf('open')).toEqual(['return']);
		expect(keysOf('back')).toEqual(['escape']);
		expect(keysOf('decisions')).toEqual(['D']);
		expect(keysOf('cancel-job')).toEqual(['x']);
		expect(keysOf('requeue')).toEqual(['R']);
		expect(keysOf('refresh')).toEqual(['r']);
		expect(keysOf('help')).toEqual(['?']);
		expect(keysOf('close')).toEqual(['escape']);
		expect(keysOf('quit')).toEqual(['q', 'ctrl+c']);
	});
});

describe('keyNameOf', () => {
	test.each([
		['', {upArrow: true}, 'up'],
		['', {downArrow: true}, 'down'],
		['\r', {return: true}, 'return'],
		['', {escape: true}, 'escape'],
		['c', {ctrl: true}, 'ctrl+c'],
		['j', {}, 'j'],
		['?', {}, '?'],
		['x', {meta: true}, undefined],
		['l', {ctrl: true}, 'ctrl+l'],
		['', {pageDown: true}, 'pagedown'],
	] as const)('%j %j → %s', (input, flags, expected) => {
		expect(keyNameOf(input, {...noKey, ...flags})).toBe(expected);
	});
});

describe('keyNamesOf: keys that arrive in one read', () => {
	test.each([
		['jjjjj', ['j', 'j', 'j', 'j', 'j']],
		['jj', ['j', 'j']],
		['kk', ['k', 'k']],
		['j\r', ['j', 'return']],
		['\tj', ['tab', 'j']],
		['j\u000Cq', ['j', 'ctrl+l', 'q']],
		['?jj', ['?', 'j', 'j']],
		['é€', ['é', '€']],
		['\u0000j', ['j']],
	] as const)('%j → %j', (input, expected) => {
		expect(keyNamesOf(input, noKey)).toEqual(expected);
	});

	test('named keys stay one key; meta drops; a huge paste is capped', () => {
		expect(keyNamesOf('', {...noKey, downArrow: true})).toEqual(['down']);
		expect(keyNamesOf('', {...noKey, return: true})).toEqual(['return']);
		expect(keyNamesOf('j', {...noKey, meta: true})).toEqual([]);
		expect(keyNamesOf('j'.repeat(10_000), noKey)).toHaveLength(MAX_KEYS_PER_CHUNK);
	});
});

describe('commandFor', () => {
	test('account keys work only while the list has focus', () => {
		expect(commandFor('j', ['global', 'accounts'])).toBe('down');
		expect(commandFor('j', ['global', 'overlay'])).toBe('help-down');
		expect(commandFor('d', ['global', 'overlay'])).toBeUndefined();
		expect(commandFor('escape', ['global', 'accounts'])).toBeUndefined();
		expect(commandFor('escape', ['global', 'overlay'])).toBe('close');
		expect(commandFor('q', ['global', 'overlay'])).toBe('quit');
		expect(commandFor('ctrl+c', ['global', 'accounts'])).toBe('quit');
		expect(commandFor('x', ['global', 'accounts'])).toBeUndefined();
	});
});

describe('footer', () => {
	test('generated from the table, merging shared labels', () => {
		expect(footerText(['global', 'accounts'])).toBe('↑↓ move · Enter open · s switch · r refresh · o sort · ? help · q quit');
		expect(footerText(['global', 'overlay'])).toBe('r refresh · ? help · ↑↓ scroll · Esc close · q quit');
		expect(footerText(['global', 'accounts', 'notices'])).toBe('↑↓ move · Enter open · s switch · r refresh · o sort · Esc dismiss · ? help · q quit');
	});

	test('fits narrow widths and always keeps help and quit', () => {
		for (let width = 16; width <= 60; width++) {
			const text = footerText(['global', 'accounts'], width);
			expect(text).toContain('? help');
			expect(text).toContain('q quit');
			expect([...text].length).toBeLessThanOrEqual(Math.max(width, '? help  q quit'.length));
		}
	});
});

test('keymapMarkdown lists every binding, one row per key set and label', () => {
	const markdown = keymapMarkdown();
	const lines = markdown.split('\n');
	expect(lines[0]).toBe('| keys | command | what it does |');
	expect(lines).toHaveLength(helpRows().length + 2);
	for (const binding of keymap) {
		expect(markdown).toContain(binding.command);
	}

	expect(markdown).toContain('| `q` `Ctrl+C` | quit |');
	expect(markdown).toContain('| `↑` `k` `Wheel↑` | up · job-up |');
	expect(markdown).toContain('| `↑` `k` `Wheel↑` | view-up · help-up |');
	// Every command is in the table exactly once (filter-clear has two bindings, Esc in two scopes: one row).
	expect(helpRows().flatMap(row => row.commands.split(' · ')).sort()).toEqual([...new Set(keymap.map(b => b.command))].sort());
});

test('labels', () => {
	expect(keyLabel('return')).toBe('Enter');
	expect(bindingKeys(keymap[0])).toBe('↑ / k / Wheel↑');
});
