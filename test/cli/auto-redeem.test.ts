/**
 * policy.resetCredits (issue 11) through the faces a user touches: `auto-spend` (the same step the
 * dashboard's and `serve`'s auto tick take) redeems a Codex credit through the fake `codex app-server`
 * only when the account is exhausted, work is queued for it and the credit lapses before the natural
 * reset — exactly one consume call, with an idempotency key, recorded as a decision.
 */
process.env.TZ = 'UTC';

import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {childPath, codexHome, fakeEnv, tempDir} from '../helpers/providers.js';

const NOW = '2026-11-22T12:00:00Z';
const at = (hours: number) => new Date(Date.parse(NOW) + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const epoch = (hours: number) => Math.round((Date.parse(NOW) + hours * 3_600_000) / 1000);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Logged = {method: string; params?: {idempotencyKey?: string; creditId?: string}};
type Run = Awaited<ReturnType<typeof runMain>>;
const ok = (r: Run) => {
	expect(r.stderr).toBe('');
	expect(r.code).toBe(0);
	return r;
};
const parsed = (r: Run) => JSON.parse(ok(r).stdout);

/** One Codex account, 5-hour window exhausted until +3 h, and its credits served by the fake app-server. */
async function exhaustedCodex(credits: unknown[]) {
	const home = tempHome();
	const dir = tempDir();
	const payload = path.join(dir, 'payload.json');
	fs.writeFileSync(payload, JSON.stringify({rateLimits: {limitId: 'codex', primary: {usedPercent: 100, windowDurationMins: 300, resetsAt: epoch(3)}, secondary: {usedPercent: 60, windowDurationMins: 10080, resetsAt: epoch(100)}, planType: 'plus'}, rateLimitsByLimitId: null}));
	const creditsFile = path.join(dir, 'credits.json');
	fs.writeFileSync(creditsFile, JSON.stringify({credits}));
	const log = path.join(dir, 'calls.jsonl');
	// FAKE_CODEX_CONSUME_RESETS: a redeemed credit resets the windows the fake serves (as Codex does).
	const env = fakeEnv({PATH: childPath(true), FAKE_LOG: log, FAKE_CODEX_PAYLOAD: payload, FAKE_CODEX_CREDITS: creditsFile, FAKE_CODEX_CONSUME_RESETS: '1'});
	ok(await runMain(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codexHome(path.join(dir, '.codex')), '--plan', 'plus'], {home, env}));
	// Queued work for it that auto-spend does not run by itself here (its source is not an auto source).
	ok(await runMain(['config', 'set', 'autoUtilization.sources', '["fleet"]'], {home, env}));
	ok(await runMain(['queue', 'add', '--title', 'Follow-up', '--prompt', 'p', '--cwd', home, '--estimate-pct', '10%', '--provider', 'codex'], {home, env, now: at(-1)}));
	ok(await runMain(['status', '--json'], {home, env, now: NOW}));
	const calls = (): Logged[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map(line => JSON.parse(line) as Logged) : []);
	const consumes = () => calls().filter(c => c.method === 'account/rateLimitResetCredit/consume');
	return {home, env, consumes};
}

const credit = (id: string, expiresHours: number) => ({id, resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-48), expiresAt: epoch(expiresHours), title: null, description: null});

describe('policy.resetCredits auto (issue 11 Done when)', {timeout: 90_000}, () => {
	it('an exhausted account with queued work and a credit lapsing before the reset redeems exactly one credit, with an idempotency key, recorded', async () => {
		const {home, env, consumes} = await exhaustedCodex([credit('cr_later', 72), credit('cr_soon', 2)]);
		// ask (the default): nothing is redeemed automatically.
		expect(parsed(await runMain(['auto-spend', '--json'], {home, env, now: NOW})).redemptions).toEqual([]);
		expect(consumes()).toHaveLength(0);
		ok(await runMain(['config', 'set', 'policy.resetCredits', 'auto'], {home, env}));
		// A dry run says which credit it would redeem and redeems none.
		const dry = parsed(await runMain(['auto-spend', '--dry-run', '--json'], {home, env, now: NOW}));
		expect(dry.redemptions).toEqual([{account: 'cx', credit: 'codex-cx-cr_soon', verdict: 'would-redeem', message: null, idempotencyKey: null, reasons: [
			'cx is exhausted (5-hour 100%) with 1 job queued for it',
			`codex-cx-cr_soon lapses at ${at(2)}, before the natural reset at ${at(3)}: used now rather than lost (policy.resetCredits auto)`,
		]}]);
		expect(consumes()).toHaveLength(0);

		const run = parsed(await runMain(['auto-spend', '--json'], {home, env, now: NOW}));
		expect(run.redemptions).toEqual([expect.objectContaining({account: 'cx', credit: 'codex-cx-cr_soon', verdict: 'redeemed', idempotencyKey: expect.stringMatching(UUID)})]);
		expect(consumes()).toEqual([expect.objectContaining({params: {idempotencyKey: run.redemptions[0].idempotencyKey, creditId: 'cr_soon'}})]);
		// The account was read again: its windows are reset, and the decision is recorded.
		const status = parsed(await runMain(['status', '--json'], {home, env, now: at(0.1)}));
		expect(status.accounts[0].windows.find((w: {kind: string}) => w.kind === 'five_hour').utilization).toBe(0);
		expect(status.accounts[0].resets.map((r: {id: string; status: string}) => [r.id, r.status])).toEqual([['codex-cx-cr_soon', 'redeemed'], ['codex-cx-cr_later', 'available']]);
		expect(status.decisions).toContainEqual(expect.objectContaining({kind: 'reset-credit', subject: 'cx', verdict: 'redeemed', reasons: expect.arrayContaining([expect.stringMatching(/^automatic \(policy.resetCredits auto\): cx is exhausted/)])}));
		// The next ticks redeem nothing more: the account has headroom again.
		for (const hours of [0.2, 0.3]) expect(parsed(await runMain(['auto-spend', '--json'], {home, env, now: at(hours)})).redemptions).toEqual([]);
		expect(consumes()).toHaveLength(1);
	});

	it('a credit that outlives the natural reset waits; no queued work or another account with headroom: nothing is redeemed', async () => {
		const {home, env, consumes} = await exhaustedCodex([credit('cr_later', 72)]);
		ok(await runMain(['config', 'set', 'policy.resetCredits', 'auto'], {home, env}));
		expect(parsed(await runMain(['auto-spend', '--json'], {home, env, now: NOW})).redemptions).toEqual([]);
		expect(consumes()).toHaveLength(0);
	});

	it('selection ranks included headroom first, then a reset credit that would otherwise lapse, then nothing (no extra usage here)', async () => {
		const {home, env} = await exhaustedCodex([credit('cr_later', 72), credit('cr_soon', 2)]);
		ok(await runMain(['accounts', 'add', 'm', '--provider', 'manual'], {home, env}));
		ok(await runMain(['budget', 'set', '--scope', 'account:m', '--window', 'seven_day', '--used', '20', '--reset-at', at(50)], {home, env, now: NOW}));
		const first = JSON.parse((await runMain(['recommend', '--json'], {home, env, now: NOW})).stdout);
		expect(first.account).toBe('m');
		ok(await runMain(['budget', 'set', '--scope', 'account:m', '--window', 'seven_day', '--used', '100', '--reset-at', at(50)], {home, env, now: NOW}));
		const r = await runMain(['recommend', '--json'], {home, env, now: NOW});
		const rec = JSON.parse(r.stdout);
		expect(r.code).toBe(0);
		expect(rec.account).toBe('cx');
		expect(rec.reason).toBe(`cx is exhausted, but its reset credit codex-cx-cr_soon lapses at ${at(2)}, before the natural reset at ${at(3)}: use it (quota-tui resets use codex-cx-cr_soon) before paying for extra usage`);
		// never: no credit is considered.
		ok(await runMain(['config', 'set', 'policy.resetCredits', 'never'], {home, env}));
		expect(JSON.parse((await runMain(['recommend', '--json'], {home, env, now: NOW})).stdout).account).toBeNull();
	});
});
