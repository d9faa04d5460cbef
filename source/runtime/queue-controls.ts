/**
 * The dashboard's side of the queue (DESIGN §10): the queue panel's snapshot, and the commands behind
 * `d` (dispatch, after a y/n confirm), `a` (cycle auto mode) and the auto-utilization tick that runs
 * every polling interval while the dashboard is open.
 */
import type {AutoPlan} from '../engine/idle.js';
import type {AutoMode} from '../engine/report.js';
import {deliveryProblems, eventsTick} from './events.js';
import {autoTick, buildAutoPlan, reloadConfig, suggestionText} from './auto.js';
import type {Collected} from './collect.js';
import type {Context} from './context.js';
import {dispatchJob} from './dispatch.js';
import {cancelJob, readQueue} from './queue.js';
import {requeueJob} from '../store/jobs.js';
import type {DispatchPreview, Notice, QueueSnapshot} from './types.js';

/**
 * The queue panel's data at `now`: gone processes reconciled first, and (with `sync`) the sources
 * read. Source warnings are kept from the last sync.
 */
export function queueSnapshot(ctx: Context, now: number, plan: AutoPlan | null, sync = true, lastWarnings: readonly string[] = []): QueueSnapshot {
	const queue = readQueue(ctx, now, {sync});
	return {
		rows: queue.jobs.map(job => ({
			id: job.id,
			title: job.title,
			severity: job.severity,
			createdAt: job.createdAt,
			state: job.state,
			account: job.account,
			estimateUsd: job.estimate.usd,
			estimatePct: job.estimate.pct,
			startedAt: job.startedAt,
			finishedAt: job.finishedAt,
			autoUtilization: job.autoUtilization,
			message: job.message,
			costUsd: job.costUsd,
			utilizationBefore: job.utilizationBefore,
			utilizationAfter: job.utilizationAfter,
		})),
		queued: queue.jobs.filter(job => job.state === 'queued').length,
		running: queue.jobs.filter(job => job.state === 'running' || job.state === 'claimed').length,
		idle: plan ? plan.accounts.filter(a => a.idle).map(a => ({account: a.account, spendable: a.spendable})) : [],
		planned: plan?.planned.length ?? 0,
		warnings: sync ? queue.warnings : [...lastWarnings],
	};
}

export const AUTO_MODES: readonly AutoMode[] = ['off', 'suggest', 'auto'];

export type QueueControls = {
	/** The last auto-utilization plan (null before the first tick or in mode off). */
	plan(): AutoPlan | null;
	/** Plan now without acting on it (the first frame, before the first tick); null in mode off. */
	planNow(): AutoPlan | null;
	previewDispatch(jobId: string): Promise<DispatchPreview>;
	dispatch(jobId: string, account?: string | null): void;
	cycleAutoMode(): void;
	/** Cancel a job (`x` in the job view, after y/n): a queued one at once, a running one is stopped. */
	cancel(jobId: string): void;
	/** Put a failed, interrupted or cancelled job back in the queue (`R` in the job view). */
	requeue(jobId: string): void;
	/** Run one auto-utilization tick unless one is running. */
	/** `collected`: what the caller collected at this instant (the events step compares it instead of collecting again). */
	tick(collected?: Pick<Collected, 'states' | 'recommendation'>): void;
	/**
	 * The queue panel's data at `now`. The sources (Fleet files, possibly under wide globs) are read at
	 * most once per polling interval unless `force`: a dashboard re-reads on every write of another
	 * process (a status-line hook writes every few seconds), and scanning roots that often is waste.
	 */
	snapshot(now: number, force?: boolean): QueueSnapshot;
};

export type QueueControlsHooks = {
	/** Re-read everything and publish a new snapshot (force: even when nothing changed). */
	refresh(): void;
	notice(notice: Notice): void;
	isDisposed(): boolean;
};

/** Rows this process's connection has written since it opened (SQLite total_changes()). */
function totalChanges(ctx: Context): number {
	const row = ctx.db.prepare('SELECT total_changes() AS n').get() as {n: number} | undefined;
	return row?.n ?? 0;
}

export function createQueueControls(ctx: Context, hooks: QueueControlsHooks): QueueControls {
	let plan: AutoPlan | null = null;
	let ticking = false;
	let lastSync = Number.NEGATIVE_INFINITY;
	let warnings: string[] = [];
	const syncEveryMs = Math.max(5, ctx.config.polling.intervalSeconds) * 1000;
	const now = () => ctx.clock.now();
	return {
		plan: () => plan,
		snapshot(at, force = false) {
			const sync = force || at - lastSync >= syncEveryMs || at < lastSync;
			const result = queueSnapshot(ctx, at, plan, sync, warnings);
			if (sync) {
				lastSync = at;
				warnings = result.warnings;
			}
			return result;
		},
		planNow() {
			if (ctx.config.autoUtilization.mode === 'off') return null;
			try {
				plan = buildAutoPlan(ctx, now()).plan;
			} catch {
				plan = null;
			}
			return plan;
		},
		async previewDispatch(jobId) {
			const outcome = await dispatchJob(ctx, {jobId, dryRun: true});
			return {
				jobId,
				title: outcome.job?.title ?? jobId,
				account: outcome.account,
				go: outcome.status === 'dry-run',
				message: outcome.status === 'dry-run'
					? `on ${outcome.account}: ${outcome.gate?.reasons[0] ?? 'go'}`
					: outcome.message,
			};
		},
		dispatch(jobId, account) {
			const at = now();
			// A person pressed d: if the gate says wait, the job runs by itself when ready (engine/resume).
			dispatchJob(ctx, {jobId, account: account ?? undefined, whenReady: true}).then(
				outcome => {
					if (hooks.isDisposed()) return;
					hooks.refresh();
					hooks.notice({text: outcome.message, tone: outcome.status === 'dispatched' ? 'success' : outcome.exitCode === 75 ? 'warning' : 'error', at});
				},
				(error: unknown) => hooks.notice({text: `dispatch failed: ${(error as Error).message}`, tone: 'error', at}),
			);
		},
		cancel(jobId) {
			const at = now();
			cancelJob(ctx, jobId, {graceMs: 10_000, now}).then(
				outcome => {
					if (hooks.isDisposed()) return;
					hooks.refresh();
					hooks.notice({text: outcome.message, tone: outcome.state === 'cancelled' ? 'success' : outcome.state === 'missing' ? 'error' : 'warning', at});
				},
				(error: unknown) => hooks.notice({text: `cancel failed: ${(error as Error).message}`, tone: 'error', at}),
			);
		},
		requeue(jobId) {
			const at = now();
			let result: ReturnType<typeof requeueJob>;
			try {
				result = requeueJob(ctx.db, jobId, at);
			} catch (error) {
				hooks.notice({text: `requeue failed: ${(error as Error).message}`, tone: 'error', at});
				return;
			}
			hooks.refresh();
			hooks.notice(result === 'requeued'
				? {text: `Queued ${jobId} again.`, tone: 'success', at}
				: {text: result === 'missing' ? `no job ${jobId}` : `${jobId} is still queued or running: only a finished job can be requeued`, tone: 'warning', at});
		},
		cycleAutoMode() {
			const at = now();
			reloadConfig(ctx);
			const current = ctx.config.autoUtilization.mode;
			const next = AUTO_MODES[(AUTO_MODES.indexOf(current) + 1) % AUTO_MODES.length]!;
			try {
				ctx.config = ctx.configStore.setKey('autoUtilization.mode', next);
			} catch (error) {
				hooks.notice({text: `could not change the auto mode: ${(error as Error).message}`, tone: 'error', at});
				return;
			}
			const what = next === 'off' ? 'idle quota is not used automatically'
				: next === 'suggest' ? 'one notification per idle episode; nothing runs by itself'
					: 'queued jobs that fit idle quota are dispatched, one at a time per account';
			hooks.refresh();
			hooks.notice({text: `Auto mode ${next}: ${what}${ctx.demo && next !== 'off' ? ' (the demo only plans)' : ''}`, tone: 'info', at});
			this.tick();
		},
		tick(collected) {
			if (ticking || hooks.isDisposed()) return;
			ticking = true;
			const at = now();
			// What the dashboard shows moves only when an event was delivered (its hooks may act), the
			// auto step wrote something (a dispatch, a decision, a redemption) or planned differently:
			// otherwise the refresh (another collect of the minute, ~15–30 ms) is skipped. (The events
			// step writes what it saw on every tick; that alone changes nothing shown.)
			const before = {changes: 0, plan: JSON.stringify(plan), delivered: false};
			// Events first (what changed since the last look), then the auto-utilization step.
			eventsTick(ctx, at, collected).then(deliveries => {
				before.delivered = deliveries.length > 0;
				const problems = deliveryProblems(deliveries);
				if (problems.length > 0 && !hooks.isDisposed()) hooks.notice({text: problems.join(' · '), tone: 'error', at});
			}, () => undefined).then(() => {
				before.changes = totalChanges(ctx);
				return autoTick(ctx, at);
			}).then(
				result => {
					ticking = false;
					plan = result.plan;
					if (hooks.isDisposed()) return;
					// A dispatch or redemption counts even when it wrote nothing here (team mode writes to the hub).
					const acted = result.dispatched.length > 0 || (result.resumed?.length ?? 0) > 0 || (result.redemptions?.some(outcome => outcome.result !== null) ?? false);
					if (acted || before.delivered || totalChanges(ctx) !== before.changes || JSON.stringify(plan) !== before.plan) hooks.refresh();
					const started = [
						...(result.resumed ?? []).filter(outcome => outcome.status === 'dispatched').map(outcome => `resumed: ${outcome.message}`),
						...result.dispatched.filter(outcome => outcome.status === 'dispatched').map(outcome => `auto: ${outcome.message}`),
					];
					const suggested = result.notified.filter(n => n.result.sent);
					if (started.length > 0) {
						hooks.notice({text: started.join(' · '), tone: 'success', at});
					} else if (suggested.length > 0 && plan) {
						const texts = suggested.map(n => {
							const account = plan!.accounts.find(a => a.account === n.account);
							return account ? suggestionText(account, plan!.planned.filter(p => p.account === n.account).length) : n.account;
						});
						hooks.notice({text: texts.join(' · '), tone: 'info', at});
					}
				},
				(error: unknown) => {
					ticking = false;
					if (!hooks.isDisposed()) hooks.notice({text: `auto-utilization failed: ${(error as Error).message}`, tone: 'error', at});
				},
			);
		},
	};
}
