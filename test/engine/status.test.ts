process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {
	bindingUtilization,
	bindingWindow,
	deriveStatus,
	extraUsageLeft,
	gatingWindows,
	isCredentialProblem,
	isUsableStatus,
	pct,
	statusSentence,
	windowGates,
	windowLabel,
	windowShortLabel,
} from '../../source/engine/status.js';
import {STATUSES, type ExtraUsage, type WindowKind} from '../../source/engine/types.js';
import {win} from './fixtures.js';

const extra = (usedUsd: number | null, limitUsd: number | null, enabled = true): ExtraUsage => ({enabled, usedUsd, limitUsd, currency: 'USD'});

describe('windowGates: which windows limit which model', () => {
	it.each<[WindowKind, string | undefined, boolean]>([
		['five_hour', undefined, true],
		['five_hour', 'opus', true],
		['seven_day', 'sonnet', true],
		['monthly', undefined, true],
		['custom:team-pool', undefined, true],
		['seven_day_opus', 'opus', true],
		['seven_day_opus', 'claude-opus-4-1', true],
		['seven_day_opus', 'Opus', true],
		['seven_day_opus', 'sonnet', false],
		['seven_day_opus', undefined, false],
		['seven_day_sonnet', 'sonnet', true],
		['seven_day_sonnet', 'opus', false],
		['seven_day_sonnet', undefined, false],
		['weekly:gpt-5-codex', 'gpt-5-codex', true],
		['weekly:gpt-5-codex', 'o3', false],
		['weekly:gpt-5-codex', undefined, false],
		['extra_usage', undefined, false],
		['extra_usage', 'opus', false],
	])('%s gates model %s: %s', (kind, model, gates) => {
		expect(windowGates(kind, model)).toBe(gates);
	});
});

describe('binding utilization', () => {
	const windows = [
		win('five_hour', 0.3),
		win('seven_day', 0.6),
		win('seven_day_opus', 0.95),
		win('seven_day_sonnet', 0.7),
		win('extra_usage', 2),
	];

	it('is the highest of the windows that gate the model', () => {
		expect(bindingUtilization(windows, undefined)).toBe(0.6);
		expect(bindingUtilization(windows, 'opus')).toBe(0.95);
		expect(bindingUtilization(windows, 'sonnet')).toBe(0.7);
		expect(bindingWindow(windows, 'opus')?.kind).toBe('seven_day_opus');
		expect(bindingWindow(windows, undefined)?.kind).toBe('seven_day');
		expect(gatingWindows(windows, 'sonnet').map(w => w.kind)).toEqual(['five_hour', 'seven_day', 'seven_day_sonnet']);
	});

	it('extra usage never binds, even far past 100%', () => {
		expect(bindingUtilization([win('extra_usage', 5)], undefined)).toBeNull();
		expect(bindingUtilization([win('five_hour', 0.1), win('extra_usage', 5)], 'opus')).toBe(0.1);
	});

	it('the 5-hour window can be the binding one', () => {
		expect(bindingUtilization([win('five_hour', 0.97), win('seven_day', 0.4)], undefined)).toBe(0.97);
		expect(bindingWindow([win('five_hour', 0.97), win('seven_day', 0.4)], undefined)?.kind).toBe('five_hour');
	});

	it('unknown (null or non-finite) utilizations are skipped; all unknown → null', () => {
		expect(bindingUtilization([win('five_hour', null), win('seven_day', 0.2)], undefined)).toBe(0.2);
		expect(bindingUtilization([win('five_hour', null)], undefined)).toBeNull();
		expect(bindingUtilization([], undefined)).toBeNull();
		expect(bindingUtilization([win('five_hour', Number.NaN), win('seven_day', 0.2)], undefined)).toBe(0.2);
		expect(bindingWindow([win('five_hour', Number.POSITIVE_INFINITY), win('seven_day', 0.2)], undefined)?.kind).toBe('seven_day');
		expect(bindingWindow([win('five_hour', null)], undefined)).toBeUndefined();
	});

	it('model-scoped windows do not bind an account without that model', () => {
		expect(bindingUtilization([win('seven_day_opus', 1)], undefined)).toBeNull();
		expect(bindingUtilization([win('seven_day_opus', 1), win('seven_day', 0.5)], 'sonnet')).toBe(0.5);
	});
});

describe('extraUsageLeft', () => {
	it.each<[ExtraUsage | undefined, boolean]>([
		[undefined, false],
		[extra(0, 50, false), false],
		[extra(10, 50), true],
		[extra(null, 50), true],
		[extra(50, 50), false],
		[extra(60, 50), false],
		[extra(1000, null), true],
	])('%j → %s', (value, left) => {
		expect(extraUsageLeft(value)).toBe(left);
	});
});

describe('deriveStatus', () => {
	const none = {model: undefined};

	it('unknown when nothing gating is known', () => {
		expect(deriveStatus([], none, 0.8)).toBe('unknown');
		expect(deriveStatus([win('seven_day', null)], none, 0.8)).toBe('unknown');
		expect(deriveStatus([win('extra_usage', 0.5)], none, 0.8)).toBe('unknown');
		expect(deriveStatus([win('seven_day_opus', 0.5)], none, 0.8)).toBe('unknown');
	});

	it.each([
		[0, 'allowed'],
		[0.79, 'allowed'],
		[0.8, 'allowed_warning'],
		[0.99, 'allowed_warning'],
		[1, 'rejected'],
		[1.3, 'rejected'],
	])('binding %s → %s', (u, status) => {
		expect(deriveStatus([win('five_hour', 0.1), win('seven_day', u)], none, 0.8)).toBe(status);
	});

	it('an exhausted window with extra usage left is not rejected', () => {
		expect(deriveStatus([win('five_hour', 1)], none, 0.8, extra(5, 50))).toBe('allowed_warning');
		expect(deriveStatus([win('five_hour', 1)], none, 0.8, extra(50, 50))).toBe('rejected');
		expect(deriveStatus([win('five_hour', 1)], none, 0.8, extra(0, 50, false))).toBe('rejected');
	});

	it('the model decides which windows count', () => {
		const windows = [win('seven_day', 0.4), win('seven_day_opus', 1)];
		expect(deriveStatus(windows, {model: 'opus'}, 0.8)).toBe('rejected');
		expect(deriveStatus(windows, {model: 'sonnet'}, 0.8)).toBe('allowed');
	});
});

describe('status helpers and labels', () => {
	it('classifies statuses', () => {
		expect(STATUSES.filter(isUsableStatus)).toEqual(['allowed', 'allowed_warning']);
		expect(STATUSES.filter(isCredentialProblem)).toEqual(['invalid_key', 'token_expired', 'policy_rejected']);
		for (const status of STATUSES) expect(statusSentence(status)).toMatch(/\w/);
		expect(statusSentence('invalid_key')).toContain('401');
	});

	it('labels windows', () => {
		expect(windowLabel('seven_day')).toBe('weekly');
		expect(windowLabel('five_hour')).toBe('5-hour');
		expect(windowLabel('seven_day_opus')).toBe('weekly Opus');
		expect(windowLabel('weekly:gpt-5')).toBe('weekly gpt-5');
		expect(windowLabel('custom:pool')).toBe('pool');
		expect(windowShortLabel('seven_day')).toBe('7d');
		expect(windowShortLabel('five_hour')).toBe('5h');
		expect(windowShortLabel('weekly:gpt-5')).toBe('gpt-5');
	});

	it('pct rounds to whole percent and allows over 100', () => {
		expect(pct(0.91)).toBe('91%');
		expect(pct(0.905)).toBe('91%');
		expect(pct(0)).toBe('0%');
		expect(pct(1.234)).toBe('123%');
	});
});
