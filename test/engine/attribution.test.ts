import {describe, expect, it} from 'vitest';
import {attributeWindow} from '../../source/engine/attribution.js';

const D = (day: number, hour = 12) => Date.parse(`2026-11-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`);
const options = {startMs: D(16, 0), endMs: D(22, 23), offsetMinutes: 0};

describe('attribution of a weekly window to machines', () => {
	it("splits each day's rise by that day's cost per machine; a rise with no machine's usage is unattributed", () => {
		const points = [
			{atMs: D(16, 8), utilization: 0.1}, // day 16: +10 points, laptop 3 $ / ci 1 $
			{atMs: D(17, 20), utilization: 0.3}, // day 17: +20 points, laptop only
			{atMs: D(18, 9), utilization: 0.34}, // day 18: +4 points, nobody's logs (the web app)
			{atMs: D(19, 9), utilization: 0.33}, // a lower reading later never counts negative
		];
		const costs = [
			{machine: 'laptop', date: '2026-11-16', costUsd: 3},
			{machine: 'ci-runner', date: '2026-11-16', costUsd: 1},
			{machine: 'laptop', date: '2026-11-17', costUsd: 2},
			{machine: 'ci-runner', date: '2026-11-19', costUsd: 5},
		];
		const result = attributeWindow(points, costs, options);
		expect(result.machines.map(m => [m.machine, Number(m.share.toFixed(4))])).toEqual([['laptop', 0.275], ['ci-runner', 0.025]]);
		expect(result.unattributed).toBeCloseTo(0.04, 10);
		expect(result.total).toBe(0.33);
		expect(result.days).toBe(4);
	});

	it('observations outside the window and a window without observations attribute nothing', () => {
		expect(attributeWindow([{atMs: D(10), utilization: 0.9}], [{machine: 'laptop', date: '2026-11-10', costUsd: 9}], options)).toEqual({machines: [], unattributed: 0, total: 0, days: 0});
	});
});
