process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {accountState, buildReport, defaultDurationMs, FRESHNESS_MS, manualWindow, mergeWindows} from '../../source/engine/assemble.js';
import {selectAccount} from '../../source/engine/select.js';
import {DAY, FIVE_HOURS, HOUR, instantMs, isoAt, MINUTE, SEVEN_DAYS} from '../../source/engine/time.js';
import {DEFAULT_POLICY, type Budget, type Decision, type QuotaWindow, type Snapshot, type WindowKind} from '../../source/engine/types.js';
import {account, inHours, NOW, win} from './fixtures.js';

function override(kind: WindowKind, used: number, resetAt: string | null, extra: Partial<Budget> = {}): Budget {
	return {scope: 'account:x', window: kind, limit: 100, unit: 'percent', used, resetAt, recurrence: null, source: 'user-entered', checkedAt: isoAt(NOW - HOUR), ...extra};
}

function snapshot(windows: QuotaWindow[], extra: Partial<Snapshot> = {}): Snapshot {
	return {account: 'x', observedAt: isoAt(NOW - MINUTE), status: 'allowed', windows, ...extra};
}

describe('mergeWindows: user-entered overrides', () => {
	const detected = win('seven_day', 0.4, inHours(30));

	it('an override beats the detected value until its reset, and keeps the detected one visible', () => {
		const [w, ...rest] = mergeWindows([detected], [override('seven_day', 70, inHours(50, 60))], NOW);
		expect(rest).toEqual([]);
		expect(w).toMatchObject({kind: 'seven_day', utilization: 0.7, resetsAt: inHours(50, 60), source: 'user-entered', origin: 'manual', resetPassed: false});
		expect(w!.detected).toMatchObject({utilization: 0.4, resetsAt: inHours(30), origin: detected.origin});
	});

	it('after the override\'s reset the detected value shows again', () => {
		const [w] = mergeWindows([detected], [override('seven_day', 70, inHours(-1))], NOW);
		expect(w).toMatchObject({utilization: 0.4, source: 'provider-detected', resetsAt: inHours(30)});
		expect(w!.detected).toBeUndefined();
	});

	it('…also when the override recurs: a recurring override ended with its window gives way to detection', () => {
		const [w] = mergeWindows([detected], [override('seven_day', 70, inHours(-1), {recurrence: 'P7D'})], NOW);
		expect(w).toMatchObject({utilization: 0.4, source: 'provider-detected'});
	});

	it('without detection, an override whose reset passed rolls on as a fresh estimated window', () => {
		const [w] = mergeWindows([], [override('seven_day', 70, '2026-12-01T09:00:00+05:45')], NOW);
		expect(w).toMatchObject({utilization: 0, source: 'estimated', resetsAt: '2026-12-08T09:00:00+05:45', resetPassed: true});
		const [r] = mergeWindows([], [override('seven_day', 70, '2026-11-30T09:00:00-03:30', {recurrence: 'weekly:monday'})], NOW);
		expect(r).toMatchObject({utilization: 0, source: 'estimated', resetsAt: '2026-12-07T09:00:00-03:30'});
	});

	it('a manual window for a kind nothing detected is added', () => {
		const merged = mergeWindows([detected], [override('five_hour', 20, inHours(2))], NOW);
		expect(merged.map(w => [w.kind, w.utilization])).toEqual([['five_hour', 0.2], ['seven_day', 0.4]]);
	});

	it('budgets without a window are not windows', () => {
		expect(mergeWindows([detected], [{...override('seven_day', 90, inHours(5)), window: undefined}], NOW)).toEqual([{...detected, resetPassed: false}]);
	});

	it('a detected window whose reset passed is fresh (0%, estimated)', () => {
		const [w] = mergeWindows([win('five_hour', 0.9, inHours(-1))], [], NOW);
		expect(w).toMatchObject({utilization: 0, source: 'estimated', resetPassed: true, resetsAt: inHours(4)});
	});

	it('windows come in a stable order', () => {
		const merged = mergeWindows([win('custom:b', 0.1), win('extra_usage', 0.1), win('seven_day_opus', 0.1), win('seven_day', 0.1), win('custom:a', 0.1), win('five_hour', 0.1)], [], NOW);
		expect(merged.map(w => w.kind)).toEqual(['five_hour', 'seven_day', 'seven_day_opus', 'extra_usage', 'custom:a', 'custom:b']);
	});
});

describe('manualWindow', () => {
	it('turns a budget into a window: used / limit, duration from the recurrence or the kind', () => {
		const b = override('seven_day', 45, inHours(20), {recurrence: 'daily'}) as Budget & {window: WindowKind};
		expect(manualWindow(b)).toEqual({kind: 'seven_day', utilization: 0.45, resetsAt: inHours(20), durationMs: DAY, source: 'user-entered', origin: 'manual', observedAt: isoAt(NOW - HOUR)});
		expect(manualWindow({...b, recurrence: null}).durationMs).toBe(SEVEN_DAYS);
		expect(manualWindow({...b, recurrence: 'monthly:1'}).durationMs).toBe(SEVEN_DAYS);
		expect(manualWindow({...b, limit: 0}).utilization).toBeNull();
	});

	it('default durations', () => {
		expect(defaultDurationMs('five_hour')).toBe(FIVE_HOURS);
		expect(defaultDurationMs('seven_day_sonnet')).toBe(SEVEN_DAYS);
		expect(defaultDurationMs('weekly:gpt-5')).toBe(SEVEN_DAYS);
		expect(defaultDurationMs('monthly')).toBeNull();
		expect(defaultDurationMs('custom:x')).toBeNull();
	});
});

describe('accountState', () => {
	it('stale when the newest data is older than its origin\'s freshness bound', () => {
		const fresh = accountState({account: account('x'), snapshot: snapshot([win('seven_day', 0.3, inHours(30), {observedAt: isoAt(NOW - 4 * MINUTE)})], {observedAt: isoAt(NOW - 4 * MINUTE)})}, DEFAULT_POLICY, NOW);
		expect(fresh).toMatchObject({stale: false, ageMs: 4 * MINUTE});
		const old = accountState({account: account('x'), snapshot: snapshot([win('seven_day', 0.3, inHours(30), {observedAt: isoAt(NOW - 6 * MINUTE)})], {observedAt: isoAt(NOW - 6 * MINUTE)})}, DEFAULT_POLICY, NOW);
		expect(FRESHNESS_MS['oauth-usage']).toBe(5 * MINUTE);
		expect(old).toMatchObject({stale: true, ageMs: 6 * MINUTE});
	});

	it('codex rollouts stay fresh for 10 minutes; manual data never goes stale', () => {
		const rollout = (ageMin: number) => accountState({account: account('x'), snapshot: snapshot([win('seven_day', 0.3, inHours(30), {origin: 'codex-rollout', observedAt: isoAt(NOW - ageMin * MINUTE)})], {observedAt: isoAt(NOW - ageMin * MINUTE)})}, DEFAULT_POLICY, NOW);
		expect(rollout(9).stale).toBe(false);
		expect(rollout(11).stale).toBe(true);
		const manual = accountState({account: account('x'), overrides: [{...override('seven_day', 10, inHours(30)), checkedAt: isoAt(NOW - 30 * DAY)}]}, DEFAULT_POLICY, NOW);
		expect(manual).toMatchObject({stale: false, ageMs: 30 * DAY});
	});

	it('a recent manual entry does not hide stale detected data', () => {
		const old = isoAt(NOW - 20 * MINUTE);
		const state = accountState({
			account: account('x'),
			snapshot: snapshot([win('five_hour', 0.3, inHours(3), {observedAt: old})], {observedAt: old}),
			overrides: [{...override('seven_day', 10, inHours(30)), checkedAt: isoAt(NOW - MINUTE)}],
		}, DEFAULT_POLICY, NOW);
		expect(state).toMatchObject({stale: true, ageMs: 20 * MINUTE});
	});

	it('no data: unknown, not stale, no age', () => {
		expect(accountState({account: account('x')}, DEFAULT_POLICY, NOW)).toMatchObject({status: 'unknown', stale: false, ageMs: null, windows: []});
	});

	it('credential problems come from the provider; quota states are derived at now', () => {
		const win95 = [win('seven_day', 0.95, inHours(30))];
		expect(accountState({account: account('x'), snapshot: snapshot(win95, {status: 'invalid_key'})}, DEFAULT_POLICY, NOW).status).toBe('invalid_key');
		expect(accountState({account: account('x'), snapshot: snapshot(win95, {status: 'allowed'})}, DEFAULT_POLICY, NOW).status).toBe('allowed_warning');
		expect(accountState({account: account('x'), snapshot: snapshot([], {status: 'unreachable'})}, DEFAULT_POLICY, NOW).status).toBe('unreachable');
		// A rejected account whose window has since reset is allowed again.
		const rejected = snapshot([win('seven_day', 1, inHours(-1))], {status: 'rejected'});
		expect(accountState({account: account('x'), snapshot: rejected}, DEFAULT_POLICY, NOW).status).toBe('allowed');
		expect(accountState({account: account('x'), snapshot: rejected}, DEFAULT_POLICY, NOW - 2 * HOUR).status).toBe('rejected');
	});

	it('carries unusableReason, message and extra usage', () => {
		const extraUsage = {enabled: true, limitUsd: 20, usedUsd: 1, currency: 'USD'};
		const s = accountState({account: account('x'), snapshot: snapshot([win('five_hour', 1, inHours(2))], {extraUsage, message: 'source failed'}), unusableReason: 'job 3 failed with 401'}, DEFAULT_POLICY, NOW);
		expect(s).toMatchObject({unusableReason: 'job 3 failed with 401', message: 'source failed', extraUsage, status: 'allowed_warning'});
	});

	it('projects each window from its history and the current observation', () => {
		const s = accountState({
			account: account('x'),
			snapshot: snapshot([win('seven_day', 0.5, inHours(10), {observedAt: isoAt(NOW)})]),
			history: {seven_day: [{atMs: NOW - 5 * HOUR, utilization: 0.25}, {atMs: NOW - 2 * HOUR, utilization: 0.4}]},
		}, DEFAULT_POLICY, NOW);
		const p = s.projections['seven_day']!;
		expect(p.ratePerHour).toBeCloseTo(0.05, 10);
		expect(p.samples).toBe(3);
		expect(p.atReset).toBeCloseTo(1, 10);
		expect(p.exhaustsAt).toBeNull();
		const hot = accountState({
			account: account('x'),
			snapshot: snapshot([win('seven_day', 0.5, inHours(30), {observedAt: isoAt(NOW)})]),
			history: {seven_day: [{atMs: NOW - 5 * HOUR, utilization: 0.25}]},
		}, DEFAULT_POLICY, NOW);
		expect(instantMs(hot.projections['seven_day']!.exhaustsAt)).toBe(NOW + 10 * HOUR);
		// …which makes selection move away from it before the wall.
		const rec = selectAccount({accounts: [hot, accountState({account: account('y'), snapshot: snapshot([win('seven_day', 0.6, inHours(30))])}, DEFAULT_POLICY, NOW)], active: 'x', policy: DEFAULT_POLICY, now: NOW});
		expect(rec.account).toBe('y');
	});

	it('a window whose reset passed projects nothing from the old history', () => {
		const s = accountState({
			account: account('x'),
			snapshot: snapshot([win('five_hour', 0.9, inHours(-1), {observedAt: isoAt(NOW - 2 * HOUR)})]),
			history: {five_hour: [{atMs: NOW - 4 * HOUR, utilization: 0.1}, {atMs: NOW - 2 * HOUR, utilization: 0.9}]},
		}, DEFAULT_POLICY, NOW);
		expect(s.projections['five_hour']).toMatchObject({ratePerHour: 0, atReset: 0, exhaustsAt: null});
	});
});

describe('buildReport', () => {
	const states = [
		accountState({account: account('a', {provider: 'claude', plan: 'max5', configDir: '/c/a'}), snapshot: snapshot([win('five_hour', 0.2, inHours(2)), win('seven_day', 0.95, inHours(30))])}, DEFAULT_POLICY, NOW),
		accountState({account: account('b', {provider: 'codex', home: '/h/b', chainOrder: 5}), snapshot: snapshot([win('seven_day', 0.4, inHours(-2))]), overrides: [override('five_hour', 30, inHours(3))]}, DEFAULT_POLICY, NOW),
		accountState({account: account('c', {lastResort: true, model: 'opus'})}, DEFAULT_POLICY, NOW),
	];
	const recommendation = selectAccount({accounts: states, active: 'a', policy: DEFAULT_POLICY, now: NOW});
	const decisions: Decision[] = [{at: isoAt(NOW), kind: 'recommend', subject: 'b', verdict: 'b', reasons: [recommendation.reason], inputs: {}}];

	it('has the contract shape', () => {
		const report = buildReport({states, active: 'a', recommendation, decisions, demo: false, mode: 'suggest', warnings: ['w1'], now: NOW});
		expect(recommendation.account).toBe('b');
		expect(report.generatedAt).toBe('2026-12-02T12:00:00Z');
		expect(report).toMatchObject({demo: false, active: 'a', recommended: 'b', mode: 'suggest', warnings: ['w1'], decisions});
		expect(report.recommendation).toBe(recommendation);
		expect(report.accounts.map(a => [a.name, a.active, a.recommended])).toEqual([['a', true, false], ['b', false, true], ['c', false, false]]);
		const [a, b, c] = report.accounts;
		expect(a).toMatchObject({provider: 'claude', plan: 'max5', model: null, configDir: '/c/a', home: null, chainOrder: 0, lastResort: false, disabled: false, status: 'allowed_warning', bindingUtilization: 0.95, stale: false, message: null});
		expect(b).toMatchObject({provider: 'codex', home: '/h/b', chainOrder: 5, bindingUtilization: 0.3});
		expect(c).toMatchObject({lastResort: true, model: 'opus', status: 'unknown', bindingUtilization: null, ageMs: null, windows: []});
		expect(a!.windows.map(w => w.kind)).toEqual(['five_hour', 'seven_day']);
		expect(a!.windows[0]).toEqual({
			kind: 'five_hour',
			utilization: 0.2,
			resetsAt: inHours(2),
			resetsInMs: 2 * HOUR,
			durationMs: FIVE_HOURS,
			source: 'provider-detected',
			origin: 'oauth-usage',
			observedAt: isoAt(NOW - MINUTE),
			ageMs: MINUTE,
			stale: false,
			resetPassed: false,
			// One observation: the pace since the window opened (0 % at reset − 5 h = 09:00, 20 % at 11:59).
			projectedAtReset: expect.closeTo(0.2 + (0.2 / (179 / 60)) * 2, 10),
			ratePerHour: expect.closeTo(0.2 / (179 / 60), 10),
			exhaustsAt: null,
		});
		const bWeekly = b!.windows.find(w => w.kind === 'seven_day')!;
		expect(bWeekly).toMatchObject({utilization: 0, source: 'estimated', resetPassed: true, resetsAt: inHours(166), resetsInMs: 166 * HOUR});
		expect(b!.windows.find(w => w.kind === 'five_hour')).toMatchObject({utilization: 0.3, source: 'user-entered', origin: 'manual', stale: false});
		expect(JSON.parse(JSON.stringify(report))).toEqual(report);
	});

	it('shows an override beside the detected value', () => {
		const s = accountState({account: account('x'), snapshot: snapshot([win('seven_day', 0.4, inHours(30))]), overrides: [override('seven_day', 70, inHours(50))]}, DEFAULT_POLICY, NOW);
		const report = buildReport({states: [s], active: null, recommendation: selectAccount({accounts: [s], active: null, policy: DEFAULT_POLICY, now: NOW}), decisions: [], demo: true, mode: 'off', now: NOW});
		expect(report.accounts[0]!.windows[0]).toMatchObject({utilization: 0.7, source: 'user-entered', detected: {utilization: 0.4, resetsAt: inHours(30)}});
		expect(report).toMatchObject({demo: true, mode: 'off', warnings: [], active: null});
	});

	it('prints generatedAt in the requested offset', () => {
		const report = buildReport({states: [], active: null, recommendation: selectAccount({accounts: [], active: null, policy: DEFAULT_POLICY, now: NOW}), decisions: [], demo: false, mode: 'auto', now: NOW, offsetMinutes: 345});
		expect(report.generatedAt).toBe('2026-12-02T17:45:00+05:45');
		expect(report.recommended).toBeNull();
	});
});
