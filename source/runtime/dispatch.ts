/**
 * Dispatch (DESIGN §7.4, §5 `dispatch`): gate first (§7.2) on the given account or the one selection
 * picks (§7.1), then claim the job in one transaction (a second claimer is told it is already claimed),
 * then start the runner under a detached supervisor. Every dispatch and deferral is a decision.
 */
import path from 'node:path';
import {jobScopes, providerFits, type Job} from '../engine/jobs.js';
import {dispatchPriority, nextTry, type Priority, type WhenReady} from '../engine/resume.js';
import {instantMs} from '../engine/time.js';
import type {Decision} from '../engine/types.js';
import {claimJob, deferJob, finishJob, getJob, listJobs} from '../store/jobs.js';
import {recordDecision} from '../store/repositories.js';
import {judge, type GateResult} from './decide/gate.js';
import {decisionInputs, type DecisionInputs} from './decide/inputs.js';
import {takenByTeam, teamClaim} from './hub-jobs.js';
import type {Context} from './context.js';
import {claimerId} from './process.js';
import {displayArgv, planRunner, startSupervisor} from './runner.js';
import {
	displayOrder,
	estimateDefaults,
	isDirectory,
	jobView,
	learned,
	localIso,
	reconcileJobs,
	resolveJobId,
	syncSources,
	utilizationPoint,
	type JobView,
} from './queue.js';

export type DispatchRequest = {
	/** A job id or a unique prefix; default: the first queued job in queue order. */
	jobId?: string | undefined;
	/** Run on this account; default: the account selection picks among those that fit the job. */
	account?: string | undefined;
	dryRun?: boolean | undefined;
	/** Gate as automatic work (yields to manual work, defers on unknown state). */
	automatic?: boolean | undefined;
	/** Tag the job `autoUtilization: true` and allow one such job at a time per account. */
	autoUtilization?: boolean | undefined;
	/**
	 * The gate's priority; default from the job (critical severity → critical, info → low, automatic
	 * work → low, else normal: engine/resume dispatchPriority).
	 */
	priority?: Priority | undefined;
	/**
	 * A person asks for the job to run when ready: when the gate defers or pauses it, the job keeps
	 * notBefore = the retry instant and the dashboard or `serve` dispatches it then (any auto mode).
	 */
	whenReady?: boolean | undefined;
	/** Extra reasons for the decision (why auto mode chose this job and account). */
	why?: readonly string[] | undefined;
	/** How long to wait for the runner to start (ms). @default 10000 */
	waitMs?: number | undefined;
	/** Sync sources and reconcile first. @default true */
	refresh?: boolean | undefined;
	/** Manual work may run on the emergency fallback without naming it (`--allow-emergency`). */
	allowEmergency?: boolean | undefined;
	/** Inputs already assembled (auto mode decides a whole plan on one set); default: fresh ones. */
	inputs?: DecisionInputs | undefined;
};

export type DispatchStatus =
	| 'dispatched'
	| 'dry-run'
	| 'deferred'
	| 'already-claimed'
	| 'account-busy'
	| 'job-not-found'
	| 'account-not-found'
	| 'no-job'
	| 'no-account'
	| 'not-queued'
	| 'start-failed'
	| 'unsafe-runner'
	| 'hub-unreachable'
	| 'demo';

export type DispatchOutcome = {
	status: DispatchStatus;
	/** 0 dispatched (or a dry run that would go); 75 wait; 69 refused; 2 bad request; 1 failure. */
	exitCode: 0 | 1 | 2 | 69 | 75;
	/** One sentence for the user. */
	message: string;
	job: JobView | null;
	account: string | null;
	gate: GateResult | null;
	/** The runner argv (prompt shortened), when known. */
	argv: string[] | null;
	reasons: string[];
	/** With whenReady, when deferred: when the runtime tries again by itself (ISO). */
	resumeAt?: string | null | undefined;
};

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function quoteTitle(job: Pick<Job, 'title'>): string {
	return `"${job.title.length > 60 ? `${job.title.slice(0, 59)}…` : job.title}"`;
}

/** Run (or, with dryRun, preview) the dispatch of one job. Never throws for expected failures. */
export async function dispatchJob(ctx: Context, request: DispatchRequest): Promise<DispatchOutcome> {
	const now = ctx.clock.now();
	const out = (status: DispatchStatus, exitCode: DispatchOutcome['exitCode'], message: string, extra: Partial<DispatchOutcome> = {}): DispatchOutcome => ({
		status, exitCode, message, job: null, account: null, gate: null, argv: null, reasons: [], ...extra,
	});
	if (ctx.demo && !request.dryRun) return out('demo', 2, 'The demo accounts are simulated: add an account to dispatch jobs (quota-tui accounts add …); --dry-run shows what would happen.');
	if (request.refresh !== false) {
		syncSources(ctx, now);
		reconcileJobs(ctx, now);
	}
	const learnedByKind = learned(ctx);
	const defaults = estimateDefaults(ctx.config);
	const view = (id: string) => {
		const stored = getJob(ctx.db, id);
		return stored ? jobView(stored, learnedByKind, defaults, ctx.clock.now()) : null;
	};

	// Which job.
	let jobId: string;
	if (request.jobId) {
		const resolved = resolveJobId(ctx, request.jobId);
		if ('error' in resolved) return out('job-not-found', 2, `dispatch: ${resolved.error}`);
		jobId = resolved.id;
	} else {
		const first = listJobs(ctx.db, {states: ['queued']}).filter(queued => !takenByTeam(ctx, queued.id)).toSorted(displayOrder)[0];
		if (!first) return out('no-job', 1, 'No queued jobs (add one with quota-tui queue add, or configure sources.fleet.roots).');
		jobId = first.id;
	}
	const job = view(jobId)!;
	if (job.state === 'claimed' || job.state === 'running') {
		return out('already-claimed', 75, `Job ${job.id} is already claimed (${job.state}${job.account ? ` on ${job.account}` : ''}, by ${job.claimedBy ?? 'another process'} at ${job.claimedAt ?? 'an unknown time'}); not dispatched again.`, {job, account: job.account});
	}
	if (job.state !== 'queued' && job.state !== 'paused_quota') {
		return out('not-queued', 2, `Job ${job.id} is ${job.state}, not queued${job.state === 'succeeded' ? '' : ` (quota-tui queue requeue ${job.id} queues it again)`}.`, {job});
	}

	const automatic = request.automatic === true;
	const priority = dispatchPriority(job.severity, {priority: request.priority, automatic});

	// Which account, and the gate (one rule with `gate`: fresh inputs, live budgets, the emergency rule).
	const inputs = request.inputs ?? await decisionInputs(ctx, now, {refresh: request.refresh !== false});
	const reasons: string[] = [];
	if (request.account) {
		const named = inputs.states.find(s => s.account.name === request.account);
		if (!named) return out('account-not-found', 2, `dispatch: no account named "${request.account}" (accounts: ${inputs.states.map(s => s.account.name).join(', ') || 'none'})`, {job});
		if (!providerFits(job.provider, named.account.provider)) {
			return out('account-not-found', 2, `dispatch: job ${job.id} needs a ${job.provider} account; ${request.account} is a ${named.account.provider} account`, {job});
		}
		reasons.push(`account ${request.account} given`);
	}
	const judgement = judge(ctx, inputs, {
		account: request.account,
		estimateUsd: job.estimate.usd,
		estimatePct: job.estimate.pct,
		// The job's project/role budgets (queue add --scope; a Fleet follow-up's project folder).
		scopes: jobScopes(job),
		// The next model down policy.modelLadder when a model-scoped weekly window binds (runner {model}).
		route: true,
		priority,
		automatic,
		allowEmergency: request.allowEmergency,
		fits: s => providerFits(job.provider, s.account.provider),
		noAccount: reason => `Stopping: no usable account for job ${job.id}${job.provider ? ` (needs ${job.provider})` : ''}: ${reason}`,
	}, now);
	const result = judgement.result;
	if (!judgement.target) {
		const sentence = result.reasons[0]!;
		const resumeAt = request.dryRun ? null : keepWaiting(ctx, job, result, now, request, priority);
		if (!request.dryRun) recordDefer(ctx, job, null, result, now, request);
		return out('no-account', 75, sentence, {job, gate: result, reasons: [sentence, ...resumeReasons(resumeAt)], resumeAt});
	}
	const state = judgement.target;
	const accountName = state.account.name;
	if (!request.account) {
		const why = judgement.recommendation.reason;
		reasons.push(why.startsWith(`${accountName}: `) ? `account ${why}` : `account ${accountName}: ${why}`);
	}
	const runner = planRunner(ctx, job, state.account, judgement.model);
	const argv = displayArgv(runner.argv, job.prompt);
	if (runner.refusal) return out('unsafe-runner', 2, `Not dispatched: ${runner.refusal}`, {job, account: accountName, argv, reasons});
	reasons.push(...result.reasons, `estimate ~$${job.estimate.usd.toFixed(2)} and ${Math.round(job.estimate.pct * 100)}% (${job.estimate.detail})`);
	if (priority !== 'normal') reasons.push(`${priority} priority${request.priority ? ' (given)' : job.severity === 'info' ? ' (info severity: non-urgent work waits near the limits like automatic work)' : ''}`);
	if (result.verdict !== 'go') {
		const resumeAt = request.dryRun ? null : keepWaiting(ctx, job, result, now, request, priority);
		if (!request.dryRun) recordDefer(ctx, job, accountName, result, now, request);
		return out('deferred', result.exitCode, `Not dispatched: ${result.reasons[0] ?? result.verdict}`, {job, account: accountName, gate: result, argv, reasons: [...reasons, ...resumeReasons(resumeAt)], resumeAt});
	}
	if (!runner.executable) {
		const message = `Not dispatched: the runner "${runner.argv[0] ?? ''}" (${runner.configKey}) was not found${(runner.argv[0] ?? '').includes('/') ? '' : ' on PATH'}; set ${runner.configKey} to its argv template`;
		return out('start-failed', 1, message, {job, account: accountName, gate: result, argv, reasons});
	}
	if (!isDirectory(job.cwd)) {
		return out('start-failed', 1, `Not dispatched: the job's directory ${job.cwd} does not exist`, {job, account: accountName, gate: result, argv, reasons});
	}
	if (request.dryRun) {
		return out('dry-run', 0, `Would dispatch ${job.id} ${quoteTitle(job)} to ${accountName}: ${result.reasons[0] ?? 'go'}`, {job, account: accountName, gate: result, argv, reasons});
	}

	// Team mode: the claim on the hub first (a second machine is told who holds the job).
	const team = await teamClaim(ctx, job.id, accountName!, state.account.provider);
	if (!team.ok) {
		return out(team.status, team.status === 'not-queued' ? 2 : 75, team.message, {job: view(job.id), account: accountName, gate: result, argv, reasons});
	}

	// The claim: one transaction; the loser of a race is told the job is already claimed.
	const at = localIso(now);
	const decision: Decision = {
		at,
		kind: 'dispatch',
		subject: job.id,
		verdict: 'dispatched',
		reasons: [`${quoteTitle(job)} on ${accountName}${request.autoUtilization ? ' (auto-utilization)' : ''}`, ...(request.why ?? []), ...reasons],
		inputs: {job: job.id, account: accountName, estimateUsd: job.estimate.usd, estimatePct: job.estimate.pct, estimateSource: job.estimate.usdSource, automatic, autoUtilization: request.autoUtilization === true},
	};
	const claim = claimJob(ctx.db, {
		id: job.id,
		account: accountName!,
		claimedBy: claimerId(),
		autoUtilization: request.autoUtilization === true,
		at,
		utilizationBefore: utilizationPoint(state, now),
		logPath: path.join(ctx.paths.logsDir, `${job.id}.log`),
		decision,
		// Work a person dispatched resumes by itself if a usage limit pauses it; automatic work does not.
		whenReady: automatic ? null : {priority, account: request.account ?? null},
		model: judgement.model,
	});
	if (!claim.ok) {
		await team.abandon(`the claim by ${claimerId()} was not taken up on its machine (${claim.reason})`);
		if (claim.reason === 'account-busy') {
			return out('account-busy', 75, `Not dispatched: automatic job ${claim.busyWith ?? ''} is still running on ${accountName} (one automatic job at a time per account)`, {job, account: accountName, gate: result, argv, reasons});
		}
		const other = claim.job;
		return out('already-claimed', 75, other
			? `Job ${job.id} is already claimed (${other.state}${other.account ? ` on ${other.account}` : ''}, by ${other.claimedBy ?? 'another process'} at ${other.claimedAt ?? 'an unknown time'}); not dispatched again.`
			: `Job ${job.id} no longer exists.`, {job: view(job.id), account: other?.account ?? null, gate: result, argv, reasons});
	}

	const started = await startSupervisor(ctx, job.id);
	if ('error' in started) {
		finishJob(ctx.db, job.id, {state: 'failed', at: localIso(ctx.clock.now()), failureKind: 'start', message: started.error});
		await team.abandon(`not started: ${started.error}`);
		return out('start-failed', 1, `Not started: ${started.error}`, {job: view(job.id), account: accountName, gate: result, argv, reasons});
	}
	// Wait until the supervisor reports the runner started (or failed to).
	const deadline = Date.now() + (request.waitMs ?? 10_000);
	let current = getJob(ctx.db, job.id);
	while (current?.state === 'claimed' && Date.now() < deadline) {
		await sleep(25);
		current = getJob(ctx.db, job.id);
	}
	const final = view(job.id);
	if (final?.state === 'failed' && final.failureKind === 'start') {
		return out('start-failed', 1, `Not started: ${final.message ?? 'the runner could not start'}`, {job: final, account: accountName, gate: result, argv, reasons});
	}
	const what = final?.state === 'running' ? `running as pid ${final.pid}` : final?.state === 'claimed' ? 'starting' : final?.state ?? 'unknown';
	return out('dispatched', 0, `Dispatched ${job.id} ${quoteTitle(job)} to ${accountName}: ${what}; log ${final?.logPath ?? ''}`, {job: final, account: accountName, gate: result, argv, reasons});
}

/**
 * A deferred or paused job keeps notBefore = the gate's retry instant; with whenReady it also keeps the
 * person's request (priority, account) so the runtime dispatches it then (engine/resume). A refusal (69)
 * is not retried by itself. Returns when the runtime tries again (whenReady only), else null.
 */
function keepWaiting(ctx: Context, job: JobView, result: GateResult, now: number, request: DispatchRequest, priority: Priority): string | null {
	try {
		if (result.exitCode !== 75) {
			if (request.whenReady) deferJob(ctx.db, job.id, {notBefore: job.notBefore, whenReady: null}, now);
			return null;
		}
		if (!request.whenReady) {
			deferJob(ctx.db, job.id, {notBefore: result.retryAt}, now);
			return null;
		}
		const at = result.retryAt && nextTry(result.retryAt, now) === instantMs(result.retryAt) ? result.retryAt : localIso(nextTry(result.retryAt, now));
		const whenReady: WhenReady = {priority, account: request.account ?? null};
		return deferJob(ctx.db, job.id, {notBefore: at, whenReady}, now) ? at : null;
	} catch {
		return null;
	}
}

function resumeReasons(resumeAt: string | null | undefined): string[] {
	return resumeAt ? [`kept: it is dispatched by itself when ready (next try ${resumeAt}) while the dashboard or quota-tui serve runs, in any auto mode`] : [];
}

function recordDefer(ctx: Context, job: JobView, account: string | null, result: GateResult, now: number, request: DispatchRequest): void {
	try {
		recordDecision(ctx.db, {
			at: localIso(now),
			kind: 'defer',
			subject: job.id,
			verdict: result.verdict,
			reasons: [`${quoteTitle(job)}${account ? ` on ${account}` : ''} not dispatched: ${result.reasons[0] ?? result.verdict}`, ...(request.why ?? []), ...result.reasons.slice(1)],
			inputs: {job: job.id, account, retryAt: result.retryAt, automatic: request.automatic === true, autoUtilization: request.autoUtilization === true},
		});
	} catch {
		// The verdict is still returned; a decision that cannot be recorded is not a reason to fail.
	}
}
