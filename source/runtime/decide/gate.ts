/**
 * The gate question (DESIGN §7.2, issue 9 items 1 and 3): may a task start now, on the account the
 * caller named or on the one selection picks? One rule for `gate`, `dispatch`, auto mode, the HTTP API,
 * the dashboard's `d`, `run` and the Claude hook: the engine gate on fresh inputs with live budgets, the
 * single "no usable account" rule, and the emergency rule (the last-resort account is failure, not
 * capacity: automatic work never runs there, manual work only when named or allowed).
 */
import {gate, type GateResult, type Verdict} from '../../engine/gate.js';
import {modelStep} from '../../engine/model-ladder.js';
import {planValue} from '../../engine/plans.js';
import type {Recommendation} from '../../engine/report.js';
import {extraUsagePermitted, selectAccount} from '../../engine/select.js';
import {extraUsageLeft} from '../../engine/status.js';
import {isoAt} from '../../engine/time.js';
import type {AccountState, Decision} from '../../engine/types.js';
import {recordDecision} from '../../store/repositories.js';
import {localOffsetMinutes} from '../collect.js';
import {policyOf, type Context} from '../context.js';
import {deliveryProblems, emitEvent} from '../events.js';
import {decisionInputs, earliestReset, type DecisionInputs, type FreshOptions} from './inputs.js';

export type {GateResult, Verdict};

/** Seed 002's vocabulary for the verdict: what an orchestrator marks its plan with. */
export type GateState = 'go' | 'deferred' | 'paused_quota' | 'denied';
const STATES: Record<Verdict, GateState> = {go: 'go', defer: 'deferred', pause: 'paused_quota', deny: 'denied'};
export function gateState(verdict: Verdict): GateState {
	return STATES[verdict];
}

export type GateQuestion = {
	/** The account the caller named (`--account`); default: the one selection picks. */
	account?: string | undefined;
	estimateUsd?: number | undefined;
	estimatePct?: number | undefined;
	/** The estimate in budgets' own units (tokens, messages, credits). */
	estimateUnits?: Readonly<Record<string, number>> | undefined;
	/** policy.maxQuotaPercent for this question only (`gate --max-budget-pct`, QUOTA_TUI_MAX_BUDGET_PCT). */
	maxQuotaPercent?: number | undefined;
	scopes?: readonly string[] | undefined;
	/** Judge the windows this model uses (`gate --model M`). */
	model?: string | undefined;
	/** Route to the next model down policy.modelLadder when a model-scoped weekly window binds (dispatch). */
	route?: boolean | undefined;
	priority?: 'critical' | 'normal' | 'low' | undefined;
	/** Automatic work: yields to manual work, never runs on the emergency fallback. */
	automatic?: boolean | undefined;
	/** Manual work may run on the emergency fallback without naming it. */
	allowEmergency?: boolean | undefined;
	/** Only accounts that pass this may be chosen (a job's provider). */
	fits?: ((state: AccountState) => boolean) | undefined;
	/** The sentence when no account is usable (default "Stopping: no usable account (REASON)"). */
	noAccount?: ((reason: string) => string) | undefined;
};

export type Judgement = {
	result: GateResult;
	/** The account judged (null when none is usable). */
	target: AccountState | null;
	/** The selection among the accounts that fit. */
	recommendation: Recommendation;
	/** The account judged is the emergency fallback. */
	emergency: boolean;
	/** The model judged when it is not the account's own (gate --model, or routing); null otherwise. */
	model: string | null;
};

/** Apply the policy to assembled inputs (no I/O, no record). */
export function judge(ctx: Context, inputs: Pick<DecisionInputs, 'states' | 'budgets' | 'active' | 'recommendation'>, question: GateQuestion, now: number): Judgement {
	const policy = policyOf(ctx.config);
	const pool = question.fits ? inputs.states.filter(question.fits) : inputs.states;
	const recommendation = question.fits ? selectAccount({accounts: pool, active: inputs.active, policy, now}) : inputs.recommendation;
	const named = question.account;
	const name = named ?? recommendation.account;
	const state = name ? inputs.states.find(s => s.account.name === name) ?? null : null;
	const pause = (sentence: string, account = '', retryAt = earliestReset(pool.filter(s => !s.account.lastResort), now)): GateResult =>
		({verdict: 'pause', exitCode: 75, account, reasons: [sentence], retryAt, budgets: []});
	if (!state) {
		const sentence = question.noAccount ? question.noAccount(recommendation.reason) : `Stopping: no usable account (${recommendation.reason})`;
		return {result: pause(sentence, '', earliestReset(pool, now)), target: null, recommendation, emergency: false, model: null};
	}
	const lastResort = state.account.lastResort === true;
	const automatic = question.automatic === true || question.priority === 'low';
	const emergencyReasons: string[] = [];
	if (lastResort) {
		const fallback = state.account.name;
		if (automatic) {
			const sentence = named
				? `Stopping: ${fallback} is the emergency fallback: automatic work never runs there`
				: `Stopping: only the emergency fallback ${fallback} is left (${recommendation.reason}); automatic work never runs there`;
			return {result: pause(sentence, fallback), target: state, recommendation, emergency: true, model: null};
		}
		if (!named && question.allowEmergency !== true) {
			return {result: pause(`Stopping: only the emergency fallback ${fallback} is left (${recommendation.reason}); run there only with --account ${fallback} or --allow-emergency`, fallback), target: state, recommendation, emergency: true, model: null};
		}
		emergencyReasons.push(`EMERGENCY: ${fallback} is the emergency fallback; manual work runs there because ${named ? 'it was named' : '--allow-emergency was given'}`);
	}
	// Model tiers (policy.modelLadder): the model asked about, or the next one down when routing.
	const step = modelStep(state, policy.modelLadder, policy.switchThreshold, question.model ?? state.account.model);
	const model = question.model ?? (question.route ? step?.model : undefined);
	const result = gate({
		state,
		budgets: inputs.budgets,
		request: {
			model,
			estimateUsd: question.estimateUsd,
			estimatePct: question.estimatePct,
			estimateUnits: question.estimateUnits,
			scopes: question.scopes,
			priority: question.priority,
			automatic: question.automatic,
			explicitAccount: named !== undefined,
			extraUsage: extraUsagePermitted(state, pool, policy),
		},
		policy: question.maxQuotaPercent === undefined ? policy : {...policy, maxQuotaPercent: question.maxQuotaPercent},
		valueUsdPerMonth: planValue(state.account) ?? undefined,
		now,
	});
	if (emergencyReasons.length > 0) result.reasons.splice(1, 0, ...emergencyReasons);
	if (model && step?.model === model) result.reasons.splice(1, 0, step.reason);
	else if (step && result.verdict !== 'go') result.reasons.push(`the next model down policy.modelLadder has room: ${step.reason} (gate --model ${step.model})`);
	if (result.verdict !== 'go' && extraUsageLeft(state.extraUsage) && !extraUsagePermitted(state, pool, policy)) {
		result.reasons.push(policy.extraUsage === 'never'
			? `its extra usage is not used: policy.extraUsage is "never"`
			: `its extra usage is not used: policy.extraUsage is "last" and another account still has included quota`);
	}
	return {result, target: state, recommendation, emergency: lastResort, model: model ?? null};
}

export type GateAnswer = Judgement & {
	/** The verdict in seed 002's words (`gate --json` `state`). */
	state: GateState;
	decision: Decision;
	/** Warnings for stderr (unreadable logs, undelivered events, an unrecorded decision). */
	warnings: string[];
};

/**
 * `gate` as a service: fresh inputs, the judgement, the decision recorded, `gate-paused` emitted on a
 * pause. Never throws for expected states.
 */
export async function decideGate(ctx: Context, question: GateQuestion, now: number, options: FreshOptions = {}): Promise<GateAnswer> {
	const inputs = await decisionInputs(ctx, now, options);
	const judgement = judge(ctx, inputs, question, now);
	const {result} = judgement;
	const warnings = [...inputs.warnings];
	const decision: Decision = {
		at: isoAt(now, localOffsetMinutes(now)),
		kind: 'gate',
		subject: result.account || 'none',
		verdict: result.verdict,
		reasons: result.reasons,
		inputs: {
			account: question.account ?? null,
			recommended: judgement.recommendation.account,
			emergency: judgement.emergency,
			estimateUsd: question.estimateUsd ?? null,
			estimatePct: question.estimatePct ?? null,
			estimateUnits: question.estimateUnits ?? {},
			maxQuotaPercent: question.maxQuotaPercent ?? null,
			scopes: question.scopes ?? [],
			priority: question.priority ?? 'normal',
			automatic: question.automatic ?? false,
			allowEmergency: question.allowEmergency ?? false,
			retryAt: result.retryAt,
		},
	};
	try {
		recordDecision(ctx.db, decision);
	} catch (error) {
		warnings.push(`could not record the decision: ${(error as Error).message}`);
	}
	if (result.verdict === 'pause') {
		const deliveries = await emitEvent(ctx, 'gate-paused', {
			key: `${result.account || 'none'}:${result.retryAt ?? 'unknown'}:${result.reasons[0] ?? ''}`,
			account: result.account || null,
			message: result.reasons[0] ?? 'paused',
			data: {verdict: result.verdict, reasons: result.reasons, retryAt: result.retryAt, automatic: question.automatic ?? false},
		}, now);
		warnings.push(...deliveryProblems(deliveries));
	}
	return {...judgement, state: gateState(result.verdict), decision, warnings};
}
