process.env.TZ = 'UTC';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {createClock, frozenNow, NowError} from '../../source/runtime/clock.js';

afterEach(() => {
	vi.useRealTimers();
});

describe('clock', () => {
	it('QUOTA_TUI_NOW freezes it; a bad value names the variable', () => {
		expect(frozenNow({QUOTA_TUI_NOW: '2026-11-22T09:00:00+05:45'})).toBe(Date.parse('2026-11-22T03:15:00Z'));
		expect(frozenNow({})).toBeUndefined();
		expect(() => frozenNow({QUOTA_TUI_NOW: 'tomorrow'})).toThrow(NowError);
		expect(() => frozenNow({QUOTA_TUI_NOW: '2026-11-22T09:00:00'})).toThrow(/QUOTA_TUI_NOW/);
		const clock = createClock(1000);
		expect(clock.frozen).toBe(true);
		expect(clock.now()).toBe(1000);
	});

	it('ticks once per wall-clock second, only while subscribed, and every listener shares one timer', async () => {
		vi.useFakeTimers();
		vi.setSystemTime(new Date('2026-11-22T10:00:00.250Z'));
		const clock = createClock();
		const ticks: number[] = [];
		const other: number[] = [];
		const off = clock.subscribe(() => ticks.push(clock.now()));
		const off2 = clock.subscribe(() => other.push(clock.now()));
		expect(vi.getTimerCount()).toBe(1);
		await vi.advanceTimersByTimeAsync(3000);
		expect(ticks).toEqual([Date.parse('2026-11-22T10:00:01.005Z'), Date.parse('2026-11-22T10:00:02.005Z'), Date.parse('2026-11-22T10:00:03.005Z')]);
		expect(other).toEqual(ticks);
		off();
		off2();
		expect(vi.getTimerCount()).toBe(0);
		await vi.advanceTimersByTimeAsync(5000);
		expect(ticks).toHaveLength(3);
		// Subscribing again restarts it.
		const again = clock.subscribe(() => ticks.push(clock.now()));
		await vi.advanceTimersByTimeAsync(1000);
		expect(ticks).toHaveLength(4);
		again();
	});

	it('a frozen clock never starts a timer', () => {
		vi.useFakeTimers();
		const clock = createClock(5);
		const off = clock.subscribe(() => undefined);
		expect(vi.getTimerCount()).toBe(0);
		off();
	});
});
