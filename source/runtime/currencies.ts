/**
 * The December 2026 quota currencies in the assembled picture (issue 11 phase A): weekly-only
 * accounts, reset credits, shared pools and the plans' API credits, read from the stores and put on
 * the account states and the StatusReport by `collect` — one place for every face.
 *
 * Phase B wires these into the decision rules (selection, idle, gate, auto redemption, waste ledger).
 */
import {apiCreditsOf, planValue, weeklyValue} from '../engine/plans.js';
import {detectPools, poolOf, type Pool} from '../engine/pools.js';
import type {ResetCreditReport, StatusReport} from '../engine/report.js';
import {creditBeforeReset, lapseValue, redeemableByQuotaTui, resetCreditsAt, type ResetCreditView} from '../engine/resets.js';
import {DAY} from '../engine/time.js';
import type {AccountState} from '../engine/types.js';
import {applyWeeklyOnly, deriveWeeklyOnly, type WindowSeen} from '../engine/weekly-only.js';
import {windowHistory} from '../store/history.js';
import {listResetCredits} from '../store/resets.js';
import type {Context} from './context.js';

/** How far back weekly-only and pool detection look. */
export const CURRENCY_HISTORY_MS = 8 * DAY;

/** Each account's detected-window history (the last 8 days). Demo accounts have none. */
export function currencyHistories(ctx: Pick<Context, 'db' | 'accounts' | 'demo'>, now: number): Map<string, WindowSeen[]> {
	const out = new Map<string, WindowSeen[]>();
	for (const account of ctx.accounts) {
		if (ctx.demo || account.provider === 'demo') {
			out.set(account.name, []);
			continue;
		}
		out.set(account.name, windowHistory(ctx.db, account.name, {sinceMs: now - CURRENCY_HISTORY_MS, stream: 'detected'}).map(o => ({
			kind: o.kind, source: o.source, utilization: o.utilization, resetsAtMs: o.resetsAtMs, firstSeenMs: o.firstSeenMs, lastSeenMs: o.lastSeenMs, observations: o.observations,
		})));
	}
	return out;
}

/** The states with the weekly-only verdict applied (no fake 5-hour window; 0 % for an idle Claude account). */
export function withWeeklyOnly(states: readonly AccountState[], histories: ReadonlyMap<string, WindowSeen[]>, warnThreshold: number, now: number): AccountState[] {
	return states.map(state => applyWeeklyOnly(state, deriveWeeklyOnly({state, history: histories.get(state.account.name) ?? [], now}), warnThreshold));
}

/** Shared pools from the config overrides and the histories. */
export function poolsOf(states: readonly AccountState[], histories: ReadonlyMap<string, WindowSeen[]>): Pool[] {
	return detectPools(states.map(state => ({
		account: state.account.name,
		provider: state.account.provider,
		observations: (histories.get(state.account.name) ?? []).filter(o => o.kind === 'five_hour' || o.kind === 'seven_day'),
		override: state.account.pool,
	})));
}

/** The states with their shared pool set (selection, idle detection and waste count a pool once). */
export function withPools(states: readonly AccountState[], pools: readonly Pool[]): AccountState[] {
	const pooled = poolOf(pools);
	return states.map(state => ({...state, pool: pooled.get(state.account.name) ?? null}));
}

/**
 * The states with the reset credit each exhausted account could use before its natural reset (selection
 * ranks it after included headroom, before extra usage). None with policy.resetCredits = never.
 */
export function withLapsingCredits(ctx: Pick<Context, 'db' | 'demo' | 'config'>, states: readonly AccountState[], now: number): AccountState[] {
	if (ctx.demo || ctx.config.policy.resetCredits === 'never' || !states.some(s => s.status === 'rejected')) return [...states];
	const credits = listResetCredits(ctx.db, {now});
	return states.map(state => {
		if (state.status !== 'rejected') return state;
		const found = creditBeforeReset(state, resetCreditsAt(credits.filter(c => c.account === state.account.name), now));
		if (found.kind !== 'found') return state;
		return {...state, lapsingCredit: {id: found.credit.id, expiresAt: found.credit.expiresAt, naturalResetAt: found.naturalAt, redeemable: redeemableByQuotaTui(found.credit, state.account.provider)}};
	});
}

/** One account's credits as status shows them. */
export function resetReports(views: readonly ResetCreditView[], state: AccountState, now: number): ResetCreditReport[] {
	const weekly = weeklyValue(state.account);
	return views.map(view => {
		const value = view.status === 'available' || view.lapsed ? lapseValue(view, state, weekly, now) : null;
		return {
			id: view.id, kind: view.kind, model: view.model, count: view.count, expiresAt: view.expiresAt, expiresInMs: view.expiresInMs, startsAt: view.startsAt,
			source: view.source, status: view.status, usableNow: view.usableNow, lapsed: view.lapsed,
			redeemable: redeemableByQuotaTui(view, state.account.provider) && !view.lapsed,
			title: view.title, note: view.note,
			valueIfLapsedUsd: value?.usd ?? null, valueBasis: value?.basis ?? (view.status === 'redeemed' ? 'redeemed' : 'closed'),
			observedAt: view.observedAt,
		};
	});
}

/** Put plans, weekly-only, reset credits and pools on the report (after buildReport). */
export function annotateReport(ctx: Pick<Context, 'db' | 'demo'>, report: StatusReport, states: readonly AccountState[], pools: readonly Pool[], now: number): void {
	const credits = ctx.demo ? [] : listResetCredits(ctx.db, {now});
	const pooled = poolOf(pools);
	for (const account of report.accounts) {
		const state = states.find(s => s.account.name === account.name);
		if (!state) continue;
		account.valueUsdPerMonth = planValue(state.account);
		account.apiCredits = apiCreditsOf(state.account);
		account.weeklyOnly = state.weeklyOnly?.weeklyOnly ?? false;
		account.weeklyOnlyReason = state.weeklyOnly?.reason ?? null;
		account.resets = resetReports(resetCreditsAt(credits.filter(c => c.account === account.name), now), state, now);
		account.pool = pooled.get(account.name) ?? null;
	}
	report.pools = [...pools];
	// Members of a pool are shown together: each pool's other members follow its first one.
	if (pools.length > 0) {
		const grouped: typeof report.accounts = [];
		for (const account of report.accounts) {
			if (grouped.includes(account)) continue;
			grouped.push(account);
			if (account.pool) grouped.push(...report.accounts.filter(other => other !== account && other.pool === account.pool));
		}
		report.accounts = grouped;
	}
}
