process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import {effectiveBudget} from '../../source/engine/budget-state.js';
import {gate, type GateInput, type GateRequest, type GateResult} from '../../source/engine/gate.js';
import {HOUR, isoAt, MINUTE} from '../../source/engine/time.js';
import type {AccountState, Budget, ExtraUsage, Policy} from '../../source/engine/types.js';
import {account, inHours, NOW, state, weekly, win} from './fixtures.js';

const policy: GateInput['policy'] = {maxQuotaPercent: 90, reservedBudgetUsd: null, imminentMinutes: 30, unknownPolicy: 'defer-auto', warnThreshold: 0.8};
const RESET = '2026-12-05T09:00:00+01:00';

function run(s: AccountState, request: GateRequest = {}, options: {budgets?: Budget[]; policy?: Partial<Policy>; valueUsdPerMonth?: number; now?: number} = {}): GateResult {
	return gate({
		state: s,
		budgets: options.budgets ?? [],
		request,
		policy: {...policy, ...options.policy},
		valueUsdPerMonth: options.valueUsdPerMonth,
		now: options.now ?? NOW,
	});
}

function budget(scope: string, used: number, limit: number, unit: string, extra: Partial<Budget> = {}): Budget {
	return {scope, limit, unit, used, resetAt: inHours(100, 60), recurrence: null, source: 'user-entered', checkedAt: isoAt(NOW - HOUR), ...extra};
}

const paid: ExtraUsage = {enabled: true, limitUsd: 50, usedUsd: 5, currency: 'USD'};

describe('gate: weekly ceiling (maxQuotaPercent)', () => {
	it('7d at 91% → pause, exit 75, the exact sentence, retry at the 7d reset', () => {
		const r = run(weekly('x', 0.91, {resetsAt: RESET}));
		expect(r.verdict).toBe('pause');
		expect(r.exitCode).toBe(75);
		expect(r.account).toBe('x');
		expect(r.reasons[0]).toBe('Stopping: weekly quota usage at 91% (configured max: 90%)');
		expect(r.retryAt).toBe(RESET);
	});

	it('7d at 50% → go, exit 0', () => {
		const r = run(weekly('x', 0.5));
		expect(r).toMatchObject({verdict: 'go', exitCode: 0, retryAt: null});
		expect(r.reasons[0]).toBe('Go: x has room for this task');
		expect(r.reasons).toContain('weekly quota usage at 50% (configured max: 90%)');
	});

	it('exactly at the max is not above it, even with float arithmetic (56% + 34%)', () => {
		expect(run(weekly('x', 0.9)).verdict).toBe('go');
		expect(0.56 + 0.34).toBeGreaterThan(0.9); // the float trap this guards against
		expect(run(weekly('x', 0.56), {estimatePct: 0.34}).verdict).toBe('go');
		expect(run(weekly('x', 0.85), {estimatePct: 0.05}).verdict).toBe('go');
		expect(run(weekly('x', 0.56), {estimatePct: 0.35}).verdict).toBe('pause');
	});

	it('the estimate pushes over the max → pause, with the estimate in the sentence', () => {
		const r = run(weekly('x', 0.87, {resetsAt: RESET}), {estimatePct: 0.05});
		expect(r.verdict).toBe('pause');
		expect(r.reasons[0]).toBe('Stopping: weekly quota usage at 87% + 5% estimated (configured max: 90%)');
		expect(r.retryAt).toBe(RESET);
	});

	it('a different configured max', () => {
		expect(run(weekly('x', 0.75), {}, {policy: {maxQuotaPercent: 70}}).reasons[0]).toBe('Stopping: weekly quota usage at 75% (configured max: 70%)');
		expect(run(weekly('x', 0.75), {}, {policy: {maxQuotaPercent: 100}}).verdict).toBe('go');
	});

	it('a model-scoped weekly window that gates the model is held to the max too', () => {
		const s = state('x', [win('seven_day', 0.3), win('seven_day_opus', 0.93, RESET)], {account: {model: 'opus'}});
		const r = run(s);
		expect(r.verdict).toBe('pause');
		expect(r.reasons[0]).toBe('Stopping: weekly Opus quota usage at 93% (configured max: 90%)');
		expect(r.retryAt).toBe(RESET);
		// …but not for another model.
		expect(run(state('x', [win('seven_day', 0.3), win('seven_day_opus', 0.93)], {account: {model: 'sonnet'}})).verdict).toBe('go');
	});

	it('an account with only a weekly:<model> window is held to the max', () => {
		const s = state('x', [win('weekly:gpt-5-codex', 0.95, RESET)], {account: {model: 'gpt-5-codex'}});
		expect(run(s).reasons[0]).toBe('Stopping: weekly gpt-5-codex quota usage at 95% (configured max: 90%)');
	});
});

describe('gate: a reset that passed counts as fresh', () => {
	it('7d at 95% observed before its reset, asked after it → go, with a reason saying fresh (estimated)', () => {
		const resetAt = '2026-12-02T10:00:00+01:00'; // 09:00Z, three hours before NOW
		const s = accountState({
			account: account('x', {provider: 'claude'}),
			snapshot: {account: 'x', observedAt: '2026-12-02T08:00:00Z', status: 'allowed_warning', windows: [win('seven_day', 0.95, resetAt, {observedAt: '2026-12-02T08:00:00Z'})]},
		}, policy, NOW);
		expect(s.status).toBe('allowed');
		const r = run(s);
		expect(r.verdict).toBe('go');
		expect(r.reasons.some(x => x.includes('fresh') && x.includes('estimated'))).toBe(true);
		expect(r.reasons).toContain('the weekly window has reset since it was observed: counted as fresh (0%, estimated) until new data arrives');
		// The same state 50 minutes before the reset still pauses.
		const before = accountState({
			account: account('x', {provider: 'claude'}),
			snapshot: {account: 'x', observedAt: '2026-12-02T08:00:00Z', status: 'allowed_warning', windows: [win('seven_day', 0.95, resetAt, {observedAt: '2026-12-02T08:00:00Z'})]},
		}, policy, Date.parse('2026-12-02T08:10:00Z'));
		expect(run(before, {}, {now: Date.parse('2026-12-02T08:10:00Z')}).verdict).toBe('pause');
	});
});

describe('gate: reset imminent', () => {
	const soon = isoAt(NOW + 10 * MINUTE, 60);

	it('critical work may use the remaining headroom fully', () => {
		const r = run(weekly('x', 0.95, {resetsAt: soon}), {priority: 'critical'});
		expect(r.verdict).toBe('go');
		expect(r.reasons.join('\n')).toContain(`resets at ${soon} (within 30 min): the remaining headroom would expire anyway`);
	});

	it('manual (ready) work may too', () => {
		expect(run(weekly('x', 0.95, {resetsAt: soon})).verdict).toBe('go');
	});

	it('automatic low-priority work still pauses, retrying at the (near) reset', () => {
		const r = run(weekly('x', 0.95, {resetsAt: soon}), {automatic: true, priority: 'low'});
		expect(r.verdict).toBe('pause');
		expect(r.retryAt).toBe(soon);
		expect(run(weekly('x', 0.95, {resetsAt: soon}), {priority: 'low'}).verdict).toBe('pause');
	});

	it('automatic critical work may use it', () => {
		expect(run(weekly('x', 0.95, {resetsAt: soon}), {automatic: true, priority: 'critical'}).verdict).toBe('go');
	});

	it('not beyond 100%, and not when the reset is further than imminentMinutes', () => {
		expect(run(weekly('x', 0.95, {resetsAt: soon}), {priority: 'critical', estimatePct: 0.1}).verdict).toBe('pause');
		expect(run(weekly('x', 0.95, {resetsAt: isoAt(NOW + 31 * MINUTE)}), {priority: 'critical'}).verdict).toBe('pause');
		expect(run(weekly('x', 0.95, {resetsAt: isoAt(NOW + 31 * MINUTE)}), {priority: 'critical'}, {policy: {imminentMinutes: 45}}).verdict).toBe('go');
	});

	it('a 5-hour window about to reset lets manual work through past 100%', () => {
		const s = state('x', [win('five_hour', 0.97, soon), win('seven_day', 0.3)]);
		expect(run(s, {estimatePct: 0.05}).verdict).toBe('go');
	});
});

describe('gate: unknown data', () => {
	const unknown = state('x', []);

	it('manual work goes with a warning', () => {
		const r = run(unknown);
		expect(r.verdict).toBe('go');
		expect(r.reasons.at(-1)).toBe('Warning: the quota state of x is unknown (no usage data yet); going ahead because this is manual work');
	});

	it('automatic work defers', () => {
		const r = run(unknown, {automatic: true});
		expect(r).toMatchObject({verdict: 'defer', exitCode: 75});
		expect(r.reasons[0]).toBe('Deferring automatic work: the quota state of x is unknown (no usage data yet)');
		expect(r.retryAt).toBe(isoAt(NOW + 15 * MINUTE));
	});

	it('unknownPolicy "block" denies, exit 69', () => {
		const r = run(unknown, {}, {policy: {unknownPolicy: 'block'}});
		expect(r).toMatchObject({verdict: 'deny', exitCode: 69});
		expect(r.reasons[0]).toBe('Blocked: the quota state of x is unknown (no usage data yet) and policy.unknownPolicy is "block"');
	});

	it('unknownPolicy "allow" lets automatic work go with a warning', () => {
		const r = run(unknown, {automatic: true}, {policy: {unknownPolicy: 'allow'}});
		expect(r.verdict).toBe('go');
		expect(r.reasons.at(-1)).toMatch(/^Warning: .*allowed by policy$/);
	});

	it('an unreachable provider counts as unknown', () => {
		expect(run(weekly('x', 0.2, {status: 'unreachable'}), {automatic: true}).verdict).toBe('defer');
	});

	it('a known 5-hour window but an unknown weekly one is unknown too', () => {
		const s = state('x', [win('five_hour', 0.2, inHours(3)), win('seven_day', null)]);
		expect(run(s, {automatic: true}).reasons[0]).toBe('Deferring automatic work: the weekly usage of x is unknown');
		expect(run(s).verdict).toBe('go');
	});

	it('an unknown weekly reset time is unknown too', () => {
		const s = state('x', [win('seven_day', 0.2, null)]);
		expect(run(s, {automatic: true}).reasons[0]).toBe('Deferring automatic work: the weekly reset time of x is unknown');
		const manual = run(s);
		expect(manual.verdict).toBe('go');
		expect(manual.reasons.at(-1)).toMatch(/^Warning: the weekly reset time of x is unknown/);
	});
});

describe('gate: exhausted windows', () => {
	it('an exhausted window pauses until its reset', () => {
		const reset5h = inHours(2, 60);
		const r = run(state('x', [win('five_hour', 1, reset5h), win('seven_day', 0.3)]));
		expect(r).toMatchObject({verdict: 'pause', exitCode: 75, retryAt: reset5h});
		expect(r.reasons[0]).toBe(`Stopping: 5-hour quota exhausted (100%); resets at ${reset5h}`);
	});

	it('several exhausted windows: retry after the latest reset', () => {
		const r = run(state('x', [win('five_hour', 1.1, inHours(2)), win('seven_day', 1, RESET)]));
		expect(r.retryAt).toBe(RESET);
		expect(r.reasons[0]).toBe(`Stopping: 5-hour quota exhausted (110%) and weekly quota exhausted (100%); resets at ${RESET}`);
	});

	it('unknown reset: pause without a retry time', () => {
		const r = run(state('x', [win('five_hour', 1, null), win('seven_day', 0.3)]));
		expect(r).toMatchObject({verdict: 'pause', retryAt: null});
		expect(r.reasons[0]).toMatch(/reset time unknown$/);
	});

	it('extra usage left: manual work is not paused for an exhausted 5-hour window', () => {
		const s = state('x', [win('five_hour', 1, inHours(2)), win('seven_day', 0.3)], {extraUsage: paid});
		const r = run(s);
		expect(r.verdict).toBe('go');
		const withEstimate = run(s, {estimatePct: 0.05});
		expect(withEstimate.verdict).toBe('go');
		expect(withEstimate.reasons.join('\n')).toContain('extra usage (pay-as-you-go) covers the rest');
	});

	it('extra usage left: automatic work still waits for the reset (it never spends pay-as-you-go money)', () => {
		const s = state('x', [win('five_hour', 1, inHours(2)), win('seven_day', 0.3)], {extraUsage: paid});
		expect(run(s, {automatic: true})).toMatchObject({verdict: 'pause', retryAt: inHours(2)});
	});

	it('extra usage, one rule: with it permitted (policy.extraUsage) manual work goes past exhausted and over-max windows, saying how much credit is left; not permitted, it stops', () => {
		const s = state('x', [win('five_hour', 0.5, inHours(2)), win('seven_day', 1)], {extraUsage: paid});
		const go = run(s, {extraUsage: true});
		expect(go.verdict).toBe('go');
		expect(go.reasons.join('\n')).toMatch(/weekly included quota exhausted \(100%\): the work runs on extra usage at extra cost \(\$\d+\.\d\d of \$\d+\.\d\d extra-usage credit left\)/);
		expect(run(s, {extraUsage: false}).verdict).toBe('pause');
		const over = run(state('x', [win('five_hour', 0.5, inHours(2)), win('seven_day', 0.95)], {extraUsage: paid}), {extraUsage: true});
		expect(over.verdict).toBe('go');
		expect(over.reasons.join('\n')).toContain('is over the configured max of 90%: extra usage takes the rest at extra cost');
	});

	it('extra usage used up: paused', () => {
		const s = state('x', [win('five_hour', 1, inHours(2)), win('seven_day', 0.3)], {extraUsage: {...paid, usedUsd: 50}});
		expect(run(s).verdict).toBe('pause');
	});
});

describe('gate: 5-hour window and the estimate', () => {
	it('5h at 97% + 5% estimate → defer to the 5h reset', () => {
		const reset5h = inHours(3, 60);
		const r = run(state('x', [win('five_hour', 0.97, reset5h), win('seven_day', 0.3)]), {estimatePct: 0.05});
		expect(r).toMatchObject({verdict: 'defer', exitCode: 75, retryAt: reset5h});
		expect(r.reasons[0]).toBe(`Deferring: 5-hour quota usage at 97% + 5% estimated would pass 100%; retry after its reset at ${reset5h}`);
	});

	it('fits exactly → go', () => {
		expect(run(state('x', [win('five_hour', 0.95, inHours(3)), win('seven_day', 0.3)]), {estimatePct: 0.05}).verdict).toBe('go');
	});
});

describe('gate: manual work outranks automatic work', () => {
	it('automatic work above the warn threshold defers; manual goes', () => {
		const s = weekly('x', 0.85, {resetsAt: RESET});
		const auto = run(s, {automatic: true});
		expect(auto).toMatchObject({verdict: 'defer', exitCode: 75, retryAt: RESET});
		expect(auto.reasons[0]).toBe('Deferring automatic work: weekly usage would reach 85%, above the 80% kept for manual work');
		expect(run(s).verdict).toBe('go');
	});

	it('the estimate counts, and the 5-hour window counts', () => {
		expect(run(weekly('x', 0.7), {automatic: true, estimatePct: 0.15}).verdict).toBe('defer');
		expect(run(weekly('x', 0.7), {automatic: true, estimatePct: 0.1}).verdict).toBe('go');
		const reset5h = inHours(3);
		const r = run(state('x', [win('five_hour', 0.82, reset5h), win('seven_day', 0.3)]), {automatic: true});
		expect(r).toMatchObject({verdict: 'defer', retryAt: reset5h});
		expect(r.reasons[0]).toMatch(/^Deferring automatic work: 5-hour usage would reach 82%/);
	});

	it('low priority counts as automatic', () => {
		expect(run(weekly('x', 0.85), {priority: 'low'}).verdict).toBe('defer');
	});
});

describe('gate: budgets', () => {
	it('project:x at 40 of 100 credits → go, and the budget is reported', () => {
		const r = run(weekly('x', 0.3), {scopes: ['project:x']}, {budgets: [budget('project:x', 40, 100, 'credits')]});
		expect(r.verdict).toBe('go');
		expect(r.budgets).toEqual([{scope: 'project:x', unit: 'credits', used: 40, limit: 100, resetAt: inHours(100, 60)}]);
		expect(r.reasons).toContain('project:x budget at 40 of 100 credits');
	});

	it('a budget at its limit pauses even without an estimate', () => {
		expect(run(weekly('x', 0.3), {scopes: ['project:x']}, {budgets: [budget('project:x', 100, 100, 'credits')]}).verdict).toBe('pause');
	});

	it('an estimate in usd over a usd budget → pause with the budget reset as retryAt', () => {
		const b = budget('project:x', 8, 10, 'usd', {resetAt: RESET});
		const r = run(weekly('x', 0.3), {scopes: ['project:x'], estimateUsd: 2.5}, {budgets: [b]});
		expect(r).toMatchObject({verdict: 'pause', exitCode: 75, retryAt: RESET});
		expect(r.reasons[0]).toBe(`Stopping: project:x budget at 8 + 2.50 estimated of 10 usd; resets at ${RESET}`);
		expect(run(weekly('x', 0.3), {scopes: ['project:x'], estimateUsd: 2}, {budgets: [b]}).verdict).toBe('go');
	});

	it('no float noise: 0.1 + 0.2 fits a 0.3 budget', () => {
		expect(run(weekly('x', 0.3), {scopes: ['role:r'], estimateUsd: 0.2}, {budgets: [budget('role:r', 0.1, 0.3, 'usd')]}).verdict).toBe('go');
	});

	it('percent budgets read the estimate as a share', () => {
		const b = budget('project:x', 30, 40, 'percent');
		expect(run(weekly('x', 0.3), {scopes: ['project:x'], estimatePct: 0.15}, {budgets: [b]}).verdict).toBe('pause');
		expect(run(weekly('x', 0.3), {scopes: ['project:x'], estimatePct: 0.1}, {budgets: [b]}).verdict).toBe('go');
	});

	it('a budget whose reset passed with recurrence P7D counts from 0, next reset a week on', () => {
		const b = budget('project:x', 100, 100, 'usd', {resetAt: '2026-12-01T09:00:00+05:45', recurrence: 'P7D'});
		const r = run(weekly('x', 0.3), {scopes: ['project:x'], estimateUsd: 5}, {budgets: [b]});
		expect(r.verdict).toBe('go');
		expect(r.budgets).toEqual([{scope: 'project:x', unit: 'usd', used: 0, limit: 100, resetAt: '2026-12-08T09:00:00+05:45'}]);
		expect(r.reasons).toContain('the project:x budget has reset: counted from 0 (estimated)');
		expect(effectiveBudget(b, NOW)).toMatchObject({used: 0, source: 'estimated', resetPassed: true});
		expect(effectiveBudget(b, Date.parse('2026-12-01T00:00:00Z'))).toMatchObject({used: 100, resetPassed: false});
	});

	it('the account\'s own scope always applies; other scopes only when the task names them', () => {
		const budgets = [budget('account:x', 8, 10, 'usd'), budget('project:other', 100, 100, 'usd')];
		expect(run(weekly('x', 0.3), {estimateUsd: 2}, {budgets}).reasons[0]).toMatch(/^Stopping: quota usage at 100% of the \$10\.00 ceiling/);
		expect(run(weekly('x', 0.3), {estimateUsd: 0.5}, {budgets}).verdict).toBe('go');
		expect(run(weekly('x', 0.3), {estimateUsd: 0.5, scopes: ['project:other']}, {budgets}).verdict).toBe('pause');
	});

	it('every applicable budget must have room', () => {
		const budgets = [budget('project:x', 1, 100, 'usd'), budget('role:nightly', 99, 100, 'usd')];
		const r = run(weekly('x', 0.3), {estimateUsd: 2, scopes: ['project:x', 'role:nightly']}, {budgets});
		expect(r.verdict).toBe('pause');
		expect(r.reasons[0]).toMatch(/^Stopping: role:nightly budget/);
	});

	it('manual-window budgets (with `window`) are windows, not budgets', () => {
		const b = budget('account:x', 100, 100, 'percent', {window: 'seven_day'});
		const r = run(weekly('x', 0.3), {}, {budgets: [b]});
		expect(r.verdict).toBe('go');
		expect(r.budgets).toEqual([]);
	});
});

describe('gate: reservedBudgetUsd', () => {
	// $200/month → $46.15/week.
	it('pauses when the weekly value left would drop under the reserve', () => {
		const r = run(weekly('x', 0.8, {resetsAt: RESET}), {}, {policy: {reservedBudgetUsd: 10}, valueUsdPerMonth: 200});
		expect(r).toMatchObject({verdict: 'pause', retryAt: RESET});
		expect(r.reasons[0]).toBe('Stopping: weekly quota left would be ~$9.23 (reserved: $10.00)');
	});

	it('the dollar estimate counts', () => {
		expect(run(weekly('x', 0.5), {estimateUsd: 5}, {policy: {reservedBudgetUsd: 10}, valueUsdPerMonth: 200}).verdict).toBe('go');
		expect(run(weekly('x', 0.5), {estimateUsd: 15}, {policy: {reservedBudgetUsd: 10}, valueUsdPerMonth: 200}).verdict).toBe('pause');
	});

	it('the account\'s own monthly value (or its plan\'s) is used when the caller gives none', () => {
		const s = weekly('x', 0.8, {account: {valueUsdPerMonth: 200}});
		expect(run(s, {}, {policy: {reservedBudgetUsd: 10}}).verdict).toBe('pause');
		// …or its plan's default value (max20 = $200/month).
		expect(run(weekly('x', 0.8, {account: {plan: 'max20'}}), {}, {policy: {reservedBudgetUsd: 10}}).verdict).toBe('pause');
		// No value known: the reserve cannot be priced and does not apply.
		expect(run(weekly('x', 0.8), {}, {policy: {reservedBudgetUsd: 10}}).verdict).toBe('go');
	});
});

describe('gate: accounts that cannot be used', () => {
	it.each<[string, AccountState, string]>([
		['disabled', weekly('x', 0.1, {account: {disabled: true}}), 'Denied: account x is disabled'],
		['invalid key', weekly('x', 0.1, {status: 'invalid_key'}), 'Denied: account x cannot be used: its credential is invalid (401)'],
		['token expired', weekly('x', 0.1, {status: 'token_expired'}), 'Denied: account x cannot be used: its token has expired (run the provider CLI to refresh it)'],
		['policy rejected', weekly('x', 0.1, {status: 'policy_rejected'}), 'Denied: account x cannot be used: the provider refuses this credential for this use'],
		['marked unusable', weekly('x', 0.1, {unusableReason: 'job 4 failed with 403'}), 'Denied: account x cannot be used: job 4 failed with 403'],
	])('%s → deny, exit 69', (_label, s, sentence) => {
		const r = run(s);
		expect(r).toMatchObject({verdict: 'deny', exitCode: 69, retryAt: null});
		expect(r.reasons[0]).toBe(sentence);
	});
});

describe('gate: shape', () => {
	it('the first reason always states the verdict', () => {
		const cases: [AccountState, GateRequest][] = [
			[weekly('x', 0.5), {}],
			[weekly('x', 0.95), {}],
			[weekly('x', 0.85), {automatic: true}],
			[state('x', []), {automatic: true}],
			[weekly('x', 0.1, {status: 'invalid_key'}), {}],
		];
		for (const [s, request] of cases) {
			const r = run(s, request);
			const prefix = {go: 'Go:', pause: 'Stopping:', defer: 'Deferring', deny: 'Denied:'}[r.verdict];
			expect(r.reasons[0]!.startsWith(prefix)).toBe(true);
			expect(r.exitCode).toBe({go: 0, pause: 75, defer: 75, deny: 69}[r.verdict]);
		}
	});
});

describe('gate: dollar ceilings (seed 002)', () => {
	const ceiling = (used: number, limit: number, extra: Partial<Budget> = {}) => budget('account:x', used, limit, 'usd', {recurrence: 'weekly:monday', ...extra});
	const unknown = () => state('x', [], {status: 'unknown'});

	it('maxQuotaPercent applies: $9.90 + $1 of $12 at 90% stops at $10.80; $0.90 fits', () => {
		const r = run(unknown(), {estimateUsd: 1}, {budgets: [ceiling(9.9, 12)]});
		expect(r).toMatchObject({verdict: 'pause', exitCode: 75, retryAt: inHours(100, 60)});
		expect(r.reasons[0]).toBe('Stopping: quota usage at 91% of the $12.00 weekly ceiling ($9.90 + $1.00 estimated; configured max: 90% = $10.80)');
		expect(r.budgets).toEqual([{scope: 'account:x', unit: 'usd', used: 9.9, limit: 12, resetAt: inHours(100, 60)}]);
		expect(run(unknown(), {estimateUsd: 0.9}, {budgets: [ceiling(9.9, 12)]}).verdict).toBe('go');
		expect(run(unknown(), {estimateUsd: 1}, {budgets: [ceiling(9.9, 12)], policy: {maxQuotaPercent: 95}}).verdict).toBe('go');
	});

	it('a ceiling governs an account without provider numbers: no unknown-state defer for automatic work', () => {
		const r = run(unknown(), {automatic: true}, {budgets: [ceiling(4, 12)]});
		expect(r.verdict).toBe('go');
		expect(r.reasons).toContain('no provider numbers for x: its quota is the $12.00 weekly ceiling');
		// Without the ceiling the same request defers for ever.
		expect(run(unknown(), {automatic: true}).verdict).toBe('defer');
	});

	it('never past 100%, even when the reset is imminent; up to 100% for manual work then', () => {
		const soon = inHours(0.25);
		expect(run(unknown(), {estimateUsd: 1}, {budgets: [ceiling(10, 12, {resetAt: soon})]}).verdict).toBe('go');
		expect(run(unknown(), {estimateUsd: 3}, {budgets: [ceiling(10, 12, {resetAt: soon})]}).verdict).toBe('pause');
		expect(run(unknown(), {estimateUsd: 1, automatic: true}, {budgets: [ceiling(10, 12, {resetAt: soon})]}).verdict).toBe('pause');
	});

	it('reservedBudgetUsd is kept on the ceiling', () => {
		const r = run(unknown(), {estimateUsd: 1}, {budgets: [ceiling(5, 12)], policy: {reservedBudgetUsd: 7}});
		expect(r.reasons[0]).toBe('Stopping: the $12.00 weekly ceiling would have ~$6.00 left (reserved: $7.00)');
	});

	it('the stricter of a window and the ceiling stops', () => {
		expect(run(weekly('x', 0.95), {}, {budgets: [ceiling(1, 12)]}).reasons[0]).toBe('Stopping: weekly quota usage at 95% (configured max: 90%)');
		expect(run(weekly('x', 0.2), {}, {budgets: [ceiling(11, 12)]}).reasons[0]).toMatch(/^Stopping: quota usage at 92% of the \$12\.00 weekly ceiling/);
	});
});

describe('gate: --model judges the windows that model uses', () => {
	it('weekly Opus at 95%: the account model stops, sonnet goes', () => {
		const s = state('x', [win('seven_day', 0.4), win('seven_day_opus', 0.95, RESET)], {account: {model: 'claude-opus-4-6'}});
		expect(run(s).reasons[0]).toBe('Stopping: weekly Opus quota usage at 95% (configured max: 90%)');
		expect(run(s, {model: 'sonnet'}).verdict).toBe('go');
	});
});
