process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import type {Recommendation} from '../../source/engine/report.js';
import {chainSort, ineligibility, selectAccount, wallSentence} from '../../source/engine/select.js';
import {DEFAULT_POLICY, type AccountState, type AccountStatus, type Budget, type Policy} from '../../source/engine/types.js';
import {account, inHours, NOW, projection, state, weekly, win} from './fixtures.js';

const policy: Pick<Policy, 'switchThreshold' | 'strategy' | 'extraUsage'> = {switchThreshold: 0.9, strategy: 'chain', extraUsage: 'last'};

function select(accounts: AccountState[], options: {active?: string | null; policy?: Partial<typeof policy>; provider?: string} = {}): Recommendation {
	return selectAccount({accounts, active: options.active ?? null, policy: {...policy, ...options.policy}, provider: options.provider, now: NOW});
}

function alt(rec: Recommendation, name: string): string {
	const found = rec.alternatives.find(a => a.name === name);
	if (!found) throw new Error(`no alternative ${name} in ${JSON.stringify(rec.alternatives)}`);
	return found.reason;
}

/** A manual account as the CLI creates it: `budget set --scope account:NAME --window seven_day --used N --limit 100`. */
function manual(name: string, usedPercent: number | null, extra: Parameters<typeof account>[1] = {}): AccountState {
	const overrides: Budget[] = usedPercent === null ? [] : [{
		scope: `account:${name}`,
		window: 'seven_day',
		limit: 100,
		unit: 'percent',
		used: usedPercent,
		resetAt: '2026-12-05T09:00:00+01:00',
		recurrence: 'P7D',
		source: 'user-entered',
		checkedAt: '2026-12-02T10:00:00Z',
	}];
	return accountState({account: account(name, extra), overrides}, DEFAULT_POLICY, NOW);
}

describe('selectAccount: the acceptance cases', () => {
	it('a (7d 95%), b (7d 50%), c (last resort) → b, exit 0; a and c each say why not', () => {
		const rec = select([manual('a', 95), manual('b', 50), manual('c', null, {lastResort: true})]);
		expect(rec.account).toBe('b');
		expect(rec.exitCode).toBe(0);
		expect(rec.emergency).toBe(false);
		expect(rec.reason).toContain('b');
		expect(rec.reason).toContain('50%');
		expect(rec.alternatives.map(a => a.name).toSorted()).toEqual(['a', 'c']);
		expect(alt(rec, 'a')).toBe('weekly usage at 95% is at or over the 90% switch threshold');
		expect(alt(rec, 'c')).toMatch(/last-resort/);
	});

	it('a and b exhausted (100%) → c as an emergency, exit 3', () => {
		const rec = select([manual('a', 100), manual('b', 100), manual('c', null, {lastResort: true})]);
		expect(rec).toMatchObject({account: 'c', emergency: true, exitCode: 3});
		expect(rec.reason).toMatch(/last-resort account c \(emergency\)/);
		expect(alt(rec, 'a')).toBe('exhausted');
		expect(alt(rec, 'b')).toBe('exhausted');
	});

	it('nothing usable and no last resort → null, exit 1', () => {
		const rec = select([manual('a', 100), manual('b', 100)]);
		expect(rec).toMatchObject({account: null, model: null, emergency: false, exitCode: 1});
		expect(rec.reason).toBe('no account is usable and no last-resort account is configured');
		expect(rec.alternatives.map(a => a.name)).toEqual(['a', 'b']);
	});

	it('no accounts at all → null, exit 1', () => {
		expect(select([])).toMatchObject({account: null, exitCode: 1, reason: 'no accounts configured', alternatives: []});
	});
});

describe('selectAccount: step 1, eligibility', () => {
	it.each<[string, AccountState, RegExp]>([
		['disabled', weekly('x', 0.1, {account: {disabled: true}}), /^disabled$/],
		['invalid key', weekly('x', 0.1, {status: 'invalid_key'}), /credential is invalid \(401\)/],
		['token expired', weekly('x', 0.1, {status: 'token_expired'}), /token has expired/],
		['policy rejected', weekly('x', 0.1, {status: 'policy_rejected'}), /refuses this credential/],
		['unreachable', weekly('x', 0.1, {status: 'unreachable'}), /unreachable/],
		['unknown status', weekly('x', 0.1, {status: 'unknown'}), /no usage data yet/],
		['no data', state('x', []), /no usage data yet/],
		['only unknown windows, provider says allowed', state('x', [win('seven_day', null)], {status: 'allowed'}), /no usage data yet/],
		['exhausted', weekly('x', 1), /^exhausted$/],
		['a real job failure', weekly('x', 0.1, {unusableReason: 'a job failed with 403 (policy refusal)'}), /marked unusable: a job failed with 403/],
	])('%s → ineligible, with the reason in alternatives', (_label, bad, reason) => {
		expect(ineligibility(bad)).toMatch(reason);
		const rec = select([bad, weekly('ok', 0.5)]);
		expect(rec.account).toBe('ok');
		expect(alt(rec, 'x')).toMatch(reason);
	});

	it('an ineligible account is never chosen, even as the only one', () => {
		for (const status of ['invalid_key', 'token_expired', 'unknown', 'rejected', 'unreachable', 'policy_rejected'] as AccountStatus[]) {
			expect(select([weekly('x', 0.1, {status})]).account).toBeNull();
		}
		expect(select([weekly('x', 0.1, {account: {disabled: true}})]).account).toBeNull();
		expect(select([weekly('x', 0.1, {unusableReason: '401'})]).account).toBeNull();
	});

	it('real outcomes outrank quota numbers: an unusable account at 0% loses to one at 80%', () => {
		expect(select([weekly('a', 0, {unusableReason: 'job 12 failed with 401'}), weekly('b', 0.8)]).account).toBe('b');
	});

	it('allowed_warning counts as eligible', () => {
		expect(select([weekly('a', 0.85)]).account).toBe('a');
	});
});

describe('selectAccount: step 2, sticky active account', () => {
	it('the active account under the threshold stays even if another comes first in the chain', () => {
		const rec = select([weekly('a', 0.1), weekly('b', 0.6)], {active: 'b'});
		expect(rec.account).toBe('b');
		expect(rec.exitCode).toBe(0);
		expect(rec.reason).toBe('b is active and healthy: weekly usage at 60%, under the 90% switch threshold');
		expect(alt(rec, 'a')).toBe('b is active and healthy (sticky)');
	});

	it('the active account over the threshold → switch, and the reason says why', () => {
		const rec = select([weekly('a', 0.5), weekly('b', 0.95)], {active: 'b'});
		expect(rec.account).toBe('a');
		expect(rec.reason).toBe('b is active but its weekly usage at 95% is at or over the 90% switch threshold; switching to a: first healthy account in chain order (weekly usage at 50%, under the 90% switch threshold)');
		expect(alt(rec, 'b')).toMatch(/95% is at or over the 90% switch threshold/);
	});

	it('exactly at the threshold counts as over it', () => {
		expect(select([weekly('a', 0.5), weekly('b', 0.9)], {active: 'b'}).account).toBe('a');
		expect(select([weekly('a', 0.5), weekly('b', 0.8999)], {active: 'b'}).account).toBe('b');
	});

	it('the 5-hour window binds too', () => {
		const hot = state('b', [win('five_hour', 0.93, inHours(2)), win('seven_day', 0.2)]);
		const rec = select([weekly('a', 0.5), hot], {active: 'b'});
		expect(rec.account).toBe('a');
		expect(rec.reason).toMatch(/^b is active but its 5-hour usage at 93%/);
	});

	it('anticipation: under the threshold but projected to hit 100% before the reset → switch, and the reason mentions the projection', () => {
		const exhaustsAt = inHours(5);
		const b = state('b', [win('seven_day', 0.7, inHours(30))], {projections: {seven_day: projection(exhaustsAt)}});
		expect(wallSentence(b)).toBe(`its weekly window is projected to reach 100% at ${exhaustsAt}, before its reset`);
		const rec = select([weekly('a', 0.5), b], {active: 'b'});
		expect(rec.account).toBe('a');
		expect(rec.reason).toContain(`b is active but its weekly window is projected to reach 100% at ${exhaustsAt}, before its reset`);
		expect(alt(rec, 'b')).toContain('projected to reach 100%');
	});

	it('a projection that does not reach 100% before the reset keeps the account', () => {
		const b = state('b', [win('seven_day', 0.7, inHours(30))], {projections: {seven_day: projection(null, {atReset: 0.85})}});
		expect(select([weekly('a', 0.5), b], {active: 'b'}).account).toBe('b');
	});

	it('a projection on a window that does not gate the model is ignored', () => {
		const b = state('b', [win('seven_day', 0.3), win('seven_day_opus', 0.5)], {account: {model: 'sonnet'}, projections: {seven_day_opus: projection(inHours(3))}});
		expect(wallSentence(b)).toBeUndefined();
		expect(select([weekly('a', 0.1), b], {active: 'b'}).account).toBe('b');
	});

	it('an ineligible active account is left, and the reason says why', () => {
		const rec = select([weekly('a', 0.5), weekly('b', 0.1, {status: 'invalid_key'})], {active: 'b'});
		expect(rec.account).toBe('a');
		expect(rec.reason).toMatch(/^b is active but its credential is invalid \(401\); switching to a/);
	});

	it('an active last-resort account is left as soon as a regular account is usable', () => {
		const rec = select([weekly('a', 0.5), weekly('c', 0.1, {account: {lastResort: true}})], {active: 'c'});
		expect(rec).toMatchObject({account: 'a', emergency: false, exitCode: 0});
	});
});

describe('selectAccount: step 3, strategies', () => {
	// a: first in chain, 60%, resets in 5 days; b: most headroom (10%), resets in 6 days; c: 40%, resets in 1 day.
	const accounts = [
		weekly('a', 0.6, {resetsAt: inHours(120)}),
		weekly('b', 0.1, {resetsAt: inHours(144)}),
		weekly('c', 0.4, {resetsAt: inHours(24)}),
	];

	it.each<[Policy['strategy'], string, RegExp]>([
		['chain', 'a', /first healthy account in chain order/],
		['most-headroom', 'b', /healthy account with the most headroom/],
		['drain-soonest-reset', 'c', /healthy account whose weekly window resets soonest/],
	])('%s picks %s', (strategy, expected, reason) => {
		const rec = select(accounts, {policy: {strategy}});
		expect(rec.account).toBe(expected);
		expect(rec.reason).toMatch(reason);
		for (const other of ['a', 'b', 'c'].filter(n => n !== expected)) {
			expect(alt(rec, other)).toBe(`ranked after ${expected} by the ${strategy} strategy`);
		}
	});

	it('drain-soonest-reset: within the same hour, the one that would waste the most (most headroom) first', () => {
		const rec = select([weekly('a', 0.6, {resetsAt: inHours(24.2)}), weekly('b', 0.2, {resetsAt: inHours(24.5)}), weekly('c', 0.1, {resetsAt: inHours(48)})], {policy: {strategy: 'drain-soonest-reset'}});
		expect(rec.account).toBe('b');
	});

	it('drain-soonest-reset: an unknown weekly reset comes last', () => {
		const rec = select([state('a', [win('seven_day', 0.1, null)]), state('b', [win('five_hour', 0.05, inHours(1))]), weekly('c', 0.5, {resetsAt: inHours(100)})], {policy: {strategy: 'drain-soonest-reset'}});
		expect(rec.account).toBe('c');
	});

	it('chain order follows chainOrder, then configuration order', () => {
		const list = [weekly('a', 0.1, {account: {chainOrder: 3}}), weekly('b', 0.1, {account: {chainOrder: 1}}), weekly('c', 0.1, {account: {chainOrder: 2}})];
		expect(chainSort(list).map(s => s.account.name)).toEqual(['b', 'c', 'a']);
		expect(select(list).account).toBe('b');
	});

	it('over-threshold and walled accounts are skipped in favour of a healthy one further down', () => {
		const walled = state('b', [win('seven_day', 0.5)], {projections: {seven_day: projection(inHours(3))}});
		const rec = select([weekly('a', 0.92), walled, weekly('c', 0.7)]);
		expect(rec.account).toBe('c');
		expect(alt(rec, 'a')).toMatch(/92% is at or over/);
		expect(alt(rec, 'b')).toMatch(/projected to reach 100%/);
	});

	it('model-scoped windows count only for their model', () => {
		const a = state('a', [win('seven_day', 0.3), win('seven_day_opus', 0.95)], {account: {model: 'opus'}});
		const b = state('b', [win('seven_day', 0.4), win('seven_day_opus', 0.99)], {account: {model: 'sonnet'}});
		const rec = select([a, b]);
		expect(rec).toMatchObject({account: 'b', model: 'sonnet'});
		expect(alt(rec, 'a')).toBe('weekly Opus usage at 95% is at or over the 90% switch threshold; it could run on sonnet, but b has room on its own model');
	});
});

describe('selectAccount: step 4, none under the threshold', () => {
	it('picks the lowest binding utilization', () => {
		const rec = select([weekly('a', 0.97), weekly('b', 0.92), weekly('c', 0.95)]);
		expect(rec).toMatchObject({account: 'b', exitCode: 0, emergency: false});
		expect(rec.reason).toBe('no account is under the 90% switch threshold; b has the lowest usage (weekly usage at 92%)');
		expect(alt(rec, 'a')).toMatch(/b has lower usage/);
	});

	it('prefers an over-threshold regular account to the last-resort one', () => {
		expect(select([weekly('a', 0.97), weekly('c', 0.1, {account: {lastResort: true}})]).account).toBe('a');
	});

	it('a walled account under the threshold still beats one over it', () => {
		const walled = state('b', [win('seven_day', 0.5)], {projections: {seven_day: projection(inHours(3))}});
		expect(select([weekly('a', 0.95), walled]).account).toBe('b');
	});
});

describe('selectAccount: extra usage', () => {
	const paid = {enabled: true, limitUsd: 50, usedUsd: 5, currency: 'USD'};

	it('extraUsage "last": an account running on extra usage comes after the others', () => {
		// a is exhausted but extra usage absorbs work; b is at the same binding utilization without it.
		const a = state('a', [win('five_hour', 1, inHours(2))], {extraUsage: paid});
		const b = state('b', [win('five_hour', 1, inHours(2))], {status: 'allowed_warning'});
		expect(a.status).toBe('allowed_warning');
		expect(select([a, b], {policy: {extraUsage: 'last'}}).account).toBe('b');
		expect(select([a, b], {policy: {extraUsage: 'normal'}}).account).toBe('a');
	});

	it('extraUsage "last" also orders healthy accounts when the threshold is above 100%', () => {
		const a = state('a', [win('five_hour', 1.05, inHours(2))], {extraUsage: paid});
		const b = weekly('b', 0.5);
		expect(select([a, b], {policy: {extraUsage: 'last', switchThreshold: 1.5}}).account).toBe('b');
		expect(select([a, b], {policy: {extraUsage: 'normal', switchThreshold: 1.5}}).account).toBe('a');
	});

	it('an account exhausted with no extra usage left is not eligible', () => {
		const a = state('a', [win('five_hour', 1, inHours(2))], {extraUsage: {...paid, usedUsd: 50}});
		expect(select([a]).account).toBeNull();
	});
});

describe('selectAccount: step 5, last resort', () => {
	it('the emergency account is used only when nothing regular is usable', () => {
		const rec = select([weekly('a', 1), weekly('c', 0.2, {account: {lastResort: true}})]);
		expect(rec).toMatchObject({account: 'c', emergency: true, exitCode: 3});
	});

	it('a last resort with an invalid credential is avoided when another last resort works', () => {
		const rec = select([
			weekly('a', 1),
			weekly('c1', 0.1, {account: {lastResort: true}, status: 'invalid_key'}),
			weekly('c2', 0.5, {account: {lastResort: true}}),
		]);
		expect(rec).toMatchObject({account: 'c2', emergency: true, exitCode: 3});
		expect(alt(rec, 'c1')).toMatch(/credential is invalid/);
	});

	it('a last resort marked unusable by a real failure is avoided too', () => {
		const rec = select([
			weekly('c1', 0.1, {account: {lastResort: true}, unusableReason: 'job 7 failed with 401'}),
			weekly('c2', 0.5, {account: {lastResort: true}}),
		]);
		expect(rec.account).toBe('c2');
	});

	it('a last resort with working data beats one with no data; no data beats exhausted', () => {
		expect(select([state('c1', [], {account: {lastResort: true}}), weekly('c2', 0.5, {account: {lastResort: true}})]).account).toBe('c2');
		expect(select([weekly('c1', 1, {account: {lastResort: true}}), state('c2', [], {account: {lastResort: true}})]).account).toBe('c2');
	});

	it('when every last resort is broken, nothing is recommended (exit 1) and the reason says why', () => {
		const rec = select([weekly('a', 1), weekly('c', 0.1, {account: {lastResort: true}, status: 'token_expired'})]);
		expect(rec).toMatchObject({account: null, emergency: false, exitCode: 1});
		expect(rec.reason).toMatch(/last-resort account c cannot be used: its token has expired/);
		expect(alt(rec, 'c')).toMatch(/token has expired/);
	});

	it('a disabled last resort is never used', () => {
		const rec = select([weekly('a', 1), weekly('c', 0.1, {account: {lastResort: true, disabled: true}})]);
		expect(rec.account).toBeNull();
		expect(alt(rec, 'c')).toBe('disabled');
	});

	it('a last resort alone is used as an emergency', () => {
		const rec = select([weekly('c', 0.1, {account: {lastResort: true}})]);
		expect(rec).toMatchObject({account: 'c', emergency: true, exitCode: 3});
		expect(rec.reason).toContain('(none configured)');
	});
});

describe('selectAccount: provider filter and shape', () => {
	const mixed = [
		weekly('claude-a', 0.1, {account: {provider: 'claude'}}),
		weekly('codex-a', 0.95, {account: {provider: 'codex'}}),
		weekly('codex-b', 0.5, {account: {provider: 'codex', model: 'gpt-5-codex'}}),
	];

	it('only accounts of the provider are considered', () => {
		const rec = select(mixed, {provider: 'codex'});
		expect(rec).toMatchObject({account: 'codex-b', model: 'gpt-5-codex'});
		expect(rec.alternatives.map(a => a.name)).toEqual(['codex-a']);
		expect(select(mixed, {provider: 'claude'}).account).toBe('claude-a');
		expect(select(mixed).account).toBe('claude-a');
		expect(select(mixed, {provider: 'demo'})).toMatchObject({account: null, exitCode: 1});
	});

	it('every other account appears once in alternatives, never the chosen one', () => {
		const list = [weekly('a', 0.95), weekly('b', 0.2), weekly('c', 0.3), weekly('d', 1), weekly('e', 0.1, {account: {lastResort: true}})];
		const rec = select(list, {active: 'c'});
		expect(rec.account).toBe('c');
		expect(rec.alternatives.map(a => a.name)).toEqual(['a', 'b', 'd', 'e']);
		for (const a of rec.alternatives) expect(a.reason.length).toBeGreaterThan(3);
	});

	it('is deterministic and does not mutate its input', () => {
		const list = [weekly('a', 0.95), weekly('b', 0.2)];
		const copy = structuredClone(list);
		expect(select(list)).toEqual(select(list));
		expect(list).toEqual(copy);
	});
});

describe('selectAccount: leaving the active account with nowhere better to go', () => {
	it('nothing usable: the reason still says why the active account was left', () => {
		const rec = select([weekly('a', 1), weekly('b', 0.1, {status: 'invalid_key'})], {active: 'b'});
		expect(rec).toMatchObject({account: null, exitCode: 1});
		expect(rec.reason).toBe('b is active but its credential is invalid (401); no account is usable and no last-resort account is configured');
	});

	it('the active account over the threshold stays when it is still the least used', () => {
		const rec = select([weekly('a', 0.97), weekly('b', 0.92)], {active: 'b'});
		expect(rec.account).toBe('b');
		expect(rec.reason).toBe('no account is under the 90% switch threshold; b has the lowest usage (weekly usage at 92%)');
	});
});

describe('selectAccount: dollar ceilings (seed 002)', () => {
	const withCeiling = (s: AccountState, used: number, limit = 12): AccountState => ({...s, ceiling: {scope: `account:${s.account.name}`, limitUsd: limit, usedUsd: used, utilization: used / limit, resetAt: inHours(60), period: 'weekly', source: 'estimated'}});

	it('an account with no provider numbers but a ceiling is eligible, ranked by the ceiling', () => {
		const logOnly = withCeiling(state('logs', [], {status: 'unknown'}), 3);
		expect(ineligibility(logOnly)).toBeUndefined();
		expect(ineligibility(state('bare', [], {status: 'unknown'}))).toBe('no usage data yet');
		const rec = select([logOnly]);
		expect(rec).toMatchObject({account: 'logs', exitCode: 0});
		expect(rec.reason).toContain('usage at $3.00 of the $12.00 weekly ceiling (25%)');
	});

	it('a used-up ceiling makes the account ineligible; a ceiling over the threshold ranks after healthy accounts', () => {
		expect(ineligibility(withCeiling(state('logs', [], {status: 'unknown'}), 12))).toBe('the $12.00 weekly ceiling is used up ($12.00)');
		const rec = select([withCeiling(weekly('a', 0.2), 11.5), weekly('b', 0.5)]);
		expect(rec.account).toBe('b');
		expect(alt(rec, 'a')).toContain('usage at $11.50 of the $12.00 weekly ceiling (96%) is at or over the 90% switch threshold');
	});
});
