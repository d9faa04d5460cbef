// ANSI terminal capture (as printed by `tmux capture-pane -e -p`) → SVG on a fixed monospace grid.
//
// parseAnsi() turns the text into a cols×rows grid of cells {ch, width, style}; it understands SGR
// (reset, bold, dim, italic, underline, inverse, hidden, strikethrough, 16/256/truecolor fg and bg in
// both `;` and `:` forms) and skips every other escape sequence. gridToSvg() draws the grid: one
// background rectangle per run of equal background, block elements (█▌░…) as exact rectangles so bars
// line up with no seams, and text with an explicit x for every character so glyphs stay on the grid
// whatever font ends up drawing them.

/** Dark theme; the 16 ANSI colours follow the common VS Code terminal palette. */
export const THEME = {
	background: '#1e1e1e',
	foreground: '#cccccc',
	ansi: [
		'#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5',
		'#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff',
	],
};

const hex2 = n => n.toString(16).padStart(2, '0');
const rgbHex = (r, g, b) => `#${hex2(r)}${hex2(g)}${hex2(b)}`;

/** xterm 256-colour index → #rrggbb (0–15 from the theme). */
export function color256(index, theme = THEME) {
	if (index < 16) {
		return theme.ansi[index];
	}
	if (index < 232) {
		const n = index - 16;
		const level = v => (v === 0 ? 0 : 55 + v * 40);
		return rgbHex(level(Math.floor(n / 36)), level(Math.floor(n / 6) % 6), level(n % 6));
	}
	const grey = 8 + (index - 232) * 10;
	return rgbHex(grey, grey, grey);
}

const plainStyle = () => ({fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, hidden: false, strike: false});

/**
 * Parse an extended colour (after 38/48) from SGR parameters. `params` is an array of sub-parameter
 * arrays (`38;5;1` → [[38],[5],[1]], `38:5:1` → [[38,5,1]]). Returns [colour|null, parameters used].
 */
function extendedColor(params, i, theme) {
	const head = params[i];
	if (head.length > 1) {
		// Colon form: 38:5:N or 38:2:[colourspace]:R:G:B (the colourspace id may be empty or absent).
		if (head[1] === 5 && head.length >= 3) {
			return [color256(clampByte(head[2]), theme), 1];
		}
		if (head[1] === 2) {
			const rgb = head.length >= 6 ? head.slice(3, 6) : head.slice(2, 5);
			return rgb.length === 3 ? [rgbHex(...rgb.map(clampByte)), 1] : [null, 1];
		}
		return [null, 1];
	}
	const mode = params[i + 1]?.[0];
	if (mode === 5 && params[i + 2] !== undefined) {
		return [color256(clampByte(params[i + 2][0]), theme), 3];
	}
	if (mode === 2 && params[i + 4] !== undefined) {
		return [rgbHex(clampByte(params[i + 2][0]), clampByte(params[i + 3][0]), clampByte(params[i + 4][0])), 5];
	}
	return [null, 1];
}

const clampByte = v => Math.max(0, Math.min(255, Number.isFinite(v) ? v : 0));

/** Apply one SGR sequence's parameter string (`1;38;5;208`) to `style`, in place. */
export function applySgr(style, paramText, theme = THEME) {
	const params = (paramText === '' ? '0' : paramText).split(';').map(part => part.split(':').map(s => (s === '' ? Number.NaN : Number(s))));
	for (let i = 0; i < params.length;) {
		const code = Number.isNaN(params[i][0]) ? 0 : params[i][0];
		let used = 1;
		if (code === 0) {
			Object.assign(style, plainStyle());
		} else if (code === 1) {
			style.bold = true;
		} else if (code === 2) {
			style.dim = true;
		} else if (code === 3) {
			style.italic = true;
		} else if (code === 4) {
			// 4:0 is "no underline"; 4:1…4:5 are underline styles.
			style.underline = params[i].length < 2 || params[i][1] !== 0;
		} else if (code === 7) {
			style.inverse = true;
		} else if (code === 8) {
			style.hidden = true;
		} else if (code === 9) {
			style.strike = true;
		} else if (code === 21) {
			style.underline = true; // double underline, drawn single
		} else if (code === 22) {
			style.bold = false;
			style.dim = false;
		} else if (code === 23) {
			style.italic = false;
		} else if (code === 24) {
			style.underline = false;
		} else if (code === 27) {
			style.inverse = false;
		} else if (code === 28) {
			style.hidden = false;
		} else if (code === 29) {
			style.strike = false;
		} else if (code >= 30 && code <= 37) {
			style.fg = theme.ansi[code - 30];
		} else if (code === 38 || code === 48 || code === 58) {
			const [color, n] = extendedColor(params, i, theme);
			used = n;
			if (code === 38) {
				style.fg = color;
			} else if (code === 48) {
				style.bg = color;
			} // 58 = underline colour: consumed, not drawn
		} else if (code === 39) {
			style.fg = null;
		} else if (code >= 40 && code <= 47) {
			style.bg = theme.ansi[code - 40];
		} else if (code === 49) {
			style.bg = null;
		} else if (code >= 90 && code <= 97) {
			style.fg = theme.ansi[code - 90 + 8];
		} else if (code >= 100 && code <= 107) {
			style.bg = theme.ansi[code - 100 + 8];
		}
		i += used;
	}
	return style;
}

// Zero-width and double-width code points, close to what tmux (wcwidth) uses.
const ZERO_WIDTH = [[0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x0610, 0x061a], [0x064b, 0x065f], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x2064], [0x20d0, 0x20ff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f], [0xfeff, 0xfeff], [0x1f3fb, 0x1f3ff], [0xe0000, 0xe0fff]];
const WIDE = [[0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797], [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x18aff], [0x1b000, 0x1b2ff], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x3fffd]];
const inRanges = (cp, ranges) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

export function charWidth(cp) {
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
		return 0;
	}
	if (inRanges(cp, ZERO_WIDTH)) {
		return 0;
	}
	return inRanges(cp, WIDE) ? 2 : 1;
}

/**
 * Parse a capture into a grid: `rows` arrays of `cols` cells. A cell is {ch, width, style}; the cell
 * after a wide character has width 0. Characters past `cols` are dropped (a capture never has them).
 */
export function parseAnsi(text, {cols, rows, theme = THEME}) {
	const style = plainStyle();
	const blank = () => ({ch: ' ', width: 1, style: {...style, fg: null, bg: null}});
	const grid = [];
	const lines = text.replace(/\r\n?/g, '\n').split('\n');
	for (let row = 0; row < rows; row++) {
		const line = lines[row] ?? '';
		const cells = [];
		let i = 0;
		while (i < line.length) {
			const c = line[i];
			if (c === '\x1b') {
				const next = line[i + 1];
				if (next === '[') {
					// CSI: parameters 0x30–0x3f, intermediates 0x20–0x2f, final 0x40–0x7e.
					let j = i + 2;
					while (j < line.length && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x3f) {
						j++;
					}
					const final = line[j];
					if (final === 'm') {
						applySgr(style, line.slice(i + 2, j), theme);
					}
					i = j + 1;
				} else if (next === ']' || next === 'P' || next === '_' || next === '^') {
					// OSC / DCS / APC / PM: up to BEL or ST (ESC \).
					let j = i + 2;
					while (j < line.length && line[j] !== '\x07' && !(line[j] === '\x1b' && line[j + 1] === '\\')) {
						j++;
					}
					i = line[j] === '\x07' ? j + 1 : j + 2;
				} else if (next === '(' || next === ')') {
					i += 3; // charset designation
				} else {
					i += 2;
				}
				continue;
			}
			const cp = line.codePointAt(i);
			const ch = String.fromCodePoint(cp);
			i += ch.length;
			if (c === '\t') {
				const stop = Math.min(cols, (Math.floor(cells.length / 8) + 1) * 8);
				while (cells.length < stop) {
					cells.push({ch: ' ', width: 1, style: {...style}});
				}
				continue;
			}
			const width = charWidth(cp);
			if (width === 0) {
				// Combining mark: attach to the previous character; drop other controls.
				if (cp >= 0x20 && cells.length > 0) {
					const last = cells.findLast(cell => cell.width > 0);
					if (last) {
						last.ch += ch;
					}
				}
				continue;
			}
			if (cells.length + width > cols) {
				continue;
			}
			cells.push({ch, width, style: {...style}});
			if (width === 2) {
				cells.push({ch: '', width: 0, style: {...style}});
			}
		}
		while (cells.length < cols) {
			cells.push(blank());
		}
		grid.push(cells);
	}
	return grid;
}

/** Mix two #rrggbb colours: t = 0 → a, 1 → b. */
function mix(a, b, t) {
	const pa = [1, 3, 5].map(k => parseInt(a.slice(k, k + 2), 16));
	const pb = [1, 3, 5].map(k => parseInt(b.slice(k, k + 2), 16));
	return rgbHex(...pa.map((v, k) => Math.round(v + (pb[k] - v) * t)));
}

/** The colours a cell is drawn with, after inverse, dim and hidden. */
export function resolveColors(style, theme = THEME) {
	let fg = style.fg ?? theme.foreground;
	let bg = style.bg ?? theme.background;
	if (style.inverse) {
		[fg, bg] = [bg, fg];
	}
	if (style.dim) {
		fg = mix(bg, fg, 0.6);
	}
	if (style.hidden) {
		fg = bg;
	}
	return {fg, bg, defaultBg: bg === theme.background};
}

export function escapeXml(text) {
	return text
		// Characters XML 1.0 does not allow at all.
		.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd') // eslint-disable-line no-control-regex
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');
}

/**
 * Block elements drawn as rectangles: [x0, y0, x1, y1] as fractions of the cell, and the opacity of
 * the foreground (shades ░▒▓ become translucent fills instead of dot patterns).
 */
const BLOCKS = new Map([
	['█', [[0, 0, 1, 1], 1]], ['▀', [[0, 0, 1, 0.5], 1]], ['▄', [[0, 0.5, 1, 1], 1]],
	['▐', [[0.5, 0, 1, 1], 1]], ['▔', [[0, 0, 1, 0.125], 1]], ['▕', [[0.875, 0, 1, 1], 1]],
	['░', [[0, 0, 1, 1], 0.25]], ['▒', [[0, 0, 1, 1], 0.5]], ['▓', [[0, 0, 1, 1], 0.75]],
	...['▁', '▂', '▃', '▅', '▆', '▇'].map((ch, k) => [ch, [[0, 1 - [1, 2, 3, 5, 6, 7][k] / 8, 1, 1], 1]]),
	...['▉', '▊', '▋', '▌', '▍', '▎', '▏'].map((ch, k) => [ch, [[0, 0, (7 - k) / 8, 1], 1]]),
]);

const round = v => Math.round(v * 100) / 100;

/**
 * Draw a grid as SVG.
 * @param {ReturnType<typeof parseAnsi>} grid
 * @param {{cellWidth?: number, lineHeight?: number, fontSize?: number, padding?: number, fontFamily?: string, theme?: typeof THEME}} options
 * DejaVu Sans Mono advances 1233/2048 em and spans ascent 0.928 em + descent 0.236 em, so the defaults
 * (10 px cells, 16.61 px type, 20 px lines) put every glyph on whole pixels with blocks touching.
 */
export function gridToSvg(grid, {cellWidth = 10, lineHeight = 20, fontSize = 16.61, padding = 14, fontFamily = 'DejaVu Sans Mono', theme = THEME} = {}) {
	const rows = grid.length;
	const cols = grid[0]?.length ?? 0;
	const width = padding * 2 + cols * cellWidth;
	const height = padding * 2 + rows * lineHeight;
	const ascent = 0.928 * fontSize;
	const baselineOffset = round((lineHeight - 1.164 * fontSize) / 2 + ascent);
	const out = [];
	out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
	out.push(`<rect width="${width}" height="${height}" rx="8" fill="${theme.background}"/>`);
	out.push(`<g font-family="${escapeXml(fontFamily)}" font-size="${fontSize}" xml:space="preserve">`);
	for (let row = 0; row < rows; row++) {
		const y = padding + row * lineHeight;
		const cells = grid[row].map(cell => ({...cell, colors: resolveColors(cell.style, theme)}));
		// Backgrounds: one rectangle per run of the same non-default colour.
		for (let col = 0; col < cols;) {
			const {bg, defaultBg} = cells[col].colors;
			let end = col + 1;
			while (end < cols && cells[end].colors.bg === bg) {
				end++;
			}
			if (!defaultBg) {
				out.push(`<rect x="${padding + col * cellWidth}" y="${y}" width="${(end - col) * cellWidth}" height="${lineHeight}" fill="${bg}"/>`);
			}
			col = end;
		}
		// Foreground: blocks as rectangles, the rest as text runs of equal style.
		let run;
		const flush = () => {
			if (run && run.chars.length > 0) {
				const s = run.style;
				const attrs = [`y="${y + baselineOffset}"`, `x="${run.xs.join(' ')}"`, `fill="${run.fg}"`];
				if (s.bold) {
					attrs.push('font-weight="bold"');
				}
				if (s.italic) {
					attrs.push('font-style="italic"');
				}
				out.push(`<text ${attrs.join(' ')}>${escapeXml(run.chars.join(''))}</text>`);
			}
			run = undefined;
		};
		for (let col = 0; col < cols; col++) {
			const cell = cells[col];
			const x = padding + col * cellWidth;
			const {fg} = cell.colors;
			if (cell.width === 0 || cell.style.hidden) {
				continue;
			}
			if (cell.style.underline) {
				out.push(`<rect x="${x}" y="${round(y + baselineOffset + 2)}" width="${cellWidth * cell.width}" height="1" fill="${fg}"/>`);
			}
			if (cell.style.strike) {
				out.push(`<rect x="${x}" y="${round(y + lineHeight / 2)}" width="${cellWidth * cell.width}" height="1" fill="${fg}"/>`);
			}
			const block = BLOCKS.get(cell.ch);
			if (block) {
				const [[x0, y0, x1, y1], opacity] = block;
				const opacityAttr = opacity < 1 ? ` fill-opacity="${opacity}"` : '';
				out.push(`<rect x="${round(x + x0 * cellWidth)}" y="${round(y + y0 * lineHeight)}" width="${round((x1 - x0) * cellWidth)}" height="${round((y1 - y0) * lineHeight)}" fill="${fg}"${opacityAttr}/>`);
				continue;
			}
			if (cell.ch === ' ') {
				continue;
			}
			const key = `${fg}|${cell.style.bold}|${cell.style.italic}`;
			// A character with combining marks or outside the BMP gets a <text> of its own, so the
			// per-character x list of a run never has to count code units.
			const alone = cell.ch.length > 1;
			if (!run || run.key !== key || alone) {
				flush();
				run = {key, fg, style: cell.style, chars: [], xs: []};
			}
			run.chars.push(cell.ch);
			run.xs.push(x);
			if (alone) {
				flush();
			}
		}
		flush();
	}
	out.push('</g>', '</svg>', '');
	return out.join('\n');
}

/** Plain text of a grid (what a reader sees), for checks. */
export function gridText(grid) {
	return grid.map(cells => cells.map(cell => cell.ch).join('').trimEnd()).join('\n');
}
