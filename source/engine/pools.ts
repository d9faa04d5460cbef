/**
 * Shared quota pools (issue 11): accounts that draw on one quota (several logins of one organization or
 * billing method) report the same utilization and the same reset instants. Detected from the window
 * history; `accounts pool set|clear|auto` overrides the detection (config `pool`). Pure.
 *
 * Two accounts of one provider are pooled when their runs of observations agree at least
 * MIN_MATCHES times — same window kind, same reset instant (to the minute), same utilization (to
 * 0.1 %) — with at least two different utilizations among the matches (two idle accounts at 0 % prove
 * nothing), and they contradict each other (same window, overlapping in time, different utilization)
 * far less often than they agree. Pools are the connected groups of such pairs.
 */
import type {WindowSeen} from './weekly-only.js';

export const MIN_MATCHES = 3;

export type PoolSeries = {
	account: string;
	provider: string;
	/** Detected-window runs (the same history weekly-only detection reads). */
	observations: readonly WindowSeen[];
	/** The config override: a pool name, false = never pooled, undefined = detect. */
	override?: string | false | undefined;
};

export type PoolBasis = 'config' | 'detected';

export type Pool = {
	id: string;
	members: string[];
	basis: PoolBasis;
	/** Why, as a sentence. */
	reason: string;
};

type Key = string;
const keyOf = (o: WindowSeen): Key | undefined => (o.resetsAtMs === null ? undefined : `${o.kind}|${Math.round(o.resetsAtMs / 60_000)}|${Math.round(o.utilization * 1000)}`);

/** How two accounts' histories agree: matching observations, distinct utilizations among them, contradictions. */
export function compareSeries(a: readonly WindowSeen[], b: readonly WindowSeen[]): {matches: number; utilizations: number; contradictions: number} {
	const keysB = new Set(b.map(keyOf).filter(Boolean));
	const matched = new Set<Key>();
	for (const o of a) {
		const key = keyOf(o);
		if (key && keysB.has(key)) matched.add(key);
	}
	const utilizations = new Set([...matched].map(key => key.split('|')[2])).size;
	let contradictions = 0;
	for (const x of a) {
		if (x.resetsAtMs === null) continue;
		for (const y of b) {
			if (y.kind !== x.kind || y.resetsAtMs === null || Math.round(y.resetsAtMs / 60_000) !== Math.round(x.resetsAtMs / 60_000)) continue;
			const overlap = x.firstSeenMs <= y.lastSeenMs && y.firstSeenMs <= x.lastSeenMs;
			if (overlap && Math.abs(x.utilization - y.utilization) > 0.001) contradictions += 1;
		}
	}
	return {matches: matched.size, utilizations, contradictions};
}

const pooledPair = (c: ReturnType<typeof compareSeries>) => c.matches >= MIN_MATCHES && c.utilizations >= 2 && c.matches > 3 * c.contradictions;

/** The pools: configured ones first (by name), then detected groups of the accounts left to detection. */
export function detectPools(series: readonly PoolSeries[]): Pool[] {
	const pools: Pool[] = [];
	const configured = new Map<string, string[]>();
	for (const s of series) if (typeof s.override === 'string') configured.set(s.override, [...(configured.get(s.override) ?? []), s.account]);
	for (const [id, members] of [...configured].toSorted(([a], [b]) => a.localeCompare(b))) {
		pools.push({id, members: members.toSorted(), basis: 'config', reason: `set with "quota-tui accounts pool set … --pool ${id}"`});
	}
	const open = series.filter(s => s.override === undefined);
	const parent = new Map(open.map(s => [s.account, s.account]));
	const root = (name: string): string => {
		let r = name;
		while (parent.get(r) !== r) r = parent.get(r)!;
		return r;
	};
	const evidence = new Map<string, number>();
	for (let i = 0; i < open.length; i++) {
		for (let j = i + 1; j < open.length; j++) {
			const a = open[i]!;
			const b = open[j]!;
			if (a.provider !== b.provider) continue;
			const c = compareSeries(a.observations, b.observations);
			if (!pooledPair(c)) continue;
			const [ra, rb] = [root(a.account), root(b.account)];
			if (ra !== rb) parent.set(rb, ra);
			evidence.set(a.account, Math.max(evidence.get(a.account) ?? 0, c.matches));
		}
	}
	const groups = new Map<string, string[]>();
	for (const s of open) groups.set(root(s.account), [...(groups.get(root(s.account)) ?? []), s.account]);
	for (const members of groups.values()) {
		if (members.length < 2) continue;
		const sorted = members.toSorted();
		const matches = Math.max(...sorted.map(m => evidence.get(m) ?? 0));
		pools.push({id: `shared:${sorted[0]}`, members: sorted, basis: 'detected', reason: `${sorted.join(' and ')} reported the same utilization and reset instants ${matches} times: one shared quota (override with "quota-tui accounts pool")`});
	}
	return pools;
}

/** Each account's pool id (null when not pooled). */
export function poolOf(pools: readonly Pool[]): Map<string, string> {
	const out = new Map<string, string>();
	for (const pool of pools) for (const member of pool.members) out.set(member, pool.id);
	return out;
}
