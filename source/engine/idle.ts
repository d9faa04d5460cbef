/**
 * Idle capacity and auto-utilization (DESIGN §7.3): which accounts have quota that would otherwise
 * expire, how much of it automatic work may spend (half of the smaller headroom), and which queued
 * jobs fit — with a reason for every job left out. Pure: `now` is a parameter; local time (quiet
 * hours) is read in `zone` (default: the process's TZ).
 */
import {DateTime} from 'luxon';
import {gate, type GateResult} from './gate.js';
import {providerFits, type ResolvedEstimate, type Severity} from './jobs.js';
import {planValue} from './plans.js';
import {gatingWindows, isUsableStatus, pct, statusSentence} from './status.js';
import {instantMs, isoAt, MINUTE} from './time.js';
import type {AccountState, Budget, Policy} from './types.js';

export type AutoPolicy = {
	minHeadroom5h: number;
	minHeadroom7d: number;
	maxAutoCostUsd: number;
	weeklyAutoCapUsd: number | null;
	/** `HH:MM-HH:MM` in local time; a range may wrap midnight (`22:00-08:00`). */
	quietHours: readonly string[];
	manualQuietMinutes: number;
};

const EPSILON = 1e-9;
const above = (value: number, limit: number) => value > limit + EPSILON;

function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

// ---------------------------------------------------------------------------------------------------
// Quiet hours

export type QuietHours = {
	/** The configured range that contains `now` (`22:00-08:00`). */
	range: string;
	/** When it ends (ISO, local offset). */
	endsAt: string;
	/** The local time at `now` (`23:15`). */
	localTime: string;
};

function minutesOf(text: string): number | undefined {
	const match = /^(\d\d):(\d\d)$/.exec(text.trim());
	if (!match) return undefined;
	const hours = Number(match[1]);
	const minutes = Number(match[2]);
	return hours < 24 && minutes < 60 ? hours * 60 + minutes : undefined;
}

/** The quiet-hours range `now` falls in, or undefined. A range with equal ends is empty. */
export function activeQuietHours(ranges: readonly string[], now: number, zone = 'local'): QuietHours | undefined {
	// No ranges (the default): no DateTime, whose first use resolves the system locale (~30 ms of a first frame).
	if (ranges.length === 0) return undefined;
	const local = DateTime.fromMillis(now, {zone});
	const minute = local.hour * 60 + local.minute;
	for (const range of ranges) {
		const [from, to] = range.split('-');
		const start = minutesOf(from ?? '');
		const end = minutesOf(to ?? '');
		if (start === undefined || end === undefined || start === end) continue;
		const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
		if (!inside) continue;
		let endsAt = local.set({hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0});
		if (endsAt.toMillis() <= now) endsAt = endsAt.plus({days: 1});
		return {range, endsAt: isoAt(endsAt.toMillis(), endsAt.offset), localTime: local.toFormat('HH:mm')};
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Manual activity

/** One observed utilization of one window (`series` tells sources apart: never compare across them). */
export type UsageSample = {kind: string; series?: string | undefined; atMs: number; utilization: number; resetsAtMs: number | null};
/** When one of our jobs ran on the account (end null = still running). */
export type RunInterval = {startMs: number; endMs: number | null};

export type ManualActivity = {
	/** When the rise was observed (ISO). */
	at: string;
	kind: string;
	from: number;
	to: number;
};

/**
 * Manual activity: usage that rose in the last `quietMinutes` while none of our jobs ran on the account
 * (a rise between two observations is ours when one of our runs overlaps that interval). A rise across
 * a reset is not a rise. Returns the newest such rise, or null.
 */
export function detectManualActivity(samples: readonly UsageSample[], runs: readonly RunInterval[], now: number, quietMinutes: number): ManualActivity | null {
	const since = now - quietMinutes * MINUTE;
	const series = new Map<string, UsageSample[]>();
	for (const sample of samples) {
		if (sample.atMs > now || !Number.isFinite(sample.utilization)) continue;
		const key = `${sample.kind}\u0000${sample.series ?? ''}`;
		const list = series.get(key) ?? [];
		list.push(sample);
		series.set(key, list);
	}
	let found: {atMs: number; activity: ManualActivity} | null = null;
	for (const list of series.values()) {
		const sorted = list.toSorted((a, b) => a.atMs - b.atMs);
		for (let index = 1; index < sorted.length; index++) {
			const previous = sorted[index - 1]!;
			const next = sorted[index]!;
			if (next.atMs < since || previous.resetsAtMs !== next.resetsAtMs) continue;
			if (next.utilization - previous.utilization <= 0.0005) continue;
			if (runs.some(run => run.startMs <= next.atMs && (run.endMs ?? now) >= previous.atMs)) continue;
			if (!found || next.atMs > found.atMs) {
				found = {atMs: next.atMs, activity: {at: isoAt(next.atMs), kind: next.kind, from: previous.utilization, to: next.utilization}};
			}
		}
	}
	return found?.activity ?? null;
}

// ---------------------------------------------------------------------------------------------------
// Idle capacity

export type IdleAccount = {
	account: string;
	provider: string;
	idle: boolean;
	/** 1 − utilization of the 5-hour window; null when unknown or when the account has none (weekly-only). */
	headroom5h: number | null;
	/** The account has no 5-hour window (engine/weekly-only): the weekly windows alone decide. */
	weeklyOnly: boolean;
	/** The shared quota pool the account draws on (engine/pools), null when none: its headroom counts once. */
	pool: string | null;
	/** 1 − the highest utilization of the weekly windows that gate the account; null when unknown. */
	headroom7d: number | null;
	/** What automatic work may spend: half of the smaller headroom (0 when not idle). */
	spendable: number;
	fiveHourResetsAt: string | null;
	sevenDayResetsAt: string | null;
	manualActivity: ManualActivity | null;
	/** The auto job already running on the account (one at a time per account). */
	runningAutoJob: string | null;
	/** Why the account is idle, or why not. */
	reasons: string[];
};

const isWeekly = (kind: string) => kind === 'seven_day' || kind === 'seven_day_opus' || kind === 'seven_day_sonnet' || kind.startsWith('weekly:');

export type IdleInput = {
	state: AccountState;
	policy: Pick<AutoPolicy, 'minHeadroom5h' | 'minHeadroom7d' | 'manualQuietMinutes'>;
	manualActivity: ManualActivity | null;
	runningAutoJob: string | null;
	/**
	 * policy.imminentMinutes: when every known weekly window resets within this many minutes, its
	 * headroom would expire unused (seed 003-19): minHeadroom7d is waived and automatic work may spend
	 * half the 5-hour headroom, capped by what is left of the week. Absent: never waived.
	 */
	imminentMinutes?: number | undefined;
	now: number;
};

/** Is the account idle (§7.3), how much may automatic work spend on it, and why. */
export function idleCapacity(input: IdleInput): IdleAccount {
	const {state, policy} = input;
	const name = state.account.name;
	const windows = gatingWindows(state.windows, state.account.model);
	const five = windows.find(w => w.kind === 'five_hour');
	const weeklies = windows.filter(w => isWeekly(w.kind));
	const weeklyKnown = weeklies.filter(w => w.utilization !== null && Number.isFinite(w.utilization));
	const headroom5h = five && five.utilization !== null && Number.isFinite(five.utilization) ? 1 - five.utilization : null;
	const headroom7d = weeklyKnown.length > 0 ? 1 - Math.max(...weeklyKnown.map(w => w.utilization!)) : null;
	const weeklyOnly = state.weeklyOnly?.weeklyOnly === true;
	const base = {
		account: name,
		provider: state.account.provider,
		headroom5h,
		weeklyOnly,
		pool: state.pool ?? null,
		headroom7d,
		fiveHourResetsAt: five?.resetsAt ?? null,
		sevenDayResetsAt: state.windows.find(w => w.kind === 'seven_day')?.resetsAt ?? weeklies[0]?.resetsAt ?? null,
		manualActivity: input.manualActivity,
		runningAutoJob: input.runningAutoJob,
	};
	const notIdle = (...reasons: string[]): IdleAccount => ({...base, idle: false, spendable: 0, reasons});

	if (state.account.disabled) return notIdle('disabled');
	if (state.account.lastResort) return notIdle('last-resort account: kept for emergencies');
	if (state.unusableReason) return notIdle(`marked unusable: ${state.unusableReason}`);
	if (!isUsableStatus(state.status)) return notIdle(statusSentence(state.status));
	if (state.stale) return notIdle(`its data is stale (${Math.round((state.ageMs ?? 0) / MINUTE)} min old): unknown usage never counts as idle`);
	// A weekly-only account has no 5-hour window to wait for: its weekly windows alone decide.
	if (headroom5h === null && !weeklyOnly) return notIdle('5-hour usage unknown: unknown usage never counts as idle');
	if (headroom7d === null) return notIdle('weekly usage unknown: unknown usage never counts as idle');
	const problems: string[] = [];
	if (headroom5h !== null && !above(headroom5h, policy.minHeadroom5h)) problems.push(`5-hour headroom ${pct(headroom5h)} is not above ${pct(policy.minHeadroom5h)} (minHeadroom5h)`);
	// Weekly quota about to reset expires unused anyway: it may be spent (conservatively: half the 5-hour
	// headroom at most, every weekly window resetting within imminentMinutes, some of it still left).
	const weeklyResets = weeklyKnown.map(w => instantMs(w.resetsAt));
	const expiring = input.imminentMinutes !== undefined && headroom7d > EPSILON && headroom5h !== null && weeklyResets.length > 0
		&& weeklyResets.every(ms => ms !== undefined && ms > input.now && ms - input.now <= input.imminentMinutes! * MINUTE);
	if (!above(headroom7d, policy.minHeadroom7d) && !expiring) problems.push(`weekly headroom ${pct(headroom7d)} is not above ${pct(policy.minHeadroom7d)} (minHeadroom7d)`);
	if (input.manualActivity) {
		const a = input.manualActivity;
		problems.push(`manual activity: ${a.kind === 'five_hour' ? '5-hour' : a.kind} usage rose from ${pct(a.from)} to ${pct(a.to)} at ${a.at} with no job of ours running (quiet for ${policy.manualQuietMinutes} min first)`);
	}
	if (input.runningAutoJob) problems.push(`auto job ${input.runningAutoJob} is running (one automatic job at a time per account)`);
	if (problems.length > 0) return notIdle(...problems);
	const estimated = five?.source === 'estimated' && five.utilization === 0 ? ' (no 5-hour window open: 0 % used, estimated)' : '';
	if (expiring && !above(headroom7d, policy.minHeadroom7d)) {
		const spendableNow = Math.min(headroom5h! / 2, headroom7d);
		const resetAt = weeklyKnown.map(w => w.resetsAt).toSorted((a, b) => (instantMs(b) ?? 0) - (instantMs(a) ?? 0))[0];
		return {
			...base,
			idle: true,
			spendable: spendableNow,
			reasons: [`idle: 5-hour headroom ${pct(headroom5h!)}${estimated}; the weekly window resets at ${resetAt} (within ${input.imminentMinutes} min, policy.imminentMinutes), so its ${pct(headroom7d)} headroom would expire unused: minHeadroom7d is waived and automatic work may spend ${pct(spendableNow)} (half the 5-hour headroom, at most what is left of the week)`],
		};
	}
	const spendable = Math.min(headroom5h ?? headroom7d, headroom7d) / 2;
	return {
		...base,
		idle: true,
		spendable,
		reasons: [headroom5h === null
			? `idle: weekly only (no 5-hour window), weekly headroom ${pct(headroom7d)}; automatic work may spend ${pct(spendable)} (half the weekly headroom)`
			: `idle: 5-hour headroom ${pct(headroom5h)}${estimated}, weekly headroom ${pct(headroom7d)}; automatic work may spend ${pct(spendable)} (half the smaller headroom)`],
	};
}

// ---------------------------------------------------------------------------------------------------
// The plan

export type PlanJob = {
	id: string;
	title: string;
	severity: Severity;
	createdAt: string;
	provider: string | null;
	estimate: ResolvedEstimate;
	/** Budget scopes its gate applies (engine/jobs jobScopes). */
	scopes?: readonly string[] | undefined;
};

export type PlannedJob = {
	jobId: string;
	title: string;
	account: string;
	estimateUsd: number;
	estimatePct: number;
	estimate: string;
	/** Position on its account: 0 starts now, the others one after another. */
	position: number;
	startsNow: boolean;
	reasons: string[];
	gate: GateResult;
};

export type ExcludedJob = {jobId: string; title: string; reasons: string[]};

export type AutoPlan = {
	/** Why nothing (or not everything) can run, for the whole plan (quiet hours, no idle account). */
	reasons: string[];
	quietHours: QuietHours | null;
	accounts: IdleAccount[];
	planned: PlannedJob[];
	excluded: ExcludedJob[];
	/** Automatic spend in the last 7 days (finished and running auto jobs), for weeklyAutoCapUsd. */
	spentThisWeekUsd: number;
	weeklyAutoCapUsd: number | null;
};

export type PlanInput = {
	states: readonly AccountState[];
	idle: readonly IdleAccount[];
	/** Queued jobs in queue order (severity, then age). */
	jobs: readonly PlanJob[];
	policy: AutoPolicy;
	gatePolicy: Pick<Policy, 'maxQuotaPercent' | 'reservedBudgetUsd' | 'imminentMinutes' | 'unknownPolicy' | 'warnThreshold'>;
	budgets: readonly Budget[];
	spentThisWeekUsd: number;
	quietHours: QuietHours | undefined;
	/**
	 * Per account: the estimates of automatic jobs started since the observation its headroom comes
	 * from (the observed utilization does not show them yet). Spendable is half the smaller headroom
	 * minus these, so half-headroom holds across ticks, not only within one plan.
	 */
	startedSinceObservation?: ReadonlyMap<string, {pct: number; jobs: number}> | undefined;
	now: number;
};

function fmtDuration(ms: number): string {
	const minutes = Math.round(ms / MINUTE);
	return minutes >= 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m` : `${minutes} min`;
}

/**
 * Which queued jobs idle capacity can run now, on which account, and why; and which cannot, and why.
 * Jobs are taken in queue order; each goes to the first idle account (weekly reset soonest first, so
 * the quota that expires first is used first) that it fits: provider, half-headroom still spendable on
 * that account, maxAutoCostUsd, weeklyAutoCapUsd, finishing before the 5-hour reset, and the gate for
 * automatic work.
 */
export function planAutoSpend(input: PlanInput): AutoPlan {
	const {policy, now} = input;
	const reasons: string[] = [];
	const planned: PlannedJob[] = [];
	const excluded: ExcludedJob[] = [];
	const plan = (): AutoPlan => ({
		reasons,
		quietHours: input.quietHours ?? null,
		accounts: [...input.idle],
		planned,
		excluded,
		spentThisWeekUsd: input.spentThisWeekUsd,
		weeklyAutoCapUsd: policy.weeklyAutoCapUsd,
	});

	if (input.quietHours) {
		const q = input.quietHours;
		reasons.push(`quiet hours ${q.range} (local time ${q.localTime}): no automatic work until ${q.endsAt}`);
		for (const job of input.jobs) excluded.push({jobId: job.id, title: job.title, reasons: [`quiet hours ${q.range}: automatic work waits until ${q.endsAt}`]});
		return plan();
	}

	const idle = input.idle
		.filter(a => a.idle)
		.toSorted((a, b) => (instantMs(a.sevenDayResetsAt) ?? Number.POSITIVE_INFINITY) - (instantMs(b.sevenDayResetsAt) ?? Number.POSITIVE_INFINITY) || b.spendable - a.spendable);
	if (idle.length === 0) {
		const why = input.idle.map(a => `${a.account}: ${a.reasons.join('; ')}`).join(' | ');
		reasons.push(input.idle.length === 0 ? 'no accounts configured' : `no account is idle (${why})`);
		for (const job of input.jobs) excluded.push({jobId: job.id, title: job.title, reasons: ['no account is idle']});
		return plan();
	}
	if (input.jobs.length === 0) reasons.push('no queued jobs');

	// A shared pool's headroom counts once: its idle members draw on one spendable share (the smallest any
	// of them reports), and its jobs run one after another as on one account.
	const keyOf = (a: Pick<IdleAccount, 'account' | 'pool'>) => a.pool ?? a.account;
	const poolOfAccount = new Map(input.idle.map(a => [a.account, keyOf(a)]));
	const left = new Map<string, number>();
	for (const a of idle) left.set(keyOf(a), Math.min(left.get(keyOf(a)) ?? Number.POSITIVE_INFINITY, a.spendable));
	const spendableOf = new Map(left);
	const used = new Map(idle.map(a => [keyOf(a), 0]));
	const started = new Map<string, {pct: number; jobs: number}>();
	for (const a of idle) {
		const since = input.startedSinceObservation?.get(a.account);
		if (!since || since.jobs === 0) continue;
		const key = keyOf(a);
		const sum = started.get(key) ?? {pct: 0, jobs: 0};
		started.set(key, {pct: sum.pct + since.pct, jobs: sum.jobs + since.jobs});
	}
	for (const [key, since] of started) {
		left.set(key, Math.max(0, left.get(key)! - since.pct));
		used.set(key, since.pct);
	}
	const startedText = (key: string) => {
		const since = started.get(key);
		return since ? `${pct(since.pct)} by ${since.jobs} automatic job${since.jobs === 1 ? '' : 's'} started since its usage was observed` : '';
	};
	const positions = new Map(idle.map(a => [keyOf(a), 0]));
	const poolText = (a: IdleAccount) => (a.pool ? ` (shared pool ${a.pool}: counted once for all its members)` : '');
	let capLeft = policy.weeklyAutoCapUsd === null ? Number.POSITIVE_INFINITY : policy.weeklyAutoCapUsd - input.spentThisWeekUsd;

	for (const job of input.jobs) {
		const {estimate} = job;
		const exclude = (...why: string[]) => excluded.push({jobId: job.id, title: job.title, reasons: why});
		if (above(estimate.usd, policy.maxAutoCostUsd)) {
			exclude(`estimate ${money(estimate.usd)} is over maxAutoCostUsd ${money(policy.maxAutoCostUsd)} (${estimate.detail})`);
			continue;
		}
		if (policy.weeklyAutoCapUsd !== null && above(estimate.usd, capLeft)) {
			exclude(`would pass weeklyAutoCapUsd ${money(policy.weeklyAutoCapUsd)}: ${money(input.spentThisWeekUsd)} spent by automatic jobs in the last 7 days${planned.length > 0 ? ` plus ${money(policy.weeklyAutoCapUsd - input.spentThisWeekUsd - capLeft)} planned` : ''}, this job ~${money(estimate.usd)}`);
			continue;
		}
		const why: string[] = [];
		let placed = false;
		for (const account of idle) {
			const name = account.account;
			const key = keyOf(account);
			if (!providerFits(job.provider, account.provider)) {
				why.push(`${name} is a ${account.provider} account, the job needs ${job.provider}`);
				continue;
			}
			const spendable = left.get(key)!;
			if (above(estimate.pct, spendable)) {
				const since = started.get(key)?.pct ?? 0;
				const already = used.get(key)! - since;
				const spent = [startedText(key), already > 0 ? `${pct(already)} planned` : ''].filter(Boolean).join(', ');
				why.push(spent
					? `estimate ${pct(estimate.pct)} does not fit the ${pct(spendable)} still spendable on ${name} (${pct(spendableOf.get(key)!)} spendable, ${spent})${poolText(account)}`
					: `estimate ${pct(estimate.pct)} does not fit the ${pct(spendable)} spendable on ${name} (${account.headroom5h === null ? `half the weekly headroom ${pct(account.headroom7d ?? 0)}: weekly only` : `half the smaller headroom: 5-hour ${pct(account.headroom5h)}, weekly ${pct(account.headroom7d ?? 0)}`})${poolText(account)}`);
				continue;
			}
			const resetMs = instantMs(account.fiveHourResetsAt);
			const position = positions.get(key)!;
			// Jobs on one account run one after another: this one starts after those planned before it.
			const startMs = now + planned.filter(p => poolOfAccount.get(p.account) === key).reduce((sum, p) => sum + (input.jobs.find(j => j.id === p.jobId)?.estimate.durationMs ?? 0), 0);
			if (resetMs !== undefined && startMs + estimate.durationMs > resetMs) {
				why.push(`would not finish on ${name} before its 5-hour reset at ${account.fiveHourResetsAt} (expected ${fmtDuration(estimate.durationMs)}${position > 0 ? ` after ${position} planned job${position === 1 ? '' : 's'}` : ''})`);
				continue;
			}
			const state = input.states.find(s => s.account.name === name)!;
			const verdict = gate({
				state,
				budgets: input.budgets,
				request: {estimateUsd: estimate.usd, estimatePct: used.get(key)! + estimate.pct, scopes: job.scopes, priority: job.severity === 'critical' ? 'critical' : 'low', automatic: true},
				policy: input.gatePolicy,
				valueUsdPerMonth: planValue(state.account) ?? undefined,
				now,
			});
			if (verdict.verdict !== 'go') {
				why.push(`gate on ${name}: ${verdict.reasons[0] ?? verdict.verdict}`);
				continue;
			}
			left.set(key, spendable - estimate.pct);
			used.set(key, used.get(key)! + estimate.pct);
			positions.set(key, position + 1);
			capLeft -= estimate.usd;
			planned.push({
				jobId: job.id,
				title: job.title,
				account: name,
				estimateUsd: estimate.usd,
				estimatePct: estimate.pct,
				estimate: estimate.detail,
				position,
				startsNow: position === 0,
				reasons: [
					`${pct(estimate.pct)} (~${money(estimate.usd)}) fits the ${pct(spendable)} ${started.has(key) ? 'still ' : ''}spendable on ${name}${started.has(key) ? ` (${pct(spendableOf.get(key)!)} spendable, ${startedText(key)})` : ''}${poolText(account)}`,
					...(idle.length > 1 && idle[0]!.account === name ? [`${name}'s weekly window resets soonest (${account.sevenDayResetsAt ?? 'unknown'})`] : []),
					...(position > 0 ? [`starts after ${position} earlier job${position === 1 ? '' : 's'} on ${account.pool ? `pool ${account.pool}` : name} (one automatic job at a time per account${account.pool ? ' and per shared pool' : ''})`] : []),
				],
				gate: verdict,
			});
			placed = true;
			break;
		}
		if (!placed) exclude(...why);
	}
	return plan();
}
