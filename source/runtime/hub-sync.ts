/**
 * Team mode at run time (DESIGN §12): every process that opens a context keeps its local SQLite first
 * and replicates through a hub session. A one-shot command syncs (bounded) at its start, so it answers
 * with the team's newest data, and flushes its outbox (bounded) before it exits. While a process runs,
 * the session's timer pushes whenever the outbox holds something (checked every 2 s, a local read) and
 * pulls at least every `store.syncIntervalSeconds`; a process that lives longer than a few seconds
 * (dashboard, serve, a dispatch waiting for its job) also LISTENs, so another machine's push wakes a
 * pull at once.
 *
 * Nothing here loads the PostgreSQL client until a hub is configured AND this database has joined it;
 * a machine without a hub pays one settings lookup. The hub being down never fails or blocks a command
 * longer than `store.hubTimeoutSeconds`: the outbox keeps everything, a warning says so once per outage,
 * and for 30 s after a failure (by the injected clock) one-shot commands do not try again (a command per
 * second against a dead hub must not pay the timeout each time). The session writes through its own connection to quota.db,
 * so a dashboard sees pulled data as another process's write (PRAGMA data_version).
 */
import {openDatabase, type Db} from '../store/db.js';
import type * as Client from '../store/hub/client.js';
import type * as Registry from '../store/hub/registry.js';
import type * as Replication from '../store/hub/replicate.js';
import type * as TeamQueue from '../store/hub/team-queue.js';
import type * as Claims from '../store/hub/claims.js';
import {hubConfigured, hubIdentity, hubSettings, redactUrl, type HubSettings} from '../store/hub/settings.js';
import {clearMembership, databaseId, membership, outboxHasEntries, outboxStats} from '../store/outbox.js';
import {getKv} from '../store/repositories.js';
import {setTeamView, unpublishedJobIds} from '../store/team-jobs.js';
import type {Context} from './context.js';

/** After a failure, one-shot commands skip the hub this long. */
export const DOWN_BACKOFF_MS = 30_000;
/** A long-running session checks its outbox this often. */
export const OUTBOX_CHECK_MS = 2_000;
/** A one-shot process that is still running after this long starts listening too. */
const LISTEN_AFTER_MS = 10_000;
const MAX_RETRY_MS = 60_000;

export type SyncReport = {
	pushed: number;
	pulled: {observations: number; decisions: number; shared: number};
	/** Team jobs: queued here and published to the hub, and hub jobs whose state came here. */
	jobs: {published: number; pulled: number};
	/** Outbox entries still waiting (the deadline came first, or the hub is down). */
	pending: number;
};

export type HubSessionOptions = {
	/** A long-running process (the dashboard): do not wait for the first sync, LISTEN at once. */
	live?: boolean | undefined;
	/** One line for the user (stderr of a command, serve's log). Called once per outage. */
	onWarning?: ((line: string) => void) | undefined;
	/** After each sync that pushed or pulled something. */
	onSynced?: ((report: SyncReport) => void) | undefined;
	/**
	 * Another machine queued, claimed, finished or interrupted a team job (its NOTIFY, heard by a live
	 * process), after the team state has been pulled here: a dispatcher (dashboard, serve) looks again.
	 */
	onJobs?: ((payload: string) => void) | undefined;
};

export type HubSession = {
	readonly settings: HubSettings;
	/** Push the outbox and pull now (bounded by the settings' timeout). Undefined when the hub was unreachable. */
	sync(): Promise<SyncReport | undefined>;
	/**
	 * The session's connection (connecting within the timeout), for what needs the hub online — phase B's
	 * claims and poll leases (store/hub/claims.ts) — or undefined while it is unreachable.
	 */
	connected(): Promise<Client.Hub | undefined>;
	/** Stop timers, flush the outbox (bounded), disconnect. */
	close(): Promise<void>;
};

export type Down = {sinceMs: number; untilMs: number; error: string};

const DOWN_KEY = 'hub.down';
const PRUNED_KEY = 'hub.pruned';
const PRUNE_EVERY_MS = 60 * 60_000;

export function readDown(db: Db): Down | null {
	const value = getKv(db, DOWN_KEY);
	if (value === null) return null;
	try {
		return JSON.parse(value) as Down;
	} catch {
		return null;
	}
}

function writeDown(db: Db, down: Down | null): void {
	db.transaction(() => {
		if (down === null) db.prepare('DELETE FROM kv WHERE key = ?').run(DOWN_KEY);
		else db.prepare('INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms').run(DOWN_KEY, JSON.stringify(down), down.sinceMs);
	});
}

/**
 * Start the hub session of a process, or undefined when there is nothing to do (demo, no hub, or this
 * database has not joined the configured hub). Throws only for an invalid hub setting (exit 2).
 */
export async function startHubSession(ctx: Context, options: HubSessionOptions = {}): Promise<HubSession | undefined> {
	if (ctx.demo || !hubConfigured(ctx.config, ctx.env)) return undefined;
	const settings = hubSettings(ctx.config, ctx.env)!;
	const db = openDatabase(ctx.paths.dbFile, {busyTimeoutMs: ctx.config.store.busyTimeoutSeconds * 1000});
	const member = membership(db);
	if (member === null) {
		db.close();
		return undefined;
	}
	if (member.hub !== hubIdentity(settings) || member.machine !== settings.machine) {
		options.onWarning?.(`team mode: this database joined ${member.hub} as "${member.machine}", but the configured hub is ${hubIdentity(settings)} as "${settings.machine}": nothing is shared until "quota-tui team join"`);
		db.close();
		return undefined;
	}
	const session = createSession(ctx, db, settings, options);
	sessions.set(ctx, session);
	const first = session.start();
	if (!options.live) await first;
	return session;
}

const sessions = new WeakMap<Context, HubSession & {listenNow(): void}>();
const jobListeners = new WeakMap<Context, Set<(payload: string) => void>>();

/**
 * Call `listener` whenever a team job was queued, claimed, finished or interrupted anywhere (the hub's
 * NOTIFY), once its new state has been pulled here: the dashboard's and serve's auto-utilization look
 * again at once instead of at their next interval. A process that subscribes starts listening at once.
 */
export function onTeamJobs(ctx: Context, listener: (payload: string) => void): () => void {
	let set = jobListeners.get(ctx);
	if (!set) jobListeners.set(ctx, (set = new Set()));
	set.add(listener);
	sessions.get(ctx)?.listenNow();
	return () => {
		set.delete(listener);
	};
}

/** The hub session a process started for `ctx` (claims and poll leases use its connection), if any. */
export function hubSessionOf(ctx: Context): HubSession | undefined {
	return sessions.get(ctx);
}

function createSession(ctx: Context, db: Db, settings: HubSettings, options: HubSessionOptions) {
	let modules: {replicate: typeof Replication; client: typeof Client; registry: typeof Registry; queue: typeof TeamQueue; claims: typeof Claims} | undefined;
	let hub: Client.Hub | undefined;
	let listening = false;
	let running: Promise<SyncReport | undefined> | undefined;
	let again = false;
	let closed = false;
	/** close() has begun: notifications, timers and re-runs start no sync (close's own last push still runs). */
	let closing = false;
	let retryMs = OUTBOX_CHECK_MS;
	let nextTryMs = 0;
	let lastPullMs = 0;
	let connecting: Promise<Client.Hub | undefined> | undefined;
	let listenWanted = false;
	const timers: NodeJS.Timeout[] = [];

	const load = async () => {
		modules ??= {
			replicate: await import('../store/hub/replicate.js'),
			client: await import('../store/hub/client.js'),
			registry: await import('../store/hub/registry.js'),
			queue: await import('../store/hub/team-queue.js'),
			claims: await import('../store/hub/claims.js'),
		};
		return modules;
	};

	const dropConnection = async () => {
		const old = hub;
		hub = undefined;
		listening = false;
		await old?.close();
	};

	const fail = async (error: unknown) => {
		await dropConnection();
		const {client, registry} = await load();
		if (error instanceof registry.NotRegistered) {
			clearMembership(db);
			options.onWarning?.(`team mode: ${error.message}; this machine stopped sharing (its outbox was dropped; local data stays)`);
			closed = true;
			return;
		}
		const message = error instanceof client.HubUnreachable || (error as Error).name === 'HubSchemaError' ? (error as Error).message : client.describeHubError(error, redactUrl(settings.url));
		const now = ctx.clock.now();
		const previous = readDown(db);
		writeDown(db, {sinceMs: previous?.sinceMs ?? now, untilMs: now + DOWN_BACKOFF_MS, error: message});
		if (previous === null) {
			const pending = outboxStats(db).pending;
			options.onWarning?.(`team mode: ${message}; working on local data${pending > 0 ? ` (${pending} change${pending === 1 ? '' : 's'} wait in the outbox)` : ''}`);
		}
	};

	const connect = async (timeoutMs: number) => {
		if (hub) return hub;
		const {client} = await load();
		const {requireHubSchema} = await import('../store/hub/schema.js');
		const opened = await client.connectHub(settings, {timeoutMs});
		try {
			await client.withDeadline(requireHubSchema(opened), timeoutMs, 'checking the hub schema');
		} catch (error) {
			await opened.close();
			throw error;
		}
		hub = opened;
		return hub;
	};

	const startedMs = Date.now();
	const listen = async () => {
		if (listening || !hub || (!options.live && !listenWanted && Date.now() - startedMs < LISTEN_AFTER_MS)) return;
		const {listenHub} = await import('../store/hub/notify.js');
		await listenHub(hub, 'obs', payload => {
			if (payload !== settings.machine) void run(true);
		});
		await listenHub(hub, 'jobs', payload => {
			void (async () => {
				await run(true);
				// A sync that was running when the notification came is followed by one that pulls it.
				while (running) await running;
				if (closed || closing) return;
				options.onJobs?.(payload);
				for (const listener of [...(jobListeners.get(ctx) ?? [])]) listener(payload);
			})();
		});
		listening = true;
	};

	/** At most once an hour per machine (by the injected clock): the hub keeps store.hubRetentionDays of history. */
	const pruneWhenDue = async (connected: Client.Hub) => {
		const now = ctx.clock.now();
		const last = Number(getKv(db, PRUNED_KEY) ?? 0);
		if (now - last < PRUNE_EVERY_MS && now >= last) return;
		const {pruneHub} = await import('../store/hub/prune.js');
		await pruneHub(connected, {retentionDays: ctx.config.store.hubRetentionDays, nowMs: now});
		db.transaction(() => {
			db.prepare('INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms').run(PRUNED_KEY, String(now), now);
		});
	};

	/** One sync: heartbeat, push, pull (when `pull`), heartbeat; bounded by the timeout. */
	const syncOnce = async (pull: boolean): Promise<SyncReport | undefined> => {
		const timeoutMs = settings.timeoutMs;
		const deadline = Date.now() + timeoutMs;
		try {
			const {replicate, client, registry, queue, claims} = await load();
			const connected = await connect(timeoutMs);
			const work = async (): Promise<SyncReport> => {
				const dbId = databaseId(db, ctx.clock.now());
				const before = outboxStats(db);
				await registry.touchMachine(connected.sql, settings.machine, dbId, {outboxPending: before.pending, outboxOldestMs: before.oldestMs});
				const pushed = await replicate.pushOutbox(connected, db, {deadline});
				const jobs = {published: await queue.publishJobs(connected, db, ctx.clock.now()), pulled: 0};
				await queue.flushPendingCancels(connected, db, ctx.clock.now());
				const pulled = pull
					? await replicate.pullHub(connected, db, {accounts: ctx.accounts, warnThreshold: ctx.config.policy.warnThreshold, nowMs: ctx.clock.now()})
					: {observations: 0, decisions: 0, shared: 0};
				if (pull) {
					// Any machine sweeps: a claim whose lease ran out (its machine died, slept, lost the hub) is interrupted.
					await claims.expireJobLeases(connected);
					jobs.pulled = await queue.pullJobs(connected, db, ctx.clock.now());
					setTeamView(db, {pulledAtMs: ctx.clock.now(), holdings: await registry.teamHoldings(connected)});
					await pruneWhenDue(connected);
				}
				const after = outboxStats(db);
				await registry.touchMachine(connected.sql, settings.machine, dbId, {pushed: true, pulled: pull, outboxPending: after.pending, outboxOldestMs: after.oldestMs});
				return {pushed: Object.values(pushed.pushed).reduce((a, b) => a + b, 0), pulled, jobs, pending: after.pending};
			};
			const report = await client.withDeadline(work(), Math.max(250, deadline - Date.now()), `syncing with ${connected.where}`);
			if (pull) lastPullMs = Date.now();
			if (readDown(db) !== null) writeDown(db, null);
			retryMs = OUTBOX_CHECK_MS;
			await listen().catch(() => undefined);
			if (report.pushed > 0 || report.pulled.observations > 0 || report.pulled.decisions > 0 || report.pulled.shared > 0 || report.jobs.published > 0) options.onSynced?.(report);
			return report;
		} catch (error) {
			await fail(error);
			return undefined;
		}
	};

	/** Serialise syncs: a request during a sync runs one more right after it (`final`: close's own, while closing). */
	const run = (pull: boolean, final = false): Promise<SyncReport | undefined> => {
		if (closed || (closing && !final)) return Promise.resolve(undefined);
		if (running) {
			again ||= pull;
			return running;
		}
		running = syncOnce(pull).finally(() => {
			running = undefined;
			if (again && !closed && !closing) {
				again = false;
				void run(true);
			}
		});
		return running;
	};

	/** The timer of a long-running process: push when the outbox holds something, pull when due. */
	const tick = () => {
		if (closed || running) return;
		const now = Date.now();
		if (now < nextTryMs) return;
		const pullDue = now - lastPullMs >= settings.intervalMs;
		if (!pullDue && !outboxHasEntries(db)) return;
		void run(true).then(report => {
			if (report) return;
			// Down: back off (2 s, 4 s, … 60 s) before the next attempt.
			nextTryMs = Date.now() + retryMs;
			retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
		});
	};

	const isBackingOff = () => {
		const down = readDown(db);
		return down !== null && ctx.clock.now() < down.untilMs && ctx.clock.now() >= down.sinceMs;
	};

	return {
		settings,
		listenNow() {
			listenWanted = true;
			if (hub && !listening) void listen().catch(() => undefined);
		},
		start() {
			const timer = setInterval(() => {
				tick();
				if (hub && !listening) void listen().catch(() => undefined);
			}, OUTBOX_CHECK_MS);
			timer.unref?.();
			timers.push(timer);
			return options.live || !isBackingOff() ? run(true) : Promise.resolve(undefined);
		},
		sync() {
			if (!options.live && isBackingOff()) return Promise.resolve(undefined);
			return run(true);
		},
		async connected() {
			if (closed || closing) return undefined;
			if (hub) return hub;
			if (isBackingOff()) return undefined;
			// Several accounts refreshing at once share one connection attempt.
			connecting ??= connect(settings.timeoutMs).catch(async (error: unknown) => {
				await fail(error);
				return undefined;
			}).finally(() => {
				connecting = undefined;
			});
			return connecting;
		},
		async close() {
			for (const timer of timers) clearInterval(timer);
			// A notification arriving while this closes must not start a sync that outlives the database.
			closing = true;
			if (running) await running.catch(() => undefined);
			// A connection attempt of connected() still in flight records its failure in the database when it
			// ends: it must end before the database closes (else "database is not open", unhandled).
			if (connecting) await connecting.catch(() => undefined);
			if (!closed && (outboxHasEntries(db) || unpublishedJobIds(db).length > 0) && (hub || !isBackingOff())) await run(false, true);
			closed = true;
			sessions.delete(ctx);
			await dropConnection();
			db.close();
		},
	};
}
