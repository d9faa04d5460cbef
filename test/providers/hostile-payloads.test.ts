/**
 * A strange answer is a failure, not data (audit D4, D7, D17): payload parsing, and through the
 * refresh path against a real HTTP server, the last good windows kept (stale, with the message).
 */
process.env.TZ = 'UTC';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseClaudeUsage} from '../../source/providers/claude-usage.js';
import {rolloutFamily} from '../../source/providers/codex-limits.js';
import {unrecognisedWham} from '../../source/providers/wham-usage.js';
import {openContext, type Context} from '../../source/runtime/context.js';
import {refreshAccount} from '../../source/runtime/refresh.js';
import {latestSnapshot} from '../../source/store/repositories.js';
import {childPath, claudeDir, codexHome, fixtureText, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const AT = '2026-11-22T12:00:00Z';
let server: TestServer | undefined;
const contexts: Context[] = [];
afterEach(async () => {
	for (const ctx of contexts.splice(0)) ctx.close();
	await server?.close();
	server = undefined;
});

describe('usage payload sanity (D4, D7, D17)', () => {
	it('{} and wrongly typed buckets are unrecognised; an explicit all-null payload is data', () => {
		expect(parseClaudeUsage({}, 'oauth-usage', AT).unrecognised).toBe('unrecognised usage payload (none of five_hour, seven_day, limits, model_scoped present)');
		expect(parseClaudeUsage({five_hour: 'x', seven_day: {utilization: 3}}, 'oauth-usage', AT).unrecognised).toBe('unrecognised usage payload (five_hour is string, not an object)');
		expect(parseClaudeUsage({five_hour: {utilization: '22'}}, 'oauth-usage', AT).unrecognised).toBe('unrecognised usage payload (five_hour.utilization is not a number)');
		expect(parseClaudeUsage({seven_day: null, extra_usage: {is_enabled: true, monthly_limit: 'abc'}}, 'oauth-usage', AT).unrecognised).toBe('unrecognised usage payload (extra_usage.monthly_limit is not a number)');
		const enterprise = parseClaudeUsage({five_hour: null, seven_day: null, seven_day_opus: null, extra_usage: null}, 'oauth-usage', AT);
		expect(enterprise).toMatchObject({windows: []});
		expect(enterprise.unrecognised).toBeUndefined();
		expect(unrecognisedWham({})).toBe('unrecognised usage payload (no rate_limit)');
		expect(unrecognisedWham({rate_limit: [1]})).toBe('unrecognised usage payload (rate_limit is not an object)');
		expect(unrecognisedWham({rate_limit: null})).toBeUndefined();
	});

	it('model_scoped[] from get_usage becomes weekly:<model> windows (D7)', () => {
		const parsed = parseClaudeUsage({
			five_hour: {utilization: 10, resets_at: '2026-11-22T14:00:00+00:00'},
			seven_day: {utilization: 20, resets_at: '2026-11-25T12:00:00+00:00'},
			model_scoped: [{display_name: 'Fable', utilization: 77, resets_at: '2026-11-26T12:00:00+00:00'}, {display_name: 'Sonnet 5', utilization: 5, resets_at: null}, {utilization: 50}],
		}, 'claude-cli', AT);
		expect(parsed.windows.map(w => [w.kind, w.utilization, w.resetsAt])).toEqual([
			['five_hour', 0.1, '2026-11-22T14:00:00Z'],
			['seven_day', 0.2, '2026-11-25T12:00:00Z'],
			['weekly:fable', 0.77, '2026-11-26T12:00:00Z'],
			['seven_day_sonnet', 0.05, null],
		]);
	});

	it('negative, NaN and absurd percentages are not numbers (D17)', () => {
		const parsed = parseClaudeUsage({five_hour: {utilization: -5, resets_at: null}, seven_day: {utilization: 1e6, resets_at: null}, seven_day_opus: {utilization: 250, resets_at: null}}, 'oauth-usage', AT);
		expect(parsed.windows.map(w => [w.kind, w.utilization])).toEqual([['seven_day_opus', 2.5]]);
		const family = rolloutFamily({primary: {used_percent: -20, window_minutes: 300}, secondary: {used_percent: 1e6, window_minutes: 10080}}, 0);
		expect(family?.windows).toEqual([]);
	});
});

describe('a 200 that is not usage data keeps the last good windows (D4)', {timeout: 30_000}, () => {
	for (const [name, body] of [['empty object', '{}'], ['wrong shape', '{"five_hour":"abc","seven_day":[1,2],"extra_usage":{"is_enabled":true,"monthly_limit":"abc"}}']] as const) {
		it(`Claude OAuth endpoint, ${name}`, async () => {
			server = await startServer({status: 200, body: fixtureText('oauth-live-max.json')});
			const home = tempDir('qt-hostile-');
			const env = {QUOTA_TUI_HOME: home, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(false), HOME: home};
			const setup = openContext({env});
			setup.configStore.addAccount({name: 'e', provider: 'claude', configDir: claudeDir(path.join(home, 'claude')), usageEndpoint: true});
			setup.close();
			const ctx = openContext({env});
			contexts.push(ctx);
			const t0 = Date.parse('2026-04-18T12:00:00Z');
			await refreshAccount(ctx, ctx.accounts[0]!, {now: t0});
			server.reply({status: 200, body});
			expect(await refreshAccount(ctx, ctx.accounts[0]!, {now: t0 + 400_000})).toMatchObject({action: 'failed', requests: 1});
			const snapshot = latestSnapshot(ctx.db, 'e')!;
			expect(snapshot.observedAt).toBe('2026-04-18T12:00:00Z');
			expect(snapshot.windows.map(w => [w.kind, w.utilization])).toEqual(expect.arrayContaining([['five_hour', 0.22], ['seven_day', 0.33]]));
			expect(snapshot.message).toMatch(/^usage endpoint: unrecognised usage payload/);
		});
	}

	it('ChatGPT wham/usage, empty object', async () => {
		server = await startServer({status: 200, body: fixtureText('wham-usage.json')});
		const home = tempDir('qt-hostile-');
		const env = {QUOTA_TUI_HOME: home, QUOTA_TUI_CHATGPT_BASE_URL: server.url, PATH: '/usr/bin:/bin', HOME: home};
		const setup = openContext({env});
		setup.configStore.addAccount({name: 'c', provider: 'codex', home: codexHome(path.join(home, 'codex')), usageEndpoint: true});
		setup.close();
		const ctx = openContext({env});
		contexts.push(ctx);
		const t0 = Date.parse('2026-11-22T12:00:00Z');
		await refreshAccount(ctx, ctx.accounts[0]!, {now: t0});
		const good = latestSnapshot(ctx.db, 'c')!.windows.length;
		expect(good).toBeGreaterThan(0);
		server.reply({status: 200, body: '{}'});
		await refreshAccount(ctx, ctx.accounts[0]!, {now: t0 + 400_000});
		const snapshot = latestSnapshot(ctx.db, 'c')!;
		expect(snapshot.windows).toHaveLength(good);
		expect(snapshot.message).toBe('wham/usage: unrecognised usage payload (no rate_limit)');
	});
});
