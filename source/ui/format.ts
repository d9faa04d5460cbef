/**
 * Pure formatters for the dashboard. Every function takes its inputs (including `now`) as parameters:
 * nothing here reads the clock, the environment or the terminal.
 */
import {DateTime} from 'luxon';
import stringWidth from 'string-width';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `0.23` → `23%`; null, NaN or ±Infinity → `--`. Values above 1 stay visible (`112%`). */
export function formatPercent(fraction: number | null | undefined): string {
	if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) {
		return '--';
	}

	return `${Math.round(fraction * 100)}%`;
}

/**
 * A compact duration with its two largest units: `3d4h`, `1h12m`, `45m`, `12s` (`12d` from ten days on,
 * `14h` from ten hours on, so that `↺` plus the text fits the 6-cell countdown).
 * Seconds are rounded up, so a countdown reaches `0s` only at the instant itself.
 */
export function formatDuration(ms: number): string {
	const totalSeconds = Math.max(0, Math.ceil(ms / SECOND));
	const days = Math.floor(totalSeconds / 86_400);
	const hours = Math.floor((totalSeconds % 86_400) / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds % 60;
	if (days > 0) {
		return hours > 0 && days < 10 ? `${days}d${hours}h` : `${days}d`;
	}

	if (hours > 0) {
		// From 10 hours on, minutes would not fit the 6-cell countdown (`↺14h18m`): hours only.
		return minutes > 0 && hours < 10 ? `${hours}h${minutes}m` : `${hours}h`;
	}

	if (minutes > 0) {
		return `${minutes}m`;
	}

	return `${seconds}s`;
}

/** Time left until `target` (epoch ms) at `now`: `1h12m`; `now` once passed; `--` when unknown. */
export function formatCountdown(target: number | null, now: number): string {
	if (target === null || !Number.isFinite(target)) {
		return '--';
	}

	const left = target - now;
	return left <= 0 ? 'now' : formatDuration(left);
}

/**
 * How old something observed at `at` (epoch ms) is at `now`: `just now` under a minute (so the text does
 * not change every second), then `2m ago`, `3h ago`, `2d ago`.
 */
export function formatAge(at: number | null, now: number): string {
	if (at === null || !Number.isFinite(at)) {
		return 'no data';
	}

	const age = Math.max(0, now - at);
	if (age < MINUTE) {
		return 'just now';
	}

	return `${formatAgeShort(age)} ago`;
}

/** The single largest unit of an age in ms, rounded down: `12s`, `2m`, `3h`, `2d`. */
export function formatAgeShort(ageMs: number): string {
	const age = Math.max(0, ageMs);
	if (age < MINUTE) {
		return `${Math.floor(age / SECOND)}s`;
	}

	if (age < HOUR) {
		return `${Math.floor(age / MINUTE)}m`;
	}

	if (age < DAY) {
		return `${Math.floor(age / HOUR)}h`;
	}

	return `${Math.floor(age / DAY)}d`;
}

export type BarStyle = 'blocks' | 'squares';

/** Partial cells of the block style, by eighths filled (index 1 = one eighth … 7 = seven eighths). */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;

const BAR_GLYPHS: Record<BarStyle, {full: string; empty: string; unknown: string; steps: number}> = {
	blocks: {full: '█', empty: '░', unknown: '·', steps: 8},
	squares: {full: '■', empty: '□', unknown: '·', steps: 1},
};

/**
 * A bar of exactly `width` cells for a fraction, in eighth-cell steps (`██▊░░`, as btop and ratatui
 * gauges draw them): a 3-cell bar has 24 levels, so 84 %, 93 % and 99 % no longer look the same. Any use
 * above 0 shows at least one eighth and anything below 100 % leaves at least one eighth empty, so the
 * bar never rounds a real state away. Unknown (null) draws `···`. The caller prints the number beside it.
 */
export function formatBar(fraction: number | null, width: number, style: BarStyle = 'blocks'): string {
	const cells = Math.max(0, Math.floor(width));
	const glyphs = BAR_GLYPHS[style];
	if (cells === 0) {
		return '';
	}

	if (fraction === null || !Number.isFinite(fraction)) {
		return glyphs.unknown.repeat(cells);
	}

	const {steps} = glyphs;
	const total = cells * steps;
	let filled = Math.round(Math.min(1, Math.max(0, fraction)) * total);
	if (fraction > 0 && filled === 0) {
		filled = 1;
	}

	if (fraction < 1 && filled === total) {
		filled = total - 1;
	}

	const full = Math.floor(filled / steps);
	const part = filled % steps;
	const partial = part === 0 ? '' : style === 'blocks' ? EIGHTHS[part]! : glyphs.full;
	return glyphs.full.repeat(full) + partial + glyphs.empty.repeat(cells - full - (part === 0 ? 0 : 1));
}

/** Local wall-clock time `HH:mm` (honours `TZ` through luxon's system zone). */
export function formatClock(at: number): string {
	// Date's local zone is luxon's system zone; luxon's first DateTime resolves the system locale (~15–30 ms of the first frame).
	const local = new Date(at);
	return `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
}

/**
 * A local instant relative to `now`, at most 9 cells: `14:05` today, `Thu 09:00` within the next
 * 7 days, `Mar 3` otherwise.
 */
export function formatLocalTime(at: number, now: number): string {
	const time = DateTime.fromMillis(at);
	const today = DateTime.fromMillis(now);
	if (time.hasSame(today, 'day')) {
		return time.toFormat('HH:mm');
	}

	if (at > now && at - now < 7 * DAY) {
		return time.toFormat('ccc HH:mm');
	}

	return time.toFormat('LLL d');
}

/** Parse an ISO instant to epoch ms; null for null or an unparsable string. */
export function parseInstant(iso: string | null | undefined): number | null {
	if (iso === null || iso === undefined) {
		return null;
	}

	const ms = Date.parse(iso);
	return Number.isNaN(ms) ? null : ms;
}

/** How many terminal cells `text` takes: CJK and most emoji take two, combining marks none. */
export function cellWidth(text: string): number {
	return stringWidth(text);
}

let graphemes: Intl.Segmenter | undefined;

/** Shorten `text` to `width` terminal cells with a trailing `…`, never splitting a character. */
export function truncate(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	if (stringWidth(text) <= width) {
		return text;
	}

	graphemes ??= new Intl.Segmenter();
	let kept = '';
	let used = 0;
	for (const {segment} of graphemes.segment(text)) {
		const cells = stringWidth(segment);
		if (used + cells > width - 1) {
			break;
		}

		kept += segment;
		used += cells;
	}

	return `${kept}…`;
}

/** The y/n question of a banked reset: `Redeem reset credit codex-cx-1 of cx (5-hour + weekly, expires Wed 12:00)?` */
export function resetQuestion(preview: {creditId: string; account: string; retrying: boolean; kind: string; expiresAtMs: number | null}, now: number): string {
	const expiry = preview.expiresAtMs === null ? '' : `, expires ${formatLocalTime(preview.expiresAtMs, now)}`;
	return `${preview.retrying ? 'Retry the redemption of' : 'Redeem'} reset credit ${preview.creditId} of ${preview.account} (${preview.kind}${expiry})?`;
}
