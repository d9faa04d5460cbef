/**
 * Real use outranks quota numbers (DESIGN §7.1 step 1, issue 9 item 5): the outcomes of real runs
 * (jobs, `quota-tui outcome`) applied to the account states every face decides on.
 */
import {applyRealUse, realUseVerdict, type RealUseVerdict} from '../engine/outcomes.js';
import type {AccountState} from '../engine/types.js';
import type {Db} from '../store/db.js';
import {outcomesByAccount} from '../store/outcomes.js';

/** Account name → what its real-use outcomes say at `now`. */
export function realUseVerdicts(db: Db, now: number): Map<string, RealUseVerdict> {
	const verdicts = new Map<string, RealUseVerdict>();
	for (const [account, outcomes] of outcomesByAccount(db, now)) verdicts.set(account, realUseVerdict(outcomes, now));
	return verdicts;
}

/** States with real use applied (refusals, limits until their reset, proven-alive accounts). */
export function withRealUse(states: readonly AccountState[], verdicts: ReadonlyMap<string, RealUseVerdict>, warnThreshold: number, now: number, offsetMinutes = 0): AccountState[] {
	return states.map(state => {
		const verdict = verdicts.get(state.account.name);
		return verdict ? applyRealUse(state, {verdict, warnThreshold, now, offsetMinutes}) : state;
	});
}
