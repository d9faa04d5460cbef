/**
 * Demo provider: deterministic simulated accounts driven by the clock, so a first run, the
 * screenshots and the tests show every state (healthy, near the threshold, exhausted until its reset,
 * last resort). The same `now` always gives the same numbers.
 */
import type {Sample} from '../engine/forecast.js';
import type {Observation} from '../engine/history.js';
import {FIVE_HOURS, HOUR, isoAt, MINUTE, SEVEN_DAYS} from '../engine/time.js';
import type {Account, QuotaWindow, Snapshot} from '../engine/types.js';

type Shape = {
	/** Phase of the window grid, in ms (so accounts do not reset together). */
	phase: number;
	/** Utilization at the window's start and the rate per hour after it. */
	base: number;
	perHour: number;
	/** Utilization never goes above this (1 = exhausted until the reset). */
	cap: number;
};

type DemoAccount = Account & {fiveHour: Shape; sevenDay: Shape};

const DEMO: readonly DemoAccount[] = [
	{
		name: 'demo-main', provider: 'demo', plan: 'max20', chainOrder: 0,
		fiveHour: {phase: 1.3 * HOUR, base: 0.04, perHour: 0.09, cap: 0.95},
		sevenDay: {phase: 2.5 * 24 * HOUR, base: 0.05, perHour: 0.0045, cap: 0.99},
	},
	{
		name: 'demo-team', provider: 'demo', plan: 'team', chainOrder: 1,
		// Burning fast: projected to empty its 5-hour window before the reset (anticipation).
		fiveHour: {phase: 3.1 * HOUR, base: 0.1, perHour: 0.25, cap: 0.97},
		sevenDay: {phase: 5.2 * 24 * HOUR, base: 0.84, perHour: 0.0003, cap: 0.895},
	},
	{
		name: 'demo-codex', provider: 'demo', plan: 'plus', chainOrder: 2,
		fiveHour: {phase: 0.6 * HOUR, base: 0.85, perHour: 0.6, cap: 1},
		sevenDay: {phase: 1.1 * 24 * HOUR, base: 0.3, perHour: 0.002, cap: 0.98},
	},
	{
		name: 'demo-spare', provider: 'demo', plan: 'pro', chainOrder: 3, lastResort: true,
		fiveHour: {phase: 4.4 * HOUR, base: 0, perHour: 0.01, cap: 0.5},
		// Its week resets within a day with most of it unused: the waste panel's "use it or lose it".
		sevenDay: {phase: 4.2 * 24 * HOUR, base: 0.12, perHour: 0.0004, cap: 0.6},
	},
];

/** The demo accounts (provider `demo`). */
export function demoAccounts(): Account[] {
	return DEMO.map(({fiveHour: _f, sevenDay: _s, ...account}) => account);
}

function windowAt(shape: Shape, durationMs: number, now: number): {utilization: number; startMs: number; resetMs: number} {
	const startMs = Math.floor((now - shape.phase) / durationMs) * durationMs + shape.phase;
	const hours = (now - startMs) / HOUR;
	const utilization = Math.min(shape.cap, shape.base + shape.perHour * hours);
	return {utilization: Math.round(utilization * 1000) / 1000, startMs, resetMs: startMs + durationMs};
}

function demoWindow(kind: 'five_hour' | 'seven_day', shape: Shape, now: number): QuotaWindow {
	const durationMs = kind === 'five_hour' ? FIVE_HOURS : SEVEN_DAYS;
	const {utilization, resetMs} = windowAt(shape, durationMs, now);
	return {
		kind,
		utilization,
		resetsAt: isoAt(resetMs),
		durationMs,
		source: 'provider-detected',
		origin: 'demo',
		observedAt: isoAt(now),
	};
}

function find(name: string): DemoAccount | undefined {
	return DEMO.find(a => a.name === name);
}

/** The demo account's snapshot at `now`. */
export function demoSnapshot(name: string, now: number): Snapshot | undefined {
	const account = find(name);
	if (!account) return undefined;
	return {
		account: name,
		observedAt: isoAt(now),
		status: 'unknown', // derived by the engine from the windows
		windows: [demoWindow('five_hour', account.fiveHour, now), demoWindow('seven_day', account.sevenDay, now)],
	};
}

/** Simulated observations every 10 minutes over the last `spanMs`, for burn rates and sparklines. */
export function demoHistory(name: string, now: number, spanMs = 24 * HOUR): Partial<Record<string, Sample[]>> {
	const account = find(name);
	if (!account) return {};
	const step = 10 * 60_000;
	const five: Sample[] = [];
	const seven: Sample[] = [];
	for (let t = Math.floor((now - spanMs) / step) * step; t < now; t += step) {
		five.push({atMs: t, utilization: windowAt(account.fiveHour, FIVE_HOURS, t).utilization});
		seven.push({atMs: t, utilization: windowAt(account.sevenDay, SEVEN_DAYS, t).utilization});
	}
	return {five_hour: five, seven_day: seven};
}

/**
 * Simulated observations over the last `spanMs` (closed windows included), from the same functions as
 * the live numbers: a 5-hour window every 30 minutes, a weekly one every 3 hours, each also seen 5
 * minutes before its reset and at `now`. What the waste panel, sparklines and `utilization --demo` read.
 */
export function demoObservations(name: string, now: number, spanMs: number): Observation[] {
	const account = find(name);
	if (!account) return [];
	const observations: Observation[] = [];
	const kinds = [
		{kind: 'five_hour' as const, shape: account.fiveHour, durationMs: FIVE_HOURS, stepMs: 30 * MINUTE},
		{kind: 'seven_day' as const, shape: account.sevenDay, durationMs: SEVEN_DAYS, stepMs: 3 * HOUR},
	];
	for (const {kind, shape, durationMs, stepMs} of kinds) {
		let {startMs} = windowAt(shape, durationMs, now - spanMs);
		for (; startMs <= now; startMs += durationMs) {
			const resetMs = startMs + durationMs;
			const resetsAt = isoAt(resetMs);
			const times = new Set<number>();
			for (let t = startMs + stepMs; t < Math.min(resetMs, now); t += stepMs) times.add(t);
			if (resetMs <= now) times.add(resetMs - 5 * MINUTE);
			else times.add(now);
			for (const t of [...times].filter(x => x >= now - spanMs).toSorted((a, b) => a - b)) {
				observations.push({
					kind,
					resetsAtMs: resetMs,
					resetsAt,
					durationMs,
					utilization: windowAt(shape, durationMs, t).utilization,
					firstSeenMs: t,
					lastSeenMs: t,
					source: 'provider-detected',
					stream: 'detected',
				});
			}
		}
	}
	return observations;
}
