/**
 * Jobs of the follow-up queue (DESIGN §2, §7.4): the shapes, their order, long-tail promotion,
 * estimates (explicit, learned from finished jobs of the same kind, else defaults), and reading a
 * runner's output. Pure: no I/O, `now` is a parameter.
 */
import type {WhenReady} from './resume.js';
import {pct} from './status.js';

/**
 * `paused_quota`: the runner hit a usage limit; the job waits for `notBefore` (the limit's reset) and is
 * dispatched again like a queued one — it did not fail.
 */
export const JOB_STATES = ['queued', 'paused_quota', 'claimed', 'running', 'succeeded', 'failed', 'interrupted', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States in which a job holds an account (a process runs or is about to). */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['claimed', 'running'];
export const FINISHED_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'interrupted', 'cancelled'];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `team`: queued on another machine of the team and copied here from the hub. */
export type JobSource = 'backlog' | 'fleet' | 'team';

/** Fleet follow-up kinds; backlog jobs default to `task`. */
export const FLEET_KINDS = ['finding', 'long_tail', 'recommendation'] as const;

/** Utilization of an account's windows at one moment (before or after a job). */
export type UtilizationPoint = {
	at: string;
	fiveHour: number | null;
	fiveHourResetsAt: string | null;
	sevenDay: number | null;
	sevenDayResetsAt: string | null;
};

export type FailureKind = 'credential' | 'policy' | 'limit' | 'timeout' | 'runner' | 'start';

export type Job = {
	id: string;
	title: string;
	prompt: string;
	cwd: string;
	severity: Severity;
	createdAt: string;
	source: JobSource;
	/** Where a Fleet job came from: `<file>#<entry id>`. */
	sourceRef: string | null;
	kind: string;
	module: string | null;
	/** `claude`, `codex`, or null = any provider. */
	provider: string | null;
	/** Explicit estimates (null when none was given). */
	estimateUsd: number | null;
	estimatePct: number | null;
	state: JobState;
	autoUtilization: boolean;
	account: string | null;
	/** The runner's process id. */
	pid: number | null;
	/** The supervising quota-tui process (waits for the runner, records its outcome). */
	supervisorPid: number | null;
	claimedBy: string | null;
	claimedAt: string | null;
	logPath: string | null;
	startedAt: string | null;
	finishedAt: string | null;
	exitCode: number | null;
	signal: string | null;
	costUsd: number | null;
	utilizationBefore: UtilizationPoint | null;
	utilizationAfter: UtilizationPoint | null;
	/** What happened, in one sentence (failure reason, interruption, cancellation). */
	message: string | null;
	failureKind: FailureKind | null;
	cancelRequested: boolean;
	/**
	 * A paused job (paused_quota), or a queued one the gate deferred, waits until this instant before it
	 * is dispatched again (engine/resume).
	 */
	notBefore: string | null;
	/** A person asked for this job to run when ready: the runtime dispatches it again by itself (engine/resume). */
	whenReady: WhenReady | null;
	/** The model routing chose when it was dispatched (policy.modelLadder), for the runner's {model}. */
	model?: string | null | undefined;
	/** Budget scopes given when it was queued (`queue add --scope project:x`); see jobScopes. */
	scopes?: readonly string[] | undefined;
};

/** The last folder name of a path (`/home/dev/api/` → `api`). */
function folderName(cwd: string): string {
	return cwd.replace(/[/\\]+$/, '').split(/[/\\]/).at(-1) ?? '';
}

/** A budget scope a job may carry: `account:NAME`, `role:NAME` or `project:NAME`. */
export const JOB_SCOPE = /^(account|role|project):.+$/;

/**
 * The budget scopes a job's gate applies (seed 003): those it was queued with, and for a Fleet
 * follow-up `project:<its project folder name>`.
 */
export function jobScopes(job: Pick<Job, 'source' | 'cwd'> & {scopes?: readonly string[] | undefined}): string[] {
	const scopes = new Set(job.scopes ?? []);
	const folder = folderName(job.cwd);
	if (job.source === 'fleet' && folder) scopes.add(`project:${folder}`);
	return [...scopes];
}

const SEVERITY_RANK: Record<Severity, number> = {critical: 0, warning: 1, info: 2};

/** Queue order: severity (critical first), then age (oldest first), then id. */
export function compareJobs(a: Pick<Job, 'severity' | 'createdAt' | 'id'>, b: Pick<Job, 'severity' | 'createdAt' | 'id'>): number {
	const bySeverity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
	if (bySeverity !== 0) return bySeverity;
	const ta = Date.parse(a.createdAt);
	const tb = Date.parse(b.createdAt);
	if (ta !== tb) return (Number.isFinite(ta) ? ta : 0) - (Number.isFinite(tb) ? tb : 0);
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Accepts our severities and the usual synonyms; undefined for anything else. */
export function parseSeverity(value: unknown): Severity | undefined {
	if (typeof value !== 'string') return undefined;
	const text = value.trim().toLowerCase();
	if ((SEVERITIES as readonly string[]).includes(text)) return text as Severity;
	if (text === 'high' || text === 'error' || text === 'blocker' || text === 'major') return 'critical';
	if (text === 'medium' || text === 'warn' || text === 'moderate') return 'warning';
	if (text === 'low' || text === 'minor' || text === 'note' || text === 'nit') return 'info';
	return undefined;
}

/**
 * May a job for `jobProvider` (null = any) run on an account of `accountProvider`? Manual accounts
 * (usage entered by hand) and demo accounts take any job.
 */
export function providerFits(jobProvider: string | null, accountProvider: string): boolean {
	return jobProvider === null || jobProvider === accountProvider || accountProvider === 'manual' || accountProvider === 'demo';
}

// ---------------------------------------------------------------------------------------------------
// Long-tail promotion

/** One follow-up as a source delivers it, before promotion. */
export type FollowUp = {
	id: string;
	title: string;
	prompt: string;
	severity: Severity;
	createdAt: string;
	kind: string;
	module: string | null;
	estimateUsd: number | null;
	cwd: string;
	/** `<file>#<entry id>`. */
	ref: string;
	/** The file the follow-up was read from. */
	sourceFile?: string | undefined;
	/** `claude` or `codex` when the entry names one; absent = any. */
	provider?: string | null | undefined;
};

export type PromotedJob = FollowUp & {
	/** The follow-ups a promoted long-tail job stands for. */
	members: string[];
};

export type Promotion = {
	jobs: PromotedJob[];
	/** Long-tail items waiting for more on their module (fewer than `threshold`). */
	held: {module: string; cwd: string; ids: string[]}[];
};

export const LONG_TAIL_THRESHOLD = 3;

/**
 * Long-tail items are promoted when `threshold` or more point at the same module (per project):
 * they become one job with the highest severity, the oldest age and the sum of the estimates; fewer
 * are held. `id` of the promoted job comes from `idOf` (stable for the same members).
 */
export function promoteLongTail(items: readonly FollowUp[], idOf: (cwd: string, module: string, members: readonly string[]) => string, threshold = LONG_TAIL_THRESHOLD): Promotion {
	const jobs: PromotedJob[] = [];
	const groups = new Map<string, FollowUp[]>();
	for (const item of items) {
		if (item.kind !== 'long_tail') {
			jobs.push({...item, members: [item.id]});
			continue;
		}
		const module = item.module ?? '(no module)';
		const key = `${item.cwd}\u0000${module}`;
		const group = groups.get(key) ?? [];
		group.push(item);
		groups.set(key, group);
	}
	const held: Promotion['held'] = [];
	for (const group of groups.values()) {
		const first = group[0]!;
		const module = first.module ?? '(no module)';
		if (group.length < threshold) {
			held.push({module, cwd: first.cwd, ids: group.map(item => item.id)});
			continue;
		}
		const sorted = group.toSorted(compareJobs);
		const members = sorted.map(item => item.id);
		const severity = sorted[0]!.severity;
		const oldest = group.map(item => item.createdAt).toSorted((a, b) => Date.parse(a) - Date.parse(b))[0]!;
		const estimates = group.map(item => item.estimateUsd);
		const estimateUsd = estimates.every(x => x !== null) ? estimates.reduce<number>((sum, x) => sum + (x ?? 0), 0) : null;
		const providers = new Set(group.map(item => item.provider ?? null));
		jobs.push({
			id: idOf(first.cwd, module, members),
			provider: providers.size === 1 ? [...providers][0] : null,
			title: `Long tail: ${group.length} follow-ups in ${module}`,
			prompt: [
				`Address these ${group.length} small follow-ups in ${module}, one by one:`,
				...sorted.map((item, index) => `${index + 1}. ${item.title}${item.prompt && item.prompt !== item.title ? `\n   ${item.prompt.replaceAll('\n', '\n   ')}` : ''}`),
			].join('\n'),
			severity,
			createdAt: oldest,
			kind: 'long_tail',
			module: first.module,
			estimateUsd,
			cwd: first.cwd,
			ref: sorted.map(item => item.ref).join(', '),
			sourceFile: sorted[0]!.sourceFile,
			members,
		});
	}
	return {jobs, held};
}

// ---------------------------------------------------------------------------------------------------
// Estimates

export type EstimateSource = 'explicit' | 'learned' | 'default';

export type ResolvedEstimate = {
	usd: number;
	/** Share of a window (fraction). */
	pct: number;
	/** Expected run time. */
	durationMs: number;
	usdSource: EstimateSource;
	pctSource: EstimateSource;
	/** Finished jobs the learned numbers come from (0 when none). */
	samples: number;
	/** One sentence: where the numbers came from. */
	detail: string;
};

/** What finished jobs of one kind taught: means of measured cost, utilization delta and run time. */
export type Learned = {
	kind: string;
	/** Jobs with a measured dollar cost. */
	usdSamples: number;
	meanUsd: number | null;
	pctSamples: number;
	meanPct: number | null;
	durationSamples: number;
	meanDurationMs: number | null;
};

export type EstimateDefaults = {usd: number; pct: number; durationMs: number};

/**
 * The utilization a job consumed: the larger delta of the 5-hour and the 7-day window between the
 * observation before and after it, counted only when the window did not reset in between (same reset
 * instant) and both values are known. Null when nothing can be said.
 */
export function utilizationDelta(before: UtilizationPoint | null, after: UtilizationPoint | null): number | null {
	if (!before || !after) return null;
	const deltas: number[] = [];
	if (before.fiveHour !== null && after.fiveHour !== null && before.fiveHourResetsAt === after.fiveHourResetsAt) {
		deltas.push(after.fiveHour - before.fiveHour);
	}
	if (before.sevenDay !== null && after.sevenDay !== null && before.sevenDayResetsAt === after.sevenDayResetsAt) {
		deltas.push(after.sevenDay - before.sevenDay);
	}
	if (deltas.length === 0) return null;
	return Math.max(0, ...deltas);
}

type FinishedLike = Pick<Job, 'kind' | 'state' | 'costUsd' | 'utilizationBefore' | 'utilizationAfter' | 'startedAt' | 'finishedAt'>;

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((sum, x) => sum + x, 0) / values.length);

/** Learn per kind from succeeded jobs: mean dollars (runner JSON), mean utilization delta, mean run time. */
export function learnEstimates(jobs: readonly FinishedLike[]): Map<string, Learned> {
	const byKind = new Map<string, {usd: number[]; pct: number[]; duration: number[]}>();
	for (const job of jobs) {
		if (job.state !== 'succeeded') continue;
		const entry = byKind.get(job.kind) ?? {usd: [], pct: [], duration: []};
		if (job.costUsd !== null && Number.isFinite(job.costUsd) && job.costUsd >= 0) entry.usd.push(job.costUsd);
		const delta = utilizationDelta(job.utilizationBefore, job.utilizationAfter);
		// A zero delta usually means no fresh observation after the job: it teaches nothing.
		if (delta !== null && delta > 0) entry.pct.push(delta);
		const started = job.startedAt ? Date.parse(job.startedAt) : Number.NaN;
		const finished = job.finishedAt ? Date.parse(job.finishedAt) : Number.NaN;
		if (Number.isFinite(started) && Number.isFinite(finished) && finished > started) entry.duration.push(finished - started);
		byKind.set(job.kind, entry);
	}
	const learned = new Map<string, Learned>();
	for (const [kind, entry] of byKind) {
		learned.set(kind, {
			kind,
			usdSamples: entry.usd.length,
			meanUsd: mean(entry.usd),
			pctSamples: entry.pct.length,
			meanPct: mean(entry.pct),
			durationSamples: entry.duration.length,
			meanDurationMs: mean(entry.duration),
		});
	}
	return learned;
}

function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

/** Explicit, else learned from finished jobs of the same kind, else the configured defaults. */
export function resolveEstimate(job: Pick<Job, 'estimateUsd' | 'estimatePct' | 'kind'>, learned: Learned | undefined, defaults: EstimateDefaults): ResolvedEstimate {
	const usdSource: EstimateSource = job.estimateUsd !== null ? 'explicit' : learned?.meanUsd != null ? 'learned' : 'default';
	const pctSource: EstimateSource = job.estimatePct !== null ? 'explicit' : learned?.meanPct != null ? 'learned' : 'default';
	const usd = job.estimateUsd ?? learned?.meanUsd ?? defaults.usd;
	const fraction = job.estimatePct ?? learned?.meanPct ?? defaults.pct;
	const durationMs = learned?.meanDurationMs ?? defaults.durationMs;
	const parts: string[] = [];
	const describe = (what: string, source: EstimateSource, samples: number) =>
		source === 'explicit' ? `${what} given` : source === 'learned' ? `${what} learned from ${samples} finished ${job.kind} job${samples === 1 ? '' : 's'}` : `${what} from the defaults`;
	if (usdSource === pctSource) {
		parts.push(describe(`${money(usd)} and ${pct(fraction)}`, usdSource, Math.max(learned?.usdSamples ?? 0, learned?.pctSamples ?? 0)));
	} else {
		parts.push(describe(money(usd), usdSource, learned?.usdSamples ?? 0), describe(pct(fraction), pctSource, learned?.pctSamples ?? 0));
	}
	return {
		usd,
		pct: fraction,
		durationMs,
		usdSource,
		pctSource,
		samples: Math.max(learned?.usdSamples ?? 0, learned?.pctSamples ?? 0),
		detail: parts.join('; '),
	};
}

/** The plan sentence of DESIGN §5: "This plan has 12 tasks, estimated cost ~$3.50, remaining quota ~$8.20". */
export function planSentence(tasks: number, estimatedUsd: number, remainingUsd: number | null, of?: string | null): string {
	const remaining = remainingUsd === null ? 'remaining quota unknown' : `remaining quota ~${money(remainingUsd)}${of ? ` of ${of}` : ''}`;
	return `This plan has ${tasks} task${tasks === 1 ? '' : 's'}, estimated cost ~${money(estimatedUsd)}, ${remaining}`;
}

// ---------------------------------------------------------------------------------------------------
// Runner output

export type RunnerResult = {
	/** Dollars the runner reported (Claude's `total_cost_usd`), if any. */
	costUsd: number | null;
	/** The runner said the run failed (Claude `is_error: true`, Codex `error` / `turn.failed` events). */
	isError: boolean;
	/** The runner's own result or error text, if any. */
	text: string | null;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Read what a runner printed: the last JSON object with `total_cost_usd` (Claude `-p --output-format
 * json`, or the `result` event of stream-json), and error events of Codex `exec --json`. Lines that
 * are not JSON (stderr, progress) are skipped.
 */
export function parseRunnerOutput(output: string): RunnerResult {
	let costUsd: number | null = null;
	let isError = false;
	let text: string | null = null;
	for (const raw of output.split('\n')) {
		const line = raw.trim();
		if (!line.startsWith('{')) continue;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			continue;
		}
		if (!isRecord(value)) continue;
		const cost = value['total_cost_usd'] ?? value['cost_usd'];
		if (typeof cost === 'number' && Number.isFinite(cost)) costUsd = cost;
		if (value['type'] === 'result' || 'total_cost_usd' in value) {
			isError = value['is_error'] === true;
			if (typeof value['result'] === 'string') text = value['result'];
		}
		if (value['type'] === 'error' || value['type'] === 'turn.failed') {
			isError = true;
			const message = value['message'] ?? (isRecord(value['error']) ? value['error']['message'] : undefined);
			if (typeof message === 'string') text = message;
		}
	}
	return {costUsd, isError, text};
}
