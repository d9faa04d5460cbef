/**
 * The estimate question (`estimate`, seed 002's plan sentence): what the plan costs and how much quota
 * is left to spend it on (dollar ceilings measured from the logs now, the rest at its plan's weekly
 * value), on fresh data (issue 9 item 1, audit S2).
 */
import {remainingQuota} from '../../engine/ceiling.js';
import {planSentence, resolveEstimate} from '../../engine/jobs.js';
import {weeklyValue} from '../../engine/plans.js';
import {ineligibility} from '../../engine/select.js';
import type {Context} from '../context.js';
import {estimateDefaults, learned, readQueue} from '../queue.js';
import {decisionInputs, type FreshOptions} from './inputs.js';

export type EstimateQuestion = {
	/** How many tasks (default: the queued jobs, each with its own estimate). */
	tasks?: number | undefined;
	/** The kind of task (default "task"); with queued jobs, only jobs of this kind. */
	kind?: string | undefined;
	/** Only the quota left on this account (default: every usable, non-last-resort account). */
	account?: string | undefined;
};

function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

export async function decideEstimate(ctx: Context, question: EstimateQuestion, now: number, options: FreshOptions = {}) {
	const byKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	const kind = question.kind?.trim().toLowerCase() || 'task';
	let count: number;
	let usd: number;
	let fraction: number;
	let detail: string;
	if (question.tasks !== undefined) {
		const per = resolveEstimate({estimateUsd: null, estimatePct: null, kind}, byKind.get(kind), defaults);
		count = question.tasks;
		usd = per.usd * question.tasks;
		fraction = per.pct * question.tasks;
		detail = `${question.tasks} × ~${money(per.usd)} (${per.detail})`;
	} else {
		const queued = readQueue(ctx, now).jobs.filter(job => job.state === 'queued' && (question.kind === undefined || job.kind === kind));
		count = queued.length;
		usd = queued.reduce((sum, job) => sum + job.estimate.usd, 0);
		fraction = queued.reduce((sum, job) => sum + job.estimate.pct, 0);
		detail = `the ${count} queued job${count === 1 ? '' : 's'}${question.kind ? ` of kind ${kind}` : ''}, each with its own estimate`;
	}
	// Fresh provider data, and dollar ceilings measured from the local logs now.
	const inputs = await decisionInputs(ctx, now, options);
	const {states} = inputs;
	const chosen = question.account ? states.filter(s => s.account.name === question.account) : states.filter(s => !s.account.lastResort && !ineligibility(s));
	const maxPct = ctx.config.policy.maxQuotaPercent;
	const accounts = chosen.map(state => {
		const value = weeklyValue(state.account);
		const left = remainingQuota(state, value, maxPct);
		const weekly = state.windows.find(w => w.kind === 'seven_day');
		const headroom = weekly?.utilization === null || weekly?.utilization === undefined ? null : Math.max(0, 1 - weekly.utilization);
		return {name: state.account.name, weeklyHeadroom: headroom, weeklyValueUsd: value, remainingUsd: left.remainingUsd, spendableUsd: left.spendableUsd, basis: left.basis, of: left.of, ceiling: state.ceiling ?? null};
	});
	const known = accounts.filter(a => a.remainingUsd !== null);
	const sum = (pick: (a: (typeof accounts)[number]) => number | null) => Math.round(known.reduce((total, a) => total + (pick(a) ?? 0), 0) * 100) / 100;
	const remainingUsd = known.length === 0 ? null : sum(a => a.remainingUsd);
	const spendableUsd = known.length === 0 ? null : sum(a => a.spendableUsd);
	const sentence = planSentence(count, usd, remainingUsd, known.length === 1 && known[0]!.basis === 'ceiling' ? known[0]!.of : null);
	// The plan fits when it stays under maxQuotaPercent (the reserve is for interactive use).
	const fits = spendableUsd === null ? null : usd <= spendableUsd + 1e-9;
	return {
		tasks: count,
		kind: question.tasks === undefined && question.kind === undefined ? null : kind,
		estimatedUsd: Math.round(usd * 100) / 100,
		estimatedPct: Math.round(fraction * 1e6) / 1e6,
		remainingUsd,
		spendableUsd,
		maxQuotaPercent: maxPct,
		fits,
		detail,
		accounts,
		sentence,
		warnings: inputs.warnings,
	};
}

export type EstimateAnswer = Awaited<ReturnType<typeof decideEstimate>>;
