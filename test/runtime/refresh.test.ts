/**
 * The refresh orchestrator and the poller, in-process, against a real HTTP server, fake executables
 * and a real SQLite file: freshness, the shared budget, Retry-After, keeping good data, source order.
 */
process.env.TZ = 'UTC';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {collect} from '../../source/runtime/collect.js';
import {openContext, type Context} from '../../source/runtime/context.js';
import {createPoller} from '../../source/runtime/poller.js';
import {recordFresh} from '../../source/runtime/record.js';
import {refreshAccount, refreshStale} from '../../source/runtime/refresh.js';
import {getPollState} from '../../source/store/poll-state.js';
import {latestSnapshot} from '../../source/store/repositories.js';
import {childPath, claudeDir, fakeEnv, FIXTURES, fixtureText, startServer, tempDir, writeRollout, type TestServer} from '../helpers/providers.js';

const T0 = Date.parse('2026-04-18T12:00:00Z');
const MIN = 60_000;
let server: TestServer | undefined;
const contexts: Context[] = [];
afterEach(async () => {
	for (const ctx of contexts.splice(0)) ctx.close();
	await server?.close();
	server = undefined;
});

type Setup = {home: string; claude: string; env: NodeJS.ProcessEnv};

async function setup(options: {fakes?: boolean; usageEndpoint?: boolean; reply?: Parameters<typeof startServer>[0]; fakeEnv?: Record<string, string>} = {}): Promise<Setup> {
	server = await startServer(options.reply ?? {status: 200, body: fixtureText('oauth-live-max.json')});
	const home = tempDir('qt-rt-');
	const claude = claudeDir(path.join(home, 'claude-a'));
	const env: NodeJS.ProcessEnv = {
		QUOTA_TUI_HOME: home,
		QUOTA_TUI_ANTHROPIC_BASE_URL: server.url,
		PATH: childPath(options.fakes ?? false),
		HOME: home,
		...fakeEnv({FAKE_LOG: path.join(home, 'fake.log'), ...options.fakeEnv}),
	};
	const ctx = openContext({env});
	ctx.configStore.addAccount({name: 'a', provider: 'claude', configDir: claude, usageEndpoint: options.usageEndpoint ?? true});
	ctx.close();
	return {home, claude, env};
}

function context(s: Setup): Context {
	const ctx = openContext({env: s.env});
	contexts.push(ctx);
	return ctx;
}

const account = (ctx: Context) => ctx.accounts[0]!;

describe('refresh: freshness and the shared endpoint budget', {timeout: 30_000}, () => {
	it('reads when there is no data, then not while fresh (5 min), then again once stale', async () => {
		const s = await setup();
		const ctx = context(s);
		expect(await refreshAccount(ctx, account(ctx), {now: T0})).toMatchObject({action: 'refreshed', origin: 'oauth-usage', requests: 1});
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 4 * MIN})).toMatchObject({action: 'fresh', requests: 0});
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 6 * MIN})).toMatchObject({action: 'refreshed', requests: 1});
		expect(server!.requests).toHaveLength(2);
		const report = collect(ctx, T0 + 6 * MIN).report.accounts[0]!;
		expect(report.windows.map(w => [w.kind, w.utilization, w.origin, w.stale])).toEqual([
			['five_hour', 0.22, 'oauth-usage', false],
			['seven_day', 0.33, 'oauth-usage', false],
			['seven_day_sonnet', 0, 'oauth-usage', false],
		]);
		expect(report.extraUsage).toEqual({enabled: false, limitUsd: null, usedUsd: null, currency: 'USD'});
	});

	it('a status line ≤ 5 minutes old needs no request', async () => {
		const s = await setup();
		const ctx = context(s);
		recordFresh(ctx.db, account(ctx), {ok: true, origin: 'statusline', observedAt: new Date(T0).toISOString(), windows: [{kind: 'five_hour', utilization: 0.5, resetsAt: null, durationMs: null, source: 'provider-detected', origin: 'statusline', observedAt: new Date(T0).toISOString()}], partial: true, requested: false}, T0);
		expect(await refreshStale(ctx, {now: T0 + 5 * MIN})).toMatchObject([{action: 'fresh', origin: 'statusline'}]);
		expect(server!.requests).toHaveLength(0);
	});

	it('stale data with a failing endpoint: at most one read per 3 minutes, even from many contexts', async () => {
		const s = await setup({reply: {status: 500, body: 'down'}});
		const contextsOfProcesses = [context(s), context(s), context(s)];
		for (let minute = 0; minute < 60; minute++) {
			await Promise.all(contextsOfProcesses.map(ctx => refreshAccount(ctx, account(ctx), {now: T0 + minute * MIN})));
		}
		// Never two within 3 minutes, and the same failure backs off (issue 10): t = 0, 3, 9, 21, 45.
		expect(server!.requests).toHaveLength(5);
	});

	it('after a 429 with Retry-After 600 nothing is read for 10 minutes; the good data stays, stale with its age', async () => {
		const s = await setup();
		const ctx = context(s);
		await refreshAccount(ctx, account(ctx), {now: T0});
		server!.reply({status: 429, headers: {'retry-after': '600'}, body: '{"error":{"message":"Rate limited. Please try again later.","type":"rate_limit_error"}}'});
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 6 * MIN})).toMatchObject({action: 'failed', requests: 1, message: expect.stringContaining('429')});
		expect(getPollState(ctx.db, 'a', 'endpoint')?.nextAllowedMs).toBe(T0 + 16 * MIN);
		for (const minute of [7, 10, 15]) {
			expect(await refreshAccount(ctx, account(ctx), {now: T0 + minute * MIN})).toMatchObject({action: 'cooldown', requests: 0, nextAllowedMs: T0 + 16 * MIN});
		}
		expect(server!.requests).toHaveLength(2);
		const report = collect(ctx, T0 + 15 * MIN).report.accounts[0]!;
		expect(report).toMatchObject({status: 'allowed', stale: true, ageMs: 15 * MIN, message: expect.stringContaining('rate-limited (429, Retry-After 600 s)')});
		expect(report.windows[0]).toMatchObject({kind: 'five_hour', utilization: 0.22, stale: true, ageMs: 15 * MIN, observedAt: '2026-04-18T12:00:00Z'});
		server!.reply({status: 200, body: fixtureText('oauth-limits-2026-07.json')});
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 16 * MIN})).toMatchObject({action: 'refreshed'});
		const after = collect(ctx, T0 + 16 * MIN).report.accounts[0]!;
		expect(after).toMatchObject({stale: false, message: null});
		expect(after.windows.map(w => w.kind)).toEqual(['five_hour', 'seven_day', 'weekly:fable']);
	});

	it('a 429 without Retry-After backs off 5 minutes', async () => {
		const s = await setup({reply: {status: 429, body: '{}'}});
		const ctx = context(s);
		await refreshAccount(ctx, account(ctx), {now: T0});
		expect(getPollState(ctx.db, 'a', 'endpoint')?.nextAllowedMs).toBe(T0 + 5 * MIN);
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 4 * MIN})).toMatchObject({action: 'cooldown'});
		await refreshAccount(ctx, account(ctx), {now: T0 + 5 * MIN});
		expect(server!.requests).toHaveLength(2);
	});

	it('a 401 after good data: invalid_key beside the kept windows; an expired token: token_expired without a request or a spent slot', async () => {
		const s = await setup();
		const ctx = context(s);
		await refreshAccount(ctx, account(ctx), {now: T0});
		server!.reply({status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"OAuth token revoked"}}'});
		await refreshAccount(ctx, account(ctx), {now: T0 + 10 * MIN});
		const report = collect(ctx, T0 + 10 * MIN).report.accounts[0]!;
		expect(report).toMatchObject({status: 'invalid_key', stale: true, message: expect.stringContaining('OAuth token revoked')});
		expect(report.windows.map(w => w.utilization)).toEqual([0.22, 0.33, 0]);

		claudeDir(s.claude, {expiresAt: T0});
		const before = server!.requests.length;
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 20 * MIN})).toMatchObject({action: 'failed', requests: 0});
		expect(server!.requests).toHaveLength(before);
		expect(collect(ctx, T0 + 20 * MIN).report.accounts[0]).toMatchObject({status: 'token_expired', message: expect.stringContaining('open Claude Code')});
		expect(getPollState(ctx.db, 'a', 'endpoint')?.lastAttemptMs).toBe(T0 + 10 * MIN); // no slot spent at +20
	});

	it('the claude CLI is preferred; after it fails, the usage endpoint goes first next time', async () => {
		const s = await setup({fakes: true, fakeEnv: {FAKE_CLAUDE_MODE: 'error'}});
		const ctx = context(s);
		expect(await refreshAccount(ctx, account(ctx), {now: T0})).toMatchObject({action: 'failed', origin: 'claude-cli', requests: 1});
		expect(server!.requests).toHaveLength(0); // the budget was spent on the CLI
		expect(await refreshAccount(ctx, account(ctx), {now: T0 + 3 * MIN})).toMatchObject({action: 'refreshed', origin: 'oauth-usage'});
	});

	it('the claude CLI answers without any usage endpoint opt-in', async () => {
		const s = await setup({fakes: true, usageEndpoint: false, fakeEnv: {FAKE_CLAUDE_PAYLOAD: path.join(FIXTURES, 'get-usage-rate-limits.json')}});
		const ctx = context(s);
		expect(await refreshStale(ctx, {now: T0})).toMatchObject([{action: 'refreshed', origin: 'claude-cli', requests: 1}]);
		expect(latestSnapshot(ctx.db, 'a')?.windows.map(w => [w.kind, w.origin])).toEqual([['five_hour', 'claude-cli'], ['seven_day', 'claude-cli']]);
		expect(server!.requests).toHaveLength(0);
	});

	it('a partial source keeps what it does not report: model windows and extra usage survive a status-line update', async () => {
		const s = await setup({reply: {status: 200, body: JSON.stringify({...JSON.parse(fixtureText('oauth-live-max.json')), seven_day_sonnet: {utilization: 12, resets_at: '2026-04-24T16:00:00Z'}, extra_usage: {is_enabled: true, monthly_limit: 2000, used_credits: 520, currency: 'USD'}})}});
		const ctx = context(s);
		await refreshAccount(ctx, account(ctx), {now: T0});
		const at = new Date(T0 + 2 * MIN).toISOString();
		recordFresh(ctx.db, account(ctx), {ok: true, origin: 'statusline', observedAt: at, windows: [{kind: 'five_hour', utilization: 0.3, resetsAt: '2026-04-19T05:00:00Z', durationMs: 18_000_000, source: 'provider-detected', origin: 'statusline', observedAt: at}], partial: true, requested: false}, T0 + 2 * MIN);
		const report = collect(ctx, T0 + 2 * MIN).report.accounts[0]!;
		expect(report.windows.map(w => [w.kind, w.utilization, w.origin])).toEqual([
			['five_hour', 0.3, 'statusline'],
			['seven_day', 0.33, 'oauth-usage'],
			['seven_day_sonnet', 0.12, 'oauth-usage'],
			['extra_usage', 0.26, 'oauth-usage'],
		]);
		expect(report.extraUsage).toEqual({enabled: true, limitUsd: 20, usedUsd: 5.2, currency: 'USD'});
	});

	it('Codex: fresh rollout lines need no app-server call; old ones do', async () => {
		const home = tempDir('qt-rt-codex-');
		const codex = path.join(home, 'codex');
		const line = (at: string) => JSON.stringify({timestamp: at, type: 'event_msg', payload: {type: 'token_count', info: null, rate_limits: {limit_id: 'codex', primary: {used_percent: 12.5, window_minutes: 300, resets_at: T0 / 1000 + 3600}, secondary: {used_percent: 40, window_minutes: 10080, resets_at: T0 / 1000 + 86_400}}}});
		writeRollout(codex, '2026-04-18', 'a', [line('2026-04-18T11:55:00Z')]);
		const env = {QUOTA_TUI_HOME: home, PATH: childPath(true), HOME: home, ...fakeEnv({FAKE_LOG: path.join(home, 'fake.log'), FAKE_CODEX_PAYLOAD: path.join(FIXTURES, 'app-server-rate-limits.json')})};
		const setupCtx = openContext({env});
		setupCtx.configStore.addAccount({name: 'c', provider: 'codex', home: codex});
		setupCtx.close();
		const ctx = openContext({env});
		contexts.push(ctx);
		expect(await refreshAccount(ctx, ctx.accounts[0]!, {now: T0})).toMatchObject({action: 'refreshed', origin: 'codex-rollout', requests: 0});
		expect(await refreshAccount(ctx, ctx.accounts[0]!, {now: T0 + 30 * MIN})).toMatchObject({action: 'refreshed', origin: 'codex-app-server', requests: 1});
		expect(latestSnapshot(ctx.db, 'c')?.windows.find(w => w.kind === 'five_hour')).toMatchObject({utilization: 0.22, origin: 'codex-app-server'});
	});

	it('one process never runs two refreshes of an account at once', async () => {
		const s = await setup({reply: {hang: true}});
		const ctx = context(s);
		const first = refreshAccount(ctx, account(ctx), {now: T0});
		const second = refreshAccount(ctx, account(ctx), {now: T0});
		expect(second).toBe(first);
		await server!.close();
		server = undefined;
		await first;
	});
});

describe('poller and dashboard store', {timeout: 30_000}, () => {
	it('the dashboard polls on its own: new provider data reaches the snapshot; dispose stops it', async () => {
		const s = await setup();
		const ctx = openContext({env: {...s.env, QUOTA_TUI_NOW: '2026-04-18T12:00:00Z'}});
		const runtime = createAppRuntime(ctx);
		expect(runtime.getSnapshot().report.accounts[0]!.windows).toEqual([]);
		const off = runtime.subscribe(() => undefined);
		await expect.poll(() => runtime.getSnapshot().report.accounts[0]!.windows.length, {timeout: 5000}).toBe(3);
		expect(server!.requests).toHaveLength(1);
		off();
		runtime.dispose();
	});

	it('r: refreshNow ignores freshness but not the shared budget, and says so', async () => {
		const s = await setup();
		const ctx = context(s);
		const results: string[] = [];
		const poller = createPoller(ctx, {onResult: r => results.push(r.action)});
		await poller.refreshNow();
		await poller.refreshNow();
		expect(results).toEqual(['refreshed', 'cooldown']);
		expect(server!.requests).toHaveLength(1);
		poller.dispose();
		expect(await poller.refreshNow()).toEqual([]);
	});
});
