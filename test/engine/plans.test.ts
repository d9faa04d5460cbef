process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {apiCreditsOf, isWeeklyOnlyPlan, PLAN_VALUES, planIds, planValue, resolvePlan, weeklyValue, withCanonicalPlan} from '../../source/engine/plans.js';

describe('plan values (DESIGN §8)', () => {
	it('defaults per plan', () => {
		expect(PLAN_VALUES).toMatchObject({pro: 20, max: 100, ultra: 200, max5: 100, max20: 200, team: 30, 'team-premium': 150, plus: 20, 'pro-chatgpt': 200, 'pro-lite': 100, business: 25});
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

describe('plan ids per provider (December 2026 names)', () => {
	it('"pro" is Claude Pro on a Claude account and ChatGPT Pro on a Codex account', () => {
		expect(planValue({provider: 'claude', plan: 'pro'})).toBe(20);
		expect(planValue({provider: 'codex', plan: 'pro'})).toBe(200);
		expect(planValue({provider: 'manual', plan: 'pro'})).toBe(20);
		expect(planValue({provider: 'manual', plan: 'pro-chatgpt'})).toBe(200);
		expect(planValue({provider: 'codex', plan: 'pro-lite'})).toBe(100);
		expect(planValue({provider: 'codex', plan: 'plus'})).toBe(20);
		expect(planValue({provider: 'codex', plan: 'business'})).toBe(25);
		// A Claude plan is not a ChatGPT plan.
		expect(planValue({provider: 'codex', plan: 'ultra'})).toBeNull();
		expect(planValue({provider: 'claude', plan: 'plus'})).toBeNull();
	});

	it('old names read as the new ones (max5 → max, max20 → ultra; Codex pro-chatgpt → pro, team → business)', () => {
		expect(resolvePlan('claude', 'max20')).toMatchObject({id: 'ultra', renamedFrom: 'max20', info: {valueUsdPerMonth: 200, weeklyOnly: true}});
		expect(resolvePlan('claude', 'max5')).toMatchObject({id: 'max', renamedFrom: 'max5', info: {valueUsdPerMonth: 100, weeklyOnly: false}});
		expect(resolvePlan('manual', 'MAX20')).toMatchObject({id: 'ultra', renamedFrom: 'MAX20'});
		expect(resolvePlan('codex', 'pro-chatgpt')).toMatchObject({id: 'pro', renamedFrom: 'pro-chatgpt', info: {vendor: 'chatgpt', valueUsdPerMonth: 200}});
		expect(resolvePlan('codex', 'team')).toMatchObject({id: 'business', renamedFrom: 'team'});
		expect(resolvePlan('claude', 'team')).toMatchObject({id: 'team', renamedFrom: null});
		expect(resolvePlan('manual', 'pro-chatgpt')).toMatchObject({id: 'pro-chatgpt', renamedFrom: null, info: {vendor: 'chatgpt'}});
		expect(resolvePlan('claude', 'galaxy')).toEqual({id: 'galaxy', info: null, renamedFrom: null});
		expect(withCanonicalPlan({name: 'u', provider: 'claude' as const, plan: 'max20'})).toEqual({name: 'u', provider: 'claude', plan: 'ultra'});
		expect(withCanonicalPlan({name: 'c', provider: 'codex' as const, plan: 'pro-chatgpt'}).plan).toBe('pro');
		expect(withCanonicalPlan({name: 'g', provider: 'claude' as const, plan: 'galaxy'}).plan).toBe('galaxy');
		expect(planIds('claude')).toEqual(['pro', 'max', 'ultra', 'team', 'team-premium', 'enterprise']);
		expect(planIds('codex')).toEqual(['free', 'go', 'plus', 'pro-lite', 'pro', 'business']);
	});

	it('weekly-only plans and monthly API credits (a pool apart, never Claude Code headroom)', () => {
		expect(isWeeklyOnlyPlan({provider: 'claude', plan: 'ultra'})).toBe(true);
		expect(isWeeklyOnlyPlan({provider: 'claude', plan: 'max20'})).toBe(true);
		expect(isWeeklyOnlyPlan({provider: 'claude', plan: 'max'})).toBe(false);
		expect(isWeeklyOnlyPlan({provider: 'codex', plan: 'free'})).toBe(true);
		expect(isWeeklyOnlyPlan({provider: 'codex', plan: 'plus'})).toBe(false);
		expect(apiCreditsOf({provider: 'claude', plan: 'max'})).toMatchObject({monthlyUsd: 100, scope: 'account'});
		expect(apiCreditsOf({provider: 'claude', plan: 'ultra'})).toMatchObject({monthlyUsd: 200, scope: 'account'});
		expect(apiCreditsOf({provider: 'claude', plan: 'team'})).toMatchObject({monthlyUsd: null, scope: 'organization'});
		expect(apiCreditsOf({provider: 'claude', plan: 'pro'})).toBeNull();
		expect(apiCreditsOf({provider: 'codex', plan: 'pro'})).toBeNull();
	});
});
