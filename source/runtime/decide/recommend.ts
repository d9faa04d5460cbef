/**
 * The recommend question (DESIGN §7.1, issue 9 items 1 and 10): which account to use now, on fresh
 * data. The answer is recorded as a decision when it changes ("switching a → b", "confirmed a"), the
 * watched transitions reach the hooks, and with `switch` the answer becomes the active account (never
 * the emergency fallback: that stays a failure a person acts on).
 */
import {isoAt} from '../../engine/time.js';
import type {AccountStatus, Decision} from '../../engine/types.js';
import {getKv, recordDecision, setKv} from '../../store/repositories.js';
import {localOffsetMinutes, type Collected} from '../collect.js';
import type {Context} from '../context.js';
import {deliveryProblems, watchEvents} from '../events.js';
import {refreshAccount} from '../refresh.js';
import {switchAccount, type SwitchOutcome} from '../switch.js';
import {decisionInputs, type FreshOptions} from './inputs.js';

export type RecommendQuestion = {
	/** Only accounts of this provider. */
	provider?: string | undefined;
	/** Make the answer the active account (`recommend --switch`). */
	switch?: boolean | undefined;
};

export type RecommendAnswer = {
	recommendation: Collected['recommendation'];
	collected: Collected;
	/** The decision recorded now (null when the answer did not change since the last one recorded). */
	decision: Decision | null;
	/** The switch made (with `switch`), or why none was made. */
	switched: SwitchOutcome | null;
	switchNote: string | null;
	warnings: string[];
};

const LAST_KEY = (provider: string | undefined) => `recommend:last:${provider ?? '*'}`;

/** "switching a → b" when the answer is not the active account, "confirmed a" when it is. */
export function recommendSentence(active: string | null, answer: string | null, emergency: boolean): string {
	if (!answer) return 'no usable account';
	const tail = emergency ? ' (emergency fallback)' : '';
	return active && active !== answer ? `switching ${active} → ${answer}${tail}` : `confirmed ${answer}${tail}`;
}

/** The chain is in the seed's "all invalid" state when every account is one of these (or marked by real use). */
const INVALID_OR_UNKNOWN: ReadonlySet<AccountStatus> = new Set(['invalid_key', 'token_expired', 'unknown', 'unreachable']);

/**
 * Seed 001-10: when every chain account is invalid or unknown, a cached key refusal must not stand until
 * the shared slot frees (keys that come back are picked up by the next launch, not minutes later). Each
 * account whose key the quota API refused (401) is read once, now, past the 180 s slot — a Retry-After
 * still holds (runtime/refresh.ts bypassSlot). A provider that is down (5xx, no answer) keeps its
 * back-off: reading it again at once would not help. A failure from real use is not re-read: only a
 * real success clears it. Returns the accounts read.
 */
async function probeWhenAllInvalid(ctx: Context, collected: Collected, provider: string | undefined, now: number): Promise<string[]> {
	if (ctx.demo || (collected.recommendation.account && !collected.recommendation.emergency)) return [];
	const chain = collected.states.filter(s => !s.account.lastResort && !s.account.disabled && (!provider || s.account.provider === provider));
	if (chain.length === 0 || !chain.every(s => INVALID_OR_UNKNOWN.has(s.status) || s.unusableReason)) return [];
	const probe = chain.filter(s => s.status === 'invalid_key' && !s.unusableReason && (s.account.provider === 'claude' || s.account.provider === 'codex'));
	const results = await Promise.all(probe.map(s => refreshAccount(ctx, s.account, {now, force: true, bypassSlot: true})));
	return results.filter(r => r.requests > 0).map(r => r.account);
}

export async function decideRecommend(ctx: Context, question: RecommendQuestion, now: number, options: FreshOptions = {}): Promise<RecommendAnswer> {
	let collected = await decisionInputs(ctx, now, {...options, provider: question.provider});
	const probed = options.refresh === false ? [] : await probeWhenAllInvalid(ctx, collected, question.provider, now);
	if (probed.length > 0) collected = await decisionInputs(ctx, now, {...options, provider: question.provider});
	const {recommendation, active} = collected;
	const warnings = [...collected.warnings];
	// all-exhausted, emergency, recommendation-changed (and whatever else changed) reach the hooks.
	if (!question.provider) warnings.push(...deliveryProblems(await watchEvents(ctx, collected, now)));
	const sentence = recommendSentence(active, recommendation.account, recommendation.emergency);
	let decision: Decision | null = null;
	if (!ctx.demo) {
		try {
			const key = LAST_KEY(question.provider);
			if (getKv(ctx.db, key) !== sentence) {
				decision = {
					at: isoAt(now, localOffsetMinutes(now)),
					kind: 'recommend',
					subject: recommendation.account ?? 'none',
					verdict: recommendation.account ? (recommendation.emergency ? 'emergency' : active && active !== recommendation.account ? 'switching' : 'confirmed') : 'none',
					reasons: [sentence, recommendation.reason],
					inputs: {active, provider: question.provider ?? null, emergency: recommendation.emergency, alternatives: recommendation.alternatives, ...(probed.length > 0 ? {probed} : {})},
				};
				ctx.db.transaction(() => {
					recordDecision(ctx.db, decision!);
					setKv(ctx.db, key, sentence, now);
				});
			}
		} catch (error) {
			decision = null;
			warnings.push(`could not record the decision: ${(error as Error).message}`);
		}
	}
	let switched: SwitchOutcome | null = null;
	let switchNote: string | null = null;
	if (question.switch) {
		if (!recommendation.account) switchNote = 'nothing to switch to: no usable account';
		else if (recommendation.emergency) switchNote = `not switched: ${recommendation.account} is the emergency fallback (switch to it yourself with quota-tui switch ${recommendation.account})`;
		else if (recommendation.account === active) switchNote = `${active} is already the active account`;
		else if (ctx.demo) switchNote = 'the demo accounts are simulated: nothing was switched';
		else {
			switched = await switchAccount(ctx, recommendation.account, now, {reason: `switched from ${active ?? 'no active account'} to ${recommendation.account} on the recommendation (recommend --switch): ${recommendation.reason}`});
			warnings.push(...switched.warnings);
		}
	}
	return {recommendation, collected, decision, switched, switchNote, warnings};
}
