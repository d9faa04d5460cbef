/**
 * The account view (Enter on an account): every window as its own bar with a pace marker (`│`: where
 * an even spend would be now), its reset in local time and as a countdown, the projection at reset and
 * where each number comes from; each window's last 7 days as a full-width sparkline; extra usage,
 * banked resets and the pool; the waste ledger of closed weeks; the budgets that apply; the decisions
 * about the account. Pure: lines for a width at `now`.
 */
import type {AccountReport, StatusReport, WindowReport} from '../../engine/report.js';
import {windowLabel} from '../../engine/status.js';
import type {AccountUtilization} from '../../engine/waste.js';
import type {AccountDetail} from '../../runtime/types.js';
import {sparkline} from '../components/sparkline.js';
import {decisionText} from '../components/decisions-panel.js';
import {formatAge, formatBar, formatCountdown, formatLocalTime, formatPercent, parseInstant} from '../format.js';
import type {Tone} from '../theme.js';
import {statusBadge} from '../view-model.js';
import {blankLine, fitLine, packParts, pad, sectionLine, seg, tableLines, wrapText, type Seg, type ViewLine} from './lines.js';

export type AccountViewInput = {
	readonly account: AccountReport;
	readonly report: Pick<StatusReport, 'accounts' | 'budgets' | 'pools' | 'decisions'>;
	/** The runtime's detail data (history, decisions); undefined until it arrives. */
	readonly detail?: AccountDetail | undefined;
	/** The account's line of the utilization report (waste ledger). */
	readonly utilization?: AccountUtilization | undefined;
	readonly width: number;
	readonly now: number;
	/** The tone of a utilization fraction (the theme's thresholds). */
	readonly toneOf: (fraction: number | null) => Tone;
};

/** The label column of the window bars (`weekly Sonnet` fits). */
const LABEL = 14;
/** A bar is at most this many cells (the history line below takes the full width). */
const BAR_MAX = 60;
/** Below this width the pace moves from the bar's line to the details under it. */
const NARROW = 64;
/** Pace within this of the use counts as on pace. */
const PACE_SLACK = 0.05;
export const PACE_MARKER = '│';

const MODEL_NAMES: Readonly<Record<string, string>> = {opus: 'Opus', sonnet: 'Sonnet', fable: 'Fable', haiku: 'Haiku'};

/** `5-hour`, `weekly`, `weekly Opus`, `weekly Fable`, `extra usage`. */
export function windowName(kind: string): string {
	if (kind.startsWith('weekly:')) {
		const model = kind.slice('weekly:'.length);
		return `weekly ${MODEL_NAMES[model.toLowerCase()] ?? model}`;
	}

	return windowLabel(kind as WindowReport['kind']);
}

const KIND_ORDER = ['five_hour', 'seven_day', 'seven_day_opus', 'seven_day_sonnet'];

/** The order windows are shown in: 5-hour, weekly, model weeklies, then the rest, extra usage last. */
export function windowRank(kind: string): number {
	const fixed = KIND_ORDER.indexOf(kind);
	if (fixed !== -1) return fixed;
	if (kind.startsWith('weekly:')) return 4;
	if (kind === 'extra_usage') return 9;
	return 6;
}

/**
 * Where an even spend would be now: the elapsed share of the window (0–1), or null when the window's
 * length or reset is unknown (or it has already reset).
 */
export function paceOf(window: Pick<WindowReport, 'resetsAt' | 'durationMs' | 'resetPassed'>, now: number): number | null {
	const reset = parseInstant(window.resetsAt);
	if (reset === null || window.durationMs === null || window.durationMs <= 0 || window.resetPassed || reset <= now) return null;
	return Math.min(1, Math.max(0, 1 - (reset - now) / window.durationMs));
}

/** The bar with the pace marker drawn into it, as segments (the marker in its own tone). */
export function paceBar(fraction: number | null, pace: number | null, width: number, tone: Tone): Seg[] {
	const bar = [...formatBar(fraction, width)];
	if (pace === null || bar.length === 0) return [seg(bar.join(''), tone)];
	const at = Math.min(bar.length - 1, Math.max(0, Math.round(pace * bar.length)));
	return [seg(bar.slice(0, at).join(''), tone), seg(PACE_MARKER, 'accent', true), seg(bar.slice(at + 1).join(''), tone)];
}

/** `ahead of pace` (using faster than an even spend), `on pace`, `under pace`. */
export function paceWord(utilization: number | null, pace: number | null): {text: string; tone: Tone} | null {
	if (utilization === null || pace === null) return null;
	if (utilization > pace + PACE_SLACK) return {text: 'ahead of pace', tone: 'warn'};
	if (utilization < pace - PACE_SLACK) return {text: 'under pace', tone: 'muted'};
	return {text: 'on pace', tone: 'ok'};
}

function ageText(iso: string | null | undefined, now: number): string {
	return formatAge(parseInstant(iso), now);
}

function barWidth(width: number): number {
	return Math.max(8, Math.min(BAR_MAX, width - LABEL - (width < NARROW ? 7 : 30)));
}

function windowLines(window: WindowReport, input: AccountViewInput): ViewLine[] {
	const {width, now, toneOf} = input;
	const pace = paceOf(window, now);
	const tone = toneOf(window.utilization);
	const estimate = window.source === 'estimated' || window.resetPassed;
	const percent = `${estimate && window.utilization !== null ? '~' : ''}${formatPercent(window.utilization)}`;
	const word = paceWord(window.utilization, pace);
	// "ahead of pace (28%)": the verdict, with where an even spend would be now; "pace --" when unknown.
	const paceNumber = pace === null ? '--' : formatPercent(pace);
	const paceSegs: Seg[] = word ? [seg(word.text, word.tone), seg(` (${paceNumber})`, 'muted')] : [seg(`pace ${paceNumber}`, 'muted')];
	// A narrow pane keeps the bar and the number on the first line; the pace goes to the details.
	const narrow = width < NARROW;
	const head: Seg[] = [
		seg(pad(windowName(window.kind), LABEL), undefined, true),
		...paceBar(window.utilization, pace, barWidth(width), tone),
		seg(` ${pad(percent, 5, 'right')}`, tone, true),
		...(narrow ? [] : [seg('  '), ...paceSegs]),
	];
	const reset = parseInstant(window.resetsAt);
	const parts: Seg[] = [
		...(narrow ? [seg(word ? `${word.text} (${paceNumber})` : `pace ${paceNumber}`, word?.tone ?? 'muted')] : []),
		seg(reset === null ? 'reset unknown' : `resets ${formatLocalTime(reset, now)} (in ${formatCountdown(reset, now)})`),
	];
	if (window.projectedAtReset !== null && !window.resetPassed) {
		parts.push(seg(`${formatPercent(window.projectedAtReset)} at reset`, toneOf(window.projectedAtReset)));
	}

	if (window.ratePerHour !== null && window.ratePerHour > 0) parts.push(seg(`${(window.ratePerHour * 100).toFixed(1)}%/h`, 'muted'));
	const exhausts = parseInstant(window.exhaustsAt);
	if (exhausts !== null) parts.push(seg(`full at ${formatLocalTime(exhausts, now)} (in ${formatCountdown(exhausts, now)})`, 'critical'));
	const sourceTone: Tone = window.stale ? 'warn' : 'muted';
	parts.push(seg(window.origin, sourceTone), seg(window.source, sourceTone), seg(`${ageText(window.observedAt, now)}${window.stale ? ' (stale)' : ''}`, sourceTone));
	if (window.detected) {
		parts.push(seg(`detected ${formatPercent(window.detected.utilization)} (${window.detected.origin}, ${ageText(window.detected.observedAt, now)}) under the user-entered value`, 'muted'));
	}

	const lines: ViewLine[] = [fitLine(head, width), ...packParts(parts, width, LABEL)];
	const history = input.detail?.history[window.kind];
	if (history !== undefined) {
		const room = Math.max(8, width - LABEL);
		lines.push([seg(pad('  7 days', LABEL), 'muted'), seg(sparkline(history, room), 'accent')]);
	}

	return lines;
}

function extraUsageLines(account: AccountReport, input: AccountViewInput): ViewLine[] {
	const extra = account.extraUsage;
	if (!extra?.enabled || account.windows.some(window => window.kind === 'extra_usage')) return [];
	const sign = extra.currency === 'USD' ? '$' : `${extra.currency} `;
	const used = extra.usedUsd ?? 0;
	const fraction = extra.limitUsd === null || extra.limitUsd <= 0 ? null : used / extra.limitUsd;
	const tone = input.toneOf(fraction);
	return [
		fitLine([
			seg(pad('extra usage', LABEL), undefined, true),
			seg(formatBar(fraction, barWidth(input.width)), tone),
			seg(` ${pad(formatPercent(fraction), 5, 'right')}`, tone, true),
		], input.width),
		...packParts([seg(`${sign}${used.toFixed(2)} used of ${extra.limitUsd === null ? 'no limit' : `${sign}${extra.limitUsd.toFixed(2)}`}`), seg('pay-as-you-go, after the included quota', 'muted')], input.width, LABEL),
	];
}

function resetLines(account: AccountReport, input: AccountViewInput): ViewLine[] {
	const open = (account.resets ?? []).filter(reset => !reset.lapsed && (reset.status === 'available' || reset.status === 'redeeming'));
	return open.flatMap((reset, index) => {
		const expires = parseInstant(reset.expiresAt);
		const parts: Seg[] = [
			seg(`${reset.count}× ${reset.kind === 'both' ? '5-hour + weekly' : windowName(reset.kind)}${reset.model ? ` (${reset.model})` : ''}`, undefined, true),
			seg(expires === null ? 'no expiry known' : `expires ${formatLocalTime(expires, input.now)} (in ${formatCountdown(expires, input.now)})`),
			seg(reset.usableNow ? 'usable now (u)' : 'not usable yet', reset.usableNow ? 'ok' : 'muted'),
			seg(`${reset.source} · ${ageText(reset.observedAt, input.now)}`, 'muted'),
		];
		return packParts(parts, input.width, LABEL).map((line, row) => (row === 0 ? [seg(pad(index === 0 ? 'banked resets' : '', LABEL), undefined, true), ...line.slice(1)] : line));
	});
}

/** The fullest included window of an account (extra usage is money, not the shared quota). */
function fullest(account: AccountReport): number | null {
	const used = account.windows.filter(window => window.kind !== 'extra_usage' && window.utilization !== null).map(window => window.utilization!);
	return used.length === 0 ? null : Math.max(...used);
}

/**
 * The shared pool as a bar: its members draw on one quota, so their readings agree, and within a window
 * use only rises, so the highest reading among them is the freshest view of the pool.
 */
function poolLines(account: AccountReport, input: AccountViewInput): ViewLine[] {
	if (!account.pool) return [];
	const pool = input.report.pools?.find(p => p.id === account.pool);
	const members = input.report.accounts.filter(member => member.pool === account.pool);
	const readings = members.map(member => ({name: member.name, used: fullest(member)})).filter(reading => reading.used !== null);
	const top = readings.toSorted((a, b) => b.used! - a.used!)[0];
	const fraction = top?.used ?? null;
	const tone = input.toneOf(fraction);
	const others = (pool?.members ?? members.map(member => member.name)).filter(name => name !== account.name);
	const parts: Seg[] = [
		seg(account.pool, undefined, true),
		seg(`shared with ${others.join(', ') || 'no other account'}`),
		...(top && readings.length > 1 ? [seg(`highest of ${readings.length} readings: ${top.name}`, 'muted')] : []),
		...(pool ? [seg(pool.reason, 'muted')] : []),
	];
	return [
		fitLine([
			seg(pad('pool', LABEL), undefined, true),
			seg(formatBar(fraction, barWidth(input.width)), tone),
			seg(` ${pad(formatPercent(fraction), 5, 'right')}`, tone, true),
		], input.width),
		...packParts(parts, input.width, LABEL),
	];
}

function wasteLines(input: AccountViewInput): ViewLine[] {
	const util = input.utilization;
	if (!util) return [...wrapText('no history read yet', input.width, 2, 'muted')];
	const money = (value: number | null) => (value === null ? '--' : `$${value.toFixed(2)}`);
	const rows = util.closedWeeks.toReversed().map(week => {
		const reset = parseInstant(week.resetsAt);
		return [
			seg(reset === null ? week.resetsAt : formatLocalTime(reset, input.now)),
			seg(formatPercent(week.final), input.toneOf(week.final)),
			seg(money(week.wasteUsd), (week.wasteUsd ?? 0) > 0 ? 'warn' : 'ok'),
			seg(`${week.userEntered ? 'user-entered · ' : ''}${week.largeGap ? `last seen ${formatCountdown(reset, parseInstant(week.finalObservedAt) ?? 0)} before the reset: may have been used more` : 'seen until the reset'}`, 'muted'),
		];
	});
	const lines: ViewLine[] = rows.length > 0
		? tableLines(['week closed', 'final', 'wasted', 'note'], rows, input.width)
		: wrapText('no closed week in the history yet', input.width, 2, 'muted');
	const open = util.openWeek;
	if (open) {
		lines.push(...packParts([
			seg(`open week: ${formatPercent(open.utilization)} now`),
			seg(`${formatPercent(open.projectedAtReset)} projected at reset`, input.toneOf(open.projectedAtReset)),
			seg(`${money(open.projectedWasteUsd)} projected waste`, (open.projectedWasteUsd ?? 0) > 0 ? 'warn' : 'muted'),
		], input.width, 2));
	}

	const per = util.wasteUsdPerWeek;
	lines.push(...wrapText(`weekly value ${money(util.weeklyValueUsd)} · waste ~${money(per)}/week (${util.estimateBasis === 'closed-weeks' ? 'mean of closed weeks' : util.estimateBasis === 'projection' ? 'projection of the open week' : 'no basis yet'})${util.missingWeeks > 0 ? ` · ${util.missingWeeks} week(s) with no observation, not counted` : ''}`, input.width, 2, 'muted'));
	return lines;
}

function budgetLines(account: AccountReport, input: AccountViewInput): ViewLine[] {
	const budgets = (input.report.budgets ?? []).filter(budget => budget.scope === `account:${account.name}`);
	if (budgets.length === 0) return wrapText(`no budget on account:${account.name} (quota-tui budget set --scope account:${account.name} …)`, input.width, 2, 'muted');
	const rows = budgets.map(budget => {
		const reset = parseInstant(budget.resetAt);
		const tone: Tone = budget.level === 'over' ? 'critical' : budget.level === 'near' ? 'warn' : 'ok';
		return [
			seg(budget.unit),
			seg(`${budget.used} of ${budget.limit}`, tone),
			seg(formatPercent(budget.utilization), tone),
			seg(`${reset === null ? 'no reset' : `resets ${formatLocalTime(reset, input.now)} (in ${formatCountdown(reset, input.now)})`}${budget.recurrence ? ` · ${budget.recurrence}` : ''} · ${budget.source}`, 'muted'),
		];
	});
	return tableLines(['unit', 'used', '%', 'reset · source'], rows, input.width);
}

function decisionLines(account: AccountReport, input: AccountViewInput): ViewLine[] {
	const decisions = input.detail?.decisions ?? input.report.decisions.filter(decision => decision.subject === account.name);
	if (decisions.length === 0) return wrapText('no decision about this account yet', input.width, 2, 'muted');
	return decisions.slice(0, 10).map(decision => fitLine([seg(`  ${decisionText(decision, input.now)}`)], input.width));
}

/** Every line of the account view. */
export function accountViewLines(input: AccountViewInput): ViewLine[] {
	const {account, width} = input;
	const badge = statusBadge(account);
	const title: Seg[] = [
		seg(account.name, 'accent', true),
		seg(` · ${account.provider}${account.plan ? ` · ${account.plan}` : ''} · `, 'muted'),
		seg(badge.text, badge.tone, true),
		...(account.active ? [seg(' · ● active', 'accent')] : []),
		...(account.recommended ? [seg(' · recommended', 'ok')] : []),
		...(account.weeklyOnly ? [seg(' · weekly only', 'muted')] : []),
	];
	const facts: Seg[] = [
		...(account.valueUsdPerMonth == null ? [] : [seg(`value $${account.valueUsdPerMonth}/month`)]),
		...(account.model ? [seg(`model ${account.model}`)] : []),
		seg(`chain ${account.chainOrder}${account.lastResort ? ' (last resort)' : ''}`),
		...(account.configDir ?? account.home ? [seg(account.configDir ?? account.home ?? '', 'muted')] : []),
		seg(`data ${account.ageMs === null ? 'none yet' : formatAge(input.now - account.ageMs, input.now)}${account.stale ? ' (stale)' : ''}`, account.stale ? 'warn' : 'muted'),
	];
	const notes = [account.message, account.weeklyOnly ? account.weeklyOnlyReason : null].filter((note): note is string => Boolean(note));
	// A weekly-only account shows its weekly windows only (a stray 5-hour one is not its limit).
	const windows = account.windows
		.filter(window => !(account.weeklyOnly && window.kind === 'five_hour'))
		.toSorted((a, b) => windowRank(a.kind) - windowRank(b.kind));
	return [
		fitLine(title, width),
		...packParts(facts, width, 0),
		...notes.flatMap(note => wrapText(note, width, 0, 'muted')),
		blankLine,
		sectionLine('WINDOWS', `${PACE_MARKER} pace: where an even spend would be now`),
		...(windows.length === 0 ? wrapText('no window reported yet', width, 2, 'muted') : windows.flatMap(window => windowLines(window, input))),
		...extraUsageLines(account, input),
		...resetLines(account, input),
		...poolLines(account, input),
		blankLine,
		sectionLine('WASTE LEDGER', 'closed weeks, newest first'),
		...wasteLines(input),
		blankLine,
		sectionLine('BUDGETS'),
		...budgetLines(account, input),
		blankLine,
		sectionLine('DECISIONS', 'newest first'),
		...decisionLines(account, input),
	];
}
