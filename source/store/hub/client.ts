/**
 * The connection to the team hub: PostgreSQL through `postgres` (porsager), imported dynamically here
 * only, so a machine without a hub (and the status-line hook) never loads it or opens a socket.
 *
 * Every connection sets `search_path` to the hub's schema (tables are named bare in SQL), a statement
 * timeout, and parses int8 as a JS number (ids, epoch milliseconds and change sequence numbers all fit
 * in 2^53). Server notices are dropped (the client would print them to the console).
 */
import type {Sql} from 'postgres';
import {redactUrl, type HubSettings} from './settings.js';

export type HubSql = Sql;

export type Hub = {
	sql: HubSql;
	schema: string;
	machine: string;
	/** The URL without its password, for messages. */
	where: string;
	close(): Promise<void>;
};

export type ConnectOptions = {
	/** Connect and first round trip within this long, else HubUnreachable. @default settings.timeoutMs */
	timeoutMs?: number | undefined;
	/** Server-side limit of one statement. @default 15 s */
	statementTimeoutMs?: number | undefined;
	/** Pool size. @default 2 */
	max?: number | undefined;
};

/** The hub cannot be reached (refused, timed out, DNS, authentication, missing database). */
export class HubUnreachable extends Error {
	override name = 'HubUnreachable';
}

/** Resolve `promise` or reject with HubUnreachable after `ms` (the promise itself is not cancelled). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new HubUnreachable(`${what}: no answer within ${(ms / 1000).toFixed(1)} s`)), ms);
		timer.unref?.();
	});
	return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** One line for a connection error (no stack, no password). */
export function describeHubError(error: unknown, where: string): string {
	const e = error as {code?: string; message?: string};
	const reason = e.code === 'ECONNREFUSED' ? 'connection refused'
		: e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'host not found'
		: e.code === 'ECONNRESET' ? 'connection reset'
		: e.code === 'CONNECT_TIMEOUT' || e.code === 'ETIMEDOUT' ? 'connection timed out'
		: (e.message ?? String(error)).replace(/^HubUnreachable: /, '');
	return `cannot reach the team hub at ${where}: ${reason}`;
}

const INT8 = 20;

/** Open (and check with one round trip) a connection to the hub. Throws HubUnreachable. */
export async function connectHub(settings: HubSettings, options: ConnectOptions = {}): Promise<Hub> {
	const where = redactUrl(settings.url);
	const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
	const {default: postgres} = await import('postgres');
	const sql = postgres(settings.url, {
		max: options.max ?? 2,
		// The client's own timer ends a connection attempt when our deadline does (it keeps the process alive till then).
		connect_timeout: Math.max(0.25, timeoutMs / 1000),
		idle_timeout: 30,
		max_lifetime: 30 * 60,
		fetch_types: false,
		onnotice: () => undefined,
		types: {
			int8: {to: INT8, from: [INT8], serialize: (value: number) => String(value), parse: (value: string) => Number(value)},
		},
		connection: {
			application_name: `quota-tui ${settings.machine}`.slice(0, 63),
			search_path: `"${settings.schema}"`,
			statement_timeout: options.statementTimeoutMs ?? 15_000,
		},
	}) as unknown as HubSql;
	const close = async () => {
		await sql.end({timeout: 0}).catch(() => undefined);
	};
	try {
		await withDeadline(sql`SELECT 1`, timeoutMs, `connecting to ${where}`);
	} catch (error) {
		await close();
		throw new HubUnreachable(describeHubError(error, where));
	}
	return {sql, schema: settings.schema, machine: settings.machine, where, close};
}
