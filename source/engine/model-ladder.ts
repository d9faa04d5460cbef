/**
 * Model-tier routing (seed 003 "prefer a cheaper model when acceptable", issue 9 item 6): when an
 * account is bound by a model-scoped weekly window (weekly Opus at 95 %) while its overall weekly window
 * still has room, the same account can keep working on the next model down its provider's ladder
 * (policy.modelLadder, default Claude: opus → sonnet).
 */
import {bindingUtilization, bindingWindow, pct, windowLabel} from './status.js';
import type {AccountState, WindowKind} from './types.js';

export type ModelLadder = Readonly<Record<string, readonly string[]>>;

export const DEFAULT_MODEL_LADDER: ModelLadder = {claude: ['opus', 'sonnet']};

export type ModelStep = {
	/** The model to use instead (a rung of the ladder, e.g. `sonnet`). */
	model: string;
	/** The binding utilization under that model. */
	binding: number;
	/** "weekly Opus usage at 95%; using sonnet" */
	reason: string;
	/** "weekly Opus usage at 95%" */
	over: string;
};

function modelScoped(kind: WindowKind): boolean {
	return kind === 'seven_day_opus' || kind === 'seven_day_sonnet' || kind.startsWith('weekly:');
}

/**
 * The next model down the ladder for an account over `threshold` on a model-scoped weekly window while
 * its overall weekly window (and its dollar ceiling) are under it; undefined when there is none.
 * `model` is the model asked about (default: the account's).
 */
export function modelStep(state: AccountState, ladder: ModelLadder, threshold: number, model = state.account.model): ModelStep | undefined {
	if (!model) return undefined;
	const matches = (rungs: readonly string[]) => rungs.some(rung => model.toLowerCase().includes(rung.toLowerCase()));
	// The provider's ladder; a manual account (entered by hand) uses the ladder its model belongs to.
	const own = ladder[state.account.provider];
	const rungs = own && matches(own) ? own : Object.values(ladder).find(matches) ?? [];
	const index = rungs.findIndex(rung => model.toLowerCase().includes(rung.toLowerCase()));
	if (index < 0) return undefined;
	const binding = bindingWindow(state.windows, model);
	if (!binding || !modelScoped(binding.kind) || (binding.utilization ?? 0) < threshold) return undefined;
	const overall = state.windows.find(w => w.kind === 'seven_day');
	if (!overall || overall.utilization === null || overall.utilization >= threshold) return undefined;
	if (state.ceiling && state.ceiling.utilization >= threshold) return undefined;
	for (const next of rungs.slice(index + 1)) {
		const under = bindingUtilization(state.windows, next);
		if (under !== null && under < threshold) {
			const over = `${windowLabel(binding.kind)} usage at ${pct(binding.utilization ?? 0)}`;
			return {model: next, binding: under, reason: `${over}; using ${next}`, over};
		}
	}
	return undefined;
}
