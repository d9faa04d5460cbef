/**
 * Auto-utilization at runtime (DESIGN §7.3): the plan (idle capacity per account, which queued jobs fit
 * and why, which do not and why), `auto-spend` running it, and the tick of long-running processes (the
 * dashboard, `serve`): in `suggest` mode one notification per idle episode, in `auto` mode one
 * automatic job at a time per account. Exclusions and deferrals become decisions (recorded when they
 * change, not on every tick).
 */
import {jobScopes} from '../engine/jobs.js';
import {autoHold} from '../engine/resume.js';
import {sourceExclusion, sourceSelects} from '../engine/sources.js';
import {activeQuietHours, detectManualActivity, idleCapacity, planAutoSpend, type AutoPlan, type IdleAccount, type PlanJob, type UsageSample} from '../engine/idle.js';
import type {AutoMode} from '../engine/report.js';
import {DAY, MINUTE} from '../engine/time.js';
import type {Config} from '../store/config.js';
import {listJobs} from '../store/jobs.js';
import {getKv, recordDecision, setKv} from '../store/repositories.js';
import {collect, type Collected} from './collect.js';
import {policyOf, type Context} from './context.js';
import {decisionInputs, type DecisionInputs} from './decide/inputs.js';
import {dispatchJob, type DispatchOutcome} from './dispatch.js';
import {accountObservations} from './history.js';
import {autoRedeemCredits, type AutoRedeemOutcome} from './auto-redeem.js';
import {currencyNotifications, type CurrencyNotice} from './currency-notify.js';
import {notify, type NotifyResult} from './notify.js';
import {estimateDefaults, jobView, learned, localIso, readQueue, type QueueRead} from './queue.js';
import {resumeTick} from './resume.js';
import {autoSpendOf} from './utilization.js';

export type {AutoPlan};

export type AutoPlanResult = {
	mode: AutoMode;
	plan: AutoPlan;
	/** What the plan was decided on (dispatching its jobs decides on the same). */
	collected: DecisionInputs;
	queue: QueueRead;
};

/** The `autoUtilization` block as the engine reads it. */
export function autoPolicy(config: Config) {
	const a = config.autoUtilization;
	return {
		minHeadroom5h: a.minHeadroom5h,
		minHeadroom7d: a.minHeadroom7d,
		maxAutoCostUsd: a.maxAutoCostUsd,
		weeklyAutoCapUsd: a.weeklyAutoCapUsd,
		quietHours: a.quietHours,
		manualQuietMinutes: a.manualQuietMinutes,
	};
}

/** Re-read the config file (long-running processes follow `config set` and another dashboard's `a`). */
export function reloadConfig(ctx: Context): void {
	try {
		ctx.config = ctx.configStore.get();
	} catch {
		// An invalid file is reported by the commands that read it; keep the last good config.
	}
}

/** Observations of the account's windows as samples for manual-activity detection. */
function usageSamples(ctx: Context, accountName: string, now: number, spanMs: number): UsageSample[] {
	const account = ctx.accounts.find(a => a.name === accountName);
	if (!account) return [];
	const samples: UsageSample[] = [];
	for (const observation of accountObservations(ctx, account, now, spanMs)) {
		const base = {kind: observation.kind, series: observation.stream ?? 'detected', utilization: observation.utilization, resetsAtMs: observation.resetsAtMs};
		samples.push({...base, atMs: observation.firstSeenMs});
		if (observation.lastSeenMs > observation.firstSeenMs) samples.push({...base, atMs: observation.lastSeenMs});
	}
	return samples;
}

/**
 * Idle capacity of every account at `now`. Members of a shared pool draw on one quota: a job of ours
 * on one member explains a rise on the others, manual activity seen on one ends the idleness of all,
 * and an automatic job running on one is the pool's one automatic job.
 */
export function idleAccounts(ctx: Context, collected: Collected, now: number): IdleAccount[] {
	const policy = autoPolicy(ctx.config);
	const active = listJobs(ctx.db, {states: ['claimed', 'running']});
	const membersOf = (state: Collected['states'][number]) => (state.pool ? collected.states.filter(s => s.pool === state.pool).map(s => s.account.name) : [state.account.name]);
	const quiet = policy.manualQuietMinutes;
	const activity = new Map(collected.states.map(state => {
		const name = state.account.name;
		const runs = membersOf(state).flatMap(member => listJobs(ctx.db, {account: member}))
			.filter(job => job.startedAtMs !== null || job.claimedAtMs !== null)
			.map(job => ({startMs: job.startedAtMs ?? job.claimedAtMs!, endMs: job.finishedAtMs}));
		return [name, quiet > 0 ? detectManualActivity(usageSamples(ctx, name, now, quiet * MINUTE + DAY), runs, now, quiet) : null];
	}));
	return collected.states.map(state => {
		const members = membersOf(state);
		const manualActivity = members.map(member => activity.get(member) ?? null).find(a => a !== null) ?? null;
		const runningAuto = active.find(job => job.account !== null && members.includes(job.account) && job.autoUtilization);
		return idleCapacity({state, policy, manualActivity, runningAutoJob: runningAuto?.id ?? null, imminentMinutes: ctx.config.policy.imminentMinutes, now});
	});
}

/**
 * The auto-spend plan at `now` on the given inputs, or on the stored data (the dashboard's view, kept
 * fresh by its poller); reads the queue's sources first unless `refresh` is false. Decisions that act
 * use `planAuto` (fresh inputs).
 */
export function buildAutoPlan(ctx: Context, now: number, options: {refresh?: boolean; inputs?: DecisionInputs | undefined} = {}): AutoPlanResult {
	const queue = readQueue(ctx, now, {refresh: options.refresh !== false});
	const collected: DecisionInputs = options.inputs ?? {...collect(ctx, now), warnings: []};
	const sources = ctx.config.autoUtilization.sources;
	// Queued jobs, and paused ones whose time has come; jobs waiting for their notBefore (deferred by the
	// gate, paused by a limit) or dispatched by a person "when ready" (runtime/resume) are left alone.
	const waiting = queue.jobs.filter(job => job.state === 'queued' || job.state === 'paused_quota');
	const queued = waiting.filter(job => autoHold(job, now) === null);
	const jobs: PlanJob[] = queued
		.filter(job => sourceSelects(sources, job))
		.map(job => ({id: job.id, title: job.title, severity: job.severity, createdAt: job.createdAt, provider: job.provider, estimate: job.estimate, scopes: jobScopes(job)}));
	const plan = planAutoSpend({
		startedSinceObservation: startedSinceObservation(ctx, collected, now),
		states: collected.states,
		idle: idleAccounts(ctx, collected, now),
		jobs,
		policy: autoPolicy(ctx.config),
		gatePolicy: policyOf(ctx.config),
		budgets: collected.budgets,
		spentThisWeekUsd: autoSpendOf(ctx, now).usd,
		quietHours: activeQuietHours(ctx.config.autoUtilization.quietHours, now),
		now,
	});
	for (const job of waiting) {
		const hold = autoHold(job, now);
		if (hold) plan.excluded.push({jobId: job.id, title: job.title, reasons: [hold]});
	}
	for (const job of queued) {
		if (!sourceSelects(sources, job)) plan.excluded.push({jobId: job.id, title: job.title, reasons: [sourceExclusion(sources, job)]});
	}
	return {mode: ctx.config.autoUtilization.mode, plan, collected, queue};
}

/**
 * Per account, the estimates of automatic jobs started after its newest observation (its observed
 * utilization does not include them yet): what half-headroom must subtract across ticks (000-13).
 */
function startedSinceObservation(ctx: Context, collected: Collected, now: number): Map<string, {pct: number; jobs: number}> {
	const out = new Map<string, {pct: number; jobs: number}>();
	const byKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	for (const state of collected.states) {
		if (state.ageMs === null) continue;
		const observedMs = now - state.ageMs;
		const jobs = listJobs(ctx.db, {account: state.account.name}).filter(job => job.autoUtilization && (job.startedAtMs ?? job.claimedAtMs ?? Number.NEGATIVE_INFINITY) >= observedMs);
		if (jobs.length === 0) continue;
		const pct = jobs.reduce((sum, job) => sum + jobView(job, byKind, defaults, now).estimate.pct, 0);
		out.set(state.account.name, {pct, jobs: jobs.length});
	}
	return out;
}

/** The auto-spend plan on fresh inputs: stale sources read first, dollar budgets measured now. */
export async function planAuto(ctx: Context, now: number, options: {refresh?: boolean} = {}): Promise<AutoPlanResult> {
	const inputs = await decisionInputs(ctx, now, {refresh: options.refresh});
	return buildAutoPlan(ctx, now, {refresh: options.refresh, inputs});
}

// ---------------------------------------------------------------------------------------------------
// Decisions, recorded when they change

const EXCLUDED_KEY = (jobId: string) => `auto:excluded:${jobId}`;
const GLOBAL_KEY = 'auto:plan';

/**
 * Record the plan's exclusions as decisions (kind `defer`, verdict `excluded`), each only when its
 * reason differs from the one recorded last for that job, and the plan's overall reason (quiet hours,
 * no idle account) once per change. Returns how many decisions were written.
 */
export function recordPlanDecisions(ctx: Context, plan: AutoPlan, now: number): number {
	let written = 0;
	const at = localIso(now);
	ctx.db.transaction(() => {
		const overall = plan.reasons.join(' | ');
		if ((getKv(ctx.db, GLOBAL_KEY) ?? '') !== overall) {
			setKv(ctx.db, GLOBAL_KEY, overall, now);
			if (overall !== '' && plan.reasons[0] !== 'no queued jobs') {
				recordDecision(ctx.db, {at, kind: 'defer', subject: 'auto-spend', verdict: 'waiting', reasons: plan.reasons, inputs: {quietHours: plan.quietHours, idle: plan.accounts.filter(a => a.idle).map(a => a.account)}});
				written++;
			}
		}
		// Jobs excluded for the plan's overall reason are covered by the decision above.
		const overallOnly = plan.quietHours !== null || plan.accounts.every(a => !a.idle);
		for (const job of plan.excluded) {
			const text = job.reasons.join('; ');
			if (getKv(ctx.db, EXCLUDED_KEY(job.jobId)) === text) continue;
			setKv(ctx.db, EXCLUDED_KEY(job.jobId), text, now);
			if (overallOnly) continue;
			recordDecision(ctx.db, {at, kind: 'defer', subject: job.jobId, verdict: 'excluded', reasons: [`"${job.title}" excluded from auto-spend: ${job.reasons[0] ?? ''}`, ...job.reasons.slice(1)], inputs: {job: job.jobId}});
			written++;
		}
		for (const job of plan.planned) {
			if (getKv(ctx.db, EXCLUDED_KEY(job.jobId))) setKv(ctx.db, EXCLUDED_KEY(job.jobId), '', now);
		}
	});
	return written;
}

// ---------------------------------------------------------------------------------------------------
// auto-spend

export type AutoSpendResult = AutoPlanResult & {dispatched: DispatchOutcome[]; redemptions: AutoRedeemOutcome[]};

/**
 * `auto-spend`: the plan, and (unless `dryRun`) the first planned job of every idle account dispatched
 * now, tagged autoUtilization (the others follow one at a time as each finishes, in the dashboard or
 * `serve`, or with the next `auto-spend`).
 */
export async function runAutoSpend(ctx: Context, now: number, options: {dryRun: boolean}): Promise<AutoSpendResult> {
	let result = await planAuto(ctx, now);
	const dispatched: DispatchOutcome[] = [];
	// policy.resetCredits auto: a credit that would lapse before the natural reset is redeemed first.
	const redemptions = await autoRedeemCredits(ctx, result.collected, now, {dryRun: options.dryRun});
	if (redemptions.some(r => r.result?.verdict === 'redeemed' || r.result?.verdict === 'already-redeemed')) result = await planAuto(ctx, now, {refresh: false});
	if (!options.dryRun && !ctx.demo) {
		recordPlanDecisions(ctx, result.plan, now);
		dispatched.push(...await dispatchPlanned(ctx, result.plan, result.collected));
	}
	return {...result, dispatched, redemptions};
}

// ---------------------------------------------------------------------------------------------------
// The tick of long-running processes

export type TickResult = {
	mode: AutoMode;
	plan: AutoPlan | null;
	notified: Array<{account: string; result: NotifyResult}>;
	dispatched: DispatchOutcome[];
	/** Reset credits redeemed automatically (policy.resetCredits auto), whatever the mode. */
	redemptions?: AutoRedeemOutcome[] | undefined;
	/** Waste warnings and reset credits about to lapse, notified once each (suggest and auto modes). */
	currencyNotices?: CurrencyNotice[] | undefined;
	/** Jobs a person dispatched "when ready" whose notBefore passed, dispatched again (every mode). */
	resumed?: DispatchOutcome[] | undefined;
};

const EPISODE_KEY = (account: string) => `auto:episode:${account}`;

/** Start (or continue) the idle episode of each idle account; end it for the others. Returns start instants. */
function trackEpisodes(ctx: Context, accounts: readonly IdleAccount[], now: number): Map<string, string> {
	const since = new Map<string, string>();
	ctx.db.transaction(() => {
		for (const account of accounts) {
			const key = EPISODE_KEY(account.account);
			const current = getKv(ctx.db, key);
			if (!account.idle) {
				if (current) setKv(ctx.db, key, '', now);
				continue;
			}
			if (current) {
				since.set(account.account, current);
			} else {
				const start = localIso(now);
				setKv(ctx.db, key, start, now);
				since.set(account.account, start);
			}
		}
	});
	return since;
}

/** The suggestion of DESIGN §7.3: "77% headroom, 3 follow-ups pending. Run quota-tui auto-spend". */
export function suggestionText(account: IdleAccount, pending: number): string {
	const headroom = Math.min(account.headroom5h ?? account.headroom7d ?? 0, account.headroom7d ?? 0);
	return `${account.account}: ${Math.round(headroom * 100)}% headroom, ${pending} follow-up${pending === 1 ? '' : 's'} pending. Run quota-tui auto-spend`;
}

/** Dispatch, one after the other, the planned jobs that start now, as automatic work tagged autoUtilization. */
async function dispatchPlanned(ctx: Context, plan: AutoPlan, inputs: DecisionInputs): Promise<DispatchOutcome[]> {
	const outcomes: DispatchOutcome[] = [];
	for (const planned of plan.planned.filter(p => p.startsNow)) {
		outcomes.push(await dispatchJob(ctx, {
			jobId: planned.jobId,
			account: planned.account,
			automatic: true,
			autoUtilization: true,
			why: planned.reasons,
			refresh: false,
			inputs,
		}));
	}
	return outcomes;
}

/**
 * One auto-utilization step of a long-running process at `now`: off → nothing; suggest → notify once per
 * idle episode of each account that has planned jobs; auto → dispatch the first planned job of each idle
 * account (one automatic job at a time per account; manual activity ends the account's idleness).
 */
export async function autoTick(ctx: Context, now: number): Promise<TickResult> {
	reloadConfig(ctx);
	const mode = ctx.config.autoUtilization.mode;
	const result: TickResult = {mode, plan: null, notified: [], dispatched: []};
	// The demo only plans (what QueueControls.planNow plans): its plan stays on the dashboard.
	if (ctx.demo) return {...result, plan: mode === 'off' ? null : buildAutoPlan(ctx, now).plan};
	// Work a person dispatched resumes in every mode, before automatic work plans on what is left.
	const resumed = await resumeTick(ctx, now);
	if (resumed.length > 0) result.resumed = resumed;
	if (mode === 'off') {
		if (ctx.config.policy.resetCredits === 'auto') result.redemptions = await autoRedeemCredits(ctx, collect(ctx, now), now);
		return result;
	}
	let {plan, collected} = await planAuto(ctx, now);
	result.redemptions = await autoRedeemCredits(ctx, collected, now);
	result.currencyNotices = await currencyNotifications(ctx, collected, now);
	if (result.redemptions.some(r => r.result?.verdict === 'redeemed' || r.result?.verdict === 'already-redeemed')) ({plan, collected} = await planAuto(ctx, now, {refresh: false}));
	result.plan = plan;
	recordPlanDecisions(ctx, plan, now);
	const episodes = trackEpisodes(ctx, plan.accounts, now);
	if (mode === 'suggest') {
		for (const account of plan.accounts) {
			const since = episodes.get(account.account);
			const pending = plan.planned.filter(p => p.account === account.account).length;
			if (!since || pending === 0) continue;
			const body = suggestionText(account, pending);
			const sent = await notify(ctx, {key: `idle:${account.account}:${since}`, title: 'quota-tui: idle quota', body}, now);
			result.notified.push({account: account.account, result: sent});
			if (sent.sent) {
				recordDecision(ctx.db, {
					at: localIso(now),
					kind: 'defer',
					subject: account.account,
					verdict: 'suggested',
					reasons: [body, `notified via ${sent.via}, once for this idle episode (idle since ${since})`, ...account.reasons],
					inputs: {planned: plan.planned.filter(p => p.account === account.account).map(p => p.jobId)},
				});
			}
		}
		return result;
	}
	result.dispatched.push(...await dispatchPlanned(ctx, plan, collected));
	return result;
}
