import {describe, expect, test} from 'vitest';
import {formatStatus} from '../../source/cli/commands/status.js';
import {accountExtras, accountNote} from '../../source/ui/view-model.js';
import {HOUR, MINUTE, NOW, demoReport, makeAccount, makeWindow} from './fixtures.js';

describe('model-scoped weekly windows and extra usage in a row', () => {
	const account = makeAccount('max', {
		windows: [
			makeWindow('five_hour', 0.22, HOUR, {origin: 'oauth-usage'}),
			makeWindow('seven_day', 0.33, 50 * HOUR, {origin: 'oauth-usage'}),
			makeWindow('seven_day_sonnet', 0.12, 50 * HOUR, {origin: 'oauth-usage'}),
			makeWindow('weekly:fable', 0.05, 50 * HOUR, {origin: 'oauth-usage'}),
			makeWindow('extra_usage', 0.26, null, {origin: 'oauth-usage'}),
		],
		extraUsage: {enabled: true, limitUsd: 20, usedUsd: 5.2, currency: 'USD'},
	});

	test('what the two columns do not show', () => {
		expect(accountExtras(account)).toBe('sonnet 12% · fable 5% · extra $5.20/$20');
		expect(accountExtras(makeAccount('plain', {windows: [makeWindow('five_hour', 0.1, HOUR)]}))).toBe('');
		expect(accountExtras(makeAccount('eur', {extraUsage: {enabled: true, limitUsd: null, usedUsd: 3, currency: 'EUR'}}))).toBe('extra EUR 3');
		expect(accountExtras(makeAccount('off', {extraUsage: {enabled: false, limitUsd: null, usedUsd: null, currency: 'USD'}}))).toBe('');
	});

	test('they lead the note when it fits, and give way to the source and age when it does not', () => {
		const wide = accountNote(account, NOW, NOW, 80).text;
		expect(wide).toMatch(/^sonnet 12% · fable 5% · extra \$5\.20\/\$20 · oauth/);
		expect(accountNote(account, NOW, NOW, 14).text).not.toContain('sonnet');
		const stale = makeAccount('s', {...account, stale: true});
		expect(accountNote(stale, NOW, NOW + 12 * MINUTE, 80).text).toMatch(/^stale \d+m · sonnet 12%/);
	});

	test('team mode: the machines holding the account come last and give way first', () => {
		const held = makeAccount('held', {...account, team: [{machine: 'laptop', here: false, login: true, newestAgeMs: 2 * MINUTE}, {machine: 'ci', here: true, login: true, newestAgeMs: null}]});
		expect(accountExtras(held)).toBe('sonnet 12% · fable 5% · extra $5.20/$20 · held by laptop 2m, ci (here)');
		expect(accountNote(held, NOW, NOW, 120).text).toMatch(/^sonnet 12% · fable 5% · extra \$5\.20\/\$20 · held by laptop 2m, ci \(here\) · oauth/);
		// Too narrow for the holders: the other extras stay.
		expect(accountNote(held, NOW, NOW, 60).text).toMatch(/^sonnet 12% · fable 5% · extra \$5\.20\/\$20 · oauth/);
	});

	test('status text shows every window and extra usage in dollars', () => {
		const text = formatStatus(demoReport({accounts: [account]}), NOW);
		expect(text).toMatch(/7d sonnet\s+12%/);
		expect(text).toMatch(/fable\s+5%/);
		expect(text).toContain('extra $5.20/$20.00');
		expect(text).not.toMatch(/extra\s+26%/);
	});
});
