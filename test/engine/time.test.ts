process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {
	DAY,
	effectiveWindow,
	FIVE_HOURS,
	HOUR,
	instantMs,
	isoAt,
	msUntil,
	nextRecurrence,
	offsetOf,
	parseInstant,
	parseRecurrence,
	type Recurrence,
	recurrenceDurationMs,
	rollForward,
	SEVEN_DAYS,
	toUtcIso,
} from '../../source/engine/time.js';
import type {QuotaWindow} from '../../source/engine/types.js';

function recurrence(text: string): Recurrence {
	const parsed = parseRecurrence(text);
	if ('error' in parsed) throw new Error(`expected ${text} to parse: ${parsed.error}`);
	return parsed;
}

const at = (iso: string) => Date.parse(iso);

describe('parseInstant', () => {
	it.each([
		['2026-12-01T09:00:00+05:45', 345, 9, 0],
		['2026-12-01T09:00:00-03:30', -210, 9, 0],
		['2026-12-01T09:00:00+0545', 345, 9, 0],
		['2026-12-01T09:00:00Z', 0, 9, 0],
		['2026-12-01T09:30:15.250-00:30', -30, 9, 30],
	])('keeps the offset of %s', (iso, offset, hour, minute) => {
		const dt = parseInstant(iso);
		expect(dt).toBeDefined();
		expect(dt!.offset).toBe(offset);
		expect(dt!.hour).toBe(hour);
		expect(dt!.minute).toBe(minute);
		expect(dt!.toMillis()).toBe(Date.parse(iso.replace('+0545', '+05:45')));
	});

	it('accepts the typographic minus sign (U+2212) of ISO 8601 offsets', () => {
		const dt = parseInstant('2026-12-01T09:00:00\u221203:30');
		expect(dt?.offset).toBe(-210);
		expect(dt?.toMillis()).toBe(at('2026-12-01T12:30:00Z'));
	});

	it.each([
		'2026-12-01T09:00:00',
		'2026-12-01T09:00',
		'2026-12-01',
		'tomorrow',
		'',
		'2026-13-01T09:00:00Z',
		'2026-12-01T25:00:00+01:00',
	])('rejects %j (no offset or not an instant)', iso => {
		expect(parseInstant(iso)).toBeUndefined();
		expect(instantMs(iso)).toBeUndefined();
	});

	it('instantMs and msUntil', () => {
		expect(instantMs(null)).toBeUndefined();
		expect(instantMs(undefined)).toBeUndefined();
		expect(instantMs('2026-12-01T09:00:00+05:45')).toBe(at('2026-12-01T03:15:00Z'));
		expect(msUntil('2026-12-01T04:15:00Z', at('2026-12-01T03:15:00Z'))).toBe(HOUR);
		expect(msUntil('2026-12-01T02:15:00Z', at('2026-12-01T03:15:00Z'))).toBe(-HOUR);
		expect(msUntil(null, 0)).toBeUndefined();
	});
});

describe('toUtcIso / isoAt / offsetOf', () => {
	it('converts to UTC with Z', () => {
		expect(toUtcIso('2026-12-01T09:00:00+05:45')).toBe('2026-12-01T03:15:00Z');
		expect(toUtcIso('2026-12-01T09:00:00-03:30')).toBe('2026-12-01T12:30:00Z');
		expect(toUtcIso('2026-12-01T09:00:00.500+01:00')).toBe('2026-12-01T08:00:00.500Z');
		expect(toUtcIso('2026-12-01T09:00:00')).toBeUndefined();
	});

	it('formats epoch ms in a fixed offset', () => {
		const ms = at('2026-12-01T03:15:00Z');
		expect(isoAt(ms)).toBe('2026-12-01T03:15:00Z');
		expect(isoAt(ms, 345)).toBe('2026-12-01T09:00:00+05:45');
		expect(isoAt(ms, -210)).toBe('2026-11-30T23:45:00-03:30');
		expect(isoAt(ms, -30)).toBe('2026-12-01T02:45:00-00:30');
		expect(isoAt(ms, 840)).toBe('2026-12-01T17:15:00+14:00');
		expect(isoAt(ms + 7, 60)).toBe('2026-12-01T04:15:00.007+01:00');
	});

	it('reads the offset as written', () => {
		expect(offsetOf('2026-12-01T09:00:00+05:45')).toBe(345);
		expect(offsetOf('2026-12-01T09:00:00-03:30')).toBe(-210);
		expect(offsetOf('2026-12-01T09:00:00Z')).toBe(0);
		expect(offsetOf('2026-12-01T09:00:00')).toBeUndefined();
	});
});

describe('rollForward', () => {
	const reset = '2026-12-01T09:00:00+05:45';
	const resetMs = at('2026-12-01T03:15:00Z');

	it('keeps a reset that is still ahead as written', () => {
		expect(rollForward(reset, SEVEN_DAYS, resetMs - 1)).toBe(reset);
	});

	it('a reset exactly at now has passed: next one', () => {
		expect(rollForward(reset, SEVEN_DAYS, resetMs)).toBe('2026-12-08T09:00:00+05:45');
	});

	it('skips every whole window that passed', () => {
		expect(rollForward(reset, FIVE_HOURS, resetMs + 11 * HOUR)).toBe('2026-12-02T00:00:00+05:45');
		expect(rollForward(reset, SEVEN_DAYS, resetMs + 20 * DAY)).toBe('2026-12-22T09:00:00+05:45');
		expect(rollForward('2026-12-01T09:00:00-03:30', DAY, at('2026-12-03T12:29:59Z'))).toBe('2026-12-03T09:00:00-03:30');
		expect(rollForward('2026-12-01T09:00:00-03:30', DAY, at('2026-12-03T12:30:00Z'))).toBe('2026-12-04T09:00:00-03:30');
	});

	it('gives up on unknown or impossible input', () => {
		expect(rollForward('not a date', DAY, resetMs)).toBeUndefined();
		expect(rollForward('2026-12-01T09:00:00', DAY, resetMs)).toBeUndefined();
		expect(rollForward(reset, 0, resetMs + 1)).toBeUndefined();
		expect(rollForward(reset, -DAY, resetMs + 1)).toBeUndefined();
		expect(rollForward(reset, Number.NaN, resetMs + 1)).toBeUndefined();
	});
});

describe('effectiveWindow', () => {
	const base: QuotaWindow = {
		kind: 'seven_day',
		utilization: 0.83,
		resetsAt: '2026-12-01T09:00:00+05:45',
		durationMs: SEVEN_DAYS,
		source: 'provider-detected',
		origin: 'oauth-usage',
		observedAt: '2026-11-30T10:00:00Z',
	};
	const resetMs = at('2026-12-01T03:15:00Z');

	it('leaves a window whose reset is ahead unchanged', () => {
		expect(effectiveWindow(base, resetMs - 1)).toEqual({...base, resetPassed: false});
	});

	it('a passed reset makes a fresh estimated window rolled by its duration, keeping the offset', () => {
		expect(effectiveWindow(base, resetMs + HOUR)).toEqual({
			...base,
			utilization: 0,
			resetsAt: '2026-12-08T09:00:00+05:45',
			source: 'estimated',
			resetPassed: true,
		});
	});

	it('rolls a 5-hour window as many times as needed', () => {
		const w = effectiveWindow({...base, kind: 'five_hour', durationMs: FIVE_HOURS, utilization: 1.2}, resetMs + 12 * HOUR);
		expect(w.utilization).toBe(0);
		expect(w.resetsAt).toBe('2026-12-02T00:00:00+05:45');
	});

	it('unknown duration: fresh, with the next reset unknown', () => {
		const w = effectiveWindow({...base, durationMs: null}, resetMs + HOUR);
		expect(w).toMatchObject({utilization: 0, resetsAt: null, source: 'estimated', resetPassed: true});
	});

	it('unknown or unparseable reset: unchanged (cannot know it passed)', () => {
		expect(effectiveWindow({...base, resetsAt: null}, resetMs + DAY)).toMatchObject({utilization: 0.83, resetPassed: false});
		expect(effectiveWindow({...base, resetsAt: '2026-12-01T09:00:00'}, resetMs + DAY)).toMatchObject({utilization: 0.83, resetPassed: false});
	});

	it('does not mutate its input', () => {
		const copy = structuredClone(base);
		effectiveWindow(base, resetMs + DAY);
		expect(base).toEqual(copy);
	});
});

describe('parseRecurrence', () => {
	it.each([
		['5h', FIVE_HOURS],
		['daily', DAY],
		['weekly', SEVEN_DAYS],
		['weekly:monday', SEVEN_DAYS],
		['weekly:Fri', SEVEN_DAYS],
		['P7D', SEVEN_DAYS],
		['p1w', SEVEN_DAYS],
		['PT5H', FIVE_HOURS],
		[' P1D ', DAY],
	])('%j steps by a fixed duration', (text, ms) => {
		expect(recurrenceDurationMs(recurrence(text))).toBe(ms);
	});

	it.each(['monthly:31', 'P1M', 'P1Y'])('%j is a calendar recurrence (no fixed duration)', text => {
		expect(recurrenceDurationMs(recurrence(text))).toBeUndefined();
	});

	it('weekdays and days of month', () => {
		expect(recurrence('weekly:monday')).toEqual({kind: 'weekly', weekday: 1});
		expect(recurrence('weekly:su')).toEqual({kind: 'weekly', weekday: 7});
		expect(recurrence('WEEKLY:Thursday')).toEqual({kind: 'weekly', weekday: 4});
		expect(recurrence('monthly:1')).toEqual({kind: 'monthly', day: 1});
		expect(recurrence('monthly:31')).toEqual({kind: 'monthly', day: 31});
	});

	it.each([
		['weekly:funday', /weekday "funday".*monday/],
		['weekly:t', /weekday "t"/],
		['monthly:0', /day of month 0 out of range/],
		['monthly:32', /day of month 32 out of range/],
		['fortnightly', /unknown recurrence "fortnightly" \(expected 5h, daily, weekly:<weekday>, monthly:<day> or an ISO 8601 duration such as P7D\)/],
		['P0D', /unknown recurrence "P0D"/],
		['P-1D', /unknown recurrence/],
		['Pizza', /unknown recurrence/],
		['', /unknown recurrence/],
	])('%j is refused with a sentence', (text, message) => {
		const parsed = parseRecurrence(text);
		expect('error' in parsed).toBe(true);
		expect((parsed as {error: string}).error).toMatch(message);
	});
});

describe('nextRecurrence', () => {
	it('returns the reset itself while it is ahead', () => {
		expect(nextRecurrence('2026-12-08T09:00:00+05:45', recurrence('P7D'), at('2026-12-01T00:00:00Z'))).toBe('2026-12-08T09:00:00+05:45');
	});

	it('P7D from 2026-12-01T09:00+05:45 once passed → 2026-12-08T09:00:00+05:45', () => {
		expect(nextRecurrence('2026-12-01T09:00:00+05:45', recurrence('P7D'), at('2026-12-01T03:15:00Z'))).toBe('2026-12-08T09:00:00+05:45');
		expect(nextRecurrence('2026-12-01T09:00:00+05:45', recurrence('P7D'), at('2026-12-05T00:00:00Z'))).toBe('2026-12-08T09:00:00+05:45');
		expect(nextRecurrence('2026-12-01T09:00:00+05:45', recurrence('P7D'), at('2026-12-08T03:15:00Z'))).toBe('2026-12-15T09:00:00+05:45');
	});

	it('weekly:monday from Monday 2026-11-30T09:00-03:30, now after it → Monday 2026-12-07T09:00:00-03:30', () => {
		const start = '2026-11-30T09:00:00-03:30';
		expect(nextRecurrence(start, recurrence('weekly:monday'), at('2026-11-30T12:30:00Z'))).toBe('2026-12-07T09:00:00-03:30');
		expect(nextRecurrence(start, recurrence('weekly:monday'), at('2026-12-03T00:00:00Z'))).toBe('2026-12-07T09:00:00-03:30');
		// Monday 2026-12-07 before 09:00 local (12:30Z): still that Monday.
		expect(nextRecurrence(start, recurrence('weekly:monday'), at('2026-12-07T12:29:00Z'))).toBe('2026-12-07T09:00:00-03:30');
		// Many weeks later: the next Monday after now, not one week after the start.
		expect(nextRecurrence(start, recurrence('weekly:monday'), at('2027-01-20T00:00:00Z'))).toBe('2027-01-25T09:00:00-03:30');
	});

	it('weekly:<day> uses the weekday in the reset\'s own offset, not UTC', () => {
		// 2026-12-06 23:00 -03:30 is Monday 02:30 UTC; local Sunday 23:00 is what repeats.
		expect(nextRecurrence('2026-11-29T23:00:00-03:30', recurrence('weekly:sunday'), at('2026-12-01T00:00:00Z'))).toBe('2026-12-06T23:00:00-03:30');
		expect(nextRecurrence('2026-11-30T01:00:00+14:00', recurrence('weekly:monday'), at('2026-12-01T00:00:00Z'))).toBe('2026-12-07T01:00:00+14:00');
	});

	it('daily and 5h keep the local time of day', () => {
		expect(nextRecurrence('2026-12-01T09:00:00+05:45', recurrence('daily'), at('2026-12-03T05:00:00Z'))).toBe('2026-12-04T09:00:00+05:45');
		expect(nextRecurrence('2026-12-01T09:00:00+05:45', recurrence('5h'), at('2026-12-01T09:00:00Z'))).toBe('2026-12-01T19:00:00+05:45');
	});

	it('monthly:31 clamps to the last day of short months', () => {
		const start = '2027-01-31T10:00:00+01:00';
		expect(nextRecurrence(start, recurrence('monthly:31'), at('2027-02-01T00:00:00Z'))).toBe('2027-02-28T10:00:00+01:00');
		expect(nextRecurrence(start, recurrence('monthly:31'), at('2027-02-28T09:00:00Z'))).toBe('2027-03-31T10:00:00+01:00');
		expect(nextRecurrence('2028-01-31T10:00:00+01:00', recurrence('monthly:31'), at('2028-02-01T00:00:00Z'))).toBe('2028-02-29T10:00:00+01:00');
		expect(nextRecurrence(start, recurrence('monthly:30'), at('2027-04-15T00:00:00Z'))).toBe('2027-04-30T10:00:00+01:00');
		expect(nextRecurrence(start, recurrence('monthly:1'), at('2027-12-15T00:00:00Z'))).toBe('2028-01-01T10:00:00+01:00');
	});

	it('P1M steps by calendar months from the start without drifting', () => {
		const start = '2027-01-31T10:00:00+01:00';
		expect(nextRecurrence(start, recurrence('P1M'), at('2027-02-01T00:00:00Z'))).toBe('2027-02-28T10:00:00+01:00');
		expect(nextRecurrence(start, recurrence('P1M'), at('2027-03-01T00:00:00Z'))).toBe('2027-03-31T10:00:00+01:00');
		expect(nextRecurrence('2026-12-15T08:00:00-03:30', recurrence('P1M'), at('2027-03-20T00:00:00Z'))).toBe('2027-04-15T08:00:00-03:30');
		expect(nextRecurrence('2026-12-15T08:00:00Z', recurrence('P1Y'), at('2027-03-20T00:00:00Z'))).toBe('2027-12-15T08:00:00Z');
	});

	it('an offset-less reset has no next occurrence', () => {
		expect(nextRecurrence('2026-12-01T09:00:00', recurrence('P7D'), at('2026-12-05T00:00:00Z'))).toBeUndefined();
	});
});
