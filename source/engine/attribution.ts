/**
 * Attribution of an account's window to the team's machines (DESIGN §12, `utilization --by-machine`):
 * the window's utilization rises day by day (observations from any machine); each day's rise is split
 * among the machines in proportion to the API-equivalent cost of that machine's local-log usage of the
 * account that day; a rise on a day no machine's logs show usage (the web app, a phone, a machine
 * outside the team) is unattributed. Pure: the observations and costs are parameters.
 */

export type AttributionPoint = {atMs: number; utilization: number};
export type MachineDayCost = {machine: string; date: string; costUsd: number};

export type Attribution = {
	/** Utilization points (fractions of the window) per machine, largest first. */
	machines: Array<{machine: string; share: number}>;
	unattributed: number;
	/** The window's utilization at the last observation. */
	total: number;
	days: number;
};

/** YYYY-MM-DD of `ms` in a zone `offsetMinutes` east of UTC. */
const dayOf = (ms: number, offsetMinutes: number) => new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);

/**
 * Split the rise of one window from its start (`startMs`, utilization 0) to `endMs` among machines.
 * A drop (a reset seen late, a source disagreeing) never counts negative: each day counts its rise
 * over the highest value seen before it.
 */
export function attributeWindow(points: readonly AttributionPoint[], costs: readonly MachineDayCost[], options: {startMs: number; endMs: number; offsetMinutes: number}): Attribution {
	const inWindow = points.filter(p => p.atMs >= options.startMs && p.atMs <= options.endMs).toSorted((a, b) => a.atMs - b.atMs);
	const dayMax = new Map<string, number>();
	for (const p of inWindow) {
		const day = dayOf(p.atMs, options.offsetMinutes);
		dayMax.set(day, Math.max(dayMax.get(day) ?? 0, p.utilization));
	}
	const byDay = new Map<string, Map<string, number>>();
	for (const c of costs) {
		if (c.costUsd <= 0) continue;
		const machines = byDay.get(c.date) ?? new Map<string, number>();
		byDay.set(c.date, machines);
		machines.set(c.machine, (machines.get(c.machine) ?? 0) + c.costUsd);
	}
	const shares = new Map<string, number>();
	let unattributed = 0;
	let high = 0;
	for (const [day, max] of [...dayMax].toSorted(([a], [b]) => a.localeCompare(b))) {
		const rise = Math.max(0, max - high);
		high = Math.max(high, max);
		if (rise === 0) continue;
		const machines = byDay.get(day);
		const total = machines ? [...machines.values()].reduce((a, b) => a + b, 0) : 0;
		if (!machines || total <= 0) {
			unattributed += rise;
			continue;
		}
		for (const [machine, cost] of machines) shares.set(machine, (shares.get(machine) ?? 0) + (rise * cost) / total);
	}
	return {
		machines: [...shares].map(([machine, share]) => ({machine, share})).toSorted((a, b) => b.share - a.share || a.machine.localeCompare(b.machine)),
		unattributed,
		total: inWindow.at(-1)?.utilization ?? 0,
		days: dayMax.size,
	};
}
