/**
 * Audit D2: time moves forward only as far as now. One run with a clock far ahead must not freeze an
 * account: the next read at the real time records the new numbers, fresh. Real parts: the built CLI,
 * a real HTTP server for the OAuth usage endpoint, the status-line hook, rollout files.
 */
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli, tempHome} from '../helpers/cli.js';
import {claudeDir, codexHome, json, runCliAsync, startServer, tempDir, writeRollout, type TestServer} from '../helpers/providers.js';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const usageBody = (five: number, seven: number, base = Date.now()) => JSON.stringify({
	five_hour: {utilization: five, resets_at: iso(base + 2 * 3_600_000)},
	seven_day: {utilization: seven, resets_at: iso(base + 3 * 86_400_000)},
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
const utilizations = (account: any) => account.windows.map((w: {utilization: number}) => w.utilization);

describe('time moves forward only as far as now (D2)', {timeout: 90_000}, () => {
	it('after one QUOTA_TUI_NOW run a year ahead, the next real-time read shows the new numbers, fresh', async () => {
		const yearAhead = Date.now() + 365 * 86_400_000;
		server = await startServer({status: 200, body: usageBody(22, 33, yearAhead)});
		const home = tempHome();
		const claude = claudeDir(path.join(tempDir(), '.claude'), {expiresAt: Date.now() + 800 * 86_400_000});
		const env = {QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, HOME: path.dirname(claude)};
		expect(runCli(['accounts', 'add', 's', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home}).code).toBe(0);
		const ahead = json(await runCliAsync(['status', '--json'], {home, env, now: iso(yearAhead)}));
		expect(utilizations(ahead.accounts[0])).toEqual([0.22, 0.33]);

		server.reply({status: 200, body: usageBody(55, 66)});
		const real = json(await runCliAsync(['status', '--json'], {home, env}));
		expect(server.requests).toHaveLength(2);
		expect(real.accounts[0]).toMatchObject({stale: false});
		expect(utilizations(real.accounts[0])).toEqual([0.55, 0.66]);
		expect(real.accounts[0].windows.every((w: {stale: boolean; observedAt: string}) => !w.stale && Date.parse(w.observedAt) <= Date.now())).toBe(true);
		// And it is fresh data now: the next run within the freshness bound asks nothing.
		json(await runCliAsync(['status', '--json'], {home, env}));
		expect(server.requests).toHaveLength(2);
	});

	it('data stamped in the future shows as stale, not "0 s old and fresh"', async () => {
		server = await startServer({status: 200, body: usageBody(22, 33, Date.parse('2027-06-01T00:00:00Z'))});
		const home = tempHome();
		const claude = claudeDir(path.join(tempDir(), '.claude'));
		const env = {QUOTA_TUI_ANTHROPIC_BASE_URL: server.url, HOME: path.dirname(claude)};
		expect(runCli(['accounts', 'add', 's', '--provider', 'claude', '--config-dir', claude, '--usage-endpoint'], {home}).code).toBe(0);
		json(await runCliAsync(['status', '--json'], {home, env, now: '2027-06-01T00:00:00Z'}));
		server.reply({status: 500, body: 'down'});
		// A day earlier (the clock was corrected) and the endpoint failing: the old numbers, stale.
		const earlier = json(await runCliAsync(['status', '--json'], {home, env, now: '2027-05-31T00:00:00Z'}));
		expect(server.requests).toHaveLength(2);
		expect(earlier.accounts[0]).toMatchObject({stale: true});
		expect(earlier.accounts[0].windows[0]).toMatchObject({utilization: 0.22, stale: true});
	});

	it('status line: one hook run a day ahead, then a real feed: the real values show, fresh', () => {
		const home = tempHome();
		const user = tempDir('qt-user-');
		const work = claudeDir(path.join(user, '.claude-work'));
		expect(runCli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', work], {home}).code).toBe(0);
		const feed = (five: number, seven: number, at: number) => JSON.stringify({rate_limits: {
			five_hour: {used_percentage: five, resets_at: Math.round(at / 1000) + 3600},
			seven_day: {used_percentage: seven, resets_at: Math.round(at / 1000) + 3 * 86_400},
		}});
		const now = Date.parse('2026-11-22T12:00:00Z');
		const dayAhead = now + 86_400_000;
		expect(runCli(['statusline'], {home, now: iso(dayAhead), input: feed(10, 20, dayAhead), env: {CLAUDE_CONFIG_DIR: work, HOME: user}}).code).toBe(0);
		const real = runCli(['statusline'], {home, now: iso(now), input: feed(77, 88, now), env: {CLAUDE_CONFIG_DIR: work, HOME: user}});
		expect(real.stdout).toBe('5h 77% ↺1h · 7d 88% ↺3d\n');
		const status = JSON.parse(runCli(['status', '--json'], {home, now: iso(now + 60_000), env: {HOME: user}}).stdout);
		expect(status.accounts[0]).toMatchObject({stale: false, ageMs: 60_000});
		expect(utilizations(status.accounts[0])).toEqual([0.77, 0.88]);
	});

	it('a rollout line dated 2096 is ignored with a warning; the newest real line wins', () => {
		const home = tempHome();
		const codex = codexHome(path.join(tempDir(), '.codex'));
		const now = Date.parse('2026-11-22T12:00:00Z');
		const line = (at: string, five: number, seven: number) => JSON.stringify({timestamp: at, type: 'event_msg', payload: {type: 'token_count', rate_limits: {
			limit_id: 'codex',
			primary: {used_percent: five, window_minutes: 300, resets_at: Math.round(now / 1000) + 3600},
			secondary: {used_percent: seven, window_minutes: 10080, resets_at: Math.round(now / 1000) + 86_400},
		}}});
		writeRollout(codex, '2026-11-22', 'a', [line('2026-11-22T11:59:00Z', 12.5, 40), line('2096-01-01T00:00:00Z', 99, 99)], '2026-11-22T11:59:30Z');
		expect(runCli(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex], {home}).code).toBe(0);
		const status = JSON.parse(runCli(['status', '--json'], {home, now: iso(now), env: {PATH: '/usr/bin:/bin'}}).stdout);
		expect(utilizations(status.accounts[0])).toEqual([0.125, 0.4]);
		expect(status.accounts[0].windows[0].observedAt).toBe('2026-11-22T11:59:00Z');
		expect(status.accounts[0].message).toBe('ignored 1 rollout line stamped ahead of now (latest 2096-01-01T00:00:00Z, more than 2 min ahead)');
	});
});
