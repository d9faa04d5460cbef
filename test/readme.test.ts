/**
 * README.md stays true: its keys table is the keymap table, and it names every CLI command.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {COMMANDS} from '../source/cli/main.js';
import {keymapMarkdown} from '../source/ui/keymap.js';
import {ROOT} from './helpers/cli.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README.md', () => {
	it('has the keymap table generated from source/ui/keymap.ts', () => {
		const block = /<!-- keymap:start[^>]*-->\n([\s\S]*?)<!-- keymap:end -->/.exec(readme);
		expect(block, 'README.md needs the keymap:start/keymap:end markers').not.toBeNull();
		expect(block![1]!.trim(), 'run "npm run docs" to regenerate it').toBe(keymapMarkdown().trim());
	});

	it('documents every command and the two-command set-up', () => {
		for (const command of COMMANDS) expect(readme).toContain(`quota-tui ${command.name === 'dashboard' ? '[dashboard]' : command.name}`);
		for (const text of ['npm install', 'npm start', 'npm test']) expect(readme).toContain(text);
	});
});
