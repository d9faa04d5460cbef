process.env.TZ = 'UTC';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {compactDuration, parseStatusline, statuslineText} from '../../source/providers/claude-statusline.js';
import {formatDuration} from '../../source/ui/format.js';
import {fixtureText} from '../helpers/providers.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const AT = '2026-11-22T12:00:00Z';

describe('status-line JSON (provider-formats §3.7)', () => {
	it('epoch-second resets, 0–100 → fractions, the compact line of the issue', () => {
		const parsed = parseStatusline(fixtureText('statusline-epoch.json'), AT);
		expect(parsed.kind).toBe('windows');
		if (parsed.kind !== 'windows') return;
		expect(parsed.windows).toEqual([
			{kind: 'five_hour', utilization: 0.23, resetsAt: '2026-11-22T13:12:00Z', durationMs: 18_000_000, source: 'provider-detected', origin: 'statusline', observedAt: AT},
			{kind: 'seven_day', utilization: 0.412, resetsAt: '2026-11-25T16:00:00Z', durationMs: 604_800_000, source: 'provider-detected', origin: 'statusline', observedAt: AT},
		]);
		expect(statuslineText(parsed.windows, NOW)).toBe('5h 23% ↺1h12m · 7d 41% ↺3d4h');
	});

	it('ISO resets (some builds), values above 100, one window only', () => {
		const parsed = parseStatusline(JSON.stringify({rate_limits: {five_hour: {used_percentage: 105, resets_at: '2026-11-22T12:45:00.5+00:00'}}}), AT);
		expect(parsed).toMatchObject({kind: 'windows', windows: [{kind: 'five_hour', utilization: 1.05, resetsAt: '2026-11-22T12:45:01Z'}]});
		if (parsed.kind === 'windows') expect(statuslineText(parsed.windows, NOW)).toBe('5h 105% ↺45m · 7d --');
	});

	it('missing or null rate_limits (before the first response, API-key login) is "none", not an error', () => {
		expect(parseStatusline(JSON.stringify({model: {display_name: 'Opus'}}), AT)).toEqual({kind: 'none'});
		expect(parseStatusline(JSON.stringify({rate_limits: null}), AT)).toEqual({kind: 'none'});
		expect(parseStatusline(JSON.stringify({rate_limits: {}}), AT)).toEqual({kind: 'none'});
		expect(parseStatusline(JSON.stringify({rate_limits: {five_hour: {used_percentage: null}}}), AT)).toEqual({kind: 'none'});
	});

	it('garbage is "invalid" with a reason, never a throw', () => {
		for (const text of ['', 'garbage', '[1,2]', '"x"', '{"rate_limits": 5}', '\u0000\u0001']) {
			const parsed = parseStatusline(text, AT);
			expect(parsed.kind).toBe('invalid');
		}
	});

	it('a passed reset shows the fresh window; an unknown reset shows no countdown', () => {
		const parsed = parseStatusline(JSON.stringify({rate_limits: {five_hour: {used_percentage: 80, resets_at: 1795345200}, seven_day: {used_percentage: 10}}}), AT);
		if (parsed.kind !== 'windows') throw new Error('expected windows');
		expect(statuslineText(parsed.windows, NOW)).toBe('5h 0% · 7d 10%');
	});

	it('the hot-path duration formatter equals the dashboard\'s', () => {
		fc.assert(fc.property(fc.integer({min: -10_000, max: 40 * 86_400_000}), ms => compactDuration(ms) === formatDuration(ms)));
	});
});
