/**
 * Burn rate and projection at reset from a snapshot series (DESIGN §7.5).
 */
import {FIVE_HOURS, HOUR, instantMs, isoAt, offsetOf} from './time.js';
import type {Projection} from './types.js';

export type Sample = {
	atMs: number;
	utilization: number;
	/** The reset instant of the window the sample belongs to (its identity), when known. */
	resetsAtMs?: number | null | undefined;
};

/** The window a rate is wanted for: its reset (identity) and length, when known. */
export type RateWindow = {resetsAtMs?: number | undefined; durationMs?: number | null | undefined};

/** A drop larger than this between consecutive samples is a reset, not noise. */
const RESET_DROP = 0.02;

/** Two reported resets this close belong to the same window (providers jitter by seconds). */
export function resetTolerance(durationMs: number | null | undefined): number {
	return durationMs && durationMs > 0 ? Math.min(HOUR, durationMs / 10) : 10 * 60_000;
}

/**
 * Burn rate of one window in utilization per hour, from samples of that window (any order).
 *
 * Only samples of the current window count: with `window.resetsAtMs`, samples of another window
 * (a different reset) and samples from before the window opened (reset − duration) are dropped, so a
 * reset observed late never reads as usage; in any case samples before the last drop (a reset) are
 * dropped. Of the rest, those within `lookbackMs` of the newest count, and the rate is the change
 * between the first and the last of them over the time between, so idle gaps lower the rate instead of
 * being skipped. When fewer than two of them span a minute (sparse observation), the start is the
 * newest sample before the lookback, else the window's opening (0 % at reset − duration).
 * Never negative, never infinite: no usable pair gives 0.
 */
export function burnRate(samples: readonly Sample[], lookbackMs = FIVE_HOURS, window: RateWindow = {}): {ratePerHour: number; samples: number} {
	const target = window.resetsAtMs !== undefined && Number.isFinite(window.resetsAtMs) ? window.resetsAtMs : undefined;
	const tolerance = resetTolerance(window.durationMs);
	const openedMs = target !== undefined && window.durationMs && window.durationMs > 0 ? target - window.durationMs : undefined;
	const sorted = samples
		.filter(s => Number.isFinite(s.utilization) && Number.isFinite(s.atMs))
		.filter(s => target === undefined || s.resetsAtMs === undefined || s.resetsAtMs === null || Math.abs(s.resetsAtMs - target) <= tolerance)
		.filter(s => openedMs === undefined || s.atMs >= openedMs)
		.toSorted((a, b) => a.atMs - b.atMs);
	let start = 0;
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i]!.utilization < sorted[i - 1]!.utilization - RESET_DROP) start = i;
	}
	const current = sorted.slice(start);
	const last = current.at(-1);
	if (!last) return {ratePerHour: 0, samples: 0};
	const recent = current.filter(s => s.atMs >= last.atMs - lookbackMs);
	let first = recent[0]!;
	let used = recent.length;
	if (recent.length < 2 || last.atMs - first.atMs < 60_000) {
		// Sparse observation: start from the newest sample before the lookback, else from the window's
		// opening (0 % at reset − duration, a known point).
		const before = current.filter(s => s.atMs < last.atMs - lookbackMs).at(-1);
		const opening = openedMs !== undefined && start === 0 && openedMs < current[0]!.atMs ? {atMs: openedMs, utilization: 0} : undefined;
		const anchor = before ?? opening;
		if (!anchor) return {ratePerHour: 0, samples: recent.length};
		first = anchor;
		if (before) used += 1;
	}
	const dt = last.atMs - first.atMs;
	if (dt < 60_000) return {ratePerHour: 0, samples: used};
	const rate = ((last.utilization - first.utilization) / dt) * HOUR;
	return {ratePerHour: Number.isFinite(rate) && rate > 0 ? rate : 0, samples: used};
}

/**
 * Projection at the reset: current + rate × time to reset, and when 100 % would be reached first.
 */
export function project(
	current: number | null,
	ratePerHour: number,
	resetsAt: string | null,
	now: number,
	samples = 0,
): Projection {
	const resetMs = instantMs(resetsAt);
	const rate = Number.isFinite(ratePerHour) && ratePerHour > 0 ? ratePerHour : 0;
	if (current === null) return {ratePerHour: rate, atReset: null, exhaustsAt: null, samples};
	const hoursLeft = resetMs === undefined ? null : Math.max(0, resetMs - now) / HOUR;
	const atReset = hoursLeft === null ? null : current + rate * hoursLeft;
	let exhaustsAt: string | null = null;
	if (rate > 0 && current < 1) {
		const msToFull = ((1 - current) / rate) * HOUR;
		// Only a known reset lets us say 100 % comes first (selection reads this as "hits the wall").
		if (resetMs !== undefined && now + msToFull < resetMs) {
			exhaustsAt = isoAt(Math.round(now + msToFull), resetsAt ? offsetOf(resetsAt) ?? 0 : 0);
		}
	}
	return {ratePerHour: rate, atReset, exhaustsAt, samples};
}

/** True when the projection says the window hits 100 % before it resets. */
export function hitsWallBeforeReset(projection: Projection | undefined): boolean {
	return projection?.exhaustsAt != null;
}
