/**
 * From stored observations to windows (DESIGN §7.5): a window's identity is (account, kind, reset
 * instant), so observations are grouped per kind by their reset (within a small tolerance: providers
 * jitter by seconds) and each group is one window, open or closed. A closed window's final value is the
 * last value seen before its reset, with how long before the reset that was (a large gap means the
 * window may have gone on filling unobserved).
 */
import {defaultDurationMs} from './assemble.js';
import {resetTolerance, type Sample} from './forecast.js';
import {HOUR, MINUTE} from './time.js';
import type {WindowKind} from './types.js';

/** One run of equal observations of one window (store/history.ts rows are these). */
export type Observation = {
	kind: WindowKind;
	/** The window's reset instant, null when unknown (such observations identify no window). */
	resetsAtMs: number | null;
	/** The reset as the source wrote it (offset kept). */
	resetsAt: string | null;
	durationMs: number | null;
	utilization: number;
	firstSeenMs: number;
	lastSeenMs: number;
	/** `user-entered` for manual windows. */
	source: string;
	/** How many observations the run holds (1 when unknown). */
	observations?: number | undefined;
	/** `manual` for user-entered windows, `detected` (the default) for provider data. */
	stream?: 'detected' | 'manual' | undefined;
};

/** One window of one kind, told apart from the others by its reset instant. */
export type WindowRecord = {
	kind: WindowKind;
	resetsAtMs: number;
	resetsAt: string;
	durationMs: number | null;
	/** reset − duration, when the duration is known. */
	opensAtMs: number | null;
	/** True once the reset instant has passed. */
	closed: boolean;
	/** The last value seen before the reset (closed) or the latest value (open). May exceed 1. */
	final: number;
	/** When that value was last seen (never after the reset). */
	finalSeenMs: number;
	/** Closed windows: time between the last observation and the reset. */
	gapBeforeResetMs: number | null;
	/** True when that gap is large enough that the window may have gone on filling unobserved. */
	largeGap: boolean;
	/** The highest value seen. */
	peak: number;
	firstSeenMs: number;
	observations: number;
	/** True when the final value was user-entered (a manual window). */
	userEntered: boolean;
};

/** A gap before a reset above this is worth saying: 30 min, or 1/28 of the window (6 h for a week). */
export function largeGapMs(durationMs: number | null): number {
	return Math.max(30 * MINUTE, (durationMs ?? 5 * HOUR) / 28);
}

const finite = (o: Observation): boolean =>
	Number.isFinite(o.utilization) && Number.isFinite(o.firstSeenMs) && Number.isFinite(o.lastSeenMs);

/** Group observations into windows (per kind, by reset instant), oldest reset first within a kind. */
export function identifyWindows(observations: readonly Observation[], now: number): WindowRecord[] {
	const byKind = new Map<string, Observation[]>();
	for (const o of observations) {
		if (o.resetsAtMs === null || !Number.isFinite(o.resetsAtMs) || !finite(o)) continue;
		const list = byKind.get(o.kind) ?? [];
		list.push(o);
		byKind.set(o.kind, list);
	}
	const records: WindowRecord[] = [];
	for (const [kind, list] of [...byKind].toSorted(([a], [b]) => a.localeCompare(b))) {
		const sorted = list.toSorted((a, b) => a.resetsAtMs! - b.resetsAtMs!);
		let group: Observation[] = [];
		const flush = () => {
			if (group.length > 0) records.push(windowOf(kind as WindowKind, group, now));
			group = [];
		};
		for (const o of sorted) {
			const previous = group.at(-1);
			const tolerance = resetTolerance(o.durationMs ?? defaultDurationMs(o.kind));
			if (previous && o.resetsAtMs! - previous.resetsAtMs! > tolerance) flush();
			group.push(o);
		}
		flush();
	}
	return records;
}

function windowOf(kind: WindowKind, group: readonly Observation[], now: number): WindowRecord {
	// One pass each instead of sorted copies (this runs for every window of a month's history, on the
	// dashboard's first frame): the first of equals wins, as the first of a stable sort would.
	// The identity is the reset reported by the newest observation (the best knowledge of it).
	let newest = group[0]!;
	for (const o of group) if (o.lastSeenMs > newest.lastSeenMs || (o.lastSeenMs === newest.lastSeenMs && o.firstSeenMs > newest.firstSeenMs)) newest = o;
	const resetsAtMs = newest.resetsAtMs!;
	const durationMs = group.find(o => o.durationMs !== null && o.durationMs > 0)?.durationMs ?? defaultDurationMs(kind);
	const closed = resetsAtMs <= now;
	// The final value: the observation last seen before the reset (clipped to it); when every
	// observation came after the reset (a provider still reporting the old window), the earliest one.
	const seenUntil = (o: Observation) => Math.min(o.lastSeenMs, resetsAtMs);
	let last: Observation | undefined;
	let earliest = group[0]!;
	let peak = Number.NEGATIVE_INFINITY;
	let firstSeenMs = Number.POSITIVE_INFINITY;
	let observations = 0;
	for (const o of group) {
		if (o.firstSeenMs < resetsAtMs && (last === undefined || seenUntil(o) > seenUntil(last) || (seenUntil(o) === seenUntil(last) && o.firstSeenMs > last.firstSeenMs))) last = o;
		if (o.firstSeenMs < earliest.firstSeenMs) earliest = o;
		peak = Math.max(peak, o.utilization);
		firstSeenMs = Math.min(firstSeenMs, o.firstSeenMs);
		observations += Math.max(1, o.observations ?? 1);
	}
	last ??= earliest;
	const finalSeenMs = Math.min(seenUntil(last), closed ? resetsAtMs : now);
	const gap = closed ? Math.max(0, resetsAtMs - finalSeenMs) : null;
	return {
		kind,
		resetsAtMs,
		resetsAt: newest.resetsAt ?? new Date(resetsAtMs).toISOString(),
		durationMs,
		opensAtMs: durationMs === null ? null : resetsAtMs - durationMs,
		closed,
		final: last.utilization,
		finalSeenMs,
		gapBeforeResetMs: gap,
		largeGap: gap !== null && gap > largeGapMs(durationMs),
		peak,
		firstSeenMs,
		observations,
		userEntered: last.source === 'user-entered',
	};
}

/** Burn-rate samples of one kind: each run contributes its first and its last observation. */
export function samplesOf(observations: readonly Observation[], kind: WindowKind | string): Sample[] {
	const samples: Sample[] = [];
	for (const o of observations) {
		if (o.kind !== kind || !finite(o)) continue;
		samples.push({atMs: o.firstSeenMs, utilization: o.utilization, resetsAtMs: o.resetsAtMs});
		if (o.lastSeenMs > o.firstSeenMs) samples.push({atMs: o.lastSeenMs, utilization: o.utilization, resetsAtMs: o.resetsAtMs});
	}
	return samples.toSorted((a, b) => a.atMs - b.atMs);
}

/**
 * Utilization of one kind at `steps` instants over the last `spanMs`, for sparklines: the last one is
 * `now`, the others lie on a fixed grid of `spanMs / steps` (aligned to the epoch, so that between two
 * grid instants only the last value can change). Each is the value of the newest observation at or
 * before the instant, 0 once that observation's window has reset, null before the first observation.
 */
export function utilizationSeries(observations: readonly Observation[], kind: WindowKind | string, now: number, spanMs: number, steps: number): Array<number | null> {
	const runs = observations.filter(o => o.kind === kind && finite(o)).toSorted((a, b) => a.firstSeenMs - b.firstSeenMs);
	const values: Array<number | null> = [];
	const count = Math.max(1, Math.floor(steps));
	const step = spanMs / count;
	const grid = Math.floor(now / step) * step;
	let index = -1;
	for (let i = 0; i < count; i++) {
		const t = i === count - 1 ? now : grid - (count - 2 - i) * step;
		while (index + 1 < runs.length && runs[index + 1]!.firstSeenMs <= t) index++;
		const run = runs[index];
		if (!run) {
			values.push(null);
			continue;
		}
		values.push(run.resetsAtMs !== null && run.resetsAtMs <= t ? 0 : run.utilization);
	}
	return values;
}
