process.env.TZ = 'UTC';
import {describe, expect, test} from 'vitest';
import fc from 'fast-check';
import {cellWidth, formatAge, formatAgeShort, formatBar, formatClock, formatCountdown, formatDuration, formatLocalTime, formatPercent, parseInstant, truncate} from '../../source/ui/format.js';
import {DAY, HOUR, MINUTE, NOW, SECOND} from './fixtures.js';

describe('formatPercent', () => {
	test.each([
		[0.23, '23%'],
		[0, '0%'],
		[1, '100%'],
		[1.12, '112%'],
		[0.005, '1%'],
		[null, '--'],
		[Number.NaN, '--'],
		[Number.POSITIVE_INFINITY, '--'],
	])('%s → %s', (input, expected) => {
		expect(formatPercent(input)).toBe(expected);
	});
});

describe('formatCountdown', () => {
	test.each([
		[HOUR + 12 * MINUTE, '1h12m'],
		[HOUR + 12 * MINUTE + 30 * SECOND, '1h12m'],
		[3 * DAY + 4 * HOUR, '3d4h'],
		[3 * DAY, '3d'],
		[2 * HOUR, '2h'],
		[9 * HOUR + 59 * MINUTE, '9h59m'],
		[14 * HOUR + 18 * MINUTE, '14h'],
		[45 * MINUTE, '45m'],
		[12 * SECOND, '12s'],
		[500, '1s'],
		[12 * DAY + 5 * HOUR, '12d'],
		[0, 'now'],
		[-5 * MINUTE, 'now'],
	])('%d ms left → %s', (left, expected) => {
		expect(formatCountdown(NOW + left, NOW)).toBe(expected);
	});

	test('unknown reset → --', () => {
		expect(formatCountdown(null, NOW)).toBe('--');
	});

	test('one second less crosses the minute: 1h12m → 1h11m', () => {
		const target = NOW + HOUR + 12 * MINUTE;
		expect(formatCountdown(target, NOW)).toBe('1h12m');
		expect(formatCountdown(target, NOW + SECOND)).toBe('1h11m');
	});

	test('never longer than 6 cells below 10 days, 5 below a day (a countdown cell is ↺ plus 5)', () => {
		fc.assert(fc.property(fc.integer({min: 1, max: 10 * DAY - 1}), left => formatDuration(left).length <= 6));
		fc.assert(fc.property(fc.integer({min: 1, max: DAY - 1}), left => formatDuration(left).length <= 5));
	});
});

describe('formatAge', () => {
	test.each([
		[2 * MINUTE, '2m ago'],
		[40 * SECOND, 'just now'],
		[61 * SECOND, '1m ago'],
		[3 * HOUR + 5 * MINUTE, '3h ago'],
		[2 * DAY, '2d ago'],
		[2 * SECOND, 'just now'],
		[-MINUTE, 'just now'],
	])('%d ms old → %s', (age, expected) => {
		expect(formatAge(NOW - age, NOW)).toBe(expected);
	});

	test('no observation', () => {
		expect(formatAge(null, NOW)).toBe('no data');
	});

	test('short form', () => {
		expect(formatAgeShort(12 * MINUTE)).toBe('12m');
	});
});

describe('formatBar', () => {
	test.each([
		[0, 4, '░░░░'],
		[0.5, 4, '██░░'],
		[0.23, 4, '▉░░░'],
		[0.1, 4, '▍░░░'],
		[0.3, 5, '█▌░░░'],
		[1, 4, '████'],
		[1.4, 4, '████'],
		[0.001, 4, '▏░░░'],
		[0.999, 4, '███▉'],
		// Eighth steps at 80 columns' 3-cell bars: 84 %, 93 %, 99 % and 100 % all differ (D14).
		[0.84, 3, '██▌'],
		[0.93, 3, '██▊'],
		[0.99, 3, '██▉'],
		[1, 3, '███'],
		[null, 4, '····'],
		[0.5, 0, ''],
	])('%s over %d cells → %s', (fraction, width, expected) => {
		expect(formatBar(fraction, width)).toBe(expected);
	});

	test('squares style', () => {
		expect(formatBar(0.5, 4, 'squares')).toBe('■■□□');
	});

	test('always exactly `width` cells', () => {
		fc.assert(fc.property(fc.option(fc.double({min: -1, max: 3, noNaN: true})), fc.integer({min: 0, max: 40}), (fraction, width) =>
			[...formatBar(fraction, width)].length === width));
	});
});

describe('local time (TZ honoured)', () => {
	test('clock is HH:mm in the local zone', () => {
		expect(formatClock(NOW + 65 * SECOND)).toBe('14:01');
	});

	test('same day, this week, later', () => {
		expect(formatLocalTime(NOW + HOUR + 12 * MINUTE, NOW)).toBe('15:12');
		expect(formatLocalTime(NOW + 3 * DAY + 4 * HOUR, NOW)).toBe('Thu 18:00');
		expect(formatLocalTime(NOW + 8 * DAY, NOW)).toBe('Mar 10');
	});

	test('follows TZ', () => {
		const saved = process.env.TZ;
		process.env.TZ = 'Asia/Kathmandu';
		try {
			expect(formatClock(NOW)).toBe('19:45');
		} finally {
			process.env.TZ = saved;
		}
	});
});

test('parseInstant and truncate', () => {
	expect(parseInstant('2026-03-02T14:00:00+05:45')).toBe(NOW - (5 * HOUR + 45 * MINUTE));
	expect(parseInstant('nope')).toBeNull();
	expect(parseInstant(null)).toBeNull();
	expect(truncate('abcdef', 4)).toBe('abc…');
	expect(truncate('abc', 4)).toBe('abc');
	expect(truncate('abc', 0)).toBe('');
	// Terminal cells, not code points: a CJK character is two cells, an emoji with a modifier one grapheme.
	expect(truncate('日本語のタイトル', 7)).toBe('日本語…');
	expect(cellWidth(truncate('日本語のタイトル', 8))).toBeLessThanOrEqual(8);
	expect(truncate('👍🏽👍🏽👍🏽', 5)).toBe('👍🏽👍🏽…');
	expect(truncate('ab日', 4)).toBe('ab日');
	expect(cellWidth('日本')).toBe(4);
});
