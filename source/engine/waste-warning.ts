/**
 * The waste warning (issue 11): "NAME's week resets in 3h with 58% unused (~$26.00)" when at least
 * `autoUtilization.wasteWarnPct` of a weekly window is left within `wasteWarnHours` of its reset —
 * once per reset, through the notifier, naming the queued work that could use it. A shared pool warns
 * once (its first member, naming the others). Pure: `now` is a parameter.
 */
import {providerFits} from './jobs.js';
import {weeklyValue} from './plans.js';
import {pct} from './status.js';
import {instantMs, MINUTE} from './time.js';
import type {AccountState} from './types.js';

export type WasteWarning = {
	account: string;
	/** The other members of its shared pool (their quota is the same week). */
	poolMembers: string[];
	resetsAt: string;
	resetsInMs: number;
	/** Share of the week unused now. */
	unused: number;
	valueUsd: number | null;
	/** Titles of queued jobs that could use it (its provider's or any provider's). */
	jobs: string[];
	text: string;
};

export type WasteWarningInput = {
	states: readonly AccountState[];
	/** autoUtilization.wasteWarnPct (fraction) and wasteWarnHours. */
	pct: number;
	hours: number;
	/** Queued jobs, in queue order. */
	jobs: ReadonlyArray<{title: string; provider: string | null; account: string | null}>;
	now: number;
};

function span(ms: number): string {
	const minutes = Math.max(0, Math.round(ms / MINUTE));
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return h > 0 ? (m > 0 ? `${h}h${m}m` : `${h}h`) : `${m}m`;
}

function titles(list: readonly string[]): string {
	const shown = list.slice(0, 3).map(title => `"${title}"`).join(', ');
	return list.length > 3 ? `${shown} and ${list.length - 3} more` : shown;
}

/** The warnings due at `now` (one per account or shared pool). */
export function wasteWarnings(input: WasteWarningInput): WasteWarning[] {
	const {now} = input;
	const warnings: WasteWarning[] = [];
	const poolsSeen = new Set<string>();
	for (const state of input.states) {
		const {account} = state;
		if (account.disabled) continue;
		if (state.pool) {
			if (poolsSeen.has(state.pool)) continue;
			poolsSeen.add(state.pool);
		}
		const week = state.windows.find(w => w.kind === 'seven_day');
		const resetMs = instantMs(week?.resetsAt);
		if (!week || week.utilization === null || !Number.isFinite(week.utilization) || resetMs === undefined) continue;
		const inMs = resetMs - now;
		if (inMs <= 0 || inMs > input.hours * 3_600_000) continue;
		const unused = Math.max(0, 1 - week.utilization);
		if (unused + 1e-9 < input.pct) continue;
		const members = state.pool ? input.states.filter(s => s.pool === state.pool && s !== state).map(s => s.account.name) : [];
		const names = new Set([account.name, ...members]);
		const weekly = weeklyValue(account);
		const valueUsd = weekly === null ? null : Math.round(unused * weekly * 100) / 100;
		const jobs = input.jobs.filter(job => (job.account === null || names.has(job.account)) && providerFits(job.provider, account.provider)).map(job => job.title);
		const who = members.length > 0 ? `${account.name} (pool with ${members.join(', ')})` : account.name;
		const value = valueUsd === null ? '' : ` (~$${valueUsd.toFixed(2)})`;
		const work = jobs.length > 0 ? `; queued work that could use it: ${titles(jobs)} — run quota-tui auto-spend` : '; nothing is queued for it';
		warnings.push({
			account: account.name,
			poolMembers: members,
			resetsAt: week.resetsAt!,
			resetsInMs: inMs,
			unused,
			valueUsd,
			jobs,
			text: `${who}'s week resets in ${span(inMs)} with ${pct(unused)} unused${value}${work}`,
		});
	}
	return warnings;
}
