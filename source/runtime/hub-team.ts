/**
 * `team init|join|status|leave` as data (DESIGN §12): what the CLI prints, computed here.
 *
 * - init: create or migrate the hub's schema.
 * - join: register this machine (its database's id guards the name), publish the accounts it holds
 *   (identity, plan, whether the login is here — no token, no file content that holds one), start
 *   recording local changes for the hub, push the whole local history (idempotent), then sync.
 * - status: this machine's side (membership, outbox lag, last failure) and, when reachable, the team:
 *   machines, last seen, accounts held, their outbox lag, row counts.
 * - leave: remove the registration (holdings go, poll leases are released, held jobs interrupted); the
 *   machine's pushed rows stay as team history unless purged; this database stops recording.
 */
import fs from 'node:fs';
import os from 'node:os';
import type {Account} from '../engine/types.js';
import {discoverAccounts} from '../providers/discover.js';
import {connectHub, type Hub} from '../store/hub/client.js';
import {leaveTeam, publishHoldings, registerMachine, teamState, touchMachine, type Holding, type LeaveResult, type TeamState} from '../store/hub/registry.js';
import {backfill, pullHub, pushOutbox, type BackfillResult, type PullResult} from '../store/hub/replicate.js';
import {HUB_VERSION, hubSchemaVersion, migrateHub, requireHubSchema, type MigrateResult} from '../store/hub/schema.js';
import {hubIdentity, type HubSettings} from '../store/hub/settings.js';
import {clearMembership, databaseId, membership, outboxStats, setMembership, type Membership, type OutboxStats} from '../store/outbox.js';
import type {Context} from './context.js';
import {readDown, type Down} from './hub-sync.js';

/** Explicit team commands wait longer than a background sync (a first connection over a VPN). */
const COMMAND_TIMEOUT_MS = 10_000;

async function open(settings: HubSettings): Promise<Hub> {
	return connectHub(settings, {timeoutMs: Math.max(settings.timeoutMs, COMMAND_TIMEOUT_MS), statementTimeoutMs: 120_000});
}

async function withHub<T>(settings: HubSettings, fn: (hub: Hub) => Promise<T>): Promise<T> {
	const hub = await open(settings);
	try {
		return await fn(hub);
	} finally {
		await hub.close();
	}
}

export type InitReport = {hub: string; schema: string; from: number | null; to: number};

export async function teamInit(settings: HubSettings): Promise<InitReport> {
	return withHub(settings, async hub => {
		const result: MigrateResult = await migrateHub(hub);
		return {hub: hub.where, schema: hub.schema, ...result};
	});
}

const present = (dir: string | undefined) => dir !== undefined && fs.existsSync(dir);

/**
 * The accounts this machine holds, as the hub gets them. With `identity`, each login's e-mail and plan
 * as discovery reads them from the identity files (never a token).
 */
export function holdingsOf(accounts: readonly Account[], env: NodeJS.ProcessEnv, identity = false): Holding[] {
	return accounts
		.filter(a => a.provider !== 'demo')
		.map(account => {
			const dir = account.provider === 'claude' ? account.configDir : account.provider === 'codex' ? account.home : undefined;
			let email: string | null = null;
			let plan = account.plan ?? null;
			if (identity && dir && present(dir)) {
				const scoped = {...env, ...(account.provider === 'claude' ? {CLAUDE_CONFIG_DIR: dir} : {CODEX_HOME: dir})};
				const found = discoverAccounts({env: scoped, existing: [account]}).find(d => d.configuredAs === account.name);
				email = found?.email ?? null;
				plan ??= found?.plan ?? null;
			}
			return {account: account.name, provider: account.provider, plan, email, login: present(dir), disabled: account.disabled === true};
		});
}

export type JoinReport = {
	hub: string;
	schema: string;
	machine: string;
	/** False when this machine was registered already (a repeated join). */
	registered: boolean;
	accounts: Array<Pick<Holding, 'account' | 'provider' | 'plan' | 'login'>>;
	/** Hub rows (accounts, holdings) changed by publishing the accounts. */
	accountChanges: number;
	history: BackfillResult;
	/** Outbox entries pushed after the backfill. */
	outboxPushed: number;
	pulled: PullResult;
	/** Hub rows added or changed in all (0 on a repeated join with nothing new). */
	changed: number;
};

export async function teamJoin(ctx: Context, settings: HubSettings, version: string): Promise<JoinReport> {
	return withHub(settings, async hub => {
		await requireHubSchema(hub);
		const db = ctx.db;
		const now = ctx.clock.now();
		const dbId = databaseId(db, now);
		const {created} = await registerMachine(hub, {name: settings.machine, dbId, hostname: os.hostname(), platform: `${process.platform}-${process.arch}`, version});
		const holdings = holdingsOf(ctx.accounts, ctx.env, true);
		const accountChanges = await publishHoldings(hub, settings.machine, holdings);
		const identity = hubIdentity(settings);
		const previous = membership(db);
		// Another hub (or another name) before: its cursors and marks mean nothing here.
		if (previous && (previous.hub !== identity || previous.machine !== settings.machine)) clearMembership(db);
		// Record from now on first, then push everything: a change in between is in both (harmless).
		if (!previous || previous.hub !== identity || previous.machine !== settings.machine) {
			setMembership(db, {hub: identity, machine: settings.machine, joinedAt: new Date(now).toISOString()} satisfies Membership, now);
		}
		const history = await backfill(hub, db);
		const pushed = await pushOutbox(hub, db);
		const pulled = await pullHub(hub, db, {accounts: ctx.accounts, warnThreshold: ctx.config.policy.warnThreshold, nowMs: ctx.clock.now()});
		const stats = outboxStats(db);
		await touchMachine(hub.sql, settings.machine, dbId, {pushed: true, pulled: true, outboxPending: stats.pending, outboxOldestMs: stats.oldestMs});
		const outboxPushed = Object.values(pushed.pushed).reduce((a, b) => a + b, 0);
		const changed = (created ? 1 : 0) + accountChanges + Object.values(history).reduce((sum, kind) => sum + kind.changed, 0) + pushed.changed;
		return {
			hub: hub.where,
			schema: hub.schema,
			machine: settings.machine,
			registered: created,
			accounts: holdings.map(h => ({account: h.account, provider: h.provider, plan: h.plan, login: h.login})),
			accountChanges,
			history,
			outboxPushed,
			pulled,
			changed,
		};
	});
}

export type StatusReport = {
	hub: string;
	schema: string;
	machine: string;
	local: {member: Membership | null; outbox: OutboxStats; down: Down | null};
	/** The hub's side, or why it could not be read. */
	team: ({reachable: true; schemaVersion: number | null; supportedVersion: number} & Partial<TeamState>) | {reachable: false; error: string};
};

export async function teamStatus(ctx: Context, settings: HubSettings): Promise<StatusReport> {
	const db = ctx.db;
	const local = {member: membership(db), outbox: outboxStats(db), down: readDown(db)};
	const base = {hub: hubIdentity(settings), schema: settings.schema, machine: settings.machine, local};
	let hub: Hub;
	try {
		hub = await open(settings);
	} catch (error) {
		return {...base, team: {reachable: false, error: (error as Error).message}};
	}
	try {
		const version = await hubSchemaVersion(hub.sql, hub.schema);
		const state = version === HUB_VERSION ? await teamState(hub) : {};
		return {...base, team: {reachable: true, schemaVersion: version, supportedVersion: HUB_VERSION, ...state}};
	} finally {
		await hub.close();
	}
}

export type LeaveReport = LeaveResult & {machine: string; self: boolean; localOnly: boolean; droppedOutbox: number};

export async function teamLeave(ctx: Context, settings: HubSettings, options: {machine?: string | undefined; purge?: boolean; localOnly?: boolean}): Promise<LeaveReport> {
	const machine = options.machine ?? settings.machine;
	const self = machine === settings.machine;
	const stopLocal = () => (self ? clearMembership(ctx.db).dropped : 0);
	if (options.localOnly) {
		const droppedOutbox = stopLocal();
		return {machine, self, localOnly: true, droppedOutbox, removed: false, purged: false, releasedLeases: 0, interruptedJobs: 0, rows: {observations: 0, windowHistory: 0, decisions: 0, usageDaily: 0}};
	}
	const result = await withHub(settings, async hub => {
		await requireHubSchema(hub);
		// What this machine recorded before it leaves still reaches the team.
		if (self && membership(ctx.db)) await pushOutbox(hub, ctx.db);
		return leaveTeam(hub, machine, {purge: options.purge === true});
	});
	return {...result, machine, self, localOnly: false, droppedOutbox: stopLocal()};
}
