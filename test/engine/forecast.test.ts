process.env.TZ = 'UTC';

import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {burnRate, hitsWallBeforeReset, project, type Sample} from '../../source/engine/forecast.js';
import {HOUR, instantMs, isoAt, MINUTE, offsetOf} from '../../source/engine/time.js';
import {NOW} from './fixtures.js';

const s = (hoursAgo: number, utilization: number): Sample => ({atMs: NOW - hoursAgo * HOUR, utilization});

describe('burnRate', () => {
	it('is the change between the first and last sample per hour', () => {
		const r = burnRate([s(2, 0.1), s(1, 0.15), s(0, 0.3)]);
		expect(r.ratePerHour).toBeCloseTo(0.1, 10);
		expect(r.samples).toBe(3);
	});

	it('accepts samples in any order', () => {
		expect(burnRate([s(0, 0.3), s(2, 0.1), s(1, 0.15)]).ratePerHour).toBeCloseTo(0.1, 10);
	});

	it('ignores samples before a reset (a drop)', () => {
		// 0.8 → 0.9 before the reset would be 0.1/h; after it, 0.05 → 0.15 in 1 h.
		const r = burnRate([s(4, 0.8), s(3, 0.9), s(1, 0.05), s(0, 0.15)]);
		expect(r.ratePerHour).toBeCloseTo(0.1, 10);
		expect(r.samples).toBe(2);
		// Only the last reset counts.
		expect(burnRate([s(4, 0.5), s(3, 0.1), s(2, 0.6), s(1, 0.2), s(0, 0.4)]).ratePerHour).toBeCloseTo(0.2, 10);
	});

	it('a small wobble down is noise, not a reset, and never makes the rate negative', () => {
		expect(burnRate([s(2, 0.5), s(1, 0.49), s(0, 0.6)]).ratePerHour).toBeCloseTo(0.05, 10);
		expect(burnRate([s(2, 0.5), s(1, 0.495), s(0, 0.49)]).ratePerHour).toBe(0);
	});

	it('is 0 with fewer than two samples', () => {
		expect(burnRate([])).toEqual({ratePerHour: 0, samples: 0});
		expect(burnRate([s(0, 0.5)])).toEqual({ratePerHour: 0, samples: 1});
		// After a reset only one sample is left.
		expect(burnRate([s(2, 0.5), s(1, 0.9), s(0, 0.1)]).ratePerHour).toBe(0);
	});

	it('is 0 when the samples span less than a minute', () => {
		expect(burnRate([{atMs: NOW - 59_999, utilization: 0.1}, {atMs: NOW, utilization: 0.5}]).ratePerHour).toBe(0);
		expect(burnRate([{atMs: NOW - MINUTE, utilization: 0.1}, {atMs: NOW, utilization: 0.11}]).ratePerHour).toBeCloseTo(0.6, 10);
	});

	it('duplicate timestamps never give Infinity or NaN', () => {
		const r = burnRate([{atMs: NOW, utilization: 0.1}, {atMs: NOW, utilization: 0.5}, {atMs: NOW, utilization: 0.5}]);
		expect(r.ratePerHour).toBe(0);
		expect(Number.isFinite(burnRate([s(1, 0.1), {atMs: NOW, utilization: 0.2}, {atMs: NOW, utilization: 0.3}]).ratePerHour)).toBe(true);
	});

	it('drops non-finite samples', () => {
		expect(burnRate([s(2, Number.NaN), s(1, 0.1), s(0, 0.2), {atMs: Number.NaN, utilization: 5}]).ratePerHour).toBeCloseTo(0.1, 10);
	});

	it('an idle gap lowers the rate instead of being skipped', () => {
		const busy = burnRate([s(5, 0.1), s(4, 0.3)]).ratePerHour;
		const withIdle = burnRate([s(5, 0.1), s(4, 0.3), s(0, 0.3)]).ratePerHour;
		expect(busy).toBeCloseTo(0.2, 10);
		expect(withIdle).toBeCloseTo(0.04, 10);
	});

	it('only samples within the lookback of the newest count', () => {
		const samples = [s(10, 0), s(2, 0.4), s(0, 0.5)];
		expect(burnRate(samples, 3 * HOUR).samples).toBe(2);
		// With a long lookback the flat start is included: 0.5 over 10 h.
		expect(burnRate(samples, 24 * HOUR).samples).toBe(3);
		expect(burnRate([s(10, 0), s(2, 0.2), s(0, 0.5)], 24 * HOUR).ratePerHour).toBeCloseTo(0.05, 10);
		expect(burnRate([s(10, 0), s(2, 0.2), s(0, 0.5)], 3 * HOUR).ratePerHour).toBeCloseTo(0.15, 10);
	});

	it('property: the rate is always finite and ≥ 0', () => {
		const sample = fc.record({
			atMs: fc.oneof(fc.double(), fc.integer({min: NOW - 48 * HOUR, max: NOW}), fc.constant(NOW)),
			utilization: fc.oneof(fc.double(), fc.double({min: 0, max: 1.5, noNaN: true})),
		});
		fc.assert(fc.property(fc.array(sample, {maxLength: 30}), fc.option(fc.integer({min: 0, max: 10 * 24 * HOUR}), {nil: undefined}), (samples, lookback) => {
			const r = burnRate(samples, lookback);
			expect(Number.isFinite(r.ratePerHour)).toBe(true);
			expect(r.ratePerHour).toBeGreaterThanOrEqual(0);
			expect(r.samples).toBeLessThanOrEqual(samples.length);
		}));
	});
});

describe('project', () => {
	it('atReset = current + rate × hours left; no wall when 100% comes after the reset', () => {
		const p = project(0.5, 0.05, isoAt(NOW + 4 * HOUR), NOW, 7);
		expect(p.atReset).toBeCloseTo(0.7, 10);
		expect(p.exhaustsAt).toBeNull();
		expect(p.ratePerHour).toBe(0.05);
		expect(p.samples).toBe(7);
		expect(hitsWallBeforeReset(p)).toBe(false);
	});

	it('exhaustsAt when 100% comes before the reset, in the reset\'s offset', () => {
		const p = project(0.5, 0.2, isoAt(NOW + 4 * HOUR, 345), NOW);
		expect(p.atReset).toBeCloseTo(1.3, 10);
		expect(instantMs(p.exhaustsAt)).toBe(NOW + 2.5 * HOUR);
		expect(offsetOf(p.exhaustsAt!)).toBe(345);
		expect(hitsWallBeforeReset(p)).toBe(true);
	});

	it('reaching 100% exactly at the reset is not a wall', () => {
		expect(project(0.6, 0.1, isoAt(NOW + 4 * HOUR), NOW).exhaustsAt).toBeNull();
	});

	it('no wall when already at or past 100% or not burning', () => {
		expect(project(1, 0.2, isoAt(NOW + 4 * HOUR), NOW).exhaustsAt).toBeNull();
		expect(project(1.2, 0.2, isoAt(NOW + 4 * HOUR), NOW).atReset).toBeCloseTo(2, 10);
		expect(project(0.5, 0, isoAt(NOW + 4 * HOUR), NOW)).toMatchObject({atReset: 0.5, exhaustsAt: null});
	});

	it('unknown reset: no projection at reset and no claim about the wall', () => {
		expect(project(0.5, 0.2, null, NOW)).toEqual({ratePerHour: 0.2, atReset: null, exhaustsAt: null, samples: 0});
	});

	it('unknown utilization: nothing to project', () => {
		expect(project(null, 0.2, isoAt(NOW + HOUR), NOW)).toEqual({ratePerHour: 0.2, atReset: null, exhaustsAt: null, samples: 0});
	});

	it('a bad rate counts as 0', () => {
		for (const rate of [-0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
			const p = project(0.5, rate, isoAt(NOW + HOUR), NOW);
			expect(p.ratePerHour).toBe(0);
			expect(p.atReset).toBe(0.5);
			expect(p.exhaustsAt).toBeNull();
		}
	});

	it('a reset already passed leaves no time', () => {
		expect(project(0.5, 0.2, isoAt(NOW - HOUR), NOW)).toMatchObject({atReset: 0.5, exhaustsAt: null});
	});
});
