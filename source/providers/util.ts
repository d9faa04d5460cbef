/**
 * Small helpers every provider shares: instants, units, window classification, files, executables.
 *
 * This module sits on the status-line hot path (it runs on every Claude Code status-line refresh), so
 * it imports node built-ins and engine *types* only: no luxon, no zod.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Origin, QuotaWindow, WindowKind} from '../engine/types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const FIVE_HOURS_MS = 5 * HOUR_MS;
export const SEVEN_DAYS_MS = 7 * 24 * HOUR_MS;
/** 43 800 minutes: the monthly window some Codex Team plans report. */
export const MONTH_MINUTES = 43_800;

/** Epoch ms → `2026-11-22T12:00:00Z` (milliseconds only when present), like engine isoAt(ms). */
export function isoUtc(ms: number): string {
	return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const OFFSET = /(?:Z|([+-])(\d\d):?(\d\d))$/i;

/**
 * An instant a provider wrote, normalised: to whole seconds (providers add sub-second noise that
 * changes with every response: `05:00:00.112536`), keeping the offset it was written with.
 * Accepts ISO 8601 with an offset, or epoch seconds (number or numeric string; values that only make
 * sense as milliseconds are read as such). Returns null when absent or unreadable.
 */
export function normaliseInstant(value: unknown): string | null {
	if (value === null || value === undefined || value === '') return null;
	let ms: number | undefined;
	let offsetMinutes = 0;
	if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value))) {
		const n = Number(value);
		if (!Number.isFinite(n) || n <= 0) return null;
		ms = n > 1e12 ? n : n * 1000;
	} else if (typeof value === 'string') {
		const text = value.trim().replaceAll('\u2212', '-');
		const offset = OFFSET.exec(text);
		if (!offset) return null;
		// Date.parse reads at most milliseconds reliably: cut longer fractions first.
		const parsed = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
		if (!Number.isFinite(parsed)) return null;
		ms = parsed;
		if (offset[1]) offsetMinutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
	} else {
		return null;
	}
	const rounded = Math.round(ms / 1000) * 1000;
	return offsetMinutes === 0 ? isoUtc(rounded) : isoWithOffset(rounded, offsetMinutes);
}

function isoWithOffset(ms: number, offsetMinutes: number): string {
	const local = new Date(ms + offsetMinutes * MINUTE_MS).toISOString().slice(0, 19);
	const sign = offsetMinutes < 0 ? '-' : '+';
	const abs = Math.abs(offsetMinutes);
	return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A finite number, or undefined (strings with a number inside are accepted; `""` is not 0). */
export function finite(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && value.trim() !== '') {
		const n = Number(value);
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

/** The largest percentage a provider may report (extra usage can pass 100 %); beyond it is nonsense (audit D17). */
export const MAX_PERCENT = 1000;

/** A percentage in 0–MAX_PERCENT, else undefined (not a number, negative, NaN, absurd). */
export function sanePercent(value: unknown): number | undefined {
	const n = finite(value);
	return n === undefined || n < 0 || n > MAX_PERCENT ? undefined : n;
}

/** A percentage 0–100 (may exceed 100, at most MAX_PERCENT) as a fraction; undefined when not a sane number. */
export function percentToFraction(value: unknown): number | undefined {
	const n = sanePercent(value);
	return n === undefined ? undefined : Math.round(n * 100) / 10_000;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Window kind from a duration in minutes (never from a primary/secondary slot): ≈300 → five_hour
 * (Codex wrote 299 for a while), ≈10080 → seven_day (10079), 43800 → monthly, else `custom:<N>m`.
 */
export function kindForMinutes(minutes: number): WindowKind {
	if (Math.abs(minutes - 300) <= 2) return 'five_hour';
	if (Math.abs(minutes - 10_080) <= 2) return 'seven_day';
	if (Math.abs(minutes - MONTH_MINUTES) <= 60) return 'monthly';
	return `custom:${Math.round(minutes)}m`;
}

/** The nominal length of a classified window (300 min for a 299-minute report). */
export function durationForKind(kind: WindowKind, minutes: number | undefined): number | null {
	if (kind === 'five_hour') return FIVE_HOURS_MS;
	if (kind === 'seven_day' || kind === 'seven_day_opus' || kind === 'seven_day_sonnet' || kind.startsWith('weekly:')) return SEVEN_DAYS_MS;
	if (kind === 'monthly') return MONTH_MINUTES * MINUTE_MS;
	return minutes !== undefined && minutes > 0 ? Math.round(minutes) * MINUTE_MS : null;
}

/** A provider-detected window. */
export function detectedWindow(kind: WindowKind, utilization: number | null, resetsAt: string | null, durationMs: number | null, origin: Origin, observedAt: string): QuotaWindow {
	return {kind, utilization, resetsAt, durationMs, source: 'provider-detected', origin, observedAt};
}

/** A slug usable inside a window kind (`GPT-5.3-Codex-Spark` → `gpt-5.3-codex-spark`). */
export function slug(text: string): string {
	return text.trim().toLowerCase().replaceAll(/[^a-z0-9.+_-]+/g, '-').replaceAll(/^-+|-+$/g, '') || 'unnamed';
}

/** Read and parse a JSON file: the value, or an error sentence naming the file. */
export function readJsonFile(file: string): {value: unknown} | {error: string; missing: boolean} {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {error: code === 'ENOENT' ? `${file} does not exist` : `${file} is not readable (${code ?? (error as Error).message})`, missing: code === 'ENOENT'};
	}
	try {
		return {value: JSON.parse(text) as unknown};
	} catch {
		return {error: `${file} is not valid JSON`, missing: false};
	}
}

/** The claims of a JWT (unverified: only for display and plan detection), or undefined. */
export function jwtClaims(token: unknown): Record<string, unknown> | undefined {
	if (typeof token !== 'string') return undefined;
	const part = token.split('.')[1];
	if (!part) return undefined;
	try {
		const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
		return isRecord(claims) ? claims : undefined;
	} catch {
		return undefined;
	}
}

/** The user's home: `HOME` of `env` when set and not empty, else the operating system's. */
export function userHome(env: NodeJS.ProcessEnv = process.env): string {
	return env['HOME'] || os.homedir();
}

/**
 * A directory as a user writes it: `~` and `~/…` against `home`, then made absolute against `base`
 * (the working directory unless given). The one tilde expansion for config dirs, Codex homes, Fleet
 * roots and CLAUDE_CONFIG_DIR.
 */
export function expandHome(dir: string, home: string, base?: string): string {
	const expanded = dir === '~' ? home : dir.startsWith('~/') ? path.join(home, dir.slice(2)) : dir;
	return base === undefined ? path.resolve(expanded) : path.resolve(base, expanded);
}

/** The absolute path of `name` on the PATH of `env`, or undefined. A path with a slash is taken as is. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
	const candidates = name.includes('/') || name.includes(path.sep)
		? [path.resolve(name)]
		: (env['PATH'] ?? '').split(path.delimiter).filter(Boolean).flatMap(dir => {
			const base = path.join(dir, name);
			return process.platform === 'win32' ? [base, `${base}.cmd`, `${base}.exe`] : [base];
		});
	for (const candidate of candidates) {
		try {
			const stat = fs.statSync(candidate);
			if (!stat.isFile()) continue;
			if (process.platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
			return candidate;
		} catch {
			// not this one
		}
	}
	return undefined;
}

/** Replace every occurrence of each secret in `text` (for error messages that might echo one). */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
	let out = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
	}
	return out;
}

/** `Retry-After` (seconds or an HTTP date) in ms at `now`; undefined when absent, zero or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (value === undefined || value.trim() === '') return undefined;
	if (/^\s*\d+(?:\.\d+)?\s*$/.test(value)) {
		const seconds = Number(value);
		return seconds > 0 ? Math.ceil(seconds * 1000) : undefined;
	}
	const at = Date.parse(value);
	return Number.isFinite(at) && at > now ? at - now : undefined;
}
