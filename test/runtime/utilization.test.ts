process.env.TZ = 'UTC';
/**
 * The utilization report at run time against real files: manual windows recorded as observations,
 * burn rates from the manual series, retention, the dashboard's report, and the "use it or lose it"
 * notification once per window (a fake notify-send on PATH).
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {isoAt} from '../../source/engine/time.js';
import type {Budget} from '../../source/engine/types.js';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {collect} from '../../source/runtime/collect.js';
import {openContext, type Context} from '../../source/runtime/context.js';
import {historyFromDb, pruneHistory, recordManualWindow} from '../../source/runtime/history.js';
import {collectUtilization, createDashboardUtilization, notifyUseItOrLoseIt, useItOrLoseItKey, utilizationHousekeeping} from '../../source/runtime/utilization.js';
import {addJob} from '../../source/store/jobs.js';
import {recordWindowObservations, windowHistory} from '../../source/store/history.js';
import {sentNotification} from '../../source/store/notifications.js';
import {upsertBudget} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const contexts: Context[] = [];

afterEach(() => {
	for (const ctx of contexts.splice(0)) ctx.close();
});

function home(config: object, fakeNotifier = false): {dir: string; env: NodeJS.ProcessEnv; log: string} {
	const dir = tempHome('qt-util-');
	fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
	const bin = path.join(dir, 'bin');
	fs.mkdirSync(bin);
	const log = path.join(dir, 'notify.log');
	if (fakeNotifier) {
		fs.writeFileSync(path.join(bin, 'notify-send'), `#!/bin/sh\nfor a in "$@"; do printf '%s|' "$a" >> "${log}"; done\nprintf '\\n' >> "${log}"\n`);
		fs.chmodSync(path.join(bin, 'notify-send'), 0o755);
	}
	return {dir, env: {QUOTA_TUI_HOME: dir, PATH: bin}, log};
}

function open(env: NodeJS.ProcessEnv, now?: string, demo = false): Context {
	const ctx = openContext({env: {...env, ...(now ? {QUOTA_TUI_NOW: now} : {})}, demo});
	contexts.push(ctx);
	return ctx;
}

function manual(ctx: Context, account: string, window: 'five_hour' | 'seven_day', used: number, resetAt: string, now: number): void {
	const budget: Budget & {window: typeof window} = {scope: `account:${account}`, window, limit: 100, unit: 'percent', used, resetAt, source: 'user-entered', checkedAt: isoAt(now)};
	upsertBudget(ctx.db, budget);
	recordManualWindow(ctx, budget, now);
}

const calls = (log: string): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('manual windows in the history', () => {
	it('are observations (origin manual, user-entered) that give waste and burn rates', () => {
		const {env} = home({accounts: [{name: 'max', provider: 'manual', plan: 'max20'}]});
		const ctx = open(env);
		const t1 = Date.parse('2026-11-16T09:00:00Z');
		manual(ctx, 'max', 'seven_day', 40, '2026-11-16T09:00:00Z', t1 - HOUR);
		manual(ctx, 'max', 'seven_day', 70, '2026-11-23T09:00:00Z', t1 + 7 * DAY - HOUR);
		const rows = windowHistory(ctx.db, 'max');
		expect(rows.map(r => [r.stream, r.source, r.origin, r.utilization])).toEqual([['manual', 'user-entered', 'manual', 0.4], ['manual', 'user-entered', 'manual', 0.7]]);
		const report = collectUtilization(ctx, t1 + 7 * DAY + HOUR);
		expect(report.accounts[0]!.closedWeeks.map(w => w.wasteUsd)).toEqual([27.69, 13.85]);
		expect(report.estimatedWasteUsdPerWeek).toBe(20.77);
	});

	it('a manual kind takes its burn rate from the manual series, not the detected one', () => {
		const {env} = home({accounts: [{name: 'c', provider: 'claude', configDir: '/nowhere', plan: 'pro'}]});
		const ctx = open(env);
		const now = Date.parse('2026-11-23T12:00:00Z');
		const reset = '2026-11-23T14:00:00Z';
		recordWindowObservations(ctx.db, 'c', [{kind: 'five_hour', utilization: 0.9, resetsAt: reset, durationMs: 5 * HOUR, source: 'provider-detected', origin: 'statusline', observedAt: isoAt(now)}], now - 2 * HOUR, 'detected');
		manual(ctx, 'c', 'five_hour', 10, reset, now - HOUR);
		manual(ctx, 'c', 'five_hour', 30, reset, now);
		const history = historyFromDb(ctx, 'c', now, new Set(['five_hour']));
		expect(history['five_hour']!.map(s => s.utilization)).toEqual([0.1, 0.3]);
		expect(historyFromDb(ctx, 'c', now)['five_hour']!.map(s => s.utilization)).toEqual([0.9]);
	});
});

describe('retention', () => {
	it('prunes history older than history.retentionDays, at most once an hour unless forced', () => {
		const {env} = home({accounts: [{name: 'm', provider: 'manual'}], history: {retentionDays: 30}});
		const ctx = open(env);
		const now = Date.parse('2026-11-23T12:00:00Z');
		const w = {kind: 'seven_day' as const, resetsAt: '2026-10-01T00:00:00Z', durationMs: 7 * DAY, source: 'provider-detected' as const, origin: 'statusline' as const, observedAt: isoAt(now)};
		recordWindowObservations(ctx.db, 'm', [{...w, utilization: 0.1}], now - 40 * DAY, 'detected');
		recordWindowObservations(ctx.db, 'm', [{...w, utilization: 0.2}], now - 10 * DAY, 'detected');
		expect(pruneHistory(ctx, now)).toEqual({snapshots: 0, windows: 1, notifications: 0});
		recordWindowObservations(ctx.db, 'm', [{...w, utilization: 0.3}], now - 40 * DAY, 'detected');
		expect(pruneHistory(ctx, now + 10 * 60_000)).toBeNull();
		expect(pruneHistory(ctx, now + 10 * 60_000, true)).toMatchObject({windows: 1});
		expect(windowHistory(ctx.db, 'm').map(r => r.utilization)).toEqual([0.2]);
	});
});

describe('use it or lose it', () => {
	// A manual account whose week resets in 12 h at 40 %: 60 % would be left unused.
	const now = Date.parse('2026-11-29T21:00:00Z');
	const setUp = (mode: string) => {
		const {env, log} = home({accounts: [{name: 'max', provider: 'manual', plan: 'max20'}], autoUtilization: {mode}}, true);
		const ctx = open(env, isoAt(now));
		manual(ctx, 'max', 'seven_day', 40, '2026-11-30T09:00:00Z', now - 2 * DAY);
		return {env, log, ctx};
	};

	it('notifies once per window across processes in suggest mode', async () => {
		const {env, log, ctx} = setUp('suggest');
		const report = collectUtilization(ctx, now);
		// 40 % after 5 days (one entry, two days ago): at that pace 44.4 % at the reset, 55.6 % unused.
		expect(report.useItOrLoseIt).toEqual([{account: 'max', resetsAt: '2026-11-30T09:00:00Z', resetsInMs: 12 * HOUR, unused: 0.6, unusedAtReset: 0.5556, valueUsd: 25.64}]);
		const first = await notifyUseItOrLoseIt(ctx, report, now);
		expect(first.map(o => o.result)).toEqual([{sent: true, via: 'notify-send'}]);
		const other = open(env, isoAt(now + HOUR));
		const second = await notifyUseItOrLoseIt(other, collectUtilization(other, now + HOUR), now + HOUR);
		expect(second[0]!.result.sent).toBe(false);
		expect(calls(log)).toEqual(["--app-name=quota-tui|quota-tui: use it or lose it|max's week resets in 12h with 56% unused (~$25.64).|"]);
		expect(sentNotification(ctx.db, useItOrLoseItKey(report.useItOrLoseIt[0]!))?.via).toBe('notify-send');
	});

	it('auto mode notifies too; off mode and the demo never do', async () => {
		const auto = setUp('auto');
		expect((await notifyUseItOrLoseIt(auto.ctx, collectUtilization(auto.ctx, now), now))[0]!.result.sent).toBe(true);
		const off = setUp('off');
		expect(await notifyUseItOrLoseIt(off.ctx, collectUtilization(off.ctx, now), now)).toEqual([]);
		expect(calls(off.log)).toEqual([]);
		const demo = open(home({}, true).env, '2026-11-22T14:30:00Z', true);
		const demoReport = collectUtilization(demo, Date.parse('2026-11-22T14:30:00Z'));
		expect(demoReport.useItOrLoseIt.map(a => a.account)).toEqual(['demo-spare']);
		expect(await notifyUseItOrLoseIt(demo, demoReport, Date.parse('2026-11-22T14:30:00Z'))).toEqual([]);
	});

	it('the dashboard computes the report on every collect without side effects; housekeeping sends the notification', async () => {
		const {log, ctx} = setUp('suggest');
		const utilizationOf = createDashboardUtilization(ctx);
		const utilization = utilizationOf(collect(ctx, now), now);
		expect(utilization?.useItOrLoseIt).toHaveLength(1);
		// Reading sends nothing (issue 9: reading has no side effects) …
		await new Promise(resolve => setTimeout(resolve, 200));
		expect(calls(log)).toHaveLength(0);
		// … the dashboard's own tick does, once per window.
		utilizationHousekeeping(ctx, utilization, now);
		await expect.poll(() => calls(log).length).toBe(1);
		utilizationHousekeeping(ctx, utilization, now + 1000);
		// Later collects reuse the history read for a minute (fresh states, same closed windows); a
		// forced one (refresh) or a later one reads it again.
		manual(ctx, 'max', 'seven_day', 90, '2026-11-30T09:00:00Z', now + 1000);
		expect(utilizationOf(collect(ctx, now + 1000), now + 1000)?.useItOrLoseIt).toEqual([]);
		expect(utilizationOf(collect(ctx, now + 1000), now + 1000)?.accounts[0]!.sparkline.at(-1)).toBe(0.4);
		// The queue counts are read on every collect (audit S3): a job queued now shows at once.
		addJob(ctx.db, {id: 'q-1', title: 'Follow-up', prompt: 'p', cwd: '/tmp', severity: 'warning', createdAt: isoAt(now), source: 'backlog', kind: 'task', estimateUsd: 1.25}, now + 2000);
		expect(utilizationOf(collect(ctx, now + 2000), now + 2000)?.pending).toMatchObject({count: 1, estimateUsd: 1.25});
		expect(utilizationOf(collect(ctx, now + 2000), now + 2000, true)?.accounts[0]!.sparkline.at(-1)).toBe(0.9);
		expect(utilizationOf(collect(ctx, now + 61_000), now + 61_000)?.accounts[0]!.sparkline.at(-1)).toBe(0.9);
		await new Promise(resolve => setTimeout(resolve, 200));
		expect(calls(log)).toHaveLength(1);
	});
});

describe('the dashboard store', () => {
	it('carries the demo utilization report: four accounts, 28-point sparklines, one alert', () => {
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: tempHome(), QUOTA_TUI_NOW: '2026-11-22T14:30:00Z'}, demo: true}));
		const utilization = runtime.getSnapshot().utilization!;
		runtime.dispose();
		expect(utilization.accounts.map(a => [a.name, a.sparkline.length, a.closedWeeks.length])).toEqual([
			['demo-main', 28, 4], ['demo-team', 28, 4], ['demo-codex', 28, 4], ['demo-spare', 28, 4],
		]);
		expect(utilization.useItOrLoseIt.map(a => a.account)).toEqual(['demo-spare']);
		expect(utilization.accounts.find(a => a.name === 'demo-team')!.exhausts?.kind).toBe('five_hour');
		expect(utilization.estimatedWasteUsdPerWeek).toBe(15.14);
	});
});
