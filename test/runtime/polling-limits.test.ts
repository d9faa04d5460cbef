/**
 * Polling the field learned about (issue 10 item 10) and what a strange answer means (audit D4, D8),
 * in-process against a real HTTP server and a real SQLite file, in accelerated time (the injected
 * clock): the per-host cap on usage-endpoint reads for the whole machine, exponential back-off of a
 * source failing with the same cause, a login that cannot report usage left alone for hours, and a 200
 * that is not usage data keeping the last good windows.
 */
process.env.TZ = 'UTC';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openContext, type Context} from '../../source/runtime/context.js';
import {refreshAccount, refreshStale} from '../../source/runtime/refresh.js';
import {hostReads} from '../../source/store/poll-state.js';
import {latestSnapshot} from '../../source/store/repositories.js';
import {childPath, claudeDir, fakeEnv, fixtureText, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const T0 = Date.parse('2026-04-18T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
let server: TestServer | undefined;
const contexts: Context[] = [];
afterEach(async () => {
	for (const ctx of contexts.splice(0)) ctx.close();
	await server?.close();
	server = undefined;
});

async function setup(accounts: number, options: {fakes?: boolean; fakeEnv?: Record<string, string>; usageEndpoint?: boolean} = {}): Promise<Context> {
	server = await startServer({status: 200, body: fixtureText('oauth-live-max.json')});
	const home = tempDir('qt-poll-');
	const env: NodeJS.ProcessEnv = {QUOTA_TUI_HOME: home, QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, PATH: childPath(options.fakes ?? false), HOME: home, ...fakeEnv(options.fakeEnv)};
	const setupCtx = openContext({env});
	for (let i = 0; i < accounts; i++) {
		setupCtx.configStore.addAccount({name: `a${i}`, provider: 'claude', configDir: claudeDir(path.join(home, `claude-${i}`), {token: `sk-ant-oat01-QTFAKE-account-${i}`}), usageEndpoint: options.usageEndpoint ?? true});
	}
	setupCtx.close();
	const ctx = openContext({env});
	contexts.push(ctx);
	return ctx;
}

/** Request instants (ms of the injected clock) at which the server was hit, from `log`. */
type Hit = {at: number; account: string};

describe('per-host cap on usage-endpoint reads (item 10)', {timeout: 120_000}, () => {
	it('8 accounts polled every minute for two hours of accelerated time: at most 30 reads in any hour, spread, every account read', async () => {
		const ctx = await setup(8);
		const hits: Hit[] = [];
		let clock = T0;
		server!.reply(request => {
			hits.push({at: clock, account: String(request.headers['authorization'] ?? '')});
			return {status: 200, body: fixtureText('oauth-live-max.json')};
		});
		for (clock = T0; clock < T0 + 2 * HOUR; clock += MIN) await refreshStale(ctx, {now: clock});
		const inWindow = (from: number) => hits.filter(h => h.at >= from && h.at < from + HOUR).length;
		const worstHour = Math.max(...Array.from({length: 61}, (_, m) => inWindow(T0 + m * MIN)));
		expect(worstHour).toBeLessThanOrEqual(30);
		expect(inWindow(T0)).toBeGreaterThanOrEqual(24);
		expect(hostReads(ctx.db, 'api.anthropic.com', clock)).toBeLessThanOrEqual(30);
		// Spread: after the first minute (every account's first read) never more than the burst (4) in one minute.
		const perMinute = new Map<number, number>();
		for (const h of hits) perMinute.set(h.at, (perMinute.get(h.at) ?? 0) + 1);
		expect(perMinute.get(T0)).toBe(8);
		expect(Math.max(...[...perMinute].filter(([at]) => at > T0).map(([, n]) => n))).toBeLessThanOrEqual(4);
		// Every account was read again in the second hour.
		const secondHour = new Set(hits.filter(h => h.at >= T0 + HOUR).map(h => h.account));
		expect(secondHour.size).toBe(8);
		const perAccount = Array.from({length: 8}, (_, i) => hits.filter(h => h.account.endsWith(`account-${i}`)).length);
		console.log(`per-host cap: 8 accounts polled every minute: ${inWindow(T0)} reads in hour 1, ${inWindow(T0 + HOUR)} in hour 2, worst rolling hour ${worstHour}; reads per account over 2 h: ${perAccount.join(' ')}`);
	});
});

describe('a source failing with the same cause backs off (item 10)', {timeout: 120_000}, () => {
	it('a 500 every time: the reads come 3, 6, 12, 24, 48, then 60 minutes apart; a success resets it', async () => {
		const ctx = await setup(1);
		const hits: number[] = [];
		let clock = T0;
		server!.reply(() => {
			hits.push(clock);
			return {status: 500, body: 'down'};
		});
		for (clock = T0; clock < T0 + 5 * HOUR; clock += MIN) await refreshAccount(ctx, ctx.accounts[0]!, {now: clock});
		const gaps = hits.slice(1).map((at, i) => (at - hits[i]!) / MIN);
		expect(gaps.slice(0, 7)).toEqual([3, 6, 12, 24, 48, 60, 60]);
		expect(latestSnapshot(ctx.db, 'a0')!.message).toContain('usage endpoint server error 500');
		// A different cause starts again at the normal interval.
		server!.reply(() => {
			hits.push(clock);
			return {status: 200, body: fixtureText('oauth-live-max.json')};
		});
		const before = hits.length;
		for (let i = 0; i < 61 && hits.length === before; i++, clock += MIN) await refreshAccount(ctx, ctx.accounts[0]!, {now: clock});
		expect(hits.length).toBe(before + 1);
		expect(latestSnapshot(ctx.db, 'a0')!.windows[0]).toMatchObject({kind: 'five_hour', utilization: 0.22});
	});

	it('rate_limits_available:false from claude: the right status from the login, not asked again for hours (D8)', async () => {
		const ctx = await setup(3, {fakes: true, fakeEnv: {FAKE_CLAUDE_MODE: 'unavailable'}, usageEndpoint: false});
		const [apiKey, setupToken, loggedOut] = ctx.accounts as [typeof ctx.accounts[0], typeof ctx.accounts[0], typeof ctx.accounts[0]];
		claudeDir(setupToken.configDir!, {scopes: ['user:inference']});
		fs.rmSync(path.join(loggedOut.configDir!, '.credentials.json'));
		for (const account of [apiKey, setupToken, loggedOut]) expect(await refreshAccount(ctx, account, {now: T0})).toMatchObject({action: 'failed', requests: 1});
		expect(latestSnapshot(ctx.db, apiKey.name)).toMatchObject({status: 'unknown', message: 'claude reports no subscription rate limits for this login (API key, Bedrock or Vertex authentication)'});
		expect(latestSnapshot(ctx.db, setupToken.name)).toMatchObject({status: 'policy_rejected', message: `the Claude login in ${setupToken.configDir} is a setup-token without the user:profile scope: its usage cannot be read (log in with claude /login for usage data)`});
		expect(latestSnapshot(ctx.db, loggedOut.name)).toMatchObject({status: 'invalid_key', message: `claude reports no login in ${loggedOut.configDir} (run claude with this CLAUDE_CONFIG_DIR and /login)`});
		for (const later of [10 * MIN, HOUR, 5 * HOUR]) expect(await refreshAccount(ctx, apiKey, {now: T0 + later})).toMatchObject({requests: 0});
		expect(await refreshAccount(ctx, apiKey, {now: T0 + 6 * HOUR + MIN})).toMatchObject({requests: 1});
	});
});
