/**
 * The one clock of a process. `QUOTA_TUI_NOW` freezes it (for tests, screenshots and reproducible
 * reports); otherwise it ticks once per wall-clock second, aligned to the second boundary, and only
 * while somebody listens.
 */
import {parseInstant} from '../engine/time.js';
import type {Clock, Listener} from './types.js';

export class NowError extends Error {
	override name = 'NowError';
}

/** Epoch ms from `QUOTA_TUI_NOW`, undefined when unset; NowError naming the variable when invalid. */
export function frozenNow(env: NodeJS.ProcessEnv = process.env): number | undefined {
	const value = env['QUOTA_TUI_NOW'];
	if (value === undefined || value.trim() === '') return undefined;
	const dt = parseInstant(value);
	if (!dt) throw new NowError(`QUOTA_TUI_NOW: expected an ISO 8601 instant with offset (e.g. 2026-11-22T09:00:00Z), got "${value}"`);
	return dt.toMillis();
}

/** Create the shared clock: frozen at `frozenAt` when given. */
export function createClock(frozenAt?: number, wallClock: () => number = Date.now): Clock {
	const listeners = new Set<Listener>();
	let current = frozenAt ?? wallClock();
	let timer: NodeJS.Timeout | undefined;

	const schedule = () => {
		const wall = wallClock();
		timer = setTimeout(() => {
			timer = undefined;
			const next = wallClock();
			if (Math.floor(next / 1000) !== Math.floor(current / 1000)) {
				current = next;
				for (const listener of [...listeners]) listener();
			}
			if (listeners.size > 0 && timer === undefined) schedule();
		}, 1000 - (wall % 1000) + 5);
	};

	return {
		frozen: frozenAt !== undefined,
		now: () => (frozenAt === undefined && listeners.size === 0 ? wallClock() : current),
		subscribe(listener) {
			listeners.add(listener);
			if (frozenAt === undefined && timer === undefined) {
				current = wallClock();
				schedule();
			}
			return () => {
				listeners.delete(listener);
				if (listeners.size === 0 && timer !== undefined) {
					clearTimeout(timer);
					timer = undefined;
				}
			};
		},
	};
}
