process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {PLAN_VALUES, planValue, weeklyValue} from '../../source/engine/plans.js';

describe('plan values (DESIGN §8)', () => {
	it('defaults per plan', () => {
		expect(PLAN_VALUES).toMatchObject({pro: 20, max5: 100, max20: 200, team: 30, plus: 20, business: 25});
		expect(planValue({plan: 'max5'})).toBe(100);
		expect(planValue({plan: 'custom'})).toBeNull();
		expect(planValue({})).toBeNull();
		// Not fooled by inherited object keys.
		expect(planValue({plan: 'toString'})).toBeNull();
		expect(planValue({plan: 'constructor'})).toBeNull();
	});

	it('the account\'s own value overrides the plan, even 0', () => {
		expect(planValue({plan: 'max20', valueUsdPerMonth: 150})).toBe(150);
		expect(planValue({plan: 'max20', valueUsdPerMonth: 0})).toBe(0);
	});

	it('weekly value = monthly × 12 / 52', () => {
		expect(weeklyValue({plan: 'max20'})).toBeCloseTo(46.1538, 4);
		expect(weeklyValue({})).toBeNull();
	});
});
