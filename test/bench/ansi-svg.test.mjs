// The ANSI → SVG converter behind `npm run screenshots` (scripts/lib/ansi-svg.mjs).
import {describe, expect, it} from 'vitest';
import {applySgr, color256, escapeXml, gridText, gridToSvg, parseAnsi, resolveColors, THEME} from '../../scripts/lib/ansi-svg.mjs';

const style = () => parseAnsi('', {cols: 1, rows: 1})[0][0].style;

describe('applySgr', () => {
	it('handles 16, 256 and truecolor in ; and : forms', () => {
		expect(applySgr(style(), '31').fg).toBe(THEME.ansi[1]);
		expect(applySgr(style(), '97').fg).toBe(THEME.ansi[15]);
		expect(applySgr(style(), '44').bg).toBe(THEME.ansi[4]);
		expect(applySgr(style(), '103').bg).toBe(THEME.ansi[11]);
		expect(applySgr(style(), '38;5;208').fg).toBe('#ff8700');
		expect(applySgr(style(), '38:5:244').fg).toBe('#808080');
		expect(applySgr(style(), '48;2;1;2;3').bg).toBe('#010203');
		expect(applySgr(style(), '38:2::255:0:16').fg).toBe('#ff0010');
		expect(applySgr(style(), '38:2:255:0:16').fg).toBe('#ff0010');
	});

	it('keeps reading parameters after an extended colour', () => {
		const s = applySgr(style(), '38;5;1;1;48;2;9;9;9;7');
		expect(s).toMatchObject({fg: THEME.ansi[1], bold: true, bg: '#090909', inverse: true});
	});

	it('resets, and 22/27/39/49 undo their attribute', () => {
		const s = applySgr(style(), '1;2;7;31;42');
		expect(applySgr({...s}, '0')).toEqual(style());
		expect(applySgr({...s}, '')).toEqual(style());
		expect(applySgr({...s}, '22;27;39;49')).toMatchObject({bold: false, dim: false, inverse: false, fg: null, bg: null});
	});
});

describe('color256', () => {
	it('maps the cube and the grey ramp like xterm', () => {
		expect(color256(16)).toBe('#000000');
		expect(color256(231)).toBe('#ffffff');
		expect(color256(196)).toBe('#ff0000');
		expect(color256(232)).toBe('#080808');
		expect(color256(255)).toBe('#eeeeee');
	});
});

describe('parseAnsi', () => {
	it('puts every character on the grid and skips escapes', () => {
		const grid = parseAnsi('\x1b[1m\x1b[36mab\x1b[0m c\x1b]8;;http://x\x07d\x1b]8;;\x1b\\\nxy', {cols: 6, rows: 3});
		expect(gridText(grid)).toBe('ab cd\nxy\n');
		expect(grid[0][0].style).toMatchObject({bold: true, fg: THEME.ansi[6]});
		expect(grid[0][3].style.bold).toBe(false);
		expect(grid.every(row => row.length === 6)).toBe(true);
	});

	it('gives wide characters two cells and drops what overflows', () => {
		const grid = parseAnsi('界x\nabcdefgh', {cols: 4, rows: 2});
		expect(grid[0].map(c => c.width)).toEqual([2, 0, 1, 1]);
		expect(gridText(grid)).toBe('界x\nabcd');
	});

	it('carries the style across lines as tmux expects', () => {
		const grid = parseAnsi('\x1b[32ma\nb', {cols: 2, rows: 2});
		expect(grid[1][0].style.fg).toBe(THEME.ansi[2]);
	});
});

describe('gridToSvg', () => {
	it('swaps colours for inverse and escapes XML', () => {
		expect(resolveColors(applySgr(style(), '7;33'))).toMatchObject({fg: THEME.background, bg: THEME.ansi[3]});
		expect(escapeXml('<a & "b">\x01')).toBe('&lt;a &amp; &quot;b&quot;&gt;\ufffd');
		const svg = gridToSvg(parseAnsi('\x1b[7m<&>\x1b[0m █', {cols: 5, rows: 1}));
		// Inverse: the background is the default foreground, the text the default background.
		expect(svg).toContain('<rect x="14" y="14" width="30" height="20" fill="#cccccc"/>');
		expect(svg).toContain('<text y="29.75" x="14 24 34" fill="#1e1e1e">&lt;&amp;&gt;</text>');
		// The block is a rectangle in the last cell, not a glyph.
		expect(svg).toMatch(/<rect x="54" y="14" width="10" height="20" fill="#cccccc"\/>/);
	});
});
