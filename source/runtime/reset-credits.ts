/**
 * Reset credits at run time (issue 11): storing what the providers report, the opt-in ChatGPT
 * reset-credit endpoint within the read budget, and redeeming a Codex credit — every redemption a
 * recorded decision.
 *
 * The endpoint is read only for Codex accounts with `usageEndpoint: true`, only when `codex app-server`
 * has not reported the credits in the last RESET_CREDITS_FRESH_MS, and under the same rules as
 * wham/usage: at most one read per `polling.endpointMinIntervalSeconds` per account across processes
 * (its own poll_state slot), a 429 holds it until Retry-After (else 5 minutes).
 */
import type {ProviderCredits, ResetCredit} from '../engine/resets.js';
import type {Account, Decision} from '../engine/types.js';
import {consumeResetCredit, fetchChatgptResetCredits, newIdempotencyKey, type ConsumeResult} from '../providers/reset-credits.js';
import {findExecutable, isoUtc} from '../providers/util.js';
import {claimSlot, recordPoll} from '../store/poll-state.js';
import {recordDecision} from '../store/repositories.js';
import {finishRedemption, listResetCredits, markRedeeming, syncResetCredits} from '../store/resets.js';
import type {Db} from '../store/db.js';
import type {Context} from './context.js';

export const RESET_CREDITS_FRESH_MS = 15 * 60_000;
/** The poll_state slot of the reset-credit endpoint. */
export const RESET_CREDITS_SLOT = 'reset-credits';
const RATE_LIMIT_BACKOFF_MS = 5 * 60_000;
const MAX_HOLD_MS = 6 * 60 * 60_000;

/** Store the credits a provider read carried (nothing when it said nothing about them). */
export function recordResetCredits(db: Db, account: string, credits: ProviderCredits | undefined, now: number): void {
	if (credits) syncResetCredits(db, account, credits, now);
}

function recentlyReported(db: Db, account: string, now: number): boolean {
	const row = db.prepare(`SELECT max(observed_at_ms) AS at FROM reset_credits WHERE account = ? AND source IN ('codex-app-server', 'chatgpt-endpoint')`).get(account) as {at: number | null};
	return row.at !== null && now - row.at < RESET_CREDITS_FRESH_MS && row.at <= now;
}

export type CreditsRefresh = {action: 'skipped' | 'refreshed' | 'cooldown' | 'failed'; message?: string | undefined; requests: number};

/** Read the ChatGPT reset-credit endpoint for a Codex account when it is opted in and due. */
export async function refreshEndpointCredits(ctx: Pick<Context, 'db' | 'config' | 'env'>, account: Account, now: number, signal?: AbortSignal): Promise<CreditsRefresh> {
	if (account.provider !== 'codex' || !account.home || !account.usageEndpoint || account.disabled) return {action: 'skipped', requests: 0};
	if (recentlyReported(ctx.db, account.name, now)) return {action: 'skipped', requests: 0};
	const intervalMs = ctx.config.polling.endpointMinIntervalSeconds * 1000;
	const claim = claimSlot(ctx.db, account.name, RESET_CREDITS_SLOT, now, now + Math.max(intervalMs, RESET_CREDITS_FRESH_MS), MAX_HOLD_MS + intervalMs);
	if (!claim.claimed) return {action: 'cooldown', requests: 0, message: `next reset-credit read for ${account.name} allowed at ${isoUtc(claim.nextAllowedMs)}`};
	const outcome = await fetchChatgptResetCredits({home: account.home, now, baseUrl: ctx.env['QUOTA_TUI_CHATGPT_BASE_URL'], signal});
	if (signal?.aborted) return {action: 'failed', requests: outcome.requested ? 1 : 0, message: 'stopped'};
	if (outcome.ok) {
		recordPoll(ctx.db, account.name, RESET_CREDITS_SLOT, now, {ok: true});
		syncResetCredits(ctx.db, account.name, outcome.credits, now);
		return {action: 'refreshed', requests: 1};
	}
	const hold = outcome.rateLimited ? now + Math.min(MAX_HOLD_MS, outcome.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS) : undefined;
	recordPoll(ctx.db, account.name, RESET_CREDITS_SLOT, now, {ok: false, error: outcome.message, holdUntilMs: hold});
	return {action: 'failed', requests: outcome.requested ? 1 : 0, message: outcome.message};
}

// ---------------------------------------------------------------------------------------------------
// Redemption

export type RedeemResult = {
	verdict: 'redeemed' | 'already-redeemed' | 'nothing-to-reset' | 'no-credit' | 'failed';
	credit: ResetCredit;
	idempotencyKey: string;
	message: string;
	decision: Decision;
	/** True when the attempt may have reached Codex: `resets use` again retries it with the same key. */
	retryable: boolean;
};

export const CLAUDE_REDEEM_HOWTO = 'quota-tui never redeems a Claude reset: in Claude Code run /limit-reset (or use claude.ai › Settings › Usage), then "quota-tui status" shows the new windows';

/**
 * Redeem a Codex credit through `codex app-server` with an idempotency key (the key of an unfinished
 * earlier attempt of the same credit is reused), record the decision, and update the credit.
 */
export async function redeemCodexCredit(ctx: Pick<Context, 'db' | 'config' | 'env'>, account: Account, credit: ResetCredit, now: number, why: string): Promise<RedeemResult> {
	const key = credit.status === 'redeeming' && credit.redeemKey ? credit.redeemKey : newIdempotencyKey();
	const executable = findExecutable(ctx.config.runners.codex[0] ?? 'codex', ctx.env);
	let result: ConsumeResult;
	if (!executable || !account.home) {
		result = {ok: false, uncertain: false, message: !account.home ? `${account.name} has no Codex home` : 'codex is not on PATH: it is needed to redeem a reset credit'};
	} else {
		markRedeeming(ctx.db, credit.id, key, now);
		result = await consumeResetCredit({executable, home: account.home, env: ctx.env, creditId: credit.providerId, idempotencyKey: key});
	}
	let verdict: RedeemResult['verdict'];
	let message: string;
	if (result.ok) {
		switch (result.outcome) {
			case 'reset':
				verdict = 'redeemed';
				message = `Redeemed a reset credit of ${account.name}: Codex reset its rate limits.`;
				finishRedemption(ctx.db, credit.id, 'redeemed', now);
				break;
			case 'alreadyRedeemed':
				verdict = 'already-redeemed';
				message = `This redemption (key ${key}) was already done: no second credit was used.`;
				finishRedemption(ctx.db, credit.id, 'redeemed', now);
				break;
			case 'nothingToReset':
				verdict = 'nothing-to-reset';
				message = `Codex had nothing to reset on ${account.name}: no credit was used.`;
				finishRedemption(ctx.db, credit.id, 'available', now);
				break;
			default:
				verdict = 'no-credit';
				message = `Codex has no reset credit for ${account.name} (it may have been used or expired elsewhere).`;
				finishRedemption(ctx.db, credit.id, 'gone', now);
		}
	} else {
		verdict = 'failed';
		message = `Could not redeem ${credit.id}: ${result.message}${result.uncertain ? ` (it may have reached Codex: "quota-tui resets use ${credit.id}" retries it with the same idempotency key)` : ''}`;
		if (!result.uncertain && executable && account.home) finishRedemption(ctx.db, credit.id, 'available', now);
	}
	const decision: Decision = {
		at: isoUtc(now),
		kind: 'reset-credit',
		subject: account.name,
		verdict,
		reasons: [message, why],
		inputs: {credit: credit.id, providerId: credit.providerId, idempotencyKey: key, kind: credit.kind, expiresAt: credit.expiresAt, source: credit.source},
	};
	recordDecision(ctx.db, decision);
	const after = listResetCredits(ctx.db, {account: account.name, all: true, now}).find(c => c.id === credit.id) ?? credit;
	return {verdict, credit: after, idempotencyKey: key, message, decision, retryable: !result.ok && result.uncertain};
}
