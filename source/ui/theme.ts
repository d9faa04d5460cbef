/**
 * Semantic colours. Components ask for a tone (`ok`, `warn`, `critical`, `muted`, `accent`), never for a
 * colour. With NO_COLOR (https://no-color.org) every tone and every text style is dropped, so the frame
 * has no ANSI escapes at all. Colour is never the only signal: numbers, badges and markers are always
 * printed as text.
 */
import {createContext, useContext} from 'react';
import {DEFAULT_POLICY} from '../engine/types.js';

export type Tone = 'ok' | 'warn' | 'critical' | 'muted' | 'accent' | 'normal';

/** Props spread onto an Ink `<Text>`. */
export type TextStyle = {
	readonly color?: string;
	readonly bold?: boolean;
	readonly dimColor?: boolean;
	readonly inverse?: boolean;
};

export type Theme = {
	/** False under NO_COLOR: every style below is empty. */
	readonly isColor: boolean;
	/** Utilization at or above which a window shows as `warn`. @default policy.warnThreshold (0.80) */
	readonly warnAt: number;
	/** Utilization at or above which a window shows as `critical`. @default policy.switchThreshold (0.90) */
	readonly criticalAt: number;
	tone(tone: Tone): TextStyle;
	/** Emphasis (bold) that disappears under NO_COLOR. */
	strong(tone?: Tone): TextStyle;
	/** A badge-like highlight (inverse) that disappears under NO_COLOR. */
	badge(tone: Tone): TextStyle;
};

const COLORS: Record<Tone, string | undefined> = {
	ok: 'green',
	warn: 'yellow',
	critical: 'red',
	muted: 'gray',
	accent: 'cyan',
	normal: undefined,
};

const EMPTY: TextStyle = {};

export type ThemeOptions = {
	/** @default true */
	readonly isColor?: boolean;
	readonly warnAt?: number;
	readonly criticalAt?: number;
};

export function createTheme(options: ThemeOptions = {}): Theme {
	const isColor = options.isColor ?? true;
	const color = (tone: Tone): TextStyle => {
		const value = COLORS[tone];
		return value === undefined ? EMPTY : {color: value};
	};

	return {
		isColor,
		warnAt: options.warnAt ?? DEFAULT_POLICY.warnThreshold,
		criticalAt: options.criticalAt ?? DEFAULT_POLICY.switchThreshold,
		tone: tone => (isColor ? color(tone) : EMPTY),
		strong: (tone = 'normal') => (isColor ? {...color(tone), bold: true} : EMPTY),
		badge: tone => (isColor ? {...color(tone), inverse: true} : EMPTY),
	};
}

/** True when the NO_COLOR convention asks for no colour (set and non-empty). */
export function isNoColor(env: Readonly<Record<string, string | undefined>>): boolean {
	const value = env['NO_COLOR'];
	return value !== undefined && value !== '';
}

/** The theme for an environment: colourless under NO_COLOR. */
export function themeFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Theme {
	return createTheme({isColor: !isNoColor(env)});
}

/** The tone of a utilization fraction: `muted` when unknown, then ok → warn → critical by threshold. */
export function utilizationTone(theme: Theme, fraction: number | null): Tone {
	if (fraction === null || !Number.isFinite(fraction)) {
		return 'muted';
	}

	if (fraction >= theme.criticalAt) {
		return 'critical';
	}

	return fraction >= theme.warnAt ? 'warn' : 'ok';
}

export const ThemeContext = createContext<Theme>(createTheme());

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
