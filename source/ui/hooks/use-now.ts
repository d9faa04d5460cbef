/**
 * The shared one-second clock, read by the leaves that show time (clock, countdowns, ages), so a tick
 * re-renders only those leaves and never the whole dashboard (style rule 5).
 */
import {createContext, useCallback, useContext, useRef, useSyncExternalStore} from 'react';
import type {Clock, Listener} from '../../runtime/types.js';

/** A clock that never ticks: `now()` is always `at`. */
export function frozenClock(at: number): Clock {
	return {
		now: () => at,
		subscribe: () => () => undefined,
		frozen: true,
	};
}

export const ClockContext = createContext<Clock>(frozenClock(0));

/**
 * The current time (epoch ms, whole seconds) of the nearest clock; re-renders the caller on every tick.
 * Rounded down to the second so that a clock read between ticks (before anyone subscribed) still gives
 * React the same value twice, as useSyncExternalStore requires.
 */
export function useNow(): number {
	const clock = useContext(ClockContext);
	const subscribe = useCallback((listener: Listener) => clock.subscribe(listener), [clock]);
	const now = useCallback(() => Math.floor(clock.now() / 1000) * 1000, [clock]);
	return useSyncExternalStore(subscribe, now, now);
}

const MINUTE = 60_000;

/**
 * The clock as minute-granular texts (`↺2h55m`, `5m ago`, `5h empty in 1h12m`) read it: rounded down to
 * the minute, except within two minutes of `target` (the reset or observation the text counts to or
 * from), where seconds show (`↺45s`) and the exact second counts. Each such text has its minute start at
 * its own second (a reset at 17:00:23 flips `↺` at :23); read this way they all flip in the same tick as
 * the header clock, on the wall clock's minute, so an idle dashboard draws one frame a minute instead of
 * one per distinct second (10 accounts: about 8 full frames a minute, each a React render, an Ink layout
 * and a 4 KB write). A countdown is then rounded up to the minute and an age down, off by under a
 * minute, as a minute-granular text is anyway.
 */
export function minuteNow(now: number, target: number | null = null): number {
	if (target !== null && Math.abs(target - now) < 2 * MINUTE) {
		return now;
	}

	return Math.floor(now / MINUTE) * MINUTE;
}

/**
 * A value derived from the clock, e.g. the text of a countdown. The caller re-renders only when the
 * value changes (compared with Object.is), not on every tick: a `↺1h12m` that stays `↺1h12m` for a
 * minute costs no render, no layout and no write for that minute. `derive` must return a primitive.
 */
export function useClockValue<T extends string | number | boolean | null>(derive: (now: number) => T): T {
	const clock = useContext(ClockContext);
	const subscribe = useCallback((listener: Listener) => clock.subscribe(listener), [clock]);
	const read = () => derive(Math.floor(clock.now() / 1000) * 1000);
	return useSyncExternalStore(subscribe, read, read);
}

/**
 * A minute-granular value derived from the clock (see minuteNow; `target` is the instant it counts to
 * or from): `derive` runs once per minute (every second within two minutes of `target`), not on every
 * tick — the idle dashboard's ticks then cost almost nothing. `derive` gets the rounded time. A render
 * (new props) derives afresh.
 */
export function useMinuteValue<T extends string | number | boolean | null>(target: number | null, derive: (now: number) => T): T {
	const clock = useContext(ClockContext);
	const cache = useRef<{at: number; value: T} | undefined>(undefined);
	// Rendering means the props (and so `derive`) may have changed: nothing cached is trusted.
	cache.current = undefined;
	const subscribe = useCallback((listener: Listener) => clock.subscribe(listener), [clock]);
	const read = () => {
		const at = minuteNow(Math.floor(clock.now() / 1000) * 1000, target);
		if (cache.current?.at !== at) cache.current = {at, value: derive(at)};
		return cache.current.value;
	};

	return useSyncExternalStore(subscribe, read, read);
}
