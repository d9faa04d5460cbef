process.env.TZ = 'UTC';

import fc from 'fast-check';
import {DateTime, Settings} from 'luxon';
import {afterEach, describe, expect, it} from 'vitest';
import {
	DAY,
	effectiveWindow,
	HOUR,
	instantMs,
	isoAt,
	MINUTE,
	nextRecurrence,
	offsetOf,
	parseInstant,
	parseRecurrence,
	type Recurrence,
	rollForward,
	SEVEN_DAYS,
} from '../../source/engine/time.js';
import type {QuotaWindow} from '../../source/engine/types.js';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Instants between 2000 and 2040, millisecond precision. */
const instant = fc.integer({min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z')});
/** Offsets: multiples of 15 minutes between −12 h and +14 h. */
const offset = fc.integer({min: -48, max: 56}).map(quarter => quarter * 15);
const duration = fc.oneof(
	fc.constantFrom(5 * HOUR, DAY, SEVEN_DAYS),
	fc.integer({min: MINUTE, max: 60 * DAY}),
);
/** How long after the reset `now` is (0 = exactly at it). */
const elapsed = fc.oneof(fc.constant(0), fc.integer({min: 0, max: 3 * DAY}), fc.integer({min: 0, max: 800 * DAY}));

function parsed(text: string): Recurrence {
	const r = parseRecurrence(text);
	if ('error' in r) throw new Error(r.error);
	return r;
}

describe('rollForward (property)', () => {
	it('lands after now, within one duration, a whole number of durations from the start, same offset', () => {
		fc.assert(fc.property(instant, offset, duration, elapsed, (startMs, off, d, gap) => {
			const start = isoAt(startMs, off);
			const now = startMs + gap;
			const result = rollForward(start, d, now);
			expect(result).toBeDefined();
			const ms = instantMs(result)!;
			expect(ms).toBeGreaterThan(now);
			expect(ms).toBeLessThanOrEqual(now + d);
			expect((ms - startMs) % d).toBe(0);
			expect((ms - startMs) / d).toBeGreaterThanOrEqual(1);
			expect(offsetOf(result!)).toBe(off);
		}));
	});

	it('returns a reset that is still ahead unchanged', () => {
		fc.assert(fc.property(instant, offset, duration, fc.integer({min: 1, max: 400 * DAY}), (startMs, off, d, ahead) => {
			const start = isoAt(startMs, off);
			expect(rollForward(start, d, startMs - ahead)).toBe(start);
		}));
	});
});

describe('effectiveWindow (property)', () => {
	const window = fc.record({
		utilization: fc.option(fc.oneof(fc.double({noNaN: false}), fc.double({min: 0, max: 2, noNaN: true})), {nil: null}),
		durationMs: fc.option(duration, {nil: null}),
		source: fc.constantFrom('provider-detected', 'user-entered', 'estimated', 'unknown' as const),
	});

	it('a passed reset always means utilization 0, estimated, next reset after now (or unknown)', () => {
		fc.assert(fc.property(window, instant, offset, elapsed, (w, resetMs, off, gap) => {
			const input: QuotaWindow = {kind: 'seven_day', ...w, resetsAt: isoAt(resetMs, off), origin: 'oauth-usage', observedAt: isoAt(resetMs - HOUR)};
			const out = effectiveWindow(input, resetMs + gap);
			expect(out.utilization).toBe(0);
			expect(out.source).toBe('estimated');
			expect(out.resetPassed).toBe(true);
			if (w.durationMs === null) {
				expect(out.resetsAt).toBeNull();
			} else {
				expect(instantMs(out.resetsAt)).toBeGreaterThan(resetMs + gap);
				expect(offsetOf(out.resetsAt!)).toBe(off);
			}
		}));
	});

	it('a reset ahead leaves the window as it is', () => {
		fc.assert(fc.property(window, instant, offset, fc.integer({min: 1, max: 30 * DAY}), (w, resetMs, off, ahead) => {
			const input: QuotaWindow = {kind: 'five_hour', ...w, resetsAt: isoAt(resetMs, off), origin: 'oauth-usage', observedAt: isoAt(resetMs - HOUR)};
			expect(effectiveWindow(input, resetMs - ahead)).toEqual({...input, resetPassed: false});
		}));
	});
});

describe('nextRecurrence (property)', () => {
	it('weekly:<day> lands on that weekday, same local time and offset, after now, within 7 days', () => {
		fc.assert(fc.property(instant, offset, fc.integer({min: 1, max: 7}), elapsed, (startMs, off, weekday, gap) => {
			const start = isoAt(startMs, off);
			const now = startMs + gap;
			const result = nextRecurrence(start, parsed(`weekly:${WEEKDAYS[weekday - 1]}`), now);
			expect(result).toBeDefined();
			const s = parseInstant(start)!;
			const r = parseInstant(result!)!;
			expect(r.offset).toBe(off);
			expect(r.weekday).toBe(weekday);
			expect([r.hour, r.minute, r.second, r.millisecond]).toEqual([s.hour, s.minute, s.second, s.millisecond]);
			expect(r.toMillis()).toBeGreaterThan(now);
			expect(r.toMillis()).toBeLessThanOrEqual(now + SEVEN_DAYS);
		}));
	});

	it('fixed durations (5h, daily, P7D) behave like rollForward', () => {
		fc.assert(fc.property(instant, offset, fc.constantFrom(['5h', 5 * HOUR], ['daily', DAY], ['P7D', SEVEN_DAYS], ['PT90M', 90 * MINUTE]), elapsed, (startMs, off, [text, d], gap) => {
			const start = isoAt(startMs, off);
			expect(nextRecurrence(start, parsed(text), startMs + gap)).toBe(rollForward(start, d, startMs + gap));
		}));
	});

	it('monthly:<day> lands on that day (or the month\'s last), same local time and offset, after now, within a month', () => {
		fc.assert(fc.property(instant, offset, fc.integer({min: 1, max: 31}), elapsed, (startMs, off, day, gap) => {
			const start = isoAt(startMs, off);
			const now = startMs + gap;
			const r = parseInstant(nextRecurrence(start, parsed(`monthly:${day}`), now)!)!;
			const s = parseInstant(start)!;
			expect(r.offset).toBe(off);
			expect(r.day).toBe(Math.min(day, r.daysInMonth!));
			expect([r.hour, r.minute, r.second]).toEqual([s.hour, s.minute, s.second]);
			expect(r.toMillis()).toBeGreaterThan(now);
			expect(r.toMillis()).toBeLessThanOrEqual(now + 32 * DAY);
		}));
	});
});

describe('DST safety: instants keep their own offset whatever the local zone', () => {
	afterEach(() => {
		Settings.defaultZone = 'system';
	});

	// 2027-03-28 (Europe) and 2027-03-14 (US) spring forward; 2026-10-25 / 2026-11-01 fall back.
	const cases = [
		{zone: 'Europe/Berlin', around: Date.parse('2027-03-28T01:00:00Z')},
		{zone: 'Europe/Berlin', around: Date.parse('2026-10-25T01:00:00Z')},
		{zone: 'America/New_York', around: Date.parse('2027-03-14T07:00:00Z')},
		{zone: 'America/New_York', around: Date.parse('2026-11-01T06:00:00Z')},
	];

	for (const {zone, around} of cases) {
		it(`rolling across the ${DateTime.fromMillis(around, {zone}).toISODate()} change of ${zone} keeps the local time`, () => {
			Settings.defaultZone = zone;
			expect(DateTime.local().zoneName).toBe(zone);
			const zoneOffsetBefore = DateTime.fromMillis(around - 2 * DAY, {zone}).offset;
			const zoneOffsetAfter = DateTime.fromMillis(around + 2 * DAY, {zone}).offset;
			expect(zoneOffsetBefore).not.toBe(zoneOffsetAfter);
			fc.assert(fc.property(
				fc.integer({min: -3 * DAY, max: -1}),
				fc.oneof(offset, fc.constant(zoneOffsetBefore)),
				fc.constantFrom(['daily', DAY], ['P7D', SEVEN_DAYS], ['5h', 5 * HOUR]),
				fc.integer({min: 1, max: 10 * DAY}),
				(before, off, [text, d], after) => {
					const startMs = around + before;
					const start = isoAt(startMs, off);
					const now = around + after;
					const s = parseInstant(start)!;
					for (const result of [rollForward(start, d, now)!, nextRecurrence(start, parsed(text), now)!]) {
						const r = parseInstant(result)!;
						expect(r.offset).toBe(off);
						expect((r.toMillis() - startMs) % d).toBe(0);
						if (d % DAY === 0) expect([r.hour, r.minute, r.second]).toEqual([s.hour, s.minute, s.second]);
					}
					const w = parseInstant(nextRecurrence(start, parsed(`weekly:${WEEKDAYS[s.weekday - 1]}`), now)!)!;
					expect(w.offset).toBe(off);
					expect([w.weekday, w.hour, w.minute]).toEqual([s.weekday, s.hour, s.minute]);
				},
			));
		});
	}

	it('an example: Berlin winter 09:00+01:00 rolled daily past the spring change stays 09:00+01:00', () => {
		Settings.defaultZone = 'Europe/Berlin';
		expect(rollForward('2027-03-27T09:00:00+01:00', DAY, Date.parse('2027-03-29T12:00:00Z'))).toBe('2027-03-30T09:00:00+01:00');
		expect(nextRecurrence('2027-03-27T09:00:00+01:00', parsed('weekly:saturday'), Date.parse('2027-03-29T12:00:00Z'))).toBe('2027-04-03T09:00:00+01:00');
		expect(isoAt(Date.parse('2027-03-29T12:00:00Z'))).toBe('2027-03-29T12:00:00Z');
	});
});

describe('isoAt and instantMs without luxon answer as luxon does', () => {
	const luxonIso = (ms: number, minutes: number) => {
		const zone = minutes === 0 ? 'utc' : `UTC${minutes < 0 ? '-' : '+'}${Math.floor(Math.abs(minutes) / 60)}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
		const dt = DateTime.fromMillis(ms, {zone});
		return dt.toISO({suppressMilliseconds: dt.millisecond === 0, includeOffset: true}) ?? '';
	};
	const luxonMs = (iso: string) => {
		const dt = DateTime.fromISO(iso, {setZone: true});
		return dt.isValid ? dt.toMillis() : undefined;
	};
	const anyInstant = fc.oneof(instant, instant.map(ms => ms - (ms % 1000)), fc.integer({min: Date.parse('0000-01-02T00:00:00Z'), max: Date.parse('9999-12-30T00:00:00Z')}));
	const anyOffset = fc.oneof(offset, fc.integer({min: -1439, max: 1439}));

	it('isoAt: the same text for any instant and whole-minute offset', () => {
		fc.assert(fc.property(anyInstant, anyOffset, (ms, minutes) => {
			expect(isoAt(ms, minutes)).toBe(luxonIso(ms, minutes));
		}), {numRuns: 2000});
		expect(isoAt(Date.parse('2026-12-04T17:41:47Z'))).toBe('2026-12-04T17:41:47Z');
		expect(isoAt(Date.parse('2026-12-04T17:41:47.120Z'), -330)).toBe('2026-12-04T12:11:47.120-05:30');
	});

	it('instantMs: the same epoch ms for what isoAt writes and for impossible dates and times', () => {
		fc.assert(fc.property(anyInstant, anyOffset, (ms, minutes) => {
			const iso = isoAt(ms, minutes);
			expect(instantMs(iso)).toBe(luxonMs(iso));
			expect(instantMs(iso)).toBe(ms);
		}), {numRuns: 2000});
		const field = (max: number) => fc.integer({min: 0, max}).map(n => String(n).padStart(2, '0'));
		fc.assert(fc.property(fc.integer({min: 1999, max: 2041}), field(13), field(32), field(25), field(61), field(61), fc.constantFrom('', '.000', '.5', '.123', '.1234'), fc.constantFrom('Z', '+00:00', '-00:00', '+05:30', '-12:00', '+14:00', '+24:00', '+23:59', '+99:99'), (year, month, day, hour, minute, second, fraction, zone) => {
			const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone}`;
			expect(instantMs(iso)).toBe(luxonMs(iso));
			const luxonOffset = DateTime.fromISO(iso, {setZone: true});
			expect(offsetOf(iso)).toBe(luxonOffset.isValid ? luxonOffset.offset + 0 : undefined);
		}), {numRuns: 3000});
	});
});
