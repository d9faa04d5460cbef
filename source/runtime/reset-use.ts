/**
 * Using a banked reset (issue 11, `policy.resetCredits` `ask`): the one path behind `resets use` and
 * the dashboard's `u` key. `planResetUse` picks the credit (the named one, else the account's unfinished
 * redemption, else its usable credit that lapses first) and says whether quota-tui may redeem it;
 * `useResetCredit` redeems it through codex app-server (a recorded decision) and reads the account
 * again so the reset windows show.
 */
import {resetCreditsAt, type ResetCredit} from '../engine/resets.js';
import type {Account} from '../engine/types.js';
import {getResetCredit, listResetCredits} from '../store/resets.js';
import {instantMs} from '../engine/time.js';
import type {Context} from './context.js';
import {refreshAccount} from './refresh.js';
import {CLAUDE_REDEEM_HOWTO, redeemCodexCredit, type RedeemResult} from './reset-credits.js';
import type {ResetPreview} from './types.js';

export type ResetUsePlan =
	| {ok: true; credit: ResetCredit; account: Account; retrying: boolean}
	/** `usage`: the request names nothing usable (exit 2); `refused`: quota-tui does not redeem it here (exit 1). */
	| {ok: false; kind: 'usage' | 'refused'; message: string};

/** Which credit `resets use ID` / `resets use --account A` / the dashboard's `u` would redeem, or why none. */
export function planResetUse(ctx: Context, request: {id?: string | undefined; account?: string | undefined}, now: number): ResetUsePlan {
	let credit: ResetCredit | undefined;
	if (request.id) {
		credit = getResetCredit(ctx.db, request.id);
		if (!credit) return {ok: false, kind: 'usage', message: `no reset credit "${request.id}" (see "quota-tui resets list")`};
		if (request.account && credit.account !== request.account) return {ok: false, kind: 'usage', message: `${request.id} belongs to ${credit.account}, not ${request.account}`};
	} else {
		const name = request.account ?? '';
		if (!ctx.accounts.some(a => a.name === name)) return {ok: false, kind: 'usage', message: `no account "${name}" (see "quota-tui accounts list")`};
		const views = resetCreditsAt(listResetCredits(ctx.db, {account: name, now}), now);
		const retry = views.find(v => v.status === 'redeeming' && v.redeemKey);
		const open = views.filter(v => v.usableNow).toSorted((a, b) => (a.expiresInMs ?? Infinity) - (b.expiresInMs ?? Infinity));
		credit = retry ?? open[0];
		if (!credit) return {ok: false, kind: 'usage', message: `${name} has no usable reset credit (see "quota-tui resets list --account ${name}")`};
	}
	const account = ctx.accounts.find(a => a.name === credit.account);
	if (!account) return {ok: false, kind: 'usage', message: `${credit.id} belongs to ${credit.account}, which is no longer configured`};
	if (account.provider === 'claude' || credit.source === 'claude-usage') {
		return {ok: false, kind: 'refused', message: `${credit.id} is a Claude reset of ${account.name}: ${CLAUDE_REDEEM_HOWTO}. Nothing was recorded.`};
	}
	if (account.provider !== 'codex') {
		return {ok: false, kind: 'refused', message: `${credit.id} belongs to ${account.name}, a ${account.provider} account: quota-tui can redeem only Codex credits (through codex app-server). Redeem it where it was granted. Nothing was recorded.`};
	}
	if (ctx.config.policy.resetCredits === 'never') {
		return {ok: false, kind: 'usage', message: 'policy.resetCredits is "never": quota-tui redeems no reset credit (quota-tui config set policy.resetCredits ask)'};
	}
	const [view] = resetCreditsAt([credit], now);
	if (view!.lapsed || (credit.status !== 'available' && credit.status !== 'redeeming')) {
		return {ok: false, kind: 'usage', message: `${credit.id} is ${view!.lapsed ? 'lapsed' : credit.status}: it cannot be redeemed`};
	}
	return {ok: true, credit, account, retrying: credit.status === 'redeeming' && credit.redeemKey !== null};
}

/** A credit's kind in a few words (`resets list`, the y/n question). */
export const KIND_TEXT: Record<ResetCredit['kind'], string> = {five_hour: '5-hour', seven_day: 'weekly', both: '5-hour + weekly', model: 'model week', unknown: 'unknown kind'};

/** What the y/n question says about a plan (ui/format resetQuestion words it). */
export function resetPreviewOf(plan: Extract<ResetUsePlan, {ok: true}>): Extract<ResetPreview, {ok: true}> {
	return {
		ok: true, creditId: plan.credit.id, account: plan.account.name, retrying: plan.retrying, kind: KIND_TEXT[plan.credit.kind],
		expiresAtMs: instantMs(plan.credit.expiresAt) ?? null,
	};
}

/** Redeem the planned credit (a recorded decision); on success read the account again within the budget. */
export async function useResetCredit(ctx: Context, plan: Extract<ResetUsePlan, {ok: true}>, now: number, why: string): Promise<RedeemResult> {
	const result = await redeemCodexCredit(ctx, plan.account, plan.credit, now, why);
	if (result.verdict === 'redeemed' || result.verdict === 'already-redeemed') {
		await refreshAccount(ctx, plan.account, {now, force: true});
	}
	return result;
}
