import {describe, expect, it} from 'vitest';
import {applyRealUse, classifyRunnerEnd, limitResetAt, realUseVerdict, statedReset, type RealUse} from '../../source/engine/outcomes.js';
import type {AccountState} from '../../source/engine/types.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('classifyRunnerEnd', () => {
	it('exit 0 without an error result is ok, whatever the output says', () => {
		expect(classifyRunnerEnd(0, false, 'fixed the 429 handler\n', NOW).kind).toBe('ok');
	});

	it.each([
		['{"type":"result","is_error":true,"result":"Invalid API key · Please run /login"}', 'credential', 'Invalid API key · Please run /login'],
		['API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired."}}', 'credential', undefined],
		['{"type":"error","message":"unexpected status 401 Unauthorized: token expired"}', 'credential', 'unexpected status 401 Unauthorized: token expired'],
		['Failed to authenticate. API Error: invalid authentication credentials', 'credential', undefined],
		['Error: 403 Forbidden', 'credential', 'Error: 403 Forbidden'],
		['API Error: 400 {"error":{"message":"This credential is only authorized for use with Claude Code and cannot be used for other API requests."}}', 'policy', undefined],
		['API Error: 403 {"error":{"message":"OAuth authentication is currently not allowed for this organization."}}', 'policy', undefined],
		['{"type":"result","is_error":true,"result":"Claude AI usage limit reached|1763827200"}', 'limit', 'Claude AI usage limit reached|1763827200'],
		["You've hit your limit · resets 3pm (Europe/Berlin)", 'limit', undefined],
		['API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}', 'limit', undefined],
		['{"type":"error","message":"You\'ve hit your usage limit. Try again in 2 hours 5 minutes."}', 'limit', undefined],
	])('%s → %s', (output, kind, message) => {
		const end = classifyRunnerEnd(1, true, `progress…\n${output}\n`, NOW);
		expect(end.kind).toBe(kind);
		if (message) expect(end.message).toBe(message);
	});

	it.each([
		['Tool failed: tests did not pass'],
		['line 401 of parser.ts is wrong'],
		['{"type":"result","is_error":true,"result":"Context window exceeded"}'],
	])('other failures are errors: %s', output => {
		expect(classifyRunnerEnd(3, true, output, NOW).kind).toBe('error');
	});

	it('reads the stated reset: epoch seconds, an ISO instant, "try again in …"', () => {
		expect(statedReset('Claude AI usage limit reached|1763827200', NOW)).toBe('2025-11-22T16:00:00Z');
		expect(statedReset('limit; resets at 2026-11-22T15:00:00+01:00', NOW)).toBe('2026-11-22T15:00:00+01:00');
		expect(statedReset('Try again in 2 hours 5 minutes.', NOW)).toBe('2026-11-22T14:05:00Z');
		expect(statedReset("You've hit your limit · resets 3pm", NOW)).toBeNull();
	});
});

const state = (windows: AccountState['windows'], status: AccountState['status'] = 'allowed'): AccountState => ({
	account: {name: 'a', provider: 'claude'},
	status,
	windows,
	projections: {},
	stale: false,
	ageMs: 0,
});
const w = (kind: 'five_hour' | 'seven_day', utilization: number, resetsAt: string) =>
	({kind, utilization, resetsAt, durationMs: null, source: 'provider-detected', origin: 'oauth-usage', observedAt: '2026-11-22T11:00:00Z'}) as const;
const use = (kind: RealUse['kind'], at: string, extra: Partial<RealUse> = {}): RealUse => ({account: 'a', kind, at, message: null, resetsAt: null, source: 'outcome', jobId: null, ...extra});

describe('real use', () => {
	it('the newest decisive result wins; errors say nothing', () => {
		expect(realUseVerdict([use('credential', '2026-11-22T10:00:00Z'), use('error', '2026-11-22T11:00:00Z')], NOW).refused?.kind).toBe('credential');
		expect(realUseVerdict([use('credential', '2026-11-22T10:00:00Z'), use('ok', '2026-11-22T11:00:00Z')], NOW)).toEqual({alive: use('ok', '2026-11-22T11:00:00Z')});
		expect(realUseVerdict([use('ok', '2026-11-20T11:00:00Z')], NOW)).toEqual({});
	});

	it('a limit without a stated reset ends at the fullest gating window\'s reset, else five hours later', () => {
		const s = state([w('five_hour', 0.9, '2026-11-22T14:00:00Z'), w('seven_day', 0.4, '2026-11-25T12:00:00Z')]);
		expect(limitResetAt(s, {at: '2026-11-22T12:00:00Z', resetsAt: null}, NOW)).toBe('2026-11-22T14:00:00Z');
		expect(limitResetAt(state([]), {at: '2026-11-22T12:00:00Z', resetsAt: null}, NOW)).toBe('2026-11-22T17:00:00Z');
	});

	it('an active limit exhausts the window resetting at that instant (estimated, real-use) and the status follows', () => {
		const s = applyRealUse(state([w('five_hour', 0.2, '2026-11-22T14:00:00Z'), w('seven_day', 0.4, '2026-11-25T12:00:00Z')]), {verdict: {limit: use('limit', '2026-11-22T11:30:00Z', {resetsAt: '2026-11-25T12:01:00Z'})}, warnThreshold: 0.8, now: NOW});
		expect(s.windows.find(x => x.kind === 'seven_day')).toMatchObject({utilization: 1, source: 'estimated', origin: 'real-use', resetsAt: '2026-11-25T12:01:00Z'});
		expect(s.status).toBe('rejected');
	});

	it('a quota API 401 with a recent real success: usable, "quota data unavailable"', () => {
		const s = applyRealUse(state([], 'invalid_key'), {verdict: {alive: use('ok', '2026-11-22T11:00:00Z')}, warnThreshold: 0.8, now: NOW});
		expect(s.status).toBe('allowed');
		expect(s.quotaDataUnavailable).toMatch(/^quota data unavailable \(the usage source says: credential invalid \(401\)\), but a real run succeeded at 2026-11-22T11:00:00Z$/);
	});
});
