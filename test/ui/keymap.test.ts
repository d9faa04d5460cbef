import {describe, expect, test} from 'vitest';
import type {Key} from 'ink';
import {bindingKeys, commandFor, footerText, keyLabel, keyNameOf, keymap, keymapMarkdown} from '../../source/ui/keymap.js';

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

describe('keymap table', () => {
	test('no key is bound twice within a scope that can be active at the same time', () => {
		const seen = new Map<string, string>();
		for (const binding of keymap) {
			for (const key of binding.keys) {
				for (const scope of binding.scope === 'global' ? ['accounts', 'overlay'] : [binding.scope]) {
					const id = `${scope}:${key}`;
					expect(seen.get(id), `${key} in ${scope}`).toBeUndefined();
					seen.set(id, binding.command);
				}
			}
		}
	});

	test('the commands of the brief, with their keys', () => {
		const keysOf = (command: string) => keymap.find(binding => binding.command === command)?.keys;
		expect(keysOf('up')).toEqual(['up', 'k']);
		expect(keysOf('down')).toEqual(['down', 'j']);
		expect(keysOf('switch')).toEqual(['return', 's']);
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
		['paste', {}, undefined],
	] as const)('%j %j → %s', (input, flags, expected) => {
		expect(keyNameOf(input, {...noKey, ...flags})).toBe(expected);
	});
});

describe('commandFor', () => {
	test('account keys work only while the list has focus', () => {
		expect(commandFor('j', ['global', 'accounts'])).toBe('down');
		expect(commandFor('j', ['global', 'overlay'])).toBeUndefined();
		expect(commandFor('escape', ['global', 'accounts'])).toBeUndefined();
		expect(commandFor('escape', ['global', 'overlay'])).toBe('close');
		expect(commandFor('q', ['global', 'overlay'])).toBe('quit');
		expect(commandFor('ctrl+c', ['global', 'accounts'])).toBe('quit');
		expect(commandFor('x', ['global', 'accounts'])).toBeUndefined();
	});
});

describe('footer', () => {
	test('generated from the table, merging shared labels', () => {
		expect(footerText(['global', 'accounts'])).toBe('↑↓ move · Enter switch · r refresh · ? help · q quit');
		expect(footerText(['global', 'overlay'])).toBe('r refresh · ? help · Esc close · q quit');
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

test('keymapMarkdown lists every binding', () => {
	const markdown = keymapMarkdown();
	const lines = markdown.split('\n');
	expect(lines[0]).toBe('| keys | command | what it does |');
	expect(lines).toHaveLength(keymap.length + 2);
	for (const binding of keymap) {
		expect(markdown).toContain(`| ${binding.command} | ${binding.description} |`);
	}

	expect(markdown).toContain('| `q` `Ctrl+C` | quit |');
	expect(markdown).toContain('| `↑` `k` | up |');
});

test('labels', () => {
	expect(keyLabel('return')).toBe('Enter');
	expect(bindingKeys(keymap[0])).toBe('↑ / k');
});
