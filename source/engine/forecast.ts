/**
 * Burn rate and projection at reset from a snapshot series (DESIGN §7.5).
 */
import {FIVE_HOURS, HOUR, instantMs, isoAt, offsetOf} from './time.js';
import type {Projection} from './types.js';

export type Sample = {atMs: number; utilization: number};

/** A drop larger than this between consecutive samples is a reset, not noise. */
const RESET_DROP = 0.02;

/**
 * Burn rate of one window in utilization per hour, from samples of that window (any order).
 *
 * Only samples after the last reset (a drop) count, and only those within `lookbackMs` of the newest.
 * The rate is the change between the first and the last of them over the time between, so idle gaps
 * lower the rate instead of being skipped. Never negative, never infinite: fewer than two samples or
 * less than a minute between them gives 0.
 */
export function burnRate(samples: readonly Sample[], lookbackMs = FIVE_HOURS): {ratePerHour: number; samples: number} {
	const sorted = samples
		.filter(s => Number.isFinite(s.utilization) && Number.isFinite(s.atMs))
		.toSorted((a, b) => a.atMs - b.atMs);
	let start = 0;
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i]!.utilization < sorted[i - 1]!.utilization - RESET_DROP) start = i;
	}
	const current = sorted.slice(start);
	const last = current.at(-1);
	if (!last) return {ratePerHour: 0, samples: 0};
	const recent = current.filter(s => s.atMs >= last.atMs - lookbackMs);
	const first = recent[0]!;
	const dt = last.atMs - first.atMs;
	if (recent.length < 2 || dt < 60_000) return {ratePerHour: 0, samples: recent.length};
	const rate = ((last.utilization - first.utilization) / dt) * HOUR;
	return {ratePerHour: Number.isFinite(rate) && rate > 0 ? rate : 0, samples: recent.length};
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
