/**
 * Plan values (DESIGN §8): what a subscription is worth per month, to price unused quota.
 */
import type {Account} from './types.js';

/** Default monthly value in USD per plan. */
export const PLAN_VALUES: Readonly<Record<string, number>> = {
	pro: 20,
	max5: 100,
	max20: 200,
	team: 30,
	'team-premium': 150,
	plus: 20,
	'pro-chatgpt': 200,
	'pro-lite': 100,
	business: 25,
};

/** The account's monthly value: its override, else its plan's default, else null (unknown). */
export function planValue(account: Pick<Account, 'plan' | 'valueUsdPerMonth'>): number | null {
	if (account.valueUsdPerMonth !== undefined) return account.valueUsdPerMonth;
	if (account.plan && Object.hasOwn(PLAN_VALUES, account.plan)) return PLAN_VALUES[account.plan]!;
	return null;
}

/** Weekly value = monthly × 12 / 52. */
export function weeklyValue(account: Pick<Account, 'plan' | 'valueUsdPerMonth'>): number | null {
	const monthly = planValue(account);
	return monthly === null ? null : (monthly * 12) / 52;
}
