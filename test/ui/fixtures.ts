/**
 * Hand-written dashboard fixtures: a StatusReport with four demo accounts at a fixed NOW, a clock that
 * ticks only when told, and an in-memory AppRuntime that records the commands it receives.
 */
import type {AccountReport, StatusReport, WindowReport} from '../../source/engine/report.js';
import type {Decision} from '../../source/engine/types.js';
import type {AppRuntime, AppSnapshot, Clock, Listener} from '../../source/runtime/types.js';

/** Monday 2026-03-02 14:00:00 UTC. */
export const NOW = Date.parse('2026-03-02T14:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const iso = (ms: number): string => new Date(ms).toISOString();

export function makeWindow(kind: WindowReport['kind'], utilization: number | null, resetsInMs: number | null, extra: Partial<WindowReport> = {}): WindowReport {
	return {
		kind,
		utilization,
		resetsAt: resetsInMs === null ? null : iso(NOW + resetsInMs),
		resetsInMs,
		durationMs: kind === 'five_hour' ? 5 * HOUR : 7 * DAY,
		source: 'provider-detected',
		origin: 'oauth-usage',
		observedAt: iso(NOW - 2 * MINUTE),
		ageMs: 2 * MINUTE,
		stale: false,
		resetPassed: false,
		projectedAtReset: null,
		ratePerHour: null,
		exhaustsAt: null,
		...extra,
	};
}

export function makeAccount(name: string, extra: Partial<AccountReport> = {}): AccountReport {
	return {
		name,
		provider: 'claude',
		plan: 'pro',
		model: null,
		configDir: `/home/me/.claude-${name}`,
		home: null,
		chainOrder: 1,
		lastResort: false,
		disabled: false,
		status: 'allowed',
		bindingUtilization: null,
		stale: false,
		ageMs: 2 * MINUTE,
		message: null,
		active: false,
		recommended: false,
		windows: [],
		...extra,
	};
}

/** The four demo accounts: healthy+active, near threshold, exhausted, last resort (stale). */
export function demoAccounts(): AccountReport[] {
	return [
		makeAccount('work', {
			plan: 'max20',
			chainOrder: 1,
			active: true,
			recommended: true,
			bindingUtilization: 0.41,
			windows: [
				makeWindow('five_hour', 0.23, HOUR + 12 * MINUTE, {projectedAtReset: 0.34}),
				makeWindow('seven_day', 0.41, 3 * DAY + 4 * HOUR, {projectedAtReset: 0.58}),
			],
		}),
		makeAccount('personal', {
			chainOrder: 2,
			status: 'allowed_warning',
			bindingUtilization: 0.88,
			windows: [
				makeWindow('five_hour', 0.52, 2 * HOUR + 40 * MINUTE, {origin: 'statusline', observedAt: iso(NOW - 40 * SECOND), ageMs: 40 * SECOND}),
				makeWindow('seven_day', 0.88, DAY + 6 * HOUR, {projectedAtReset: 0.97, origin: 'statusline', observedAt: iso(NOW - 40 * SECOND), ageMs: 40 * SECOND}),
			],
		}),
		makeAccount('team', {
			provider: 'codex',
			plan: 'plus',
			configDir: null,
			home: '/home/me/.codex-team',
			chainOrder: 3,
			status: 'rejected',
			bindingUtilization: 1,
			windows: [
				makeWindow('five_hour', 1, 3 * HOUR + 5 * MINUTE, {origin: 'codex-rollout'}),
				makeWindow('seven_day', 0.64, 5 * DAY, {origin: 'codex-rollout'}),
			],
		}),
		makeAccount('spare', {
			chainOrder: 9,
			lastResort: true,
			stale: true,
			ageMs: 12 * MINUTE,
			bindingUtilization: 0.12,
			windows: [
				makeWindow('five_hour', 0.05, 4 * HOUR + 10 * MINUTE, {observedAt: iso(NOW - 12 * MINUTE), ageMs: 12 * MINUTE, stale: true}),
				makeWindow('seven_day', 0.12, 6 * DAY + 2 * HOUR, {observedAt: iso(NOW - 12 * MINUTE), ageMs: 12 * MINUTE, stale: true}),
			],
		}),
	];
}

export function demoDecisions(): Decision[] {
	return [
		{at: iso(NOW - 30 * MINUTE), kind: 'recommend', subject: 'work', verdict: 'recommended', reasons: ['first in chain under 90 %'], inputs: {}},
		{at: iso(NOW - 5 * MINUTE), kind: 'switch', subject: 'work', verdict: 'switched', reasons: ['team exhausted its 5-hour window'], inputs: {}},
	];
}

export function demoReport(extra: Partial<StatusReport> = {}): StatusReport {
	const accounts = extra.accounts ?? demoAccounts();
	return {
		generatedAt: iso(NOW),
		demo: true,
		active: 'work',
		recommended: 'work',
		recommendation: {
			account: 'work',
			model: null,
			emergency: false,
			reason: 'first in chain under 90 % on every window',
			alternatives: [],
			exitCode: 0,
		},
		mode: 'suggest',
		accounts,
		decisions: demoDecisions(),
		warnings: [],
		...extra,
	};
}

/** A report with `count` accounts named `acct-01`, `acct-02`, …; the first is active. */
export function manyAccountsReport(count: number): StatusReport {
	const accounts = Array.from({length: count}, (_, index) => {
		const name = `acct-${String(index + 1).padStart(2, '0')}`;
		return makeAccount(name, {
			chainOrder: index + 1,
			active: index === 0,
			windows: [
				makeWindow('five_hour', (index * 0.09) % 1, HOUR + index * MINUTE),
				makeWindow('seven_day', (index * 0.13) % 1, 2 * DAY + index * HOUR),
			],
		});
	});
	const report = demoReport({accounts, active: 'acct-01', recommended: 'acct-01', demo: false});
	return {...report, recommendation: {...report.recommendation, account: 'acct-01'}};
}

export type TestClock = Clock & {
	/** Move time forward by `ms` and notify listeners. */
	tick(ms?: number): void;
	listenerCount(): number;
};

export function createTestClock(start = NOW): TestClock {
	let current = start;
	const listeners = new Set<Listener>();
	return {
		frozen: false,
		now: () => current,
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		tick(ms = SECOND) {
			current += ms;
			for (const listener of [...listeners]) {
				listener();
			}
		},
		listenerCount: () => listeners.size,
	};
}

export type TestRuntime = AppRuntime & {
	clock: TestClock;
	calls: {switchTo: string[]; refresh: number; dispose: number};
	/** Replace the snapshot (a new object) and notify subscribers. */
	update(change: Partial<AppSnapshot>): void;
};

export function createTestRuntime(report: StatusReport = demoReport(), clock: TestClock = createTestClock()): TestRuntime {
	let snapshot: AppSnapshot = {report, notice: null, refreshing: false};
	const listeners = new Set<Listener>();
	const calls = {switchTo: [] as string[], refresh: 0, dispose: 0};
	return {
		clock,
		calls,
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		getSnapshot: () => snapshot,
		switchTo(name) {
			calls.switchTo.push(name);
		},
		refresh() {
			calls.refresh++;
		},
		dispose() {
			calls.dispose++;
		},
		update(change) {
			snapshot = {...snapshot, ...change};
			for (const listener of [...listeners]) {
				listener();
			}
		},
	};
}
