/**
 * Which lines a detail view shows, from the store's snapshot: the account view, the job view and the
 * decision log (a scrollable list of every decision with all its reasons). Pure.
 */
import {DateTime} from 'luxon';
import type {Decision} from '../../engine/types.js';
import type {AppSnapshot, DecisionsDetail} from '../../runtime/types.js';
import type {DetailView} from '../detail-state.js';
import {formatCountdown, parseInstant} from '../format.js';
import type {Tone} from '../theme.js';
import {accountViewLines, paceOf} from './account-view.js';
import {jobViewLines} from './job-view.js';
import {fitLine, lineText, seg, wrapText, type ViewLine} from './lines.js';

export type DetailOptions = {
	readonly width: number;
	/** Lines shown at once. */
	readonly page: number;
	readonly now: number;
	readonly toneOf: (fraction: number | null) => Tone;
};

const MINUTE = 60_000;

/**
 * What of `view` changes with the clock at `now`, as a cheap key: the view is rebuilt only when it
 * changes (a countdown or an age ticks over, the pace moves a percent), not every second. Every key
 * holds the wall minute too, so nothing time-dependent lags by more than a minute.
 */
export function timeKey(view: DetailView, snapshot: AppSnapshot, now: number): string {
	const minute = String(Math.floor(now / MINUTE));
	switch (view.kind) {
		case 'account': {
			const account = snapshot.report.accounts.find(a => a.name === view.name);
			if (!account) return minute;
			const targets = [
				...account.windows.flatMap(window => [window.resetsAt, window.exhaustsAt]),
				...(account.resets ?? []).map(reset => reset.expiresAt),
				...(snapshot.report.budgets ?? []).filter(budget => budget.scope === `account:${account.name}`).map(budget => budget.resetAt),
			];
			const paces = account.windows.map(window => Math.round((paceOf(window, now) ?? 0) * 100));
			return [minute, ...targets.map(target => formatCountdown(parseInstant(target), now)), ...paces].join(',');
		}

		case 'job': {
			// A running job's elapsed time counts seconds; otherwise times are minutes (ages, clock times).
			const state = snapshot.queue?.rows.find(row => row.id === view.id)?.state
				?? (snapshot.detail?.kind === 'job' && snapshot.detail.id === view.id ? snapshot.detail.job?.state : undefined);
			return state === 'running' || state === 'claimed' ? String(Math.floor(now / 1000)) : minute;
		}

		case 'decisions': {
			return minute;
		}
	}
}

/** The pane's title: `account work`, `job q-1a2b`, `decisions`. */
export function detailTitle(view: DetailView, snapshot: AppSnapshot): string {
	switch (view.kind) {
		case 'account': {
			return `account ${view.name}`;
		}

		case 'job': {
			return `job ${view.id}`;
		}

		case 'decisions': {
			const detail = snapshot.detail?.kind === 'decisions' ? snapshot.detail : undefined;
			return detail ? `decisions · ${detail.total} recorded${detail.total > detail.decisions.length ? `, newest ${detail.decisions.length} shown` : ''}` : 'decisions';
		}
	}
}

const VERDICT_TONES: Readonly<Record<string, Tone>> = {
	go: 'ok', dispatched: 'ok', switched: 'ok', recommended: 'ok', redeemed: 'ok',
	defer: 'warn', pause: 'warn', deferred: 'warn', paused_quota: 'warn', deny: 'critical', refused: 'critical', failed: 'critical',
};

/** `Mon 2 Mar 14:02` in the local zone. */
function stamp(iso: string): string {
	const at = parseInstant(iso);
	return at === null ? iso : DateTime.fromMillis(at).toFormat('ccc d LLL HH:mm');
}

/** One decision: its time, kind, subject and verdict, then every reason on its own wrapped lines. */
export function decisionLines(decision: Decision, width: number): ViewLine[] {
	return [
		fitLine([
			seg(`${stamp(decision.at)}  `, 'muted'),
			seg(decision.kind.padEnd(12), 'accent'),
			seg(`${decision.subject} `, undefined, true),
			seg(`→ ${decision.verdict}`, VERDICT_TONES[decision.verdict] ?? 'normal'),
		], width),
		...decision.reasons.flatMap(reason => wrapText(reason, width, 6).map((line, index) => (index === 0 ? [seg(`    · ${lineText(line).slice(6)}`)] : line))),
	];
}

export function decisionLogLines(detail: DecisionsDetail | undefined, fallback: readonly Decision[], width: number): ViewLine[] {
	const decisions = detail?.decisions ?? fallback;
	if (decisions.length === 0) return wrapText('No decision recorded yet: switches, gate verdicts, dispatches and deferrals appear here.', width, 0, 'muted');
	return decisions.flatMap(decision => decisionLines(decision, width));
}

/** Every line of `view` at `now`. */
export function detailViewLines(view: DetailView, snapshot: AppSnapshot, options: DetailOptions): ViewLine[] {
	const {detail, report} = snapshot;
	switch (view.kind) {
		case 'account': {
			const account = report.accounts.find(a => a.name === view.name);
			if (!account) return wrapText(`There is no account ${view.name} any more.`, options.width, 0, 'muted');
			return accountViewLines({
				account,
				report,
				detail: detail?.kind === 'account' && detail.name === view.name ? detail : undefined,
				utilization: snapshot.utilization?.accounts.find(a => a.name === view.name),
				width: options.width,
				now: options.now,
				toneOf: options.toneOf,
			});
		}

		case 'job': {
			return jobViewLines({
				row: snapshot.queue?.rows.find(row => row.id === view.id),
				detail: detail?.kind === 'job' && detail.id === view.id ? detail : undefined,
				width: options.width,
				page: options.page,
				now: options.now,
			});
		}

		case 'decisions': {
			return decisionLogLines(detail?.kind === 'decisions' ? detail : undefined, report.decisions, options.width);
		}
	}
}
