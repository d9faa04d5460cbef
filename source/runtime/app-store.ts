/**
 * The dashboard's external store: one snapshot, replaced only when something a user can see changed.
 *
 * What makes it change: a refresh (`r`), the polling interval, another process writing the database
 * (checked once per clock tick with SQLite's `PRAGMA data_version`, which costs no I/O), a window reset
 * passing, commands run from the dashboard (switch), and the poller (runtime/poller.ts) recording new
 * provider data.
 */
import type {StatusReport} from '../engine/report.js';
import type {Decision} from '../engine/types.js';
import type {UtilizationReport} from '../engine/waste.js';
import {jsonWithout} from '../engine/json.js';
import {instantMs} from '../engine/time.js';
import {collect, type Collected} from './collect.js';
import type {Context} from './context.js';
import {createLocalLogRefresher} from './local-usage.js';
import {createPoller} from './poller.js';
import type {RefreshResult} from './refresh.js';
import {planResetUse, resetPreviewOf, useResetCredit} from './reset-use.js';
import {switchAccount} from './switch.js';
import {createDashboardUtilization, utilizationFingerprint, utilizationHousekeeping} from './utilization.js';
import {createQueueControls} from './queue-controls.js';
import {onTeamJobs} from './hub-sync.js';
import {detailOf, logSignature} from './detail.js';
import type {AppRuntime, AppSnapshot, DetailSnapshot, DetailSubject, Listener, Notice, QueueSnapshot} from './types.js';

/** The report without the fields that move with every second, for change detection. */
function fingerprint(report: StatusReport): string {
	return jsonWithout(report, ['generatedAt', 'ageMs', 'resetsInMs']);
}

/** The earliest reset instant in the report after `now` (a reset changes what is shown). */
function nextResetMs(report: StatusReport, now: number): number {
	let next = Number.POSITIVE_INFINITY;
	for (const account of report.accounts) {
		for (const w of account.windows) {
			const ms = instantMs(w.resetsAt);
			if (ms !== undefined && ms > now && ms < next) next = ms;
		}
	}
	return next;
}

/** The notice after `r`: what was read, what waits for its cooldown, what failed. */
export function refreshSummary(results: readonly RefreshResult[]): {text: string; tone: Notice['tone']} {
	const read = results.filter(r => r.action === 'refreshed').map(r => `${r.account}${r.origin ? ` (${r.origin})` : ''}`);
	const waiting = results.filter(r => r.action === 'cooldown').map(r => r.account);
	const failed = results.filter(r => r.action === 'failed').map(r => `${r.account}: ${r.message ?? 'failed'}`);
	const parts = [
		read.length > 0 ? `refreshed ${read.join(', ')}` : '',
		waiting.length > 0 ? `${waiting.join(', ')} in cooldown (shared read budget)` : '',
		...failed,
	].filter(Boolean);
	return {text: parts.length > 0 ? parts.join(' · ') : 'refreshed', tone: failed.length > 0 ? 'warning' : 'info'};
}

/**
 * `planFirst: false` leaves the auto-utilization plan to the first tick (it runs when the dashboard
 * subscribes, right after the first frame) instead of planning before the first snapshot: the live demo
 * does, whose tick plans at once (the same plan) and whose first frame the planning slowed by 15–30 ms.
 * A printed frame, which has no tick, plans first.
 */
export function createAppRuntime(ctx: Context, {planFirst = true}: {planFirst?: boolean} = {}): AppRuntime {
	const listeners = new Set<Listener>();
	const clock = ctx.clock;
	const intervalMs = Math.max(5, ctx.config.polling.intervalSeconds) * 1000;
	let snapshot: AppSnapshot;
	let lastPrint = '';
	let lastCollect = 0;
	let resetAt = Number.POSITIVE_INFINITY;
	let dataVersion = -1;
	let unsubscribeClock: (() => void) | undefined;
	let disposed = false;
	// The open detail view (its data rides in the snapshot), and the signature of a running job's log.
	let subject: DetailSubject | null = null;
	let logSeen = '';
	// What the last collect of this tick saw: the auto-utilization tick's events step compares it (one
	// collect a minute instead of two).
	let lastCollected: Collected | undefined;
	// Our own writes do not move PRAGMA data_version: recollect after each poll that wrote something.
	const poller = createPoller(ctx, {
		onResult(result) {
			if ((result.action === 'refreshed' || result.action === 'failed') && recollect()) emit();
		},
	});

	// The local logs (burn rates, estimated windows, dollar budgets): read in the background every interval.
	const localLogs = createLocalLogRefresher(ctx);
	const refreshLocalLogs = () => {
		void localLogs.refresh(clock.now()).then(changed => {
			if (changed && !disposed && recollect()) emit();
		});
	};

	// The queue panel: `d` dispatch, `a` auto mode, and the auto-utilization tick every interval.
	const queueControls = createQueueControls(ctx, {
		refresh: () => {
			if (recollect()) emit();
		},
		notice: notice => setNotice(notice),
		isDisposed: () => disposed,
	});

	const emit = () => {
		for (const listener of [...listeners]) listener();
	};
	// Team mode: another machine's new job, claim or outcome (the hub's NOTIFY, pulled here) shows at once
	// and wakes auto-utilization.
	const unsubscribeTeam = onTeamJobs(ctx, () => {
		if (disposed) return;
		queueControls.tick();
		if (recollect()) emit();
	});

	const readDataVersion = (): number => {
		const row = ctx.db.prepare('PRAGMA data_version').get() as {data_version: number} | undefined;
		return row?.data_version ?? 0;
	};

	// The waste panel's report; its history is re-read at most once a minute (or on force).
	const utilizationOf = createDashboardUtilization(ctx);

	const detailAt = (now: number): DetailSnapshot | undefined => {
		if (subject === null) return undefined;
		const detail = detailOf(ctx, subject, now);
		logSeen = detail.kind === 'job' ? logSignature(detail.job?.logPath ?? null) : '';
		return detail;
	};

	const recollect = (force = false): boolean => {
		const now = clock.now();
		// Counted from the minute it ran in, the next interval's collect falls on a wall-clock minute, the
		// tick the dashboard's minute-granular texts flip in (ui/hooks/use-now.ts minuteNow): one frame
		// a minute for both, not two.
		lastCollect = Math.floor(now / 60_000) * 60_000;
		let report: StatusReport;
		let utilization: UtilizationReport | undefined;
		let queue: QueueSnapshot | undefined;
		let detail: DetailSnapshot | undefined;
		try {
			const collected = collect(ctx, now);
			lastCollected = collected;
			report = collected.report;
			utilization = utilizationOf(collected, now, force);
			queue = queueControls.snapshot(now, force);
			detail = detailAt(now);
		} catch (error) {
			// Keep the last good report; say what went wrong.
			setNotice({text: `refresh failed: ${(error as Error).message}`, tone: 'error', at: now});
			return false;
		}
		resetAt = nextResetMs(report, now);
		dataVersion = readDataVersion();
		const thresholds = thresholdsOf();
		const print = fingerprint(report) + utilizationFingerprint(utilization) + JSON.stringify(queue) + JSON.stringify(thresholds) + JSON.stringify(detail);
		if (!force && print === lastPrint) return false;
		lastPrint = print;
		snapshot = {...snapshot, report, utilization, queue, thresholds, detail};
		return true;
	};

	const setNotice = (notice: Notice | null) => {
		snapshot = {...snapshot, notice};
		emit();
	};

	const thresholdsOf = () => ({warnAt: ctx.config.policy.warnThreshold, criticalAt: ctx.config.policy.switchThreshold});

	const now0 = clock.now();
	const firstCollected = collect(ctx, now0);
	const first = firstCollected.report;
	const firstUtilization = utilizationOf(firstCollected, now0);
	if (planFirst) queueControls.planNow();
	const firstQueue = queueControls.snapshot(now0, true);
	lastPrint = fingerprint(first) + utilizationFingerprint(firstUtilization) + JSON.stringify(firstQueue) + JSON.stringify(thresholdsOf());
	lastCollect = Math.floor(now0 / 60_000) * 60_000;
	resetAt = nextResetMs(first, now0);
	dataVersion = readDataVersion();
	snapshot = {report: first, utilization: firstUtilization, queue: firstQueue, notice: null, refreshing: false, thresholds: thresholdsOf()};

	// A running job's log grows without touching the database: its tail is re-read when the file changed.
	const logGrew = (): boolean => {
		const detail = snapshot.detail;
		if (detail?.kind !== 'job' || (detail.job?.state !== 'running' && detail.job?.state !== 'claimed')) return false;
		return logSignature(detail.job.logPath) !== logSeen;
	};

	const onTick = () => {
		const now = clock.now();
		const due = now - lastCollect >= intervalMs || now >= resetAt;
		const changedElsewhere = !due && (readDataVersion() !== dataVersion || logGrew());
		lastCollected = undefined;
		if ((due || changedElsewhere) && recollect()) emit();
		if (due) {
			queueControls.tick(lastCollected);
			refreshLocalLogs();
			utilizationHousekeeping(ctx, snapshot.utilization, now);
		}
	};

	return {
		clock,
		subscribe(listener) {
			listeners.add(listener);
			if (unsubscribeClock === undefined) {
				queueControls.tick();
				refreshLocalLogs();
				utilizationHousekeeping(ctx, snapshot.utilization, clock.now());
			}
			unsubscribeClock ??= clock.subscribe(onTick);
			poller.start();
			return () => {
				listeners.delete(listener);
				if (listeners.size === 0) {
					unsubscribeClock?.();
					unsubscribeClock = undefined;
				}
			};
		},
		getSnapshot: () => snapshot,
		refresh() {
			snapshot = {...snapshot, refreshing: true};
			emit();
			recollect(true);
			refreshLocalLogs();
			poller.refreshNow().then(
				results => {
					if (disposed) return;
					recollect(true);
					const {text, tone} = refreshSummary(results);
					snapshot = {...snapshot, refreshing: false, notice: {text, tone, at: clock.now()}};
					emit();
				},
				(error: unknown) => {
					if (disposed) return;
					snapshot = {...snapshot, refreshing: false, notice: {text: `refresh failed: ${(error as Error).message}`, tone: 'error', at: clock.now()}};
					emit();
				},
			);
		},
		switchTo(name) {
			const now = clock.now();
			// `Switched to b (allowed, binding usage 41%)`: the name is said once, not again in each reason.
			const switched = (decision: Decision, warnings: readonly string[]) => {
				const details = decision.reasons.slice(1).map(reason => (reason.startsWith(`${name}: `) ? reason.slice(name.length + 2) : reason));
				const extra = warnings.length > 0 ? ` (${warnings.join('; ')})` : '';
				return {text: `Switched to ${name}${details.length > 0 ? ` (${details.join('; ')})` : ''}${extra}`, tone: warnings.length > 0 ? 'warning' as const : 'success' as const, at: now};
			};
			// Published at once (the active marker moves now); the switch hooks run after, and their
			// problems, if any, follow in the notice.
			const onPublished = (decision: Decision) => {
				if (disposed) return;
				recollect(true);
				setNotice(switched(decision, []));
			};
			switchAccount(ctx, name, now, {onPublished}).then(
				outcome => {
					if (disposed) return;
					recollect(true);
					setNotice(switched(outcome.decision, outcome.warnings));
				},
				(error: unknown) => setNotice({text: `switch failed: ${(error as Error).message}`, tone: 'error', at: now}),
			);
		},
		previewDispatch: jobId => queueControls.previewDispatch(jobId),
		dispatch: (jobId, account) => queueControls.dispatch(jobId, account),
		cycleAutoMode: () => queueControls.cycleAutoMode(),
		planReset(account) {
			if (ctx.demo) return {ok: false, message: 'demo accounts: there is no reset credit to redeem'};
			const now = clock.now();
			const plan = planResetUse(ctx, {account}, now);
			return plan.ok ? resetPreviewOf(plan) : {ok: false, message: plan.message};
		},
		useReset(account, creditId) {
			const now = clock.now();
			const plan = planResetUse(ctx, {account, id: creditId}, now);
			if (!plan.ok) {
				setNotice({text: plan.message, tone: 'warning', at: now});
				return;
			}
			useResetCredit(ctx, plan, now, 'redeemed after the user said yes (dashboard u)').then(
				result => {
					recollect(true);
					const ok = result.verdict === 'redeemed' || result.verdict === 'already-redeemed';
					setNotice({text: result.message, tone: ok ? 'success' : 'warning', at: clock.now()});
				},
				(error: unknown) => setNotice({text: `reset failed: ${(error as Error).message}`, tone: 'error', at: clock.now()}),
			);
		},
		openDetail(next) {
			subject = next;
			try {
				snapshot = {...snapshot, detail: detailAt(clock.now())};
			} catch (error) {
				snapshot = {...snapshot, detail: undefined, notice: {text: `could not read the details: ${(error as Error).message}`, tone: 'error', at: clock.now()}};
			}
			emit();
		},
		cancelJob: jobId => queueControls.cancel(jobId),
		requeueJob: jobId => queueControls.requeue(jobId),
		dispose() {
			if (disposed) return;
			disposed = true;
			poller.dispose();
			localLogs.dispose();
			unsubscribeTeam();
			unsubscribeClock?.();
			unsubscribeClock = undefined;
			listeners.clear();
			ctx.close();
		},
	};
}
