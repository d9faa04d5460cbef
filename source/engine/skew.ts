/**
 * Time moves forward only as far as now (audit D2). An observation stamped after `now` (a
 * `QUOTA_TUI_NOW` run in the future, a system clock corrected backwards, a rollout line dated 2096)
 * must never freeze an account: it is clamped to `now` when recorded, stored data beyond
 * `now + FUTURE_SLACK_MS` counts as stale and is replaced by the next real observation, and rollout
 * lines further ahead than that are ignored. No imports: the status-line hook loads this.
 */

/** How far ahead of `now` an observation may be stamped (clock differences between processes). */
export const FUTURE_SLACK_MS = 2 * 60 * 1000;

/** True when `atMs` lies beyond `now` plus the slack. */
export function fromTheFuture(atMs: number, now: number): boolean {
	return Number.isFinite(atMs) && atMs > now + FUTURE_SLACK_MS;
}
