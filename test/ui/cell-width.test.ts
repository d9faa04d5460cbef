/**
 * The build gives string-width a fast path for strings of one-cell characters (NARROW_CHARACTERS in
 * scripts/build.mjs: box drawing, blocks, braille, arrows, Latin-1 …). Here the patched string-width
 * (patchStringWidth applied to the installed index.js) must answer as the installed one does: for every
 * character of the set alone, and for strings mixing them with the characters that join or widen
 * (soft hyphen, combining marks, variation selectors, joiners, emoji, CJK).
 */
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {NARROW_CHARACTERS, patchStringWidth} from '../../scripts/build.mjs';

type StringWidth = (text: string, options?: {ambiguousIsNarrow?: boolean}) => number;

const narrow = new RegExp(`^[${NARROW_CHARACTERS}]$`);
const narrowCodePoints = Array.from({length: 0x1_0000}, (_, cp) => cp).filter(cp => narrow.test(String.fromCharCode(cp)));

// Written next to the installed index.js so its own imports (strip-ansi, get-east-asian-width) resolve.
const installed = createRequire(import.meta.url).resolve('string-width');
const patchedFile = path.join(path.dirname(installed), `.quota-tui-test-${process.pid}.js`);
let patched: StringWidth;

beforeAll(async () => {
	fs.writeFileSync(patchedFile, patchStringWidth(fs.readFileSync(installed, 'utf8')));
	patched = ((await import(pathToFileURL(patchedFile).href)) as {default: StringWidth}).default;
});
afterAll(() => fs.rmSync(patchedFile, {force: true}));

describe('NARROW_CHARACTERS', () => {
	test('covers the dashboard\'s bars, separators and marks, and not the ones that are not one cell', () => {
		for (const char of '█░│▁▇▏·—…→↑↓↺−●■□✓✗⚠§±×–›⠋⣿é') expect(narrow.test(char), char).toBe(true);
		// Soft hyphen (0 cells), ◽◾ (emoji, 2), ⌚ (emoji, 2), ☔ (emoji, 2), CJK (2), combining acute (0), VS16, ZWJ.
		for (const char of '\u00AD\u25FD\u25FE\u231A\u2614\u4E00\u0301\uFE0F\u200D\t') expect(narrow.test(char), `U+${char.codePointAt(0)!.toString(16)}`).toBe(false);
	});

	test('every one of them is one cell for the installed string-width, and none is a mark, joiner or emoji-presentation character', () => {
		expect(narrowCodePoints.length).toBeGreaterThan(1000);
		// Extended_Pictographic ones without Emoji_Presentation (©, ↔, ⚠) are text, one cell, unless a VS16 or ZWJ follows: neither is in the set.
		const joiners = /[\p{Mark}\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Emoji_Presentation}\p{Emoji_Modifier}\p{Regional_Indicator}]/u;
		const wrong = narrowCodePoints.filter(cp => {
			const char = String.fromCharCode(cp);
			return stringWidth(char) !== 1 || joiners.test(char);
		});
		expect(wrong.map(cp => `U+${cp.toString(16)}`)).toEqual([]);
	});
});

describe('the patched string-width', () => {
	const tricky = ['\u00AD', '\u0301', '\uFE0F', '\uFE0E', '\u200D', '\u20E3', '\u25FD', '\u231A', '\u4E00', '\uFF21', '😀', '🇫🇷', '\u001B[31m', '\u001B[0m', '\t', 'a', '1', '#'];
	const fromNarrow = fc.constantFrom(...narrowCodePoints).map(cp => String.fromCharCode(cp));

	test('measures strings of narrow characters, alone or mixed with joining and wide ones, as the installed one does', () => {
		fc.assert(fc.property(
			fc.array(fc.oneof({weight: 4, arbitrary: fromNarrow}, {weight: 1, arbitrary: fc.constantFrom(...tricky)}), {maxLength: 12}),
			fc.boolean(),
			(parts, ambiguousIsNarrow) => {
				const text = parts.join('');
				expect(patched(text, {ambiguousIsNarrow})).toBe(stringWidth(text, {ambiguousIsNarrow}));
				expect(patched(text)).toBe(stringWidth(text));
			},
		), {numRuns: 3000});
	});

	test('a bar of blocks and braille is as wide as it is long; ambiguous box drawing is two cells when asked', () => {
		expect(patched('██████░░░░│⣿⠋→')).toBe(14);
		expect(patched('│─', {ambiguousIsNarrow: false})).toBe(stringWidth('│─', {ambiguousIsNarrow: false}));
		expect(patched('│─', {ambiguousIsNarrow: false})).toBe(4);
	});
});
