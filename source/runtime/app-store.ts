/**
 * The dashboard's external store: one snapshot, replaced only when something a user can see changed.
 *
 * What makes it change: a refresh (`r`), the polling interval, another process writing the database
 * (checked once per clock tick with SQLite's `PRAGMA data_version`, which costs no I/O), a window reset
 * passing, and commands run from the dashboard (switch).
 */
import type {StatusReport} from '../engine/report.js';
import {instantMs} from '../engine/time.js';
import {collect} from './collect.js';
import type {Context} from './context.js';
import {switchAccount} from './switch.js';
import type {AppRuntime, AppSnapshot, Listener, Notice} from './types.js';

/** The report without the fields that move with every second, for change detection. */
function fingerprint(report: StatusReport): string {
	return JSON.stringify(report, (key, value: unknown) =>
		key === 'generatedAt' || key === 'ageMs' || key === 'resetsInMs' ? undefined : value,
	);
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

export function createAppRuntime(ctx: Context): AppRuntime {
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

	const emit = () => {
		for (const listener of [...listeners]) listener();
	};

	const readDataVersion = (): number => {
		const row = ctx.db.prepare('PRAGMA data_version').get() as {data_version: number} | undefined;
		return row?.data_version ?? 0;
	};

	const recollect = (force = false): boolean => {
		const now = clock.now();
		lastCollect = now;
		let report: StatusReport;
		try {
			report = collect(ctx, now).report;
		} catch (error) {
			// Keep the last good report; say what went wrong.
			setNotice({text: `refresh failed: ${(error as Error).message}`, tone: 'error', at: now});
			return false;
		}
		resetAt = nextResetMs(report, now);
		dataVersion = readDataVersion();
		const print = fingerprint(report);
		if (!force && print === lastPrint) return false;
		lastPrint = print;
		snapshot = {...snapshot, report};
		return true;
	};

	const setNotice = (notice: Notice | null) => {
		snapshot = {...snapshot, notice};
		emit();
	};

	const now0 = clock.now();
	const first = collect(ctx, now0).report;
	lastPrint = fingerprint(first);
	lastCollect = now0;
	resetAt = nextResetMs(first, now0);
	dataVersion = readDataVersion();
	snapshot = {report: first, notice: null, refreshing: false};

	const onTick = () => {
		const now = clock.now();
		const due = now - lastCollect >= intervalMs || now >= resetAt;
		const changedElsewhere = !due && readDataVersion() !== dataVersion;
		if ((due || changedElsewhere) && recollect()) emit();
	};

	return {
		clock,
		subscribe(listener) {
			listeners.add(listener);
			unsubscribeClock ??= clock.subscribe(onTick);
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
			snapshot = {...snapshot, refreshing: false, notice: {text: 'refreshed', tone: 'info', at: clock.now()}};
			emit();
		},
		switchTo(name) {
			const now = clock.now();
			switchAccount(ctx, name, now).then(
				outcome => {
					recollect(true);
					const extra = outcome.warnings.length > 0 ? ` (${outcome.warnings.join('; ')})` : '';
					setNotice({text: `Switched to ${name}: ${outcome.decision.reasons.slice(1).join('; ')}${extra}`, tone: outcome.warnings.length > 0 ? 'warning' : 'success', at: now});
				},
				(error: unknown) => setNotice({text: `switch failed: ${(error as Error).message}`, tone: 'error', at: now}),
			);
		},
		dispose() {
			if (disposed) return;
			disposed = true;
			unsubscribeClock?.();
			unsubscribeClock = undefined;
			listeners.clear();
			ctx.close();
		},
	};
}
