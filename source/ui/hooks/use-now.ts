/**
 * The shared one-second clock, read by the leaves that show time (clock, countdowns, ages), so a tick
 * re-renders only those leaves and never the whole dashboard (style rule 5).
 */
import {createContext, useCallback, useContext, useSyncExternalStore} from 'react';
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
