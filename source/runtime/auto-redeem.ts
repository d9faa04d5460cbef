/**
 * policy.resetCredits = auto at run time (issue 11): the auto tick (dashboard, `serve`) and `auto-spend`
 * redeem a Codex reset credit when the engine's rule says so (engine/resets autoRedeemChoice: the
 * account is exhausted, work is queued for it, no other account has included headroom for it, and the
 * credit lapses before the natural reset). One redemption per account (and per shared pool) at a time
 * across processes; every redemption is a recorded decision (redeemCodexCredit).
 */
import {providerFits} from '../engine/jobs.js';
import {autoRedeemChoice, resetCreditsAt, type AutoRedeem} from '../engine/resets.js';
import {ineligibility} from '../engine/select.js';
import {bindingUtilization} from '../engine/status.js';
import {instantMs} from '../engine/time.js';
import {listJobs} from '../store/jobs.js';
import {claimSlot} from '../store/poll-state.js';
import {listResetCredits} from '../store/resets.js';
import type {Collected} from './collect.js';
import type {Context} from './context.js';
import {refreshAccount} from './refresh.js';
import {redeemCodexCredit, type RedeemResult} from './reset-credits.js';

/** The poll_state slot that keeps two processes from redeeming for one account at once. */
export const REDEEM_SLOT = 'reset-redeem';
const REDEEM_HOLD_MS = 2 * 60_000;

export type AutoRedeemOutcome = {account: string; choice: AutoRedeem; result: RedeemResult | null};

/** Decide (and with `dryRun` false, do) the automatic redemptions at `now`. */
export async function autoRedeemCredits(ctx: Context, collected: Collected, now: number, options: {dryRun?: boolean} = {}): Promise<AutoRedeemOutcome[]> {
	const policy = ctx.config.policy.resetCredits;
	if (policy !== 'auto' || ctx.demo) return [];
	const queued = listJobs(ctx.db, {states: ['queued']});
	const credits = listResetCredits(ctx.db, {all: true, now});
	const outcomes: AutoRedeemOutcome[] = [];
	const poolsDone = new Set<string>();
	for (const state of collected.states) {
		const {account} = state;
		if (account.provider !== 'codex' || account.disabled) continue;
		if (state.pool && poolsDone.has(state.pool)) continue;
		const mine = credits.filter(c => c.account === account.name);
		const views = resetCreditsAt(mine, now);
		if (!views.some(v => v.usableNow || v.status === 'redeeming')) continue;
		const forIt = queued.filter(job => (job.account === null || job.account === account.name) && providerFits(job.provider, account.provider)).length;
		const elsewhere = collected.states.find(other => other !== state && other.account.provider === account.provider && !other.account.lastResort
			&& (state.pool === null || state.pool === undefined || other.pool !== state.pool)
			&& ineligibility(other) === undefined && (bindingUtilization(other.windows, other.account.model) ?? 1) < 1);
		const observed = state.windows.map(w => instantMs(w.observedAt)).filter((ms): ms is number => ms !== undefined);
		const redeemed = mine.filter(c => c.redeemKey !== null && c.closedAt !== null).map(c => instantMs(c.closedAt)).filter((ms): ms is number => ms !== undefined);
		const choice = autoRedeemChoice({
			state,
			credits: views,
			queued: forIt,
			headroomElsewhere: elsewhere?.account.name ?? null,
			observedMs: observed.length > 0 ? Math.max(...observed) : null,
			lastRedemptionMs: redeemed.length > 0 ? Math.max(...redeemed) : null,
			policy,
			now,
		});
		if (!choice.credit) continue;
		if (options.dryRun) {
			outcomes.push({account: account.name, choice, result: null});
			continue;
		}
		// One process redeems for the account (and its pool) at a time.
		if (!claimSlot(ctx.db, state.pool ?? account.name, REDEEM_SLOT, now, now + REDEEM_HOLD_MS).claimed) continue;
		const credit = mine.find(c => c.id === choice.credit!.id)!;
		const result = await redeemCodexCredit(ctx, account, credit, now, `automatic (policy.resetCredits auto): ${choice.reasons.join('; ')}`);
		if (result.verdict === 'redeemed' || result.verdict === 'already-redeemed') await refreshAccount(ctx, account, {now, force: true});
		if (state.pool) poolsDone.add(state.pool);
		outcomes.push({account: account.name, choice, result});
	}
	return outcomes;
}
