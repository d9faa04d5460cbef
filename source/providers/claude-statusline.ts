/**
 * Claude Code's status-line JSON (provider-formats §3.7): Claude Code (≥ 2.1.80) pipes it to the
 * `statusLine` command on every refresh.
 *
 *   {"rate_limits": {"five_hour": {"used_percentage": 23.5, "resets_at": 1738425600},
 *                    "seven_day": {"used_percentage": 41.2, "resets_at": 1738857600}}, …}
 *
 * `used_percentage` is 0–100 (may exceed 100); `resets_at` is epoch seconds, sometimes an ISO string.
 * `rate_limits` is absent or null before the session's first response and for API-key users: that is
 * normal, not an error.
 *
 * Hot path: node built-ins and engine types only (see util.ts).
 */
import type {QuotaWindow, WindowKind} from '../engine/types.js';
import {detectedWindow, durationForKind, isRecord, normaliseInstant, percentToFraction} from './util.js';

export type StatuslineParse =
	| {kind: 'windows'; windows: QuotaWindow[]}
	/** Valid JSON without rate limits (before the first response, API-key login). */
	| {kind: 'none'}
	| {kind: 'invalid'; reason: string};

const KINDS: ReadonlyArray<readonly [string, WindowKind]> = [
	['five_hour', 'five_hour'],
	['seven_day', 'seven_day'],
	['seven_day_sonnet', 'seven_day_sonnet'],
	['seven_day_opus', 'seven_day_opus'],
];

/** Parse the status-line stdin. Never throws. */
export function parseStatusline(text: string, observedAt: string): StatuslineParse {
	let input: unknown;
	try {
		input = JSON.parse(text);
	} catch {
		return {kind: 'invalid', reason: 'stdin is not JSON'};
	}
	if (!isRecord(input)) return {kind: 'invalid', reason: 'stdin is not a JSON object'};
	const limits = input['rate_limits'];
	if (limits === undefined || limits === null) return {kind: 'none'};
	if (!isRecord(limits)) return {kind: 'invalid', reason: 'rate_limits is not an object'};
	const windows: QuotaWindow[] = [];
	for (const [key, kind] of KINDS) {
		const bucket = limits[key];
		if (!isRecord(bucket)) continue;
		const utilization = percentToFraction(bucket['used_percentage'] ?? bucket['utilization']);
		if (utilization === undefined) continue;
		windows.push(detectedWindow(kind, utilization, normaliseInstant(bucket['resets_at']), durationForKind(kind, undefined), 'statusline', observedAt));
	}
	return windows.length > 0 ? {kind: 'windows', windows} : {kind: 'none'};
}

/**
 * A compact duration with its two largest units (`3d4h`, `1h12m`, `14h`, `45m`, `12s`). Mirrors ui/format's
 * formatDuration (a test keeps them equal) without loading luxon on the hot path.
 */
export function compactDuration(ms: number): string {
	const total = Math.max(0, Math.ceil(ms / 1000));
	const days = Math.floor(total / 86_400);
	const hours = Math.floor((total % 86_400) / 3600);
	const minutes = Math.floor((total % 3600) / 60);
	if (days > 0) return hours > 0 && days < 10 ? `${days}d${hours}h` : `${days}d`;
	if (hours > 0) return minutes > 0 && hours < 10 ? `${hours}h${minutes}m` : `${hours}h`;
	if (minutes > 0) return `${minutes}m`;
	return `${total % 60}s`;
}

const LABELS: Partial<Record<WindowKind, string>> = {five_hour: '5h', seven_day: '7d'};

/** `5h 23% ↺1h12m · 7d 41% ↺3d4h`; a passed reset shows the fresh window (`5h 0%`). */
export function statuslineText(windows: readonly QuotaWindow[], now: number): string {
	const parts: string[] = [];
	for (const kind of ['five_hour', 'seven_day'] as const) {
		const w = windows.find(x => x.kind === kind);
		const label = LABELS[kind]!;
		if (!w || w.utilization === null) {
			parts.push(`${label} --`);
			continue;
		}
		const resetMs = w.resetsAt ? Date.parse(w.resetsAt) : Number.NaN;
		if (Number.isFinite(resetMs) && resetMs <= now) {
			parts.push(`${label} 0%`);
			continue;
		}
		const reset = Number.isFinite(resetMs) ? ` ↺${compactDuration(resetMs - now)}` : '';
		parts.push(`${label} ${Math.round(w.utilization * 100)}%${reset}`);
	}
	return parts.join(' · ');
}
