/**
 * Codex rate limits in every shape they come in (provider-formats §4), turned into windows classified
 * by duration, never by the primary/secondary slot (a free plan's only window is weekly, in `primary`).
 *
 * - rollout v1 (≈ Sept 2025): flat `primary_used_percent`, `primary_window_minutes`, optional
 *   `primary_reset_after_seconds` (relative)
 * - rollout v2: nested `primary.{used_percent, window_minutes, resets_in_seconds}` (relative to the
 *   line's timestamp; minutes were 299 / 10079)
 * - rollout v3: nested with absolute `resets_at` (epoch s), `limit_id`, `limit_name`, `plan_type`, …
 * - app-server: camelCase `usedPercent`, `windowDurationMins`, `resetsAt`, `rateLimitsByLimitId`
 * - wham/usage: `used_percent`, `limit_window_seconds`, `reset_at`, `additional_rate_limits[]`
 *
 * The main bucket is `limit_id` "codex" (or none); other families (a model's own cap such as
 * "GPT-5.3-Codex-Spark") become `weekly:<name>` or `custom:<name>-<length>` windows.
 */
import type {Origin, QuotaWindow, WindowKind} from '../engine/types.js';
import {detectedWindow, durationForKind, finite, isRecord, isoUtc, kindForMinutes, MINUTE_MS, sanePercent, slug} from './util.js';

/** One window as every shape can express it. */
export type RawCodexWindow = {
	usedPercent: number;
	minutes?: number | undefined;
	/** Absolute reset, epoch ms. */
	resetMs?: number | undefined;
};

export type CodexFamily = {
	/** `codex` (or null) for the main bucket. */
	limitId: string | null;
	limitName: string | null;
	windows: RawCodexWindow[];
	planType?: string | undefined;
};

export const isMainFamily = (limitId: string | null | undefined) => limitId === null || limitId === undefined || limitId === 'codex';

function rawWindow(used: unknown, minutes: unknown, resetMs: number | undefined): RawCodexWindow | undefined {
	const usedPercent = sanePercent(used);
	if (usedPercent === undefined) return undefined;
	const m = finite(minutes);
	// A window with nothing in it and nothing known about it carries no information.
	if (usedPercent === 0 && m === undefined && resetMs === undefined) return undefined;
	return {usedPercent, minutes: m !== undefined && m > 0 ? m : undefined, resetMs};
}

const secondsToMs = (value: unknown): number | undefined => {
	const n = finite(value);
	return n === undefined || n <= 0 ? undefined : n > 1e12 ? n : n * 1000;
};

/** A rollout `rate_limits` object (v1, v2 or v3) of a line written at `lineMs`. */
export function rolloutFamily(rateLimits: unknown, lineMs: number): CodexFamily | undefined {
	if (!isRecord(rateLimits)) return undefined;
	const windows: RawCodexWindow[] = [];
	if ('primary_used_percent' in rateLimits || 'secondary_used_percent' in rateLimits) {
		for (const slot of ['primary', 'secondary'] as const) {
			const after = finite(rateLimits[`${slot}_reset_after_seconds`]);
			const w = rawWindow(rateLimits[`${slot}_used_percent`], rateLimits[`${slot}_window_minutes`], after === undefined ? undefined : lineMs + after * 1000);
			if (w) windows.push(w);
		}
	} else {
		for (const slot of ['primary', 'secondary'] as const) {
			const value = rateLimits[slot];
			if (!isRecord(value)) continue;
			const relative = finite(value['resets_in_seconds']);
			const resetMs = secondsToMs(value['resets_at']) ?? (relative === undefined ? undefined : lineMs + relative * 1000);
			const w = rawWindow(value['used_percent'], value['window_minutes'], resetMs);
			if (w) windows.push(w);
		}
	}
	return {
		limitId: typeof rateLimits['limit_id'] === 'string' ? rateLimits['limit_id'] : null,
		limitName: typeof rateLimits['limit_name'] === 'string' ? rateLimits['limit_name'] : null,
		windows,
		planType: typeof rateLimits['plan_type'] === 'string' ? rateLimits['plan_type'] : undefined,
	};
}

/** An app-server `RateLimitSnapshot` (camelCase). */
export function appServerFamily(snapshot: unknown): CodexFamily | undefined {
	if (!isRecord(snapshot)) return undefined;
	const windows: RawCodexWindow[] = [];
	for (const slot of ['primary', 'secondary'] as const) {
		const value = snapshot[slot];
		if (!isRecord(value)) continue;
		const w = rawWindow(value['usedPercent'], value['windowDurationMins'], secondsToMs(value['resetsAt']));
		if (w) windows.push(w);
	}
	return {
		limitId: typeof snapshot['limitId'] === 'string' ? snapshot['limitId'] : null,
		limitName: typeof snapshot['limitName'] === 'string' ? snapshot['limitName'] : null,
		windows,
		planType: typeof snapshot['planType'] === 'string' ? snapshot['planType'] : undefined,
	};
}

/** A wham/usage `rate_limit` object (seconds-long windows). */
export function whamFamily(rateLimit: unknown, limitId: string | null, limitName: string | null, now: number): CodexFamily | undefined {
	if (!isRecord(rateLimit)) return undefined;
	const windows: RawCodexWindow[] = [];
	for (const slot of ['primary_window', 'secondary_window'] as const) {
		const value = rateLimit[slot];
		if (!isRecord(value)) continue;
		const seconds = finite(value['limit_window_seconds']);
		const after = finite(value['reset_after_seconds']);
		const resetMs = secondsToMs(value['reset_at']) ?? (after === undefined ? undefined : now + after * 1000);
		const w = rawWindow(value['used_percent'], seconds === undefined ? undefined : Math.ceil(seconds / 60), resetMs);
		if (w) windows.push(w);
	}
	return {limitId, limitName, windows};
}

/** Without a length, guess from how far the reset is (a 5-hour window never resets more than 5 h out). */
function guessKind(resetMs: number | undefined, atMs: number): WindowKind | undefined {
	if (resetMs === undefined) return undefined;
	const left = resetMs - atMs;
	if (left <= 5 * 60 * MINUTE_MS + MINUTE_MS) return 'five_hour';
	if (left <= 7 * 24 * 60 * MINUTE_MS + MINUTE_MS) return 'seven_day';
	return undefined;
}

function familyKind(base: WindowKind, family: CodexFamily, minutes: number | undefined): WindowKind {
	if (isMainFamily(family.limitId)) return base;
	const name = slug(family.limitName ?? family.limitId ?? 'limit');
	if (base === 'seven_day') return `weekly:${name}`;
	if (base === 'five_hour') return `custom:${name}-5h`;
	if (base === 'monthly') return `custom:${name}-monthly`;
	return `custom:${name}-${minutes === undefined ? 'window' : `${Math.round(minutes)}m`}`;
}

/** Windows of the families, classified by duration. `atMs` is when the data was written. */
export function codexWindows(families: readonly CodexFamily[], origin: Origin, observedAt: string, atMs: number): QuotaWindow[] {
	const windows: QuotaWindow[] = [];
	const seen = new Set<string>();
	for (const family of families) {
		for (const raw of family.windows) {
			const base = raw.minutes === undefined ? guessKind(raw.resetMs, atMs) : kindForMinutes(raw.minutes);
			if (base === undefined) continue;
			const kind = familyKind(base, family, raw.minutes);
			if (seen.has(kind)) continue;
			seen.add(kind);
			const resetsAt = raw.resetMs === undefined ? null : isoUtc(Math.round(raw.resetMs / 1000) * 1000);
			windows.push(detectedWindow(kind, Math.round(raw.usedPercent * 100) / 10_000, resetsAt, durationForKind(base, raw.minutes), origin, observedAt));
		}
	}
	return windows;
}
