/**
 * The detail views on the real built binary in a real tmux pane (issue 13 item 3): Enter on a weekly-
 * only (Ultra) account opens its view with weekly bars only — weekly, Opus and Fable — each with a
 * pace marker; a resize while the view is open redraws it without a stale line; Esc returns to the
 * list; D opens the decision log. Skipped where tmux is not installed.
 */
import {stripVTControlCharacters} from 'node:util';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {TmuxServer} from '../../scripts/lib/tmux.mjs';
import {openContext} from '../../source/runtime/context.js';
import {recordManualWindow} from '../../source/runtime/history.js';
import {recordDecision, upsertBudget} from '../../source/store/repositories.js';
import {CLI, ROOT, tempHome} from '../helpers/cli.js';
import {hasTmux} from '../helpers/tmux.js';

const NOW = '2026-11-22T14:30:00Z';
const TIMEOUT = 120_000;
const PACE = '│';

let server: TmuxServer;
beforeAll(() => {
	if (hasTmux) server = new TmuxServer(`qt-detail-${process.pid}`);
});
afterAll(() => {
	server?.kill();
});

/** An Ultra account (weekly, Opus and Fable weekly windows) first in the chain, a Pro account after it. */
function ultraHome(): string {
	const home = tempHome('qt-tmux-detail-');
	const now = Date.parse(NOW);
	const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW}});
	ctx.configStore.setKey('autoUtilization.notify', 'none');
	ctx.configStore.addAccount({name: 'ultra', provider: 'manual', plan: 'ultra', chainOrder: 1});
	ctx.configStore.addAccount({name: 'pro', provider: 'manual', plan: 'pro', chainOrder: 2});
	const windows = [
		['ultra', 'seven_day', 30, '2026-11-25T09:00:00Z'], ['ultra', 'seven_day_opus', 55, '2026-11-25T09:00:00Z'], ['ultra', 'weekly:fable', 20, '2026-11-26T09:00:00Z'],
		['pro', 'five_hour', 40, '2026-11-22T17:00:00Z'], ['pro', 'seven_day', 45, '2026-11-25T09:00:00Z'],
	] as const;
	for (const [account, window, used, resetAt] of windows) {
		const budget = {scope: `account:${account}`, window, limit: 100, unit: 'percent', used, resetAt, source: 'user-entered' as const, checkedAt: NOW};
		upsertBudget(ctx.db, budget);
		recordManualWindow(ctx, budget, now);
	}

	recordDecision(ctx.db, {at: NOW, kind: 'switch', subject: 'ultra', verdict: 'switched', reasons: ['chosen by hand for the test'], inputs: {}});
	ctx.close();
	return home;
}

const plain = (screen: string): string => stripVTControlCharacters(screen).split('\n').map(line => line.trimEnd()).join('\n').replace(/\n+$/, '');

describe.skipIf(!hasTmux)('detail views in tmux', () => {
	test('80×24: Enter on the Ultra account shows weekly bars only, each with a pace marker (weekly, Opus, Fable); a resize redraws it; Esc returns; D opens the decisions', async () => {
		const home = ultraHome();
		const name = 'ultra';
		await server.start(name, {cols: 80, rows: 24, cwd: ROOT, env: {QUOTA_TUI_HOME: home, HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', LANG: 'C.UTF-8'}, argv: [process.execPath, CLI]});
		await server.waitStable(name, {accept: screen => screen.includes('q quit') && screen.includes('ultra'), timeoutMs: 60_000});
		// The selection starts on the active account, else the first: move to the top to be sure.
		await server.sendKeys(name, 'k', 'k', 'Enter');
		const view = plain(await server.waitStable(name, {accept: screen => screen.includes('account ultra'), timeoutMs: 30_000}));
		const lines = view.split('\n');
		expect(lines.some(line => line.startsWith('5-hour'))).toBe(false);
		const bars = lines.filter(line => /^weekly( Opus| Fable)? +\S/.test(line));
		expect(bars.map(line => line.split(/ {2,}/)[0])).toEqual(['weekly', 'weekly Opus', 'weekly Fable']);
		for (const bar of bars) expect(bar).toContain(PACE);
		expect(view).toContain('weekly only');
		expect(lines.length).toBeLessThanOrEqual(24);

		await server.run(['resize-window', '-t', name, '-x', '100', '-y', '30']);
		const wide = plain(await server.waitStable(name, {accept: screen => screen.split('\n').some(line => line.trimEnd().length > 80) && screen.includes('account ultra'), timeoutMs: 30_000}));
		expect(wide.split('\n').filter(line => line.startsWith('account ultra'))).toHaveLength(1);
		expect(wide.split('\n').filter(line => line.startsWith('quota-tui  '))).toHaveLength(1);

		await server.sendKeys(name, 'Escape');
		const list = plain(await server.waitStable(name, {accept: screen => !screen.includes('account ultra') && screen.includes('q quit'), timeoutMs: 30_000}));
		expect(list).toMatch(/NAME|ACCOUNT/);

		await server.sendKeys(name, 'D');
		const log = plain(await server.waitStable(name, {accept: screen => screen.includes('decisions ·'), timeoutMs: 30_000}));
		expect(log).toContain('chosen by hand for the test');
		await server.killSession(name);
	}, TIMEOUT);
});
