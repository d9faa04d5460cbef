/**
 * Account selection (DESIGN §7.1): which account to use now, why, and why not the others.
 */
import {DEFAULT_MODEL_LADDER, modelStep, type ModelStep} from './model-ladder.js';
import {ceilingBinds, ceilingName, ceilingText, governingUtilization, money} from './ceiling.js';
import type {Alternative, Recommendation} from './report.js';
import {bindingUtilization, bindingWindow, extraUsageLeft, extraUsageText, gatingWindows, isCredentialProblem, isUsableStatus, pct, statusSentence, windowLabel} from './status.js';
import {instantMs} from './time.js';
import type {AccountState, Policy} from './types.js';

export type SelectionInput = {
	accounts: readonly AccountState[];
	/** Name of the active account, if any. */
	active: string | null;
	policy: Pick<Policy, 'switchThreshold' | 'strategy' | 'extraUsage'> & Partial<Pick<Policy, 'modelLadder'>>;
	/** Only consider accounts of this provider. */
	provider?: string | undefined;
	now: number;
};

type Candidate = {
	state: AccountState;
	binding: number;
	/** Projected to reach 100 % before its reset. */
	hitsWall: string | undefined;
	/** Running on extra (pay-as-you-go) usage past an exhausted window. */
	onExtra: boolean;
	/** Usable on real-use evidence while its quota numbers are unknown: ranked after known headroom. */
	unknownNumbers: boolean;
	order: number;
	/** The next model down policy.modelLadder, when a model-scoped weekly window binds (engine/model-ladder). */
	step?: ModelStep | undefined;
};

/** Step 1: why an account is not eligible, or undefined when it is. */
export function ineligibility(state: AccountState): string | undefined {
	const {account} = state;
	if (account.disabled) return 'disabled';
	if (state.unusableReason) return `marked unusable: ${state.unusableReason}`;
	// An account without provider numbers but with a dollar ceiling is governed by the ceiling (seed 002 c/d).
	const byCeiling = state.ceiling !== undefined && (state.status === 'unknown' || state.status === 'unreachable');
	if (!isUsableStatus(state.status) && !byCeiling) return statusSentence(state.status);
	if (state.ceiling && state.ceiling.utilization >= 1) return `${ceilingName(state.ceiling)} is used up (${money(state.ceiling.usedUsd)})`;
	if (bindingUtilization(state.windows, account.model) === null && !state.quotaDataUnavailable && !state.ceiling) return 'no usage data yet';
	return undefined;
}

/**
 * Why a last-resort account cannot be used even in an emergency (a refused credential, a real job
 * failure, or exhausted with no extra usage left), or undefined when it can. Unknown data is not a
 * reason: emergency accounts are often not polled.
 */
export function lastResortProblem(state: AccountState): string | undefined {
	if (state.account.disabled) return 'disabled';
	if (state.unusableReason) return `marked unusable: ${state.unusableReason}`;
	if (isCredentialProblem(state.status) || state.status === 'rejected') return statusSentence(state.status);
	return undefined;
}

/** The first gating window projected to hit 100 % before its reset, as a sentence. */
export function wallSentence(state: AccountState): string | undefined {
	for (const w of gatingWindows(state.windows, state.account.model)) {
		const projection = state.projections[w.kind];
		if (projection?.exhaustsAt && (w.utilization ?? 0) < 1) {
			return `its ${windowLabel(w.kind)} window is projected to reach 100% at ${projection.exhaustsAt}, before its reset`;
		}
	}
	return undefined;
}

function bindingText(state: AccountState, step?: ModelStep): string {
	if (step) {
		const w = bindingWindow(state.windows, step.model);
		return `${step.reason}${w ? ` (${windowLabel(w.kind)} usage at ${pct(w.utilization ?? 0)})` : ''}`;
	}
	if (state.ceiling && ceilingBinds(state)) return `usage at ${ceilingText(state.ceiling)}`;
	const w = bindingWindow(state.windows, state.account.model);
	if (!w && state.quotaDataUnavailable) return state.quotaDataUnavailable;
	const onExtra = w !== undefined && (w.utilization ?? 0) >= 1 && extraUsageLeft(state.extraUsage);
	return w ? `${windowLabel(w.kind)} usage at ${pct(w.utilization ?? 0)}${onExtra ? ` (included quota exhausted: on extra usage at extra cost, ${extraUsageText(state.extraUsage)})` : ''}` : 'usage unknown';
}

/** Included quota exhausted, running on extra (pay-as-you-go) usage with credit left. */
export function onExtraUsage(state: AccountState): boolean {
	return (governingUtilization(state) ?? 0) >= 1 && extraUsageLeft(state.extraUsage);
}

/**
 * policy.extraUsage, one rule for recommend, gate and dispatch (issue 9 item 4): may work run on this
 * account's extra usage now? `normal`: yes; `never`: no; `last` (default): only when no other eligible,
 * non-last-resort account among `pool` still has included quota.
 */
export function extraUsagePermitted(state: AccountState, pool: readonly AccountState[], policy: Pick<Policy, 'extraUsage'>): boolean {
	if (!extraUsageLeft(state.extraUsage) || policy.extraUsage === 'never') return false;
	if (policy.extraUsage === 'normal') return true;
	return !pool.some(other => other !== state && !other.account.lastResort && !ineligibility(other) && (governingUtilization(other) ?? 0) < 1);
}

function sevenDayResetMs(state: AccountState): number {
	const w = state.windows.find(x => x.kind === 'seven_day');
	return instantMs(w?.resetsAt) ?? Number.POSITIVE_INFINITY;
}

/** Strategy order (step 3); ties fall back to chain order. */
function strategySort(strategy: Policy['strategy'], now: number): (a: Candidate, b: Candidate) => number {
	switch (strategy) {
		case 'chain':
			return (a, b) => a.order - b.order;
		case 'most-headroom':
			return (a, b) => a.binding - b.binding || a.order - b.order;
		case 'drain-soonest-reset':
			// Soonest 7-day reset first (its headroom expires first); within the same hour, the one that
			// would otherwise waste the most (more headroom) first.
			return (a, b) => {
				const ra = Math.floor((sevenDayResetMs(a.state) - now) / 3_600_000);
				const rb = Math.floor((sevenDayResetMs(b.state) - now) / 3_600_000);
				if (ra !== rb) return ra - rb;
				return a.binding - b.binding || a.order - b.order;
			};
	}
}

/** Chain order: `chainOrder` ascending, then the order accounts were configured in. */
export function chainSort(accounts: readonly AccountState[]): AccountState[] {
	return accounts
		.map((state, index) => ({state, index}))
		.toSorted((a, b) => (a.state.account.chainOrder ?? a.index) - (b.state.account.chainOrder ?? b.index) || a.index - b.index)
		.map(x => x.state);
}

/** Pick the account to use now. Every answer has a reason and each other account's reason. */
export function selectAccount(input: SelectionInput): Recommendation {
	const {policy, now} = input;
	const threshold = policy.switchThreshold;
	const pool = chainSort(input.accounts.filter(s => !input.provider || s.account.provider === input.provider));
	const why = new Map<string, string>();
	const eligible: Candidate[] = [];
	const lastResorts: AccountState[] = [];
	// Exhausted accounts with a reset credit that would otherwise lapse: after included headroom, before extra usage.
	const withCredit: AccountState[] = [];

	for (const [order, state] of pool.entries()) {
		const name = state.account.name;
		if (state.account.lastResort && !state.account.disabled) {
			lastResorts.push(state);
			const problem = lastResortProblem(state);
			why.set(name, problem ? `last-resort account, but ${problem}` : 'last-resort account: used only when no other account is usable');
			continue;
		}
		const reason = ineligibility(state);
		if (reason) {
			why.set(name, reason);
			if (state.status === 'rejected' && state.lapsingCredit && !state.account.disabled && !state.unusableReason) withCredit.push(state);
			continue;
		}
		const known = governingUtilization(state);
		// Over the threshold on a model-scoped weekly window with room overall: the next model down.
		const step = known !== null && known >= threshold ? modelStep(state, policy.modelLadder ?? DEFAULT_MODEL_LADDER, threshold) : undefined;
		const binding = step ? Math.max(step.binding, state.ceiling?.utilization ?? 0) : known ?? 0;
		if (policy.extraUsage === 'never' && (known ?? 0) >= 1 && extraUsageLeft(state.extraUsage)) {
			why.set(name, `${bindingText(state).replace(/ \(included quota exhausted.*$/, '')}: included quota exhausted and policy.extraUsage is "never"`);
			continue;
		}
		eligible.push({
			state,
			binding,
			unknownNumbers: known === null,
			hitsWall: wallSentence(state),
			onExtra: binding >= 1 && extraUsageLeft(state.extraUsage),
			order,
			step,
		});
	}

	const finish = (chosen: AccountState | undefined, reason: string, emergency = false): Recommendation => {
		const alternatives: Alternative[] = pool
			.filter(s => s !== chosen)
			.map(s => ({name: s.account.name, reason: why.get(s.account.name) ?? 'not chosen'}));
		const step = eligible.find(c => c.state === chosen)?.step;
		return {
			account: chosen?.account.name ?? null,
			model: step?.model ?? chosen?.account.model ?? null,
			emergency,
			reason,
			alternatives,
			exitCode: chosen ? (emergency ? 3 : 0) : 1,
		};
	};

	// Step 2: the active account stays while it is healthy.
	const active = eligible.find(c => c.state.account.name === input.active);
	if (active && active.binding < threshold && !active.hitsWall) {
		for (const c of eligible) if (c !== active) why.set(c.state.account.name, `${input.active} is active and healthy (sticky)`);
		return finish(active.state, `${input.active} is active and healthy: ${bindingText(active.state, active.step)}, under the ${pct(threshold)} switch threshold`);
	}
	// Shared pools: when the active account is left for its quota (over the threshold, about to hit the
	// wall, exhausted), the other members of its pool have the same quota: not fresh headroom.
	const activeState = pool.find(s => s.account.name === input.active);
	const activePool = activeState?.pool ?? null;
	if (activeState && activePool && (active !== undefined || activeState.status === 'rejected')) {
		for (let index = eligible.length - 1; index >= 0; index--) {
			const c = eligible[index]!;
			if (c.state === activeState || c.state.pool !== activePool) continue;
			eligible.splice(index, 1);
			why.set(c.state.account.name, `shares the quota pool ${activePool} with ${input.active}: the same quota, not fresh headroom`);
		}
	}
	// Why the active account is being left (over the threshold, about to hit the wall, or not eligible).
	const activeWhy = !active && input.active !== null && pool.some(s => s.account.name === input.active && !s.account.lastResort)
		? why.get(input.active)
		: undefined;
	const leaving = active
		? active.hitsWall
			? `${active.state.account.name} is active but ${active.hitsWall}`
			: `${active.state.account.name} is active but its ${bindingText(active.state, active.step)} is at or over the ${pct(threshold)} switch threshold`
		: activeWhy ? `${input.active} is active but ${activeWhy}` : undefined;
	const leavingTo = (chosen: AccountState | undefined, reason: string) =>
		leaving && (chosen === undefined || chosen !== active?.state)
			// "switching to NAME: …" unless the reason starts with the name (audit S3: never "switching to no regular account …").
			? `${leaving}; ${chosen ? (reason.startsWith(`${chosen.account.name}`) ? 'switching to ' : `switching to ${chosen.account.name}: `) : ''}${reason}`
			: reason;

	// Extra usage `last`: accounts running on pay-as-you-go come after all others.
	const onExtraLast = (list: Candidate[]) => {
		const ordered = policy.extraUsage === 'last' ? [...list.filter(c => !c.onExtra), ...list.filter(c => c.onExtra)] : list;
		// Accounts whose numbers are unavailable (real runs succeed) come after those with known headroom.
		const known = [...ordered.filter(c => !c.unknownNumbers), ...ordered.filter(c => c.unknownNumbers)];
		// An account that needs the next model down (policy.modelLadder) comes after those with room on their own.
		return [...known.filter(c => !c.step), ...known.filter(c => c.step)];
	};

	// Step 3: the first healthy account by strategy.
	const healthy = onExtraLast(eligible.filter(c => c.binding < threshold && !c.hitsWall).toSorted(strategySort(policy.strategy, now)));
	for (const c of eligible) {
		if (c.binding >= threshold) why.set(c.state.account.name, `${bindingText(c.state, c.step)} is at or over the ${pct(threshold)} switch threshold`);
		else if (c.hitsWall) why.set(c.state.account.name, c.hitsWall);
	}
	const first = healthy[0];
	if (first) {
		for (const c of healthy.slice(1)) {
			why.set(c.state.account.name, c.step && !first.step
				? `${c.step.over} is at or over the ${pct(threshold)} switch threshold; it could run on ${c.step.model}, but ${first.state.account.name} has room on its own model`
				: `ranked after ${first.state.account.name} by the ${policy.strategy} strategy`);
		}
		const strategyWhy = policy.strategy === 'chain' ? 'first healthy account in chain order'
			: policy.strategy === 'most-headroom' ? 'healthy account with the most headroom'
				: 'healthy account whose weekly window resets soonest';
		const base = `${first.state.account.name}: ${strategyWhy} (${bindingText(first.state, first.step)}, under the ${pct(threshold)} switch threshold)`;
		return finish(first.state, leavingTo(first.state, base));
	}

	// Step 4a: no included headroom left anywhere (only extra usage): a reset credit that would otherwise
	// lapse comes first — it costs nothing extra and is lost at its expiry.
	const credited = withCredit.filter(s => !(activePool && s.pool === activePool && s !== activeState && active !== undefined))
		.toSorted((a, b) => (instantMs(a.lapsingCredit!.expiresAt) ?? Number.POSITIVE_INFINITY) - (instantMs(b.lapsingCredit!.expiresAt) ?? Number.POSITIVE_INFINITY));
	if (credited.length > 0 && eligible.every(c => c.onExtra || c.binding >= 1)) {
		const chosen = credited[0]!;
		const credit = chosen.lapsingCredit!;
		for (const c of eligible) why.set(c.state.account.name, `${why.get(c.state.account.name) ?? bindingText(c.state, c.step)}; extra usage costs money: ranked after ${chosen.account.name}'s reset credit`.replace(/^; /, ''));
		for (const s of credited.slice(1)) why.set(s.account.name, `${why.get(s.account.name)}; its reset credit lapses later than ${chosen.account.name}'s`);
		const how = credit.redeemable ? `quota-tui resets use ${credit.id}` : 'run /limit-reset in Claude Code';
		return finish(chosen, leavingTo(chosen, `${chosen.account.name} is exhausted, but its reset credit ${credit.id} lapses at ${credit.expiresAt}, before the natural reset at ${credit.naturalResetAt}: use it (${how}) before paying for extra usage`));
	}

	// Step 4: everything eligible is over the threshold (or about to hit the wall): the least used.
	const fallback = onExtraLast(eligible.toSorted((a, b) => a.binding - b.binding || a.order - b.order))[0];
	if (fallback) {
		for (const c of eligible) {
			if (c !== fallback) why.set(c.state.account.name, `${why.get(c.state.account.name) ?? ''}; ${fallback.state.account.name} has lower usage`.replace(/^; /, ''));
		}
		return finish(fallback.state, leavingTo(fallback.state, `no account is under the ${pct(threshold)} switch threshold; ${fallback.state.account.name} has the lowest usage (${bindingText(fallback.state, fallback.step)})`));
	}

	// Step 5: nothing eligible: the last-resort account, as an emergency. Never one whose credential is
	// refused, that a real failure marked unusable, or that is exhausted; prefer one with healthy data.
	const usableLastResorts = lastResorts.filter(s => !lastResortProblem(s));
	const emergency = usableLastResorts.find(s => !ineligibility(s)) ?? usableLastResorts[0];
	if (emergency) {
		const others = pool.filter(s => !s.account.lastResort).length;
		return finish(emergency, leavingTo(emergency, `no regular account is usable${others ? '' : ' (none configured)'}; using the last-resort account ${emergency.account.name} (emergency)`), true);
	}
	if (lastResorts.length > 0) {
		const broken = lastResorts.map(s => `the last-resort account ${s.account.name} cannot be used: ${lastResortProblem(s)}`).join('; ');
		return finish(undefined, leavingTo(undefined, `no account is usable and ${broken}`));
	}
	return finish(undefined, pool.length === 0 ? 'no accounts configured' : leavingTo(undefined, 'no account is usable and no last-resort account is configured'));
}
