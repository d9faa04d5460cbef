/**
 * Who is in the team: machines, the accounts they hold (identity, plan, whether the login is there —
 * never a token or any file content that holds one), and what `team status` and `team leave` read and
 * change on the hub.
 */
import type {Hub, HubSql} from './client.js';

export type MachineInfo = {name: string; dbId: string; hostname: string; platform: string; version: string};

/** One account as this machine holds it. */
export type Holding = {
	account: string;
	provider: string;
	plan: string | null;
	/** The login's e-mail when the account's identity file names it (never a token). */
	email: string | null;
	/** The login directory is configured and present on this machine. */
	login: boolean;
	disabled: boolean;
};

/** The machine name is registered by another quota.db (another machine, or a database started afresh). */
export class MachineTaken extends Error {
	override name = 'MachineTaken';
}

/** This database is not (or no longer) a registered machine of the hub. */
export class NotRegistered extends Error {
	override name = 'NotRegistered';
}

type MachineRow = {
	name: string; db_id: string; hostname: string; platform: string; version: string; joined_at: Date; last_seen_at: Date;
	last_push_at: Date | null; last_pull_at: Date | null; outbox_pending: number; outbox_oldest_ms: number | null;
};

/** Register (or refresh) this machine. MachineTaken when its name belongs to another database. */
export async function registerMachine(hub: Hub, info: MachineInfo): Promise<{created: boolean}> {
	const rows = await hub.sql<Array<{created: boolean}>>`
		INSERT INTO machines (name, db_id, hostname, platform, version)
		VALUES (${info.name}, ${info.dbId}, ${info.hostname}, ${info.platform}, ${info.version})
		ON CONFLICT (name) DO UPDATE SET hostname = excluded.hostname, platform = excluded.platform, version = excluded.version, last_seen_at = now()
		WHERE machines.db_id = excluded.db_id
		RETURNING (xmax = 0) AS created`;
	if (rows[0]) return {created: rows[0].created};
	const [other] = await hub.sql<MachineRow[]>`SELECT * FROM machines WHERE name = ${info.name}`;
	throw new MachineTaken(
		`the machine name "${info.name}" is already registered on the hub by another quota.db (host ${other?.hostname ?? '?'}, joined ${other?.joined_at.toISOString() ?? '?'}, last seen ${other?.last_seen_at.toISOString() ?? '?'}).\n` +
			`  Give this machine its own name: QUOTA_TUI_MACHINE=NAME (or config store.machine), then run team join again;\n` +
			`  or, if that machine is gone for good: quota-tui team leave --machine ${info.name}`,
	);
}

export type Heartbeat = {pushed?: boolean; pulled?: boolean; outboxPending: number; outboxOldestMs: number | null};

/** Mark this machine seen (and what it did). NotRegistered when it left or its name was taken over. */
export async function touchMachine(sql: HubSql, machine: string, dbId: string, beat: Heartbeat): Promise<void> {
	const rows = await sql`
		UPDATE machines SET last_seen_at = now(),
			last_push_at = CASE WHEN ${beat.pushed === true} THEN now() ELSE last_push_at END,
			last_pull_at = CASE WHEN ${beat.pulled === true} THEN now() ELSE last_pull_at END,
			outbox_pending = ${beat.outboxPending}, outbox_oldest_ms = ${beat.outboxOldestMs}
		WHERE name = ${machine} AND db_id = ${dbId}
		RETURNING 1`;
	if (rows.length === 0) {
		throw new NotRegistered(`this machine ("${machine}") is not registered on the team hub any more (it left, or another database took its name): run "quota-tui team join"`);
	}
}

/**
 * Publish the accounts this machine holds: the team's account registry (provider, plan, e-mail; a
 * value one machine does not know never erases another's) and this machine's holdings. Accounts it no
 * longer holds are dropped from its holdings. Returns how many rows changed (0 when nothing did).
 */
export async function publishHoldings(hub: Hub, machine: string, holdings: readonly Holding[]): Promise<number> {
	return hub.sql.begin(async tx => {
		let changed = 0;
		for (const h of holdings) {
			changed += (await tx`
				INSERT INTO accounts (name, provider, plan, email, updated_by) VALUES (${h.account}, ${h.provider}, ${h.plan}, ${h.email}, ${machine})
				ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, plan = coalesce(excluded.plan, accounts.plan),
					email = coalesce(excluded.email, accounts.email), updated_by = excluded.updated_by, updated_at = now()
				WHERE (accounts.provider, accounts.plan, accounts.email) IS DISTINCT FROM (excluded.provider, coalesce(excluded.plan, accounts.plan), coalesce(excluded.email, accounts.email))
				RETURNING 1`).length;
			changed += (await tx`
				INSERT INTO holdings (machine, account, provider, plan, email, login, disabled)
				VALUES (${machine}, ${h.account}, ${h.provider}, ${h.plan}, ${h.email}, ${h.login}, ${h.disabled})
				ON CONFLICT (machine, account) DO UPDATE SET provider = excluded.provider, plan = excluded.plan, email = coalesce(excluded.email, holdings.email),
					login = excluded.login, disabled = excluded.disabled, updated_at = now()
				WHERE (holdings.provider, holdings.plan, holdings.email, holdings.login, holdings.disabled)
					IS DISTINCT FROM (excluded.provider, excluded.plan, coalesce(excluded.email, holdings.email), excluded.login, excluded.disabled)
				RETURNING 1`).length;
		}
		changed += (await tx`
			DELETE FROM holdings WHERE machine = ${machine}
			AND account NOT IN (SELECT jsonb_array_elements_text(${tx.json(holdings.map(h => h.account))}))
			RETURNING 1`).length;
		return changed;
	}) as Promise<number>;
}

export type TeamMachine = {
	name: string; hostname: string; platform: string; version: string; joinedAt: string; lastSeenAt: string;
	lastPushAt: string | null; lastPullAt: string | null; outboxPending: number; outboxOldestAt: string | null;
	accounts: string[];
};
export type TeamAccount = {
	name: string; provider: string; plan: string | null; email: string | null;
	holders: Array<{machine: string; login: boolean; disabled: boolean; plan: string | null; email: string | null}>;
	/** The newest observation on the hub and which machine made it. */
	newestObservation: {machine: string; at: string} | null;
};
export type TeamState = {
	machines: TeamMachine[];
	accounts: TeamAccount[];
	rows: {observations: number; windowHistory: number; decisions: number; usageDaily: number; jobs: number; pollLeases: number};
};

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** Everything `team status` shows. */
export async function teamState(hub: Hub): Promise<TeamState> {
	const sql = hub.sql;
	const machines = await sql<MachineRow[]>`SELECT * FROM machines ORDER BY name`;
	const holdings = await sql<Array<{machine: string; account: string; login: boolean; disabled: boolean; plan: string | null; email: string | null}>>`
		SELECT machine, account, login, disabled, plan, email FROM holdings ORDER BY account, machine`;
	const accounts = await sql<Array<{name: string; provider: string; plan: string | null; email: string | null}>>`SELECT name, provider, plan, email FROM accounts ORDER BY name`;
	const newest = await sql<Array<{account: string; machine: string; last_seen: string}>>`
		SELECT DISTINCT ON (account) account, machine, last_seen FROM observations WHERE message IS NULL ORDER BY account, last_seen_ms DESC`;
	const [counts] = await sql<Array<TeamState['rows']>>`
		SELECT (SELECT count(*) FROM observations)::int AS observations, (SELECT count(*) FROM window_history)::int AS "windowHistory",
			(SELECT count(*) FROM decisions)::int AS decisions, (SELECT count(*) FROM usage_daily)::int AS "usageDaily",
			(SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM poll_leases)::int AS "pollLeases"`;
	const newestBy = new Map(newest.map(row => [row.account, {machine: row.machine, at: row.last_seen}]));
	return {
		machines: machines.map(m => ({
			name: m.name,
			hostname: m.hostname,
			platform: m.platform,
			version: m.version,
			joinedAt: m.joined_at.toISOString(),
			lastSeenAt: m.last_seen_at.toISOString(),
			lastPushAt: iso(m.last_push_at),
			lastPullAt: iso(m.last_pull_at),
			outboxPending: m.outbox_pending,
			outboxOldestAt: m.outbox_oldest_ms === null ? null : new Date(m.outbox_oldest_ms).toISOString(),
			accounts: holdings.filter(h => h.machine === m.name).map(h => h.account),
		})),
		accounts: accounts.map(a => ({
			...a,
			holders: holdings.filter(h => h.account === a.name).map(h => ({machine: h.machine, login: h.login, disabled: h.disabled, plan: h.plan, email: h.email})),
			newestObservation: newestBy.get(a.name) ?? null,
		})),
		rows: counts!,
	};
}

export type LeaveResult = {
	removed: boolean;
	/** Rows of the machine that stay on the hub (or, with purge, were deleted). */
	rows: {observations: number; windowHistory: number; decisions: number; usageDaily: number};
	purged: boolean;
	/** Poll leases it held (released) and jobs it held (interrupted). */
	releasedLeases: number;
	interruptedJobs: number;
};

/**
 * Remove a machine's registration and holdings, release its poll leases and interrupt the jobs it
 * held (never re-run). Its observations, history, decisions and usage stay as team history unless
 * `purge`. Accounts nobody holds any more stay in the registry (their history is still the team's).
 */
export async function leaveTeam(hub: Hub, machine: string, options: {purge?: boolean} = {}): Promise<LeaveResult> {
	return hub.sql.begin(async tx => {
		const removed = (await tx`DELETE FROM machines WHERE name = ${machine} RETURNING 1`).length > 0;
		const releasedLeases = (await tx`UPDATE poll_leases SET expires_at = now() WHERE machine = ${machine} AND expires_at > now() RETURNING 1`).length;
		const interruptedJobs = (await tx`
			UPDATE jobs SET state = 'interrupted', message = ${`the machine ${machine} left the team while holding it`}, lease_expires_at = NULL,
				finished_at = now(), updated_at = now(), seq = nextval('change_seq')
			WHERE claimed_by = ${machine} AND state IN ('claimed', 'running') RETURNING 1`).length;
		const [rows] = await tx<Array<LeaveResult['rows']>>`
			SELECT (SELECT count(*) FROM observations WHERE machine = ${machine})::int AS observations,
				(SELECT count(*) FROM window_history WHERE machine = ${machine})::int AS "windowHistory",
				(SELECT count(*) FROM decisions WHERE machine = ${machine})::int AS decisions,
				(SELECT count(*) FROM usage_daily WHERE machine = ${machine})::int AS "usageDaily"`;
		if (options.purge) {
			for (const table of ['observations', 'window_history', 'decisions', 'usage_daily']) await tx`DELETE FROM ${tx(table)} WHERE machine = ${machine}`;
		}
		if (interruptedJobs > 0) await tx`SELECT pg_notify(${`${hub.schema}_jobs`}, ${`interrupted machine ${machine}`})`;
		return {removed, rows: rows!, purged: options.purge === true, releasedLeases, interruptedJobs};
	}) as Promise<LeaveResult>;
}

/** Which machines hold each account, and the newest observation (with data) each of them made of it. */
export type TeamHolding = {account: string; machine: string; login: boolean; disabled: boolean; newestAt: string | null; machineLastSeenAt: string};

export async function teamHoldings(hub: Hub): Promise<TeamHolding[]> {
	const rows = await hub.sql<Array<{account: string; machine: string; login: boolean; disabled: boolean; newest_ms: number | null; last_seen_at: Date}>>`
		SELECT h.account, h.machine, h.login, h.disabled, m.last_seen_at,
			(SELECT max(o.last_seen_ms) FROM observations o WHERE o.account = h.account AND o.machine = h.machine AND o.message IS NULL) AS newest_ms
		FROM holdings h JOIN machines m ON m.name = h.machine ORDER BY h.account, h.machine`;
	return rows.map(row => ({
		account: row.account, machine: row.machine, login: row.login, disabled: row.disabled,
		newestAt: row.newest_ms === null ? null : new Date(Number(row.newest_ms)).toISOString(), machineLastSeenAt: row.last_seen_at.toISOString(),
	}));
}
