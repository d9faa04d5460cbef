process.env.TZ = 'UTC';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {claudePlan, claudePlanMapping, codexPlan, codexPlanMapping, discoverAccounts, nameFrom} from '../../source/providers/discover.js';
import {fetchWhamUsage, whamUrl} from '../../source/providers/wham-usage.js';
import {claudeDir, codexHome, FAKE_CHATGPT_TOKEN_SECRET, FAKE_TOKEN, fixtureText, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = Date.parse('2025-12-28T12:00:00Z');
let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

describe('wham/usage against a real HTTP server', () => {
	it('windows by limit_window_seconds, the additional model limit, the request headers', async () => {
		server = await startServer({status: 200, body: fixtureText('wham-usage.json')});
		const home = codexHome(tempDir(), {accountId: 'acct-42'});
		const outcome = await fetchWhamUsage({home, now: NOW, baseUrl: `${server.url}/backend-api`});
		expect(outcome).toMatchObject({ok: true, origin: 'wham-usage', plan: 'pro', partial: false, requested: true});
		if (!outcome.ok) return;
		expect(Object.fromEntries(outcome.windows.map(w => [w.kind, [w.utilization, w.resetsAt]]))).toEqual({
			five_hour: [0.22, '2025-12-28T18:54:28Z'],
			seven_day: [0.43, '2026-01-03T02:38:34Z'],
			'custom:gpt-5.3-codex-spark-5h': [0.3, '2025-12-28T18:54:28Z'],
			'weekly:gpt-5.3-codex-spark': [1, '2026-01-03T02:38:34Z'],
		});
		const [request] = server.requests;
		expect(request!.url).toBe('/backend-api/wham/usage');
		expect(request!.headers['chatgpt-account-id']).toBe('acct-42');
		expect(request!.headers['authorization']).toMatch(/^Bearer ey/);
	});

	it('a free plan reports only a weekly window, in primary', async () => {
		server = await startServer({status: 200, body: fixtureText('wham-free-weekly-only.json')});
		const outcome = await fetchWhamUsage({home: codexHome(tempDir()), now: NOW, baseUrl: `${server.url}/backend-api`});
		expect(outcome.ok && outcome.windows.map(w => [w.kind, w.utilization])).toEqual([['seven_day', 0.64]]);
	});

	it('401/403 → invalid_key, 429 → rate-limited with Retry-After, 5xx → unreachable, an expired JWT → no request', async () => {
		server = await startServer({status: 401, body: '{"detail":"Unauthorized"}'});
		const home = codexHome(tempDir());
		const base = `${server.url}/backend-api`;
		expect(await fetchWhamUsage({home, now: NOW, baseUrl: base})).toMatchObject({ok: false, status: 'invalid_key', message: expect.stringContaining('run codex login')});
		server.reply({status: 429, headers: {'retry-after': '90'}, body: '{}'});
		expect(await fetchWhamUsage({home, now: NOW, baseUrl: base})).toMatchObject({ok: false, rateLimited: true, retryAfterMs: 90_000});
		server.reply({status: 502, body: 'bad gateway'});
		expect(await fetchWhamUsage({home, now: NOW, baseUrl: base})).toMatchObject({ok: false, status: 'unreachable'});
		const count = server.requests.length;
		const expired = codexHome(tempDir(), {exp: NOW / 1000 - 60});
		expect(await fetchWhamUsage({home: expired, now: NOW, baseUrl: base})).toMatchObject({ok: false, status: 'token_expired', requested: false});
		expect(server.requests).toHaveLength(count);
	});

	it('Codex path styles: /backend-api/wham/usage, else /api/codex/usage', () => {
		expect(whamUrl(undefined)).toBe('https://chatgpt.com/backend-api/wham/usage');
		expect(whamUrl('https://chatgpt.com')).toBe('https://chatgpt.com/backend-api/wham/usage');
		expect(whamUrl('http://127.0.0.1:9/backend-api/')).toBe('http://127.0.0.1:9/backend-api/wham/usage');
		expect(whamUrl('http://127.0.0.1:9')).toBe('http://127.0.0.1:9/api/codex/usage');
	});
});

describe('accounts discovery', () => {
	function machine() {
		const home = tempDir('qt-disc-home-');
		claudeDir(path.join(home, '.claude'), {subscriptionType: 'pro', rateLimitTier: 'claude_pro'});
		// The default dir's identity lives in ~/.claude.json.
		fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify({oauthAccount: {emailAddress: 'Alice.Smith@example.com'}}));
		claudeDir(path.join(home, '.claude-work'), {email: 'alice.smith@corp.example', subscriptionType: 'max', rateLimitTier: 'default_claude_max_20x'});
		fs.mkdirSync(path.join(home, '.claude-empty')); // not a Claude dir: nothing in it
		fs.writeFileSync(path.join(home, '.claude-notes'), 'a file, not a dir');
		codexHome(path.join(home, '.codex'), {email: 'alice@example.com', plan: 'prolite'});
		return home;
	}

	it('finds ~/.claude, ~/.claude-*, ~/.codex with names, emails and plans; never a token', () => {
		const home = machine();
		const found = discoverAccounts({env: {HOME: home}, homeDir: home});
		expect(found.map(a => [a.name, a.provider, path.basename(a.dir), a.email, a.plan, a.foundBy])).toEqual([
			['claude-alice.smith', 'claude', '.claude', 'Alice.Smith@example.com', 'pro', '~/.claude'],
			['claude-alice.smith-corp', 'claude', '.claude-work', 'alice.smith@corp.example', 'ultra', '~/.claude-work'],
			['codex-alice', 'codex', '.codex', 'alice@example.com', 'pro-lite', '~/.codex'],
		]);
		const text = JSON.stringify(found);
		expect(text).not.toContain(FAKE_TOKEN);
		expect(text).not.toContain(FAKE_CHATGPT_TOKEN_SECRET);
	});

	it('$CLAUDE_CONFIG_DIR and $CODEX_HOME elsewhere; a symlink to a known dir is one account; configured dirs are named as configured', () => {
		const home = machine();
		const elsewhere = claudeDir(path.join(tempDir(), 'team-claude'), {subscriptionType: 'team', rateLimitTier: 'default_claude_ai'});
		const codexElsewhere = codexHome(path.join(tempDir(), 'codex-ci'), {email: 'ci@example.com', plan: 'business'});
		fs.symlinkSync(path.join(home, '.claude-work'), path.join(home, '.claude-link'));
		const found = discoverAccounts({
			env: {HOME: home, CLAUDE_CONFIG_DIR: elsewhere, CODEX_HOME: codexElsewhere},
			homeDir: home,
			existing: [{name: 'work', provider: 'claude', configDir: path.join(home, '.claude-work')}],
		});
		expect(found.map(a => [a.name, a.foundBy, a.configuredAs, a.plan])).toEqual([
			['claude-team-claude', '$CLAUDE_CONFIG_DIR', null, 'team'],
			['claude-alice.smith', '~/.claude', null, 'pro'],
			['work', '~/.claude-link', 'work', 'ultra'],
			['codex-ci', '$CODEX_HOME', null, 'business'],
			['codex-alice', '~/.codex', null, 'pro-lite'],
		]);
	});

	it('unreadable identity files are notes naming the file, not failures', () => {
		const home = tempDir();
		const dir = claudeDir(path.join(home, '.claude-x'));
		fs.writeFileSync(path.join(dir, '.claude.json'), '{oops');
		const [found] = discoverAccounts({env: {HOME: home}, homeDir: home});
		expect(found).toMatchObject({name: 'claude-x', email: null, plan: 'ultra'});
		expect(found!.notes).toEqual([`${path.join(dir, '.claude.json')} is not valid JSON`]);
	});

	it('plans: the mapping table of the README (subscriptionType / rateLimitTier / plan_type → plan id)', () => {
		const claude: Array<[string | undefined, string | undefined, string | null, boolean]> = [
			['pro', 'default_claude_ai', 'pro', false],
			['pro', 'claude_pro', 'pro', false],
			['max', 'default_claude_max_5x', 'max', false],
			['max', 'default_claude_max_20x', 'ultra', false],
			['ultra', undefined, 'ultra', false],
			['ultra', 'default_claude_ultra', 'ultra', false],
			['team', 'default_claude_ai', 'team', false],
			['team', 'default_claude_team_premium', 'team-premium', false],
			['enterprise', undefined, 'enterprise', false],
			[undefined, undefined, null, false],
			// Never a guess: unknown strings are kept verbatim, with a warning.
			['max', undefined, null, true],
			['max', 'default_claude_max_50x', 'default_claude_max_50x', true],
			['galaxy', 'default_claude_ai', 'galaxy', true],
		];
		for (const [sub, tier, plan, warns] of claude) {
			const mapped = claudePlanMapping(sub, tier);
			expect([sub, tier, mapped.plan, mapped.warning !== null]).toEqual([sub, tier, plan, warns]);
		}
		expect(claudePlanMapping('galaxy', undefined).warning).toMatch(/unknown subscriptionType "galaxy": plan value unknown/);
		expect(claudePlan('max', 'default_claude_max_5x')).toBe('max');
		const chatgpt: Array<[string, string, boolean]> = [
			['free', 'free', false], ['go', 'go', false], ['plus', 'plus', false], ['pro', 'pro', false], ['prolite', 'pro-lite', false],
			['team', 'business', false], ['business', 'business', false], ['edu_plus', 'edu_plus', true], ['promax', 'promax', true],
		];
		for (const [planType, plan, warns] of chatgpt) {
			const mapped = codexPlanMapping(planType);
			expect([planType, mapped.plan, mapped.warning !== null]).toEqual([planType, plan, warns]);
		}
		expect(codexPlan('pro')).toBe('pro');
		expect(nameFrom('+++')).toBeUndefined();
		expect(nameFrom('Bob O\'Neil')).toBe('bob-o-neil');
	});
});
