import {describe, expect, test} from 'vitest';
import {accountNote, pickWindows, recommendationView, statusBadge, windowPercent, windowProjection} from '../../source/ui/view-model.js';
import {HOUR, MINUTE, NOW, demoAccounts, demoReport, makeAccount, makeWindow} from './fixtures.js';

describe('statusBadge', () => {
	test.each([
		[{status: 'allowed'}, 'ok', 'ok'],
		[{status: 'allowed_warning'}, 'warn', 'warn'],
		[{status: 'rejected'}, 'EXHAUSTED', 'critical'],
		[{status: 'invalid_key'}, 'invalid key', 'critical'],
		[{status: 'token_expired'}, 'expired', 'critical'],
		[{status: 'policy_rejected'}, 'refused', 'critical'],
		[{status: 'unreachable'}, 'unreachable', 'warn'],
		[{status: 'unknown'}, 'unknown', 'muted'],
		[{status: 'allowed', lastResort: true}, 'last resort', 'accent'],
		[{status: 'rejected', lastResort: true}, 'EXHAUSTED', 'critical'],
		[{status: 'allowed', disabled: true}, 'disabled', 'muted'],
	] as const)('%j → %s', (extra, text, tone) => {
		expect(statusBadge(makeAccount('a', extra))).toEqual({text, tone});
	});
});

describe('accountNote', () => {
	const at = (name: string) => demoAccounts().find(account => account.name === name)!;

	test('source and age, shortened to fit', () => {
		expect(accountNote(at('work'), NOW, NOW, 20).text).toBe('oauth 2m ago');
		expect(accountNote(at('work'), NOW, NOW, 8).text).toBe('2m ago');
		expect(accountNote(at('work'), NOW, NOW, 3).text).toBe('2m');
		expect(accountNote(at('work'), NOW, NOW + 10 * MINUTE, 20).text).toBe('oauth 12m ago');
	});

	test('stale wins, with its age', () => {
		expect(accountNote(at('spare'), NOW, NOW, 20)).toEqual({text: 'stale 12m', tone: 'warn'});
		expect(accountNote(at('spare'), NOW, NOW, 6).text).toBe('stale');
	});

	test('fresh (est.) after a passed reset', () => {
		const account = makeAccount('a', {windows: [makeWindow('five_hour', 0, HOUR, {resetPassed: true})]});
		expect(accountNote(account, NOW, NOW, 20).text).toBe('fresh (est.)');
		expect(accountNote(account, NOW, NOW, 10).text).toBe('fresh est.');
	});

	test('the message of a failing source', () => {
		const account = makeAccount('a', {status: 'invalid_key', message: '401 from the usage endpoint'});
		expect(accountNote(account, NOW, NOW, 40)).toEqual({text: '401 from the usage endpoint', tone: 'critical'});
	});

	test('no data at all', () => {
		expect(accountNote(makeAccount('a', {ageMs: null}), NOW, NOW, 20).text).toBe('no data');
	});
});

describe('windows', () => {
	test('picks 5h and 7d, falling back to a weekly window', () => {
		const weekly = makeWindow('weekly:opus', 0.3, HOUR);
		const picked = pickWindows(makeAccount('a', {windows: [weekly]}));
		expect(picked.fiveHour).toBeNull();
		expect(picked.sevenDay).toBe(weekly);
	});

	test('estimated percentages are marked when the mark fits', () => {
		expect(windowPercent(makeWindow('five_hour', 0, HOUR, {resetPassed: true}), 4)).toBe('~0%');
		expect(windowPercent(makeWindow('five_hour', 1, HOUR, {source: 'estimated'}), 4)).toBe('100%');
		expect(windowPercent(null, 4)).toBe('--');
	});

	test('projection only when known and the reset has not passed', () => {
		expect(windowProjection(makeWindow('seven_day', 0.4, HOUR, {projectedAtReset: 0.87}))).toBe('→87%');
		expect(windowProjection(makeWindow('seven_day', 0.4, HOUR))).toBeNull();
		expect(windowProjection(makeWindow('seven_day', 0.4, HOUR, {projectedAtReset: 0.87, resetPassed: true}))).toBeNull();
	});
});

test('recommendation view', () => {
	const report = demoReport();
	expect(recommendationView(report.recommendation)).toEqual({tone: 'ok', account: 'work', reason: report.recommendation.reason});
	expect(recommendationView({...report.recommendation, account: 'spare', emergency: true, exitCode: 3}).account).toBe('spare (last resort)');
	expect(recommendationView({...report.recommendation, account: null, exitCode: 1}).tone).toBe('critical');
	// The header names the account once: a reason that starts with it loses the repetition.
	expect(recommendationView({...report.recommendation, account: 'work', reason: 'work: first healthy account in chain order'}).reason).toBe('first healthy account in chain order');
});
