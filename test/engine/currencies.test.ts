process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {compareSeries, detectPools, poolOf} from '../../source/engine/pools.js';
import {autoRedeemChoice, lapseValue, lapsingBefore, lapsingSummary, openCredits, resetCreditsAt, resetValue, type ResetCredit} from '../../source/engine/resets.js';
import {HOUR, isoAt} from '../../source/engine/time.js';
import {applyWeeklyOnly, deriveWeeklyOnly, type WindowSeen} from '../../source/engine/weekly-only.js';
import {inHours, NOW, state, win} from './fixtures.js';

/** A run of one observation of `kind` at `hoursAgo`. */
const seen = (kind: string, hoursAgo: number, utilization: number, resetHours = 72, extra: Partial<WindowSeen> = {}): WindowSeen => ({
	kind, source: 'provider-detected', utilization, resetsAtMs: NOW + resetHours * HOUR, firstSeenMs: NOW - hoursAgo * HOUR, lastSeenMs: NOW - hoursAgo * HOUR, observations: 1, ...extra,
});
/** Weekly observations every 2 hours over `span` hours ending `endAgo` hours ago, rising by `rise` each. */
const weeklySeries = (span: number, rise: number, start = 0.3, endAgo = 0) =>
	Array.from({length: span / 2 + 1}, (_, i) => seen('seven_day', endAgo + span - i * 2, start + i * rise));

describe('weekly-only accounts (issue 11)', () => {
	it('a weekly-only plan (ultra, formerly max20) is weekly-only at once; a 5-hour window seen in the last 24 h still counts', () => {
		const ultra = state('u', [win('seven_day', 0.3)], {account: {provider: 'claude', plan: 'max20'}});
		expect(deriveWeeklyOnly({state: ultra, history: [], now: NOW})).toMatchObject({weeklyOnly: true, basis: 'plan', reason: expect.stringContaining('plan ultra (Claude Ultra) has weekly windows only')});
		const temporary = deriveWeeklyOnly({state: ultra, history: [seen('five_hour', 3, 0.1, 2)], now: NOW});
		expect(temporary).toMatchObject({weeklyOnly: false, reason: expect.stringContaining('temporary 5-hour limit')});
		expect(deriveWeeklyOnly({state: ultra, history: [seen('five_hour', 30, 0.1, -25)], now: NOW}).weeklyOnly).toBe(true);
	});

	it('no 5-hour window for 24 h while weekly windows kept arriving → weekly-only (Codex); under 24 h → not yet', () => {
		const codex = state('c', [win('seven_day', 0.3, inHours(72), {origin: 'codex-app-server'})], {account: {provider: 'codex', plan: 'plus'}});
		const history = [seen('five_hour', 30, 0.2, -25), ...weeklySeries(26, 0)];
		const verdict = deriveWeeklyOnly({state: codex, history, now: NOW});
		expect(verdict).toMatchObject({weeklyOnly: true, basis: 'observed', fiveHourLastSeenAt: isoAt(NOW - 30 * HOUR)});
		expect(verdict.reason).toMatch(/no 5-hour window reported since 2026-12-01T06:00:00Z \(30 h\) while weekly windows kept arriving \(plan plus says it has one: is the plan right\?\)/);
		expect(deriveWeeklyOnly({state: codex, history: [seen('five_hour', 20, 0.2, -15), ...weeklySeries(18, 0)], now: NOW}).weeklyOnly).toBe(false);
		// One lone weekly observation is not "kept arriving".
		expect(deriveWeeklyOnly({state: state('c', [], {account: {provider: 'codex'}}), history: [seen('five_hour', 30, 0.2, -25), seen('seven_day', 2, 0.3)], now: NOW}).weeklyOnly).toBe(false);
	});

	it('Claude Pro/Max idle for more than 5 h is not weekly-only: its 5-hour usage counts as 0 % (estimated)', () => {
		const pro = state('p', [win('seven_day', 0.3, inHours(72), {origin: 'claude-cli'})], {account: {provider: 'claude', plan: 'pro'}});
		const verdict = deriveWeeklyOnly({state: pro, history: [seen('five_hour', 30, 0.4, -25), ...weeklySeries(28, 0)], now: NOW});
		expect(verdict).toMatchObject({weeklyOnly: false, fiveHourIdle: true, reason: expect.stringContaining('weekly usage did not rise: idle, not weekly-only')});
		const applied = applyWeeklyOnly(pro, verdict, 0.8);
		expect(applied.windows[0]).toMatchObject({kind: 'five_hour', utilization: 0, resetsAt: null, source: 'estimated', origin: 'claude-cli'});
		expect(applied.weeklyOnly).toBe(verdict);
		// Idle for a short while (no 24 h of evidence): 0 % too.
		const short = deriveWeeklyOnly({state: pro, history: [seen('five_hour', 7, 0.4, -2), ...weeklySeries(6, 0)], now: NOW});
		expect(short).toMatchObject({weeklyOnly: false, fiveHourIdle: true});
		// But weekly usage rising for 24 h with no 5-hour window ever opening: weekly-only after all.
		const rising = deriveWeeklyOnly({state: pro, history: [seen('five_hour', 30, 0.4, -25), ...weeklySeries(28, 0.01)], now: NOW});
		expect(rising).toMatchObject({weeklyOnly: true, basis: 'observed', reason: expect.stringContaining('and weekly usage rose (plan pro says it has one')});
	});

	it('a weekly-only account shows no 5-hour window: carried, rolled-forward and log-estimated ones are dropped, a user-entered one stays', () => {
		const carried = win('five_hour', 0, inHours(3), {source: 'estimated', observedAt: isoAt(NOW - 40 * HOUR)});
		const ultra = state('u', [carried, win('seven_day', 0.5)], {account: {provider: 'claude', plan: 'ultra'}, projections: {five_hour: {ratePerHour: 0, atReset: 0, exhaustsAt: null, samples: 0}}});
		const applied = applyWeeklyOnly(ultra, deriveWeeklyOnly({state: ultra, history: [], now: NOW}), 0.8);
		expect(applied.windows.map(w => w.kind)).toEqual(['seven_day']);
		expect(applied.projections['five_hour']).toBeUndefined();
		// A fake exhausted 5-hour window (a log marker) made it rejected: without it the account is allowed.
		const marker = state('u', [win('five_hour', 1, inHours(2), {source: 'estimated', origin: 'local-logs'}), win('seven_day', 0.5)], {account: {provider: 'claude', plan: 'ultra'}});
		expect(marker.status).toBe('rejected');
		expect(applyWeeklyOnly(marker, deriveWeeklyOnly({state: marker, history: [], now: NOW}), 0.8).status).toBe('allowed');
		const manual = state('u', [win('five_hour', 0.5, inHours(2), {source: 'user-entered', origin: 'manual'}), win('seven_day', 0.5)], {account: {provider: 'claude', plan: 'ultra'}});
		expect(applyWeeklyOnly(manual, deriveWeeklyOnly({state: manual, history: [], now: NOW}), 0.8).windows.map(w => w.kind)).toEqual(['five_hour', 'seven_day']);
	});
});

const credit = (id: string, extra: Partial<ResetCredit> = {}): ResetCredit => ({
	id, account: 'cx', kind: 'both', model: null, count: 1, expiresAt: inHours(48), startsAt: null, grantedAt: null, source: 'codex-app-server', providerId: id,
	status: 'available', providerUsable: null, title: null, note: null, observedAt: isoAt(NOW), closedAt: null, redeemKey: null, ...extra,
});

describe('reset credits (issue 11)', () => {
	it('usable now: available, started, not lapsed, not paused; an expiry that passed makes it lapsed (expired)', () => {
		const views = resetCreditsAt([
			credit('soon', {expiresAt: inHours(20)}),
			credit('later', {expiresAt: inHours(72)}),
			credit('forever', {expiresAt: null}),
			credit('gone-by', {expiresAt: inHours(-1)}),
			credit('used', {status: 'redeemed'}),
			credit('paused', {providerUsable: false}),
			credit('tomorrow', {startsAt: inHours(24)}),
		], NOW);
		const by = Object.fromEntries(views.map(v => [v.id, v]));
		expect(by['soon']).toMatchObject({usableNow: true, lapsed: false, expiresInMs: 20 * HOUR});
		expect(by['gone-by']).toMatchObject({usableNow: false, lapsed: true, status: 'expired'});
		expect(by['used']).toMatchObject({usableNow: false, lapsed: false, status: 'redeemed'});
		expect(by['paused']!.usableNow).toBe(false);
		expect(by['tomorrow']!.usableNow).toBe(false);
		expect(openCredits(views).map(v => v.id)).toEqual(['soon', 'paused', 'tomorrow', 'later', 'forever']);
		expect(lapsingBefore(views, NOW + 30 * HOUR).map(v => v.id)).toEqual(['soon']);
	});

	it('value: the share of the weekly value a reset gives back; "2 resets expire … unused ≈ $…"', () => {
		// Plus: $20/month → $4.62/week. A weekly reset at 80 % used gives back 80 % of it.
		expect(resetValue({kind: 'seven_day', count: 1, weeklyValueUsd: 20 * 12 / 52, weeklyUtilization: 0.8, fiveHourUtilization: null})).toMatchObject({usd: 3.69, sharePerReset: 0.8});
		expect(resetValue({kind: 'five_hour', count: 1, weeklyValueUsd: 33.6, weeklyUtilization: null, fiveHourUtilization: 1})).toMatchObject({usd: 1});
		expect(resetValue({kind: 'unknown', count: 1, weeklyValueUsd: 10, weeklyUtilization: 0.5, fiveHourUtilization: 0.5}).usd).toBeNull();
		expect(resetValue({kind: 'seven_day', count: 2, weeklyValueUsd: null, weeklyUtilization: 0.5, fiveHourUtilization: null})).toMatchObject({usd: null, basis: expect.stringContaining('plan value unknown')});
		// At the expiry the week will be fuller: 40 % now + 1 %/h × 48 h = 88 %.
		const s = state('cx', [win('seven_day', 0.4, inHours(100))], {projections: {seven_day: {ratePerHour: 0.01, atReset: 1, exhaustsAt: null, samples: 5}}});
		const value = lapseValue(credit('a', {kind: 'seven_day'}), s, 46.15, NOW);
		expect(value.sharePerReset).toBeCloseTo(0.88, 5);
		expect(value.usd).toBeCloseTo(40.61, 2);
		const views = resetCreditsAt([credit('a', {kind: 'seven_day', expiresAt: '2026-12-04T18:00:00Z'}), credit('b', {kind: 'seven_day', expiresAt: '2026-12-04T18:00:00Z'})], NOW);
		const values = new Map(views.map(v => [v.id, resetValue({kind: v.kind, count: v.count, weeklyValueUsd: 4.6, weeklyUtilization: 1, fiveHourUtilization: null})]));
		expect(lapsingSummary(views, values, 72 * HOUR, () => 'Fri 18:00')).toMatchObject({count: 2, usd: 9.2, sentence: '2 resets expire Fri 18:00 unused ≈ $9.20'});
		expect(lapsingSummary(views, values, 24 * HOUR)).toBeNull();
	});
});

describe('shared pools (issue 11)', () => {
	const series = (utils: number[], resetHours = 72) => utils.map((u, i) => seen('seven_day', 10 - i * 2, u, resetHours, {lastSeenMs: NOW - (10 - i * 2) * HOUR + HOUR}));

	it('two accounts fed identical series are one pool; different series, one observation, or flat 0 % are not', () => {
		const same = series([0.2, 0.25, 0.3, 0.31]);
		expect(compareSeries(same, series([0.2, 0.25, 0.3, 0.31]))).toEqual({matches: 4, utilizations: 4, contradictions: 0});
		const pools = detectPools([
			{account: 'a', provider: 'claude', observations: same},
			{account: 'b', provider: 'claude', observations: series([0.2, 0.25, 0.3, 0.31])},
			{account: 'c', provider: 'claude', observations: series([0.1, 0.5, 0.6, 0.7])},
			{account: 'd', provider: 'claude', observations: series([0, 0, 0, 0])},
			{account: 'e', provider: 'claude', observations: series([0, 0, 0, 0])},
			{account: 'f', provider: 'codex', observations: series([0.2, 0.25, 0.3, 0.31])},
		]);
		expect(pools).toEqual([{id: 'shared:a', members: ['a', 'b'], basis: 'detected', reason: expect.stringContaining('a and b reported the same utilization and reset instants 4 times')}]);
		expect(poolOf(pools)).toEqual(new Map([['a', 'shared:a'], ['b', 'shared:a']]));
		// Another reset instant is another window: no match.
		expect(detectPools([{account: 'a', provider: 'claude', observations: same}, {account: 'b', provider: 'claude', observations: series([0.2, 0.25, 0.3, 0.31], 90)}])).toEqual([]);
	});

	it('config overrides detection: pool set names the pool, pool clear (false) keeps an account out', () => {
		const same = series([0.2, 0.25, 0.3]);
		expect(detectPools([{account: 'a', provider: 'claude', observations: same, override: false}, {account: 'b', provider: 'claude', observations: same}])).toEqual([]);
		expect(detectPools([{account: 'a', provider: 'claude', observations: [], override: 'team'}, {account: 'b', provider: 'codex', observations: [], override: 'team'}])).toEqual([
			{id: 'team', members: ['a', 'b'], basis: 'config', reason: expect.stringContaining('--pool team')},
		]);
	});
});

describe('automatic redemption (policy.resetCredits auto, issue 11)', () => {
	const exhausted = state('cx', [win('five_hour', 1, inHours(3)), win('seven_day', 0.6, inHours(100))], {account: {provider: 'codex', plan: 'plus'}});
	const base = {state: exhausted, queued: 2, headroomElsewhere: null, observedMs: NOW - HOUR, lastRedemptionMs: null, policy: 'auto' as const, now: NOW};
	const views = (...credits: ResetCredit[]) => resetCreditsAt(credits, NOW);

	it('redeems the soonest credit that lapses before the natural reset; a credit that outlives it waits', () => {
		const choice = autoRedeemChoice({...base, credits: views(credit('later', {expiresAt: inHours(72)}), credit('soon', {expiresAt: inHours(2)}), credit('sooner', {expiresAt: inHours(1)}))});
		expect(choice.credit?.id).toBe('sooner');
		expect(choice.reasons).toEqual(['cx is exhausted (5-hour 100%) with 2 jobs queued for it', `sooner lapses at ${inHours(1)}, before the natural reset at ${inHours(3)}: used now rather than lost (policy.resetCredits auto)`]);
		expect(autoRedeemChoice({...base, credits: views(credit('later', {expiresAt: inHours(72)}))})).toEqual({credit: null, reasons: [`cx's credits outlive its natural reset at ${inHours(3)}: waiting for the reset, which costs nothing`]});
	});

	it('never without auto, on a Claude account, when not exhausted, with nothing queued, with headroom elsewhere, in flight, or before a newer reading', () => {
		const soon = views(credit('soon', {expiresAt: inHours(2)}));
		const why = (extra: Partial<Parameters<typeof autoRedeemChoice>[0]>) => autoRedeemChoice({...base, credits: soon, ...extra});
		expect(why({policy: 'ask'}).reasons).toEqual(['policy.resetCredits is "ask": no automatic redemption']);
		expect(why({state: state('cl', exhausted.windows, {account: {provider: 'claude', plan: 'max'}})}).reasons).toEqual(['quota-tui never redeems a Claude reset (run /limit-reset in Claude Code)']);
		expect(why({state: state('cx', [win('five_hour', 0.5, inHours(3)), win('seven_day', 0.6)], {account: {provider: 'codex'}})}).credit).toBeNull();
		expect(why({queued: 0}).reasons).toEqual(['no work is queued for cx']);
		expect(why({headroomElsewhere: 'cy'}).reasons).toEqual(['cy has included headroom at no extra cost: it ranks before a reset credit']);
		expect(why({credits: views(credit('soon', {expiresAt: inHours(2)}), credit('busy', {status: 'redeeming', redeemKey: 'k'}))}).reasons[0]).toMatch(/^a redemption of busy is in flight/);
		expect(why({lastRedemptionMs: NOW - 30 * 60_000}).reasons).toEqual(['waiting for a reading of cx newer than the last redemption']);
		expect(why({lastRedemptionMs: NOW - 2 * HOUR}).credit?.id).toBe('soon');
		// A weekly-only reset does not give back an exhausted 5-hour window.
		expect(why({credits: views(credit('week', {expiresAt: inHours(2), kind: 'seven_day'}))}).reasons[0]).toMatch(/has no usable credit that resets that window/);
	});
});
