/**
 * The dashboard's poller: one schedule per account, never overlapping, with jitter so several
 * dashboards do not poll in step. Each run is `refreshAccount` (runtime/refresh.ts): it reads nothing
 * while the data is fresh and spends endpoint reads only through the budget shared by every process.
 *
 * Timers are real timers (when to look); what time it is comes from the injected clock (so a frozen
 * QUOTA_TUI_NOW still decides freshness and cooldowns).
 */
import type {Account} from '../engine/types.js';
import type {Context} from './context.js';
import {refreshAccount, refreshStale, type RefreshResult} from './refresh.js';

export type PollerOptions = {
	/** Called after every finished run (whether or not something changed). */
	onResult?: ((result: RefreshResult) => void) | undefined;
	/** Fraction of the interval used as ± jitter. @default 0.1 */
	jitter?: number | undefined;
	/** For tests. */
	random?: (() => number) | undefined;
	/** Delay of the first run (ms, plus jitter up to 1 s). @default 0 */
	firstDelayMs?: number | undefined;
};

export type Poller = {
	start(): void;
	/** Refresh every account now, ignoring freshness (budgets and Retry-After still hold). */
	refreshNow(): Promise<RefreshResult[]>;
	/** Accounts with a run in flight. */
	readonly running: number;
	dispose(): void;
};

const pollable = (account: Account) => !account.disabled && (account.provider === 'claude' || account.provider === 'codex');

export function createPoller(ctx: Context, options: PollerOptions = {}): Poller {
	const random = options.random ?? Math.random;
	const jitter = options.jitter ?? 0.1;
	const intervalMs = Math.max(5, ctx.config.polling.intervalSeconds) * 1000;
	const timers = new Map<string, NodeJS.Timeout>();
	const busy = new Set<string>();
	const abort = new AbortController();
	let started = false;
	let disposed = false;

	const delay = () => Math.max(1000, Math.round(intervalMs * (1 + jitter * (2 * random() - 1))));

	const schedule = (account: Account, ms: number) => {
		if (disposed) return;
		clearTimeout(timers.get(account.name));
		const timer = setTimeout(() => void run(account), ms);
		timer.unref?.();
		timers.set(account.name, timer);
	};

	const run = async (account: Account) => {
		timers.delete(account.name);
		if (disposed || busy.has(account.name)) return;
		busy.add(account.name);
		try {
			const result = await refreshAccount(ctx, account, {now: ctx.clock.now(), signal: abort.signal});
			if (!disposed) options.onResult?.(result);
		} finally {
			busy.delete(account.name);
			schedule(account, delay());
		}
	};

	return {
		start() {
			if (started || disposed || ctx.demo) return;
			started = true;
			for (const account of ctx.accounts.filter(pollable)) schedule(account, (options.firstDelayMs ?? 0) + Math.round(random() * 1000));
		},
		async refreshNow() {
			if (disposed) return [];
			const results = await refreshStale(ctx, {force: true, now: ctx.clock.now(), signal: abort.signal});
			if (!disposed) for (const result of results) options.onResult?.(result);
			return results;
		},
		get running() {
			return busy.size;
		},
		dispose() {
			disposed = true;
			abort.abort();
			for (const timer of timers.values()) clearTimeout(timer);
			timers.clear();
		},
	};
}
