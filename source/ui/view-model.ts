/**
 * Pure helpers that turn report fields into what a row shows: the status badge, the two windows, the
 * note (stale / fresh / error / source and age) and the recommendation line. No React, no clock.
 */
import type {AccountReport, Recommendation, StatusReport, WindowReport} from '../engine/report.js';
import {windowShortLabel} from '../engine/status.js';
import type {Origin} from '../engine/types.js';
import {cellWidth, formatAge, formatAgeShort, formatPercent, parseInstant, truncate} from './format.js';
import type {Tone} from './theme.js';

export type Badge = {readonly text: string; readonly tone: Tone};

/** The status badge of an account, as text (colour only reinforces it). */
export function statusBadge(account: AccountReport): Badge {
	if (account.disabled) {
		return {text: 'disabled', tone: 'muted'};
	}

	switch (account.status) {
		case 'allowed': {
			return account.lastResort ? {text: 'last resort', tone: 'accent'} : {text: 'ok', tone: 'ok'};
		}

		case 'allowed_warning': {
			return {text: 'warn', tone: 'warn'};
		}

		case 'rejected': {
			return {text: 'EXHAUSTED', tone: 'critical'};
		}

		case 'invalid_key': {
			return {text: 'invalid key', tone: 'critical'};
		}

		case 'token_expired': {
			return {text: 'expired', tone: 'critical'};
		}

		case 'policy_rejected': {
			return {text: 'refused', tone: 'critical'};
		}

		case 'unreachable': {
			return {text: 'unreachable', tone: 'warn'};
		}

		case 'unknown': {
			return {text: 'unknown', tone: 'muted'};
		}
	}
}

const STALE_MARKED = new Set<AccountReport['status']>(['allowed', 'allowed_warning', 'unknown']);

/**
 * The STATUS cell of a dashboard row: the status badge, except that an account whose data is stale
 * says `stale` where its badge would claim a state it can no longer vouch for (ok, warn, last resort,
 * unknown). A stale EXHAUSTED or failing credential keeps its badge: it is still the thing to know.
 */
export function rowBadge(account: AccountReport): Badge {
	if (account.stale && !account.disabled && STALE_MARKED.has(account.status)) {
		return {text: 'stale', tone: 'warn'};
	}

	return statusBadge(account);
}

/** The 5-hour window and the 7-day window (or, without one, the first weekly window) of an account. */
export function pickWindows(account: AccountReport): {fiveHour: WindowReport | null; sevenDay: WindowReport | null} {
	const fiveHour = account.windows.find(window => window.kind === 'five_hour') ?? null;
	const sevenDay = account.windows.find(window => window.kind === 'seven_day')
		?? account.windows.find(window => window.kind.startsWith('seven_day') || window.kind.startsWith('weekly:'))
		?? null;
	return {fiveHour, sevenDay};
}

/** The percentage of a window, marked `~` when it is an estimate and the mark fits in `width`. */
export function windowPercent(window: WindowReport | null, width: number): string {
	if (window === null) {
		return '--';
	}

	const text = formatPercent(window.utilization);
	const isEstimate = window.resetPassed || window.source === 'estimated';
	return isEstimate && text !== '--' && text.length < width ? `~${text}` : text;
}

/**
 * The projection at reset (`→87%`), or null when unknown or meaningless (reset already passed). A
 * projection past 100 % reads `→full`: the window fills before it resets (`→947%` said the same, oddly).
 */
export function windowProjection(window: WindowReport | null): string | null {
	if (window === null || window.resetPassed || window.projectedAtReset === null || !Number.isFinite(window.projectedAtReset)) {
		return null;
	}

	return window.projectedAtReset > 1 ? '→full' : `→${formatPercent(window.projectedAtReset)}`;
}

/** True when no window of the account has a number: the account has no data at all. */
export function hasNoData(account: AccountReport): boolean {
	return !account.windows.some(window => window.utilization !== null && Number.isFinite(window.utilization));
}

const ORIGIN_LABELS: Readonly<Record<Origin, string>> = {
	statusline: 'statusline',
	'claude-cli': 'cli',
	'oauth-usage': 'oauth',
	'codex-rollout': 'rollout',
	'codex-app-server': 'app-server',
	'wham-usage': 'wham',
	'local-logs': 'logs',
	manual: 'manual',
	demo: 'demo',
	'real-use': 'real use',
};

/** When the newest data of an account was observed (epoch ms), or null when it has none. */
export function observedAt(account: AccountReport, generatedAt: number): number | null {
	let newest: number | null = null;
	for (const window of account.windows) {
		const at = parseInstant(window.observedAt);
		if (at !== null && (newest === null || at > newest)) {
			newest = at;
		}
	}

	if (newest !== null) {
		return newest;
	}

	return account.ageMs === null ? null : generatedAt - account.ageMs;
}

const ERROR_STATUSES = new Set(['invalid_key', 'token_expired', 'policy_rejected', 'unreachable']);

/** The first candidate that fits `width`, else the last one truncated. */
function fit(candidates: readonly string[], width: number): string {
	for (const candidate of candidates) {
		if (cellWidth(candidate) <= width) {
			return candidate;
		}
	}

	return truncate(candidates.at(-1) ?? '', width);
}

/**
 * What the two window columns do not show: model-scoped weekly windows (`sonnet 12%`, `fable 5%`),
 * extra usage (`extra $5.20/$20`), banked resets (`2 resets`) and the shared pool (`pool team-x`), or ''
 * when there is none.
 */
export function accountExtras(account: AccountReport): string {
	return accountExtraParts(account).join(' · ');
}

/** accountExtras, part by part, most important first (the team's holders last). */
export function accountExtraParts(account: AccountReport): string[] {
	const {fiveHour, sevenDay} = pickWindows(account);
	const parts: string[] = [];
	for (const window of account.windows) {
		if (window === fiveHour || window === sevenDay || window.kind === 'extra_usage') {
			continue;
		}

		const label = window.kind === 'seven_day_sonnet' ? 'sonnet' : window.kind === 'seven_day_opus' ? 'opus' : windowShortLabel(window.kind);
		parts.push(`${label} ${windowPercent(window, 5)}`);
	}

	const extra = account.extraUsage;
	if (extra?.enabled) {
		const money = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
		const sign = extra.currency === 'USD' ? '$' : `${extra.currency} `;
		const used = extra.usedUsd === null ? '?' : `${sign}${money(extra.usedUsd)}`;
		parts.push(`extra ${used}${extra.limitUsd === null ? '' : `/${sign}${money(extra.limitUsd)}`}`);
	}

	// Banked limit resets that can still be used, and the shared pool the account draws on.
	const resets = (account.resets ?? []).filter(reset => reset.status === 'available' && !reset.lapsed).reduce((n, reset) => n + reset.count, 0);
	if (resets > 0) {
		parts.push(`${resets} reset${resets === 1 ? '' : 's'}`);
	}

	if (account.pool) {
		parts.push(`pool ${account.pool}`);
	}

	// Team mode: who holds the account, with the age of each machine's newest observation.
	if (account.team && account.team.length > 0) {
		const holder = (h: NonNullable<AccountReport['team']>[number]) => `${h.machine}${h.here ? ' (here)' : ''}${h.newestAgeMs === null ? '' : ` ${formatAgeShort(h.newestAgeMs)}`}`;
		parts.push(`held by ${account.team.map(holder).join(', ')}`);
	}

	return parts;
}

/**
 * The note at the end of a row, in priority order: `stale 12m`, `fresh (est.)` (a reset passed and the
 * window is estimated fresh), the error message of a failing source, else the source and age
 * (`oauth 2m ago`). Model-scoped windows and extra usage (accountExtras) lead the note when it fits.
 * Shortened to fit `width`.
 */
export function accountNote(account: AccountReport, generatedAt: number, now: number, width: number): Badge {
	if (width <= 0) {
		return {text: '', tone: 'muted'};
	}

	const at = observedAt(account, generatedAt);
	const age = at === null ? null : Math.max(0, now - at);
	const parts = accountExtraParts(account);
	// Stale data says so first; otherwise the numbers lead and the source/age follows. The extras give
	// way part by part (the last, least important, first) before they go altogether.
	const withExtras = (candidates: readonly string[], metaFirst = false) => {
		const first = candidates[0];
		if (first === undefined) return [...candidates];
		const extras = parts.map((_, index) => parts.slice(0, parts.length - index).join(' · '));
		return [...extras.map(text => (metaFirst ? `${first} · ${text}` : `${text} · ${first}`)), ...candidates];
	};
	if (account.stale) {
		const candidates = age === null ? ['stale'] : [`stale ${formatAgeShort(age)}`, 'stale'];
		return {text: fit(withExtras(candidates, true), width), tone: 'warn'};
	}

	if (account.windows.some(window => window.resetPassed)) {
		return {text: fit(['fresh (est.)', 'fresh est.', 'fresh'], width), tone: 'muted'};
	}

	if (account.message !== null && ERROR_STATUSES.has(account.status)) {
		return {text: truncate(account.message, width), tone: account.status === 'unreachable' ? 'warn' : 'critical'};
	}

	// No number at all: no age either (an age would read like fresh data).
	if (at === null || hasNoData(account)) {
		return {text: fit(['no data', '--'], width), tone: 'muted'};
	}

	const origins = [...new Set(account.windows.map(window => ORIGIN_LABELS[window.origin]))];
	const ago = formatAge(at, now);
	const candidates = origins.length > 0 ? [`${origins.join('+')} ${ago}`, `${origins[0]} ${ago}`, ago] : [ago];
	return {text: fit(withExtras([...candidates, formatAgeShort(age ?? 0)]), width), tone: 'muted'};
}

/** The recommendation as a tone, the account text and the reason. */
export function recommendationView(recommendation: Recommendation): {tone: Tone; account: string; reason: string} {
	if (recommendation.account === null) {
		return {tone: 'critical', account: 'none usable', reason: recommendation.reason};
	}

	const model = recommendation.model === null ? '' : ` [${recommendation.model}]`;
	return {
		tone: recommendation.emergency ? 'warn' : 'ok',
		account: `${recommendation.account}${model}${recommendation.emergency ? ' (last resort)' : ''}`,
		// The header already names the account: "demo-main: first healthy…" → "first healthy…".
		reason: recommendation.reason.startsWith(`${recommendation.account}: `) ? recommendation.reason.slice(recommendation.account.length + 2) : recommendation.reason,
	};
}

/** The longest account name of a report (for the name column). */
export function longestName(report: StatusReport): number {
	return report.accounts.reduce((longest, account) => Math.max(longest, account.name.length), 0);
}

/** Pad or cut `text` to exactly `width` cells (left-aligned). */
export function cell(text: string, width: number): string {
	const cut = truncate(text, width);
	return cut + ' '.repeat(Math.max(0, width - cellWidth(cut)));
}

/** Pad or cut `text` to exactly `width` cells (right-aligned). */
export function cellRight(text: string, width: number): string {
	const cut = truncate(text, width);
	return ' '.repeat(Math.max(0, width - cellWidth(cut))) + cut;
}
