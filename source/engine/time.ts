/**
 * Window arithmetic: instants with their offset kept, reset roll-forward, recurrences.
 * Pure: `now` is always a parameter (epoch ms).
 */
import {DateTime, Duration} from 'luxon';
import type {QuotaWindow} from './types.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const FIVE_HOURS = 5 * HOUR;
export const SEVEN_DAYS = 7 * DAY;

/**
 * Parse an ISO 8601 instant keeping the offset it was written with. An instant without an offset is
 * rejected: a reset time must say which clock it is on.
 */
export function parseInstant(iso: string): DateTime | undefined {
	// ISO 8601 writes negative offsets with the minus sign U+2212; accept it beside the hyphen.
	const text = iso.trim().replaceAll('\u2212', '-');
	if (!/(?:Z|[+-]\d\d:?\d\d)$/i.test(text)) return undefined;
	const dt = DateTime.fromISO(text, {setZone: true});
	return dt.isValid ? dt : undefined;
}

/** Instants already parsed: a dashboard re-reads the same stored instants every minute (luxon's fromISO is the costliest part of a collect). */
const parsedInstants = new Map<string, number | undefined>();
const PARSED_INSTANTS_MAX = 10_000;

/** Epoch ms of an ISO instant, or undefined when it does not parse. */
export function instantMs(iso: string | null | undefined): number | undefined {
	if (!iso) return undefined;
	if (parsedInstants.has(iso)) return parsedInstants.get(iso);
	const ms = plainInstant(iso)?.ms ?? parseInstant(iso)?.toMillis();
	if (parsedInstants.size >= PARSED_INSTANTS_MAX) parsedInstants.clear();
	parsedInstants.set(iso, ms);
	return ms;
}

const PLAIN_INSTANT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{3})?(Z|[+-]\d\d:\d\d)$/;

/**
 * The instants this program writes (`2026-12-04T17:41:47Z`, `…47.123+01:00`) without luxon, whose first
 * DateTime costs ~25 ms of start-up (system locale) and each one more than Date.parse: only when
 * Date.parse gives the same wall-clock fields back (no day 31 of a 30-day month rolled over, no
 * 24:00), else undefined and luxon decides.
 */
function plainInstant(iso: string): {ms: number; offsetMinutes: number} | undefined {
	const match = PLAIN_INSTANT.exec(iso);
	if (match === null) return undefined;
	const ms = Date.parse(iso);
	if (Number.isNaN(ms)) return undefined;
	const offset = match[3]!;
	const offsetMinutes = offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
	const wall = new Date(ms + offsetMinutes * MINUTE).toISOString();
	return wall.startsWith(match[1]!) && Math.abs(offsetMinutes) < 24 * 60 ? {ms, offsetMinutes} : undefined;
}

/** Format epoch ms as ISO with the given fixed offset in minutes (0 → `Z`). */
export function isoAt(ms: number, offsetMinutes = 0): string {
	const wall = new Date(Math.floor(ms) + offsetMinutes * MINUTE);
	const year = wall.getUTCFullYear();
	// Whole minutes under a day, years 0000–9999: Date's own ISO text with the offset (no luxon); else luxon.
	if (Number.isInteger(offsetMinutes) && Math.abs(offsetMinutes) < 24 * 60 && year >= 0 && year <= 9999 && Number.isInteger(ms)) {
		const text = wall.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
		const base = wall.getUTCMilliseconds() === 0 ? text.slice(0, 19) : text.slice(0, 23);
		if (offsetMinutes === 0) return `${base}Z`;
		const abs = Math.abs(offsetMinutes);
		return `${base}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
	}
	const dt = DateTime.fromMillis(ms, {zone: offsetMinutes === 0 ? 'utc' : fixedZone(offsetMinutes)});
	return formatIso(dt);
}

/** ISO string with seconds precision (milliseconds only when present). */
export function formatIso(dt: DateTime): string {
	const suppressMilliseconds = dt.millisecond === 0;
	const iso = dt.toISO({suppressMilliseconds, includeOffset: true});
	return iso ?? '';
}

/** The same instant in UTC (`…Z`). */
export function toUtcIso(iso: string): string | undefined {
	const dt = parseInstant(iso);
	return dt ? formatIso(dt.toUTC()) : undefined;
}

function fixedZone(offsetMinutes: number): string {
	const sign = offsetMinutes < 0 ? '-' : '+';
	const abs = Math.abs(offsetMinutes);
	return `UTC${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
}

/** Milliseconds from `now` until the instant (negative when passed); undefined when unknown. */
export function msUntil(iso: string | null | undefined, now: number): number | undefined {
	const ms = instantMs(iso);
	return ms === undefined ? undefined : ms - now;
}

/**
 * Advance `resetAt` by whole `durationMs` steps to the first instant after `now`, keeping its offset.
 */
export function rollForward(resetAt: string, durationMs: number, now: number): string | undefined {
	const dt = parseInstant(resetAt);
	if (!dt || !(durationMs > 0)) return undefined;
	const start = dt.toMillis();
	if (start > now) return resetAt;
	const steps = Math.floor((now - start) / durationMs) + 1;
	return formatIso(dt.plus({milliseconds: steps * durationMs}));
}

/** The window as it stands at `now`, plus whether its reported reset has passed. */
export type EffectiveWindow = QuotaWindow & {resetPassed: boolean};

/**
 * A window whose reset instant has passed is a fresh window: utilization 0, `source: estimated`,
 * next reset rolled forward by the window's duration when it is known (else unknown), until new data
 * arrives (DESIGN §7.2).
 */
export function effectiveWindow(window: QuotaWindow, now: number): EffectiveWindow {
	const resetMs = instantMs(window.resetsAt);
	if (resetMs === undefined || resetMs > now) return {...window, resetPassed: false};
	const next = window.durationMs && window.resetsAt ? rollForward(window.resetsAt, window.durationMs, now) : undefined;
	return {
		...window,
		utilization: 0,
		resetsAt: next ?? null,
		source: 'estimated',
		resetPassed: true,
	};
}

// ---------------------------------------------------------------------------------------------
// Recurrences (budgets): `5h`, `daily`, `weekly:<weekday>`, `monthly:<day>`, ISO 8601 durations.

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export type Recurrence =
	| {kind: 'duration'; duration: Duration}
	| {kind: 'weekly'; weekday: number}
	| {kind: 'monthly'; day: number};

/** Parse a recurrence; returns a sentence saying what is accepted when it does not parse. */
export function parseRecurrence(text: string): Recurrence | {error: string} {
	const value = text.trim().toLowerCase();
	if (value === '5h') return {kind: 'duration', duration: Duration.fromObject({hours: 5})};
	if (value === 'daily') return {kind: 'duration', duration: Duration.fromObject({days: 1})};
	if (value === 'weekly') return {kind: 'duration', duration: Duration.fromObject({weeks: 1})};
	const weekly = /^weekly:([a-z]+)$/.exec(value);
	if (weekly) {
		const index = WEEKDAYS.findIndex(day => day.startsWith(weekly[1]!) && weekly[1]!.length >= 2);
		if (index >= 0) return {kind: 'weekly', weekday: index + 1};
		return {error: `unknown weekday "${weekly[1]}" (expected monday … sunday)`};
	}
	const monthly = /^monthly:(\d{1,2})$/.exec(value);
	if (monthly) {
		const day = Number(monthly[1]);
		if (day >= 1 && day <= 31) return {kind: 'monthly', day};
		return {error: `day of month ${day} out of range (expected 1–31)`};
	}
	if (value.startsWith('p')) {
		const duration = Duration.fromISO(text.trim().toUpperCase());
		if (duration.isValid && duration.toMillis() > 0) return {kind: 'duration', duration};
	}
	return {error: `unknown recurrence "${text}" (expected 5h, daily, weekly:<weekday>, monthly:<day> or an ISO 8601 duration such as P7D)`};
}

/**
 * The first occurrence of the recurrence strictly after `now`, starting from `resetAt`, at the same
 * local time of day in the reset's own offset. Returns `resetAt` itself when it is still ahead.
 */
export function nextRecurrence(resetAt: string, recurrence: Recurrence, now: number): string | undefined {
	const start = parseInstant(resetAt);
	if (!start) return undefined;
	if (start.toMillis() > now) return resetAt;
	let next: DateTime;
	switch (recurrence.kind) {
		case 'duration': {
			const stepMs = recurrence.duration.toMillis();
			// Calendar durations (P1M) step by calendar; fixed ones can jump straight to the answer.
			const calendar = recurrence.duration.months !== 0 || recurrence.duration.years !== 0 || recurrence.duration.quarters !== 0;
			if (!calendar) {
				const steps = Math.floor((now - start.toMillis()) / stepMs) + 1;
				next = start.plus({milliseconds: steps * stepMs});
				break;
			}
			next = start;
			let index = 0;
			while (next.toMillis() <= now) {
				index += 1;
				next = start.plus(recurrence.duration.mapUnits(x => x * index));
			}
			break;
		}
		case 'weekly': {
			// Next matching weekday after now, same local time in the same offset.
			const nowLocal = DateTime.fromMillis(now, {zone: start.zone});
			next = nowLocal.set({hour: start.hour, minute: start.minute, second: start.second, millisecond: start.millisecond});
			const delta = (recurrence.weekday - next.weekday + 7) % 7;
			next = next.plus({days: delta});
			if (next.toMillis() <= now) next = next.plus({days: 7});
			break;
		}
		case 'monthly': {
			const nowLocal = DateTime.fromMillis(now, {zone: start.zone});
			let month = nowLocal.set({day: 1, hour: start.hour, minute: start.minute, second: start.second, millisecond: start.millisecond});
			// Clamp to the month's last day (monthly:31 in February → the 28th/29th).
			const at = (m: DateTime) => m.set({day: Math.min(recurrence.day, m.daysInMonth ?? 28)});
			next = at(month);
			while (next.toMillis() <= now) {
				month = month.plus({months: 1});
				next = at(month);
			}
			break;
		}
	}
	return formatIso(next);
}

/** Duration of one recurrence step in ms when it is fixed (for windows); undefined for calendar ones. */
export function recurrenceDurationMs(recurrence: Recurrence): number | undefined {
	if (recurrence.kind === 'weekly') return SEVEN_DAYS;
	if (recurrence.kind === 'duration' && recurrence.duration.months === 0 && recurrence.duration.years === 0) {
		return recurrence.duration.toMillis();
	}
	return undefined;
}

/** Offset in minutes of an ISO instant as written. */
export function offsetOf(iso: string): number | undefined {
	const plain = plainInstant(iso);
	// luxon writes −0 for `-00:00`; a plain 0 is the same offset.
	return plain === undefined ? parseInstant(iso)?.offset : plain.offsetMinutes === 0 ? 0 : plain.offsetMinutes;
}
