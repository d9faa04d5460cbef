process.env.TZ = 'UTC';
import {describe, expect, it} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {createQueueControls} from '../../source/runtime/queue-controls.js';
import {switchAccount} from '../../source/runtime/switch.js';
import {recordManualWindow} from '../../source/runtime/history.js';
import {addJob} from '../../source/store/jobs.js';
import {upsertBudget} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

const FROZEN = {QUOTA_TUI_NOW: '2026-11-22T14:30:00Z'};

describe('app store', () => {
	it('keeps the same snapshot object until something changed', () => {
		const home = tempHome();
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: home, ...FROZEN}, demo: true}));
		const first = runtime.getSnapshot();
		expect(first.report.demo).toBe(true);
		expect(runtime.getSnapshot()).toBe(first);
		runtime.dispose();
	});

	it('switchTo records the decision and shows the outcome in the header data and the notice', async () => {
		const home = tempHome();
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: home, ...FROZEN}, demo: true}));
		const seen: string[] = [];
		const off = runtime.subscribe(() => seen.push(runtime.getSnapshot().notice?.text ?? ''));
		runtime.switchTo('demo-team');
		await expect.poll(() => runtime.getSnapshot().report.active).toBe('demo-team');
		const snapshot = runtime.getSnapshot();
		expect(snapshot.notice?.text).toMatch(/^Switched to demo-team \(/);
		expect(snapshot.notice?.text).not.toContain('demo-team: ');
		expect(snapshot.report.decisions[0]).toMatchObject({kind: 'switch', subject: 'demo-team'});
		off();
		runtime.dispose();
	});

	it('a switch to an unknown account is a notice, not a crash', async () => {
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: tempHome(), ...FROZEN}, demo: true}));
		runtime.switchTo('nobody');
		await expect.poll(() => runtime.getSnapshot().notice?.tone).toBe('error');
		expect(runtime.getSnapshot().notice?.text).toContain('no account named "nobody"');
		runtime.dispose();
	});

	it('notices a switch made by another process within a tick (PRAGMA data_version)', async () => {
		const home = tempHome();
		const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: home}, demo: true}));
		const off = runtime.subscribe(() => undefined);
		expect(runtime.getSnapshot().report.active).toBeNull();
		const other = openContext({env: {QUOTA_TUI_HOME: home}, demo: true});
		await switchAccount(other, 'demo-spare', Date.now());
		other.close();
		await expect.poll(() => runtime.getSnapshot().report.active, {timeout: 3000}).toBe('demo-spare');
		off();
		runtime.dispose();
	});

	it('an auto-utilization tick refreshes the dashboard only when it wrote something or planned differently', async () => {
		const env = {QUOTA_TUI_HOME: tempHome(), ...FROZEN};
		const now = Date.parse(FROZEN.QUOTA_TUI_NOW);
		const setup = openContext({env});
		setup.configStore.addAccount({name: 'acct', provider: 'manual', plan: 'max5'});
		for (const [window, used, hours] of [['five_hour', 10, 3], ['seven_day', 20, 80]] as const) {
			const budget = {scope: 'account:acct', window, limit: 100, unit: 'percent', used, resetAt: new Date(now + hours * 3_600_000).toISOString(), source: 'user-entered', checkedAt: FROZEN.QUOTA_TUI_NOW} as const;
			upsertBudget(setup.db, budget);
			recordManualWindow(setup, budget, now);
		}
		setup.close();
		const ctx = openContext({env});
		let refreshes = 0;
		const controls = createQueueControls(ctx, {refresh: () => refreshes++, notice: () => undefined, isDisposed: () => false});
		// A tick is over when it has replaced the plan (a new object every tick).
		const tick = async () => {
			const before = controls.plan();
			controls.tick();
			await expect.poll(() => controls.plan() !== before && controls.plan() !== null).toBe(true);
		};
		await tick();
		const afterFirst = refreshes;
		await tick();
		await tick();
		expect(refreshes).toBe(afterFirst);
		// A new queued job is planned: the queue panel must show it.
		addJob(ctx.db, {id: 'q-new', title: 'New job', prompt: 'p', cwd: '/tmp', severity: 'info', createdAt: FROZEN.QUOTA_TUI_NOW, source: 'backlog', kind: 'task'}, Date.parse(FROZEN.QUOTA_TUI_NOW));
		await tick();
		expect(refreshes).toBe(afterFirst + 1);
		ctx.close();
	});
});
