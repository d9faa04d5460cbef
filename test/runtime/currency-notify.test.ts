process.env.TZ = 'UTC';
/**
 * Issue 11: the waste warning and reset credits about to lapse, from the auto tick of the dashboard and
 * `serve` (a real database and config in a temp home, a fake notify-send on PATH), and the waste ledger
 * of `utilization` counting lapsed credits.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {autoTick} from '../../source/runtime/auto.js';
import {openContext} from '../../source/runtime/context.js';
import {runCli, runJson, tempHome} from '../helpers/cli.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const H = 3_600_000;

function fakeNotifier(): {env: Record<string, string>; calls: () => string[][]} {
	const dir = tempHome('qt-notify-');
	const record = path.join(dir, 'calls.jsonl');
	const script = path.join(dir, 'record.mjs');
	fs.writeFileSync(script, "import fs from 'node:fs';\nfs.appendFileSync(process.env.FAKE_NOTIFY_RECORD, JSON.stringify(process.argv.slice(2)) + '\\n');\n");
	fs.writeFileSync(path.join(dir, 'notify-send'), `#!/bin/sh\nFAKE_NOTIFY_RECORD='${record}' exec '${process.execPath}' '${script}' "$@"\n`, {mode: 0o755});
	return {
		env: {PATH: `${dir}${path.delimiter}${process.env['PATH'] ?? ''}`},
		calls: () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as string[]) : []),
	};
}

/** An Ultra account ($200/month: $46.15 a week) whose week resets in 3 h with 58 % unused. */
function setup(): string {
	const home = tempHome();
	const ok = (args: string[], at = T0) => {
		const r = runCli(args, {home, now: iso(at)});
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
	};
	ok(['accounts', 'add', 'solo', '--provider', 'manual', '--plan', 'ultra']);
	ok(['config', 'set', 'autoUtilization.mode', 'suggest']);
	ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '42', '--reset-at', iso(T0 + 3 * H)], T0 - H);
	ok(['queue', 'add', '--title', 'Tidy the changelog', '--prompt', 'p', '--cwd', home, '--estimate-pct', '10%'], T0 - H);
	ok(['resets', 'add', '--account', 'solo', '--kind', 'seven_day', '--expires-at', iso(T0 + 20 * H)], T0 - H);
	ok(['resets', 'add', '--account', 'solo', '--kind', 'seven_day', '--expires-at', iso(T0 + 20 * H)], T0 - H);
	ok(['resets', 'add', '--account', 'solo', '--kind', 'seven_day', '--expires-at', iso(T0 - 2 * H)], T0 - 3 * H);
	return home;
}

describe('currency notifications (issue 11)', {timeout: 60_000}, () => {
	it('the waste warning names the queued work, once per reset; a reset credit about to lapse is notified once', async () => {
		const home = setup();
		const notifier = fakeNotifier();
		const env: NodeJS.ProcessEnv = {...process.env, QUOTA_TUI_HOME: home, TMUX: '', ...notifier.env};
		delete env['QUOTA_TUI_NOW'];
		const ctx = openContext({env});
		try {
			const first = await autoTick(ctx, T0);
			expect(first.currencyNotices?.map(n => [n.event, n.body])).toEqual([
				['waste-warning', 'solo\'s week resets in 3h with 58% unused (~$26.77); queued work that could use it: "Tidy the changelog" — run quota-tui auto-spend'],
				['reset-credit-expiring', expect.stringMatching(/^solo: reset credit m\d expires Mon 08:00 unused ≈ \$\d+\.\d\d — redeem it where it was granted$/)],
				['reset-credit-expiring', expect.stringMatching(/^solo: reset credit m\d expires Mon 08:00 unused/)],
			]);
			const shown = notifier.calls().filter(call => call[1] !== 'quota-tui: idle quota');
			expect(shown.map(call => call[1])).toEqual(['quota-tui: weekly quota about to go unused', 'quota-tui: reset credit about to lapse', 'quota-tui: reset credit about to lapse']);
			// Once: later ticks (and other processes) say nothing more about the same reset or credit.
			const again = await autoTick(ctx, T0 + 30 * 60_000);
			expect(again.currencyNotices).toEqual([]);
			expect(notifier.calls().filter(call => call[1] !== 'quota-tui: idle quota')).toHaveLength(3);
		} finally {
			ctx.close();
		}
	});

	it('utilization: "2 resets expire … unused ≈ $…", and a credit that lapsed unused is counted as waste', () => {
		const home = setup();
		const text = runCli(['utilization'], {home, now: iso(T0)}).stdout;
		expect(text).toMatch(/Reset credits: solo: 2 resets expire Mon 08:00 unused ≈ \$\d+\.\d\d/);
		expect(text).toMatch(/resets {5}1 lapsed unused in the last 7 days ≈ \$\d+\.\d\d \(counted as waste\)/);
		const json = runJson(['utilization', '--json'], {home, now: iso(T0)}).json;
		const ledger = json.accounts[0].resetCredits;
		expect(ledger).toMatchObject({lapsedCount: 1, lapsing: {count: 2}});
		expect(ledger.lapsedUsd).toBeGreaterThan(0);
		expect(json.resetCredits).toEqual({lapsedCount: 1, lapsedUsd: ledger.lapsedUsd, lapsing: [`solo: ${ledger.lapsing.sentence}`]});
		expect(json.estimatedWasteUsdPerWeek).toBeCloseTo((json.accounts[0].wasteUsdPerWeek ?? 0) + ledger.lapsedUsd, 2);
		expect(text).toContain(`of 1 reset credit lapsed unused)`);
	});
});
