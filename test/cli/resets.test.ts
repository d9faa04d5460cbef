/**
 * Reset credits, weekly-only accounts, plans and pools through the CLI as a user and a script meet
 * them: the fake `codex app-server` on PATH serving credit rows and recording consume calls, a real
 * HTTP server for the ChatGPT reset-credit endpoint, real SQLite, a frozen clock.
 */
process.env.TZ = 'UTC';

import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {childPath, codexHome, FAKE_CHATGPT_TOKEN_SECRET, fakeEnv, startServer, tempDir, type TestServer} from '../helpers/providers.js';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const NOW = '2026-11-22T12:00:00Z';
const at = (hours: number) => new Date(Date.parse(NOW) + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const epoch = (hours: number) => Math.round((Date.parse(NOW) + hours * 3_600_000) / 1000);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Logged = {method: string; codexHome: string | null; params?: {idempotencyKey?: string; creditId?: string}};

/** A quota-tui home with one Codex account whose fake app-server serves `credits`. */
async function codexSetup(credits: unknown[], extra: string[] = []) {
	const home = tempHome();
	const dir = tempDir();
	const codex = codexHome(path.join(dir, '.codex'));
	const creditsFile = path.join(dir, 'credits.json');
	fs.writeFileSync(creditsFile, JSON.stringify({credits}));
	const log = path.join(dir, 'calls.jsonl');
	const env = fakeEnv({PATH: childPath(true), FAKE_LOG: log, FAKE_CODEX_CREDITS: creditsFile});
	expect((await runMain(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex, '--plan', 'plus', ...extra], {home, env})).code).toBe(0);
	const calls = (): Logged[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map(line => JSON.parse(line) as Logged) : []);
	const consumes = () => calls().filter(c => c.method === 'account/rateLimitResetCredit/consume');
	return {home, env, codex, creditsFile, calls, consumes};
}

const CREDITS = [
	{id: 'cr_later', resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-48), expiresAt: epoch(72), title: 'Thanks for trying Codex', description: null},
	{id: 'cr_soon', resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-48), expiresAt: epoch(20), title: null, description: null},
	{id: 'cr_expired', resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-200), expiresAt: epoch(-1), title: null, description: null},
	{id: 'cr_used', resetType: 'codexRateLimits', status: 'redeemed', grantedAt: epoch(-200), expiresAt: epoch(100), title: null, description: null},
];

describe('reset credits from codex app-server (issue 11 Done when)', {timeout: 60_000}, () => {
	it('status --json shows the Codex account\'s credits with their expiry; the text says how many and when the next lapses', async () => {
		const {home, env} = await codexSetup(CREDITS);
		const result = await runMain(['status', '--json'], {home, env, now: NOW});
		expect(result.code).toBe(0);
		const account = JSON.parse(result.stdout).accounts[0];
		expect(account.resets.map((r: {id: string; expiresAt: string; usableNow: boolean; lapsed: boolean; status: string; source: string; redeemable: boolean; kind: string}) => [r.id, r.expiresAt, r.status, r.usableNow, r.lapsed, r.redeemable, r.source, r.kind])).toEqual([
			['codex-cx-cr_expired', at(-1), 'expired', false, true, false, 'codex-app-server', 'both'],
			['codex-cx-cr_soon', at(20), 'available', true, false, true, 'codex-app-server', 'both'],
			['codex-cx-cr_later', at(72), 'available', true, false, true, 'codex-app-server', 'both'],
		]);
		// Plus = $20/month = $4.62/week; a reset gives back the week's usage (43 % now, more by its expiry at the
		// current burn rate) and the 5-hour window's (22 %).
		expect(account.resets[1].valueIfLapsedUsd).toBeGreaterThan((0.43 + 0.22 / 33.6) * 20 * 12 / 52);
		expect(account.resets[1].valueIfLapsedUsd).toBeLessThan(20 * 12 / 52);
		expect(account).toMatchObject({plan: 'plus', valueUsdPerMonth: 20, apiCredits: null, weeklyOnly: false, pool: null});
		const text = await runMain(['status'], {home, env, now: at(1)});
		expect(text.stdout).toMatch(/resets: 2 \(2 usable now\), next expires Mon 08:00 \(in 19h\) ≈ \$\d+\.\d\d if unused — quota-tui resets use/);
		expect(text.stdout).toContain('resets lapsed unused in the last 7 days: 1');
		const list = await runMain(['resets', 'list'], {home, env, now: at(1)});
		expect(list.stdout).toMatch(/codex-cx-cr_soon\s+1× 5-hour \+ weekly {2}usable now {2}expires Mon 08:00 \(in 19h\)/);
	});

	it('resets use --yes redeems exactly one credit (the soonest to lapse) with an idempotency key, records the decision, and the credit leaves the list', async () => {
		const {home, env, consumes} = await codexSetup(CREDITS);
		const used = await runMain(['resets', 'use', '--account', 'cx', '--yes', '--json'], {home, env, now: NOW});
		expect(used.code).toBe(0);
		const out = JSON.parse(used.stdout);
		expect(out).toMatchObject({verdict: 'redeemed', credit: {id: 'codex-cx-cr_soon', status: 'redeemed'}, decision: {kind: 'reset-credit', subject: 'cx', verdict: 'redeemed'}});
		expect(consumes()).toHaveLength(1);
		expect(consumes()[0]!.params).toEqual({idempotencyKey: out.idempotencyKey, creditId: 'cr_soon'});
		expect(out.idempotencyKey).toMatch(UUID);
		const status = JSON.parse((await runMain(['status', '--json'], {home, env, now: at(0.2)})).stdout);
		expect(status.decisions[0]).toMatchObject({kind: 'reset-credit', subject: 'cx', verdict: 'redeemed', inputs: {credit: 'codex-cx-cr_soon', idempotencyKey: out.idempotencyKey}});
		expect(status.accounts[0].resets.filter((r: {status: string}) => r.status === 'available').map((r: {id: string}) => r.id)).toEqual(['codex-cx-cr_later']);
	});

	it('asks y/n on a terminal; without a terminal it wants --yes; "n" redeems nothing', async () => {
		const {home, env, consumes} = await codexSetup(CREDITS);
		const script = await runMain(['resets', 'use', 'codex-cx-cr_later'], {home, env, now: NOW});
		expect(script).toMatchObject({code: 2, stderr: expect.stringContaining('pass --yes')});
		const no = await runMain(['resets', 'use', 'codex-cx-cr_later'], {home, env, now: NOW, tty: true, input: 'n\n'});
		expect(no.code).toBe(1);
		expect(no.stderr).toMatch(/Redeem reset credit codex-cx-cr_later of cx \(5-hour \+ weekly, expires Wed 12:00\)\? \[y\/N\] Not redeemed\./);
		expect(consumes()).toHaveLength(0);
		const yes = await runMain(['resets', 'use', 'codex-cx-cr_later'], {home, env, now: NOW, tty: true, input: 'y\n'});
		expect(yes.code).toBe(0);
		expect(consumes().map(c => c.params?.creditId)).toEqual(['cr_later']);
		// Lapsed, already redeemed or unknown: refused before anything is sent.
		expect((await runMain(['resets', 'use', 'codex-cx-cr_expired', '--yes'], {home, env, now: NOW})).stderr).toContain('is lapsed: it cannot be redeemed');
		expect((await runMain(['resets', 'use', 'codex-cx-cr_later', '--yes'], {home, env, now: NOW})).stderr).toContain('is redeemed: it cannot be redeemed');
		expect((await runMain(['resets', 'use', 'nope', '--yes'], {home, env, now: NOW})).code).toBe(2);
		expect(consumes()).toHaveLength(1);
	});

	it('a consume that fails leaves the credit available (decision "failed"); a lost answer is retried with the same key and uses no second credit', async () => {
		const {home, env, consumes} = await codexSetup(CREDITS);
		const failed = await runMain(['resets', 'use', 'codex-cx-cr_soon', '--yes', '--json'], {home, env: {...env, FAKE_CODEX_CONSUME: 'error'}, now: NOW});
		expect(failed.code).toBe(1);
		expect(JSON.parse(failed.stdout)).toMatchObject({verdict: 'failed', retryable: false, credit: {status: 'available'}, message: expect.stringContaining('reset credit service unavailable')});
		// The answer is lost after Codex redeemed it: the credit stays "redeeming" with its key…
		const lost = JSON.parse((await runMain(['resets', 'use', 'codex-cx-cr_soon', '--yes', '--json'], {home, env: {...env, FAKE_CODEX_CONSUME: 'lost'}, now: NOW})).stdout);
		expect(lost).toMatchObject({verdict: 'failed', retryable: true, credit: {status: 'redeeming'}});
		// …and "use" again retries the same attempt: Codex says alreadyRedeemed, nothing more is used.
		const retried = await runMain(['resets', 'use', 'codex-cx-cr_soon', '--yes', '--json'], {home, env, now: at(0.1)});
		expect(retried.code).toBe(0);
		expect(JSON.parse(retried.stdout)).toMatchObject({verdict: 'already-redeemed', idempotencyKey: lost.idempotencyKey, credit: {status: 'redeemed'}});
		const keys = consumes().map(c => c.params?.idempotencyKey);
		expect(keys).toHaveLength(3);
		expect(keys[1]).toBe(keys[2]);
		expect(keys[0]).not.toBe(keys[1]);
		const later = JSON.parse((await runMain(['status', '--json'], {home, env, now: at(0.3)})).stdout).accounts[0].resets;
		expect(later.find((r: {id: string}) => r.id === 'codex-cx-cr_later')).toMatchObject({status: 'available'});
		expect(JSON.parse((await runMain(['status', '--json'], {home, env, now: at(0.3)})).stdout).decisions.filter((d: {kind: string}) => d.kind === 'reset-credit').map((d: {verdict: string}) => d.verdict)).toEqual(['already-redeemed', 'failed', 'failed']);
	});

	it('policy.resetCredits = never: nothing is redeemed', async () => {
		const {home, env, consumes} = await codexSetup(CREDITS);
		expect((await runMain(['config', 'set', 'policy.resetCredits', 'never'], {home, env})).code).toBe(0);
		const r = await runMain(['resets', 'use', '--account', 'cx', '--yes'], {home, env, now: NOW});
		expect(r).toMatchObject({code: 2, stderr: expect.stringContaining('policy.resetCredits is "never"')});
		expect(consumes()).toHaveLength(0);
		expect((await runMain(['config', 'set', 'policy.resetCredits', 'sometimes'], {home, env})).code).toBe(2);
	});
});

describe('reset credits entered by hand; Claude resets', {timeout: 60_000}, () => {
	it('add, list, remove; a Claude reset is never redeemed by quota-tui (it says /limit-reset and records nothing)', async () => {
		const home = tempHome();
		const env = {PATH: childPath(false)};
		await runMain(['accounts', 'add', 'cl', '--provider', 'claude', '--config-dir', tempDir(), '--plan', 'max'], {home, env});
		const added = await runMain(['resets', 'add', '--account', 'cl', '--kind', 'seven_day', '--count', '2', '--expires-at', '2026-11-27T18:00:00+01:00', '--json'], {home, env, now: NOW});
		expect(added.code).toBe(0);
		expect(JSON.parse(added.stdout).added).toMatchObject({id: 'm1', account: 'cl', kind: 'seven_day', count: 2, expiresAt: '2026-11-27T18:00:00+01:00', source: 'manual', status: 'available'});
		const listed = JSON.parse((await runMain(['resets', 'list', '--json'], {home, env, now: NOW})).stdout);
		expect(listed.accounts[0].resets[0]).toMatchObject({id: 'm1', usableNow: true, redeemable: false, valueIfLapsedUsd: null, valueBasis: 'weekly usage unknown'});
		const use = await runMain(['resets', 'use', 'm1', '--yes'], {home, env, now: NOW});
		expect(use.code).toBe(1);
		expect(use.stderr).toContain('/limit-reset');
		expect(use.stderr).toContain('Nothing was recorded');
		expect(JSON.parse((await runMain(['status', '--json'], {home, env, now: NOW})).stdout).decisions).toEqual([]);
		for (const [args, message] of [
			[['--account', 'cl', '--kind', 'weekly', '--expires-at', '2026-11-27T18:00:00Z'], '--kind: expected five_hour, seven_day, both, model'],
			[['--account', 'cl', '--kind', 'seven_day'], '--expires-at: required'],
			[['--account', 'cl', '--kind', 'model', '--no-expiry'], '--model: required'],
			[['--account', 'cl', '--kind', 'both', '--expires-at', '2026-11-27T18:00:00'], 'WITH its offset'.toLowerCase().replace('with', 'with')],
			[['--account', 'nobody', '--kind', 'both', '--no-expiry'], 'no account named "nobody"'],
		] as const) {
			const r = await runMain(['resets', 'add', ...args], {home, env, now: NOW});
			expect(r.code).toBe(2);
			expect(r.stderr).toContain(message);
		}
		expect((await runMain(['resets', 'remove', 'm1'], {home, env, now: NOW})).stdout).toContain('Removed reset credit m1 of cl.');
		expect((await runMain(['resets', 'remove', 'm1'], {home, env, now: NOW})).code).toBe(2);
		expect((await runMain(['resets', '--help'], {home, env})).stdout).toContain('quota-tui resets use (ID | --account A) [--yes] [--json]');
	});
});

describe('the ChatGPT reset-credit endpoint (opt-in, same budget as wham/usage)', {timeout: 60_000}, () => {
	it('reads credits from QUOTA_TUI_CHATGPT_BASE_URL with the login\'s token, then not again within the budget', async () => {
		server = await startServer(request => request.url.endsWith('/wham/rate-limit-reset-credits')
			? {status: 200, body: JSON.stringify({available_count: 2, credits: [{id: 'rc_1', status: 'available', reset_type: 'codex_rate_limits', granted_at: '2026-11-20T10:00:00Z', expires_at: at(30)}]})}
			: {status: 200, body: JSON.stringify({plan_type: 'plus', rate_limit: {primary_window: {used_percent: 10, limit_window_seconds: 604800, reset_at: epoch(90)}}})});
		const home = tempHome();
		const codex = codexHome(path.join(tempDir(), '.codex'));
		// No codex executable on PATH: only the endpoints can tell.
		const env = {PATH: childPath(false), QUOTA_TUI_CHATGPT_BASE_URL: `${server.url}/backend-api`};
		await runMain(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex, '--usage-endpoint'], {home, env});
		const status = JSON.parse((await runMain(['status', '--json'], {home, env, now: NOW})).stdout);
		const credits = server.requests.filter(r => r.url === '/backend-api/wham/rate-limit-reset-credits');
		expect(credits).toHaveLength(1);
		expect(credits[0]!.headers['authorization']).toMatch(/^Bearer /);
		expect(credits[0]!.headers['chatgpt-account-id']).toBe('acct-1');
		// One row with an expiry, and the rest of the count (its expiry unknown).
		expect(status.accounts[0].resets.map((r: {id: string; count: number; expiresAt: string | null; source: string}) => [r.id, r.count, r.expiresAt, r.source])).toEqual([
			['codex-cx-rc_1', 1, at(30), 'chatgpt-endpoint'],
			['codex-cx-count', 1, null, 'chatgpt-endpoint'],
		]);
		await runMain(['status', '--json'], {home, env, now: at(0.1)});
		await runMain(['status', '--json'], {home, env, now: at(0.2)});
		expect(server.requests.filter(r => r.url.endsWith('/rate-limit-reset-credits'))).toHaveLength(1);
		// Never the token in what quota-tui stores or prints.
		expect(JSON.stringify(status)).not.toContain(FAKE_CHATGPT_TOKEN_SECRET);
	});
});
