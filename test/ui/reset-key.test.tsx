/**
 * The dashboard's `u` key (issue 11, policy.resetCredits "ask"): the selected account's banked reset,
 * asked y/n, redeemed through the same runtime path as `quota-tui resets use` — here against the fake
 * `codex app-server` on PATH that records consume calls, with a real SQLite file.
 */
process.env.TZ = 'UTC';

import fs from 'node:fs';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {describe, expect, it} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {Dashboard} from '../../source/ui/app.js';
import {createTheme} from '../../source/ui/theme.js';
import {runMain, tempHome} from '../helpers/cli.js';
import {childPath, codexHome, fakeEnv, tempDir} from '../helpers/providers.js';
import {renderInTerminal, tick} from '../helpers/render.js';

const NOW = '2026-11-22T12:00:00Z';
const epoch = (hours: number) => Math.round((Date.parse(NOW) + hours * 3_600_000) / 1000);

async function setup(credits: unknown[], resetCredits = 'ask') {
	const home = tempHome();
	const dir = tempDir();
	const codex = codexHome(path.join(dir, '.codex'));
	const creditsFile = path.join(dir, 'credits.json');
	fs.writeFileSync(creditsFile, JSON.stringify({credits}));
	const log = path.join(dir, 'calls.jsonl');
	const env = fakeEnv({PATH: childPath(true), FAKE_LOG: log, FAKE_CODEX_CREDITS: creditsFile});
	expect((await runMain(['accounts', 'add', 'cx', '--provider', 'codex', '--home', codex, '--plan', 'plus'], {home, env})).code).toBe(0);
	expect((await runMain(['config', 'set', 'policy.resetCredits', resetCredits], {home, env})).code).toBe(0);
	// One status read stores the credits the fake app-server reports.
	expect((await runMain(['status', '--json'], {home, env, now: NOW})).code).toBe(0);
	const consumes = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map(line => JSON.parse(line) as {method: string; params?: {creditId?: string; idempotencyKey?: string}}) : [])
		.filter(call => call.method === 'account/rateLimitResetCredit/consume');
	const ctx = openContext({env: {...env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW}});
	return {ctx, consumes};
}

const CREDITS = [
	{id: 'cr_later', resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-48), expiresAt: epoch(72), title: null, description: null},
	{id: 'cr_soon', resetType: 'codexRateLimits', status: 'available', grantedAt: epoch(-48), expiresAt: epoch(20), title: null, description: null},
];

const plain = createTheme({isColor: false});
const screen = (frame: string) => stripVTControlCharacters(frame);

async function until(check: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 15_000;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await tick(20);
	}
}

describe('dashboard u: use a banked reset', {timeout: 60_000}, () => {
	it('u asks y/n naming the credit that lapses first; n redeems nothing; y redeems exactly that one and says so', async () => {
		const {ctx, consumes} = await setup(CREDITS);
		const runtime = createAppRuntime(ctx);
		const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, {columns: 120, rows: 30});
		try {
			expect(screen(result.lastFrame())).toContain('u use reset');
			await result.press('u');
			await until(() => screen(result.lastFrame()).includes('Use a banked reset of cx?'), 'the question');
			expect(screen(result.lastFrame())).toMatch(/Redeem reset credit codex-cx-cr_soon of cx \(5-hour \+ weekly, expires Mon 08:00\)\?/);
			await result.press('n');
			await tick(50);
			expect(screen(result.lastFrame())).not.toContain('Use a banked reset');
			expect(consumes()).toHaveLength(0);

			await result.press('u');
			await until(() => screen(result.lastFrame()).includes('Use a banked reset of cx?'), 'the question again');
			await result.press('y');
			await until(() => consumes().length === 1, 'the consume call');
			expect(consumes()[0]!.params).toMatchObject({creditId: 'cr_soon', idempotencyKey: expect.any(String)});
			await until(() => screen(result.lastFrame()).includes('Redeemed a reset credit of cx'), 'the notice');
		} finally {
			result.unmount();
			runtime.dispose();
		}
	});

	it('policy.resetCredits never: u says why and redeems nothing', async () => {
		const {ctx, consumes} = await setup(CREDITS, 'never');
		const runtime = createAppRuntime(ctx);
		const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, {columns: 120, rows: 30});
		try {
			await result.press('u');
			await until(() => screen(result.lastFrame()).includes('policy.resetCredits is "never"'), 'the refusal');
			expect(screen(result.lastFrame())).not.toContain('Use a banked reset');
			expect(consumes()).toHaveLength(0);
		} finally {
			result.unmount();
			runtime.dispose();
		}
	});
});
