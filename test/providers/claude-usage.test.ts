process.env.TZ = 'UTC';
import {describe, expect, it} from 'vitest';
import {parseClaudeUsage, scopedKind} from '../../source/providers/claude-usage.js';
import {normaliseInstant, percentToFraction, retryAfterMs} from '../../source/providers/util.js';
import {fixtureJson} from '../helpers/providers.js';

const AT = '2026-04-18T12:00:00Z';
const byKind = (payload: unknown) => Object.fromEntries(parseClaudeUsage(payload, 'oauth-usage', AT).windows.map(w => [w.kind, w]));

describe('Anthropic usage payloads (provider-formats §1.3)', () => {
	it('(b) live dump, Max tier: 0–100 → fractions, µs noise rounded off, nulls and codenames ignored', () => {
		const parsed = parseClaudeUsage(fixtureJson('oauth-live-max.json'), 'oauth-usage', AT);
		expect(parsed.windows.map(w => w.kind)).toEqual(['five_hour', 'seven_day', 'seven_day_sonnet']);
		const w = byKind(fixtureJson('oauth-live-max.json'));
		expect(w['five_hour']).toEqual({kind: 'five_hour', utilization: 0.22, resetsAt: '2026-04-19T05:00:00Z', durationMs: 5 * 3_600_000, source: 'provider-detected', origin: 'oauth-usage', observedAt: AT});
		expect(w['seven_day']).toMatchObject({utilization: 0.33, resetsAt: '2026-04-23T19:00:01Z', durationMs: 7 * 86_400_000});
		expect(w['seven_day_sonnet']).toMatchObject({utilization: 0, resetsAt: '2026-04-24T16:00:00Z'});
		// extra_usage disabled: reported, but no window.
		expect(parsed.extraUsage).toEqual({enabled: false, limitUsd: null, usedUsd: null, currency: 'USD'});
	});

	it('(a) late-2025 minimal: a 0 % bucket with no reset is kept with an unknown reset', () => {
		const w = byKind(fixtureJson('oauth-late-2025-minimal.json'));
		expect(w['five_hour']).toMatchObject({utilization: 0.06, resetsAt: '2025-11-04T05:00:00Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.35, resetsAt: '2025-11-06T04:00:00Z'});
		expect(w['seven_day_opus']).toMatchObject({utilization: 0, resetsAt: null});
		expect(Object.keys(w)).toHaveLength(3);
	});

	it('(c) limits[]: flat buckets win, a weekly_scoped limit becomes its model\'s weekly window', () => {
		const w = byKind(fixtureJson('oauth-limits-2026-07.json'));
		expect(w['five_hour']).toMatchObject({utilization: 0.11, resetsAt: '2026-07-03T00:30:00Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.09});
		expect(w['weekly:fable']).toMatchObject({utilization: 0.05, resetsAt: '2026-07-08T09:00:00Z', durationMs: 7 * 86_400_000});
	});

	it('migrated accounts: null flat buckets fall back to limits[]; placeholders and unknown kinds are skipped; scoped Sonnet wins over the legacy bucket', () => {
		const w = byKind(fixtureJson('oauth-limits-only.json'));
		expect(w['five_hour']).toMatchObject({utilization: 0.41, resetsAt: '2026-07-03T00:30:00Z'});
		// weekly_all percent 0 with no reset is a placeholder: no seven_day window at all.
		expect(w['seven_day']).toBeUndefined();
		expect(w['seven_day_sonnet']).toMatchObject({utilization: 0.12});
		expect(Object.keys(w).sort()).toEqual(['five_hour', 'seven_day_sonnet']);
	});

	it('(d) extra usage in cents: $20.00 cap with $5.20 spent', () => {
		const parsed = parseClaudeUsage(fixtureJson('oauth-extra-usage.json'), 'oauth-usage', AT);
		expect(parsed.extraUsage).toEqual({enabled: true, limitUsd: 20, usedUsd: 5.2, currency: 'USD'});
		expect(parsed.windows.find(w => w.kind === 'extra_usage')).toMatchObject({utilization: 0.26, resetsAt: null, durationMs: null});
		expect(parsed.windows.find(w => w.kind === 'five_hour')).toMatchObject({utilization: 0.01, resetsAt: '2025-12-25T12:00:00Z'});
	});

	it('enterprise (no windows, a EUR spend limit with its own utilization)', () => {
		const parsed = parseClaudeUsage(fixtureJson('oauth-enterprise.json'), 'oauth-usage', AT);
		expect(parsed.windows.map(w => w.kind)).toEqual(['extra_usage']);
		expect(parsed.windows[0]!.utilization).toBeCloseTo(0.3815, 6);
		expect(parsed.extraUsage).toEqual({enabled: true, limitUsd: 500, usedUsd: 190.75, currency: 'EUR'});
	});

	it('the get_usage control response shape parses the same way', () => {
		const w = byKind(fixtureJson('get-usage-rate-limits.json'));
		expect(w['five_hour']).toMatchObject({utilization: 0.08, resetsAt: '2026-09-25T11:20:00Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.3, resetsAt: '2026-09-29T23:00:00Z'});
	});

	it('anything that is not an object gives nothing, never a throw', () => {
		for (const bad of [null, 42, 'x', [], {five_hour: 'full'}, {five_hour: {utilization: 'NaN'}}, {limits: 'nope'}]) {
			expect(parseClaudeUsage(bad, 'oauth-usage', AT).windows).toEqual([]);
		}
	});

	it('scoped model names keep their legacy kinds', () => {
		expect(scopedKind('Sonnet 5')).toBe('seven_day_sonnet');
		expect(scopedKind('Claude Opus')).toBe('seven_day_opus');
		expect(scopedKind('Fable 5.1')).toBe('weekly:fable-5.1');
	});
});

describe('units and instants', () => {
	it('instants: epoch seconds, epoch ms, ISO with µs, offsets kept, nonsense → null', () => {
		expect(normaliseInstant(1795353120)).toBe('2026-11-22T13:12:00Z');
		expect(normaliseInstant('1795353120')).toBe('2026-11-22T13:12:00Z');
		expect(normaliseInstant(1_795_353_120_000)).toBe('2026-11-22T13:12:00Z');
		expect(normaliseInstant('2026-04-19T05:00:00.112536+00:00')).toBe('2026-04-19T05:00:00Z');
		expect(normaliseInstant('2026-04-19T10:45:00.6+05:45')).toBe('2026-04-19T10:45:01+05:45');
		expect(normaliseInstant('2026-04-19T10:45:00')).toBeNull(); // no offset: which clock?
		for (const bad of [null, undefined, '', 'soon', -5, 0, {}, Number.NaN]) expect(normaliseInstant(bad)).toBeNull();
	});

	it('percent → fraction, values above 100 stay visible, "" is not 0', () => {
		expect(percentToFraction(23.5)).toBe(0.235);
		expect(percentToFraction(105)).toBe(1.05);
		expect(percentToFraction('38.15')).toBe(0.3815);
		expect(percentToFraction('')).toBeUndefined();
		expect(percentToFraction(null)).toBeUndefined();
	});

	it('Retry-After: seconds or an HTTP date; 0 and garbage mean "not given"', () => {
		const now = Date.parse('2026-11-22T12:00:00Z');
		expect(retryAfterMs('120', now)).toBe(120_000);
		expect(retryAfterMs('Sun, 22 Nov 2026 12:02:00 GMT', now)).toBe(120_000);
		expect(retryAfterMs('0', now)).toBeUndefined();
		expect(retryAfterMs(undefined, now)).toBeUndefined();
		expect(retryAfterMs('soon', now)).toBeUndefined();
	});
});
