/**
 * The contract between the runtime and the dashboard: one external store (read with
 * useSyncExternalStore) plus commands, and one shared one-second clock.
 */
import type {StatusReport} from '../engine/report.js';

export type Notice = {
	text: string;
	tone: 'info' | 'success' | 'warning' | 'error';
	/** Epoch ms. */
	at: number;
};

export type AppSnapshot = {
	report: StatusReport;
	/** The latest user-visible outcome of a command ("Switched to b: …"). */
	notice: Notice | null;
	/** True while a refresh is in flight. */
	refreshing: boolean;
};

export type Listener = () => void;

/** One shared clock that ticks when the wall-clock second changes (or never, when frozen). */
export type Clock = {
	/** Epoch ms; stable between ticks. */
	now(): number;
	subscribe(listener: Listener): () => void;
	/** True when QUOTA_TUI_NOW froze the clock. */
	readonly frozen: boolean;
};

export type AppRuntime = {
	subscribe(listener: Listener): () => void;
	/** Returns the same object until something changed. */
	getSnapshot(): AppSnapshot;
	clock: Clock;
	/** Make `name` the active account and record the decision; the outcome lands in `notice`. */
	switchTo(name: string): void;
	/** Re-read every source now. */
	refresh(): void;
	/** Stop timers and close files. */
	dispose(): void;
};
