process.env.TZ = 'UTC';

import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseAppServerResetCredits, parseChatgptResetCredits, parseClaudeResetGrants} from '../../source/providers/reset-credit-parse.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {addManualResetCredit, finishRedemption, getResetCredit, listResetCredits, markRedeeming, syncResetCredits} from '../../source/store/resets.js';
import {tempHome} from '../helpers/cli.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const iso = (hours: number) => new Date(NOW + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const s = (hours: number) => (NOW + hours * 3_600_000) / 1000;

let db: Db | undefined;
afterEach(() => db?.close());
const open = () => (db = openDatabase(path.join(tempHome(), 'quota.db')));

describe('reset-credit payloads (hostile input never throws, never guesses)', () => {
	it('app-server rows, a count without rows, and garbage', () => {
		const parsed = parseAppServerResetCredits({rateLimitResetCredits: {availableCount: 3, credits: [
			{id: 'a', resetType: 'codexRateLimits', status: 'available', grantedAt: s(-1), expiresAt: s(5), title: 'Welcome', description: 'One free reset'},
			{id: 'b', resetType: 'somethingNew', status: 'redeeming', grantedAt: s(-1), expiresAt: null, title: null, description: null},
			{id: '', status: 'available'}, 'junk', null,
		]}}, iso(0));
		expect(parsed).toMatchObject({source: 'codex-app-server', availableCount: 3, credits: [
			{providerId: 'a', kind: 'both', status: 'available', expiresAt: iso(5), title: 'Welcome', note: 'One free reset'},
			{providerId: 'b', kind: 'unknown', status: 'redeeming', expiresAt: null},
		]});
		expect(parseAppServerResetCredits({rateLimitResetCredits: null}, iso(0))).toBeUndefined();
		expect(parseAppServerResetCredits({rateLimitResetCredits: {availableCount: 2, credits: null}}, iso(0))).toMatchObject({availableCount: 2, credits: []});
		expect(parseAppServerResetCredits({rateLimitResetCredits: {availableCount: 'x', credits: 'y'}}, iso(0))).toBeUndefined();
		expect(parseChatgptResetCredits({available_count: 1, credits: [{id: 'r', status: 'available', reset_type: 'codex_rate_limits', expires_at: iso(3)}]}, iso(0))).toMatchObject({source: 'chatgpt-endpoint', credits: [{providerId: 'r', kind: 'both', expiresAt: iso(3)}]});
		expect(parseClaudeResetGrants({cedar_ember: {eligible: true, grants: [{resets_left: 2, starts_at: iso(-1), ends_at: iso(48), paused: false, usable_now: true}, {resets_left: -1}]}}, iso(0))).toMatchObject({source: 'claude-usage', credits: [
			{kind: 'both', count: 2, status: 'available', providerUsable: true, expiresAt: iso(48), startsAt: iso(-1)},
		]});
		expect(parseClaudeResetGrants({cedar_ember: {eligible: false, ineligible_reason: 'surface', grants: []}}, iso(0))).toMatchObject({credits: []});
		expect(parseClaudeResetGrants({five_hour: null}, iso(0))).toBeUndefined();
	});
});

describe('reset_credits store', () => {
	const read = (hours: number, credits: Array<{id: string; expires: number | null; status?: 'available' | 'redeemed'}>, count?: number) => ({
		source: 'codex-app-server' as const, observedAt: iso(hours), availableCount: count,
		credits: credits.map(c => ({providerId: c.id, kind: 'both' as const, count: 1, status: c.status ?? 'available' as const, expiresAt: c.expires === null ? null : iso(c.expires)})),
	});

	it('a read replaces the source\'s rows: unlisted ones become expired (past expiry) or gone; an older read changes nothing; hand-entered rows stay', () => {
		const d = open();
		addManualResetCredit(d, {account: 'cx', kind: 'seven_day', count: 1, expiresAt: iso(100)}, NOW);
		syncResetCredits(d, 'cx', read(0, [{id: 'a', expires: 2}, {id: 'b', expires: 50}, {id: 'c', expires: 60}]), NOW);
		syncResetCredits(d, 'cx', read(-5, []), NOW);
		expect(listResetCredits(d, {account: 'cx', now: NOW}).map(c => [c.id, c.status])).toEqual([
			['codex-cx-a', 'available'], ['codex-cx-b', 'available'], ['codex-cx-c', 'available'], ['m1', 'available'],
		]);
		syncResetCredits(d, 'cx', read(3, [{id: 'c', expires: 60}], 2), NOW + 3 * 3_600_000);
		expect(listResetCredits(d, {account: 'cx', now: NOW}).map(c => [c.id, c.status, c.count])).toEqual([
			['codex-cx-a', 'expired', 1], ['codex-cx-b', 'gone', 1], ['codex-cx-c', 'available', 1], ['m1', 'available', 1], ['codex-cx-count', 'available', 1],
		]);
		expect(getResetCredit(d, 'codex-cx-a')).toMatchObject({closedAt: iso(2)});
	});

	it('a redemption in flight keeps its key through reads; one of several redeemed leaves the rest available', () => {
		const d = open();
		syncResetCredits(d, 'cx', read(0, [{id: 'a', expires: 10}]), NOW);
		markRedeeming(d, 'codex-cx-a', 'key-1', NOW);
		syncResetCredits(d, 'cx', read(1, []), NOW);
		expect(getResetCredit(d, 'codex-cx-a')).toMatchObject({status: 'redeeming', redeemKey: 'key-1'});
		const two = addManualResetCredit(d, {account: 'cx', kind: 'both', count: 2, expiresAt: null}, NOW);
		markRedeeming(d, two.id, 'key-2', NOW);
		finishRedemption(d, two.id, 'redeemed', NOW);
		expect(listResetCredits(d, {account: 'cx', all: true, now: NOW}).filter(c => c.source === 'manual').map(c => [c.status, c.count, c.redeemKey])).toEqual([
			['available', 1, null], ['redeemed', 1, 'key-2'],
		]);
	});
});
