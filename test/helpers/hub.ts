/**
 * The team-mode tests' real PostgreSQL server (checked once by test/global-setup.ts): a schema of its
 * own per test (dropped after), "machines" as CLI processes with their own QUOTA_TUI_HOME and
 * QUOTA_TUI_MACHINE, and direct hub connections for the claim primitives.
 */
import {randomBytes} from 'node:crypto';
import net from 'node:net';
import postgres from 'postgres';
import {describe} from 'vitest';
import {connectHub, type Hub} from '../../source/store/hub/client.js';
import {migrateHub} from '../../source/store/hub/schema.js';

export const PG_URL = process.env['QUOTA_TUI_TEST_PG_URL'] ?? 'postgres://127.0.0.1:5432/test';

/** describe() for tests that need the server; skipped (the global setup said why, once) without it. */
export const describeHub = describe.skipIf(process.env['QUOTA_TUI_TEST_PG'] !== 'ok');

export type TestSchema = {
	schema: string;
	/** An admin connection whose search_path is the schema (for reading every table). */
	sql: postgres.Sql;
	/** A hub connection as machine `machine` (closed by drop()). */
	connect(machine: string, options?: {init?: boolean}): Promise<Hub>;
	drop(): Promise<void>;
};

/** A fresh, empty schema name on the test server; drop() removes it and closes every connection. */
export async function freshSchema(): Promise<TestSchema> {
	const schema = `qt_test_${randomBytes(6).toString('hex')}`;
	const sql = postgres(PG_URL, {max: 2, onnotice: () => undefined, fetch_types: false, connection: {search_path: schema}});
	const hubs: Hub[] = [];
	return {
		schema,
		sql,
		async connect(machine, options = {}) {
			const hub = await connectHub({url: PG_URL, from: 'QUOTA_TUI_DATABASE_URL', schema, machine, timeoutMs: 5000, intervalMs: 30_000}, {max: 4});
			hubs.push(hub);
			if (options.init) await migrateHub(hub);
			return hub;
		},
		async drop() {
			for (const hub of hubs) await hub.close();
			await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
			await sql.end({timeout: 1});
		},
	};
}

/** The environment of a "machine": its hub, schema and name (pass with its own QUOTA_TUI_HOME). */
export const machineEnv = (schema: string, machine: string, url = PG_URL): Record<string, string> => ({
	QUOTA_TUI_DATABASE_URL: url,
	QUOTA_TUI_HUB_SCHEMA: schema,
	QUOTA_TUI_MACHINE: machine,
});

export const HUB_TABLES = ['machines', 'accounts', 'holdings', 'observations', 'window_history', 'decisions', 'usage_daily', 'jobs', 'poll_leases', 'shared_rows', 'usage_blocks'] as const;

/** Row count of every hub table and the highest change number in them (equal before/after = nothing added or changed). */
export async function hubFootprint(sql: postgres.Sql): Promise<{rows: Record<string, number>; seq: number}> {
	const rows: Record<string, number> = {};
	for (const table of HUB_TABLES) rows[table] = Number((await sql`SELECT count(*)::int AS n FROM ${sql(table)}`)[0]!['n']);
	let seq = 0;
	for (const table of ['observations', 'window_history', 'decisions', 'usage_daily', 'jobs', 'shared_rows', 'usage_blocks']) {
		seq = Math.max(seq, Number((await sql`SELECT coalesce(max(seq), 0)::int AS n FROM ${sql(table)}`)[0]!['n']));
	}
	return {rows, seq};
}

/** Every value of every hub table as text (for the "no token crosses machines" scan). */
export async function hubText(sql: postgres.Sql): Promise<string> {
	const parts: string[] = [];
	for (const table of HUB_TABLES) {
		const rows = await sql`SELECT t::text AS row FROM ${sql(table)} t`;
		for (const row of rows) parts.push(String(row['row']));
	}
	return parts.join('\n');
}

/** A TCP proxy to the test server that the test can cut (connections refused / held without answer) and resume. */
export type Proxy = {url: string; cut(mode?: 'refuse' | 'blackhole'): Promise<void>; resume(): Promise<void>; close(): Promise<void>};

export async function startProxy(): Promise<Proxy> {
	const target = new URL(PG_URL);
	const sockets = new Set<net.Socket>();
	let mode: 'open' | 'blackhole' = 'open';
	let server!: net.Server;
	let port = 0;
	const listen = () => new Promise<void>(resolve => {
		server = net.createServer(client => {
			sockets.add(client);
			client.on('close', () => sockets.delete(client));
			client.on('error', () => client.destroy());
			if (mode === 'blackhole') return;
			const upstream = net.connect(Number(target.port || 5432), target.hostname);
			sockets.add(upstream);
			upstream.on('close', () => sockets.delete(upstream));
			upstream.on('error', () => client.destroy());
			client.on('close', () => upstream.destroy());
			upstream.on('close', () => client.destroy());
			client.pipe(upstream).pipe(client);
		});
		server.listen(port, '127.0.0.1', () => {
			port = (server.address() as net.AddressInfo).port;
			resolve();
		});
	});
	const drop = () => {
		for (const socket of sockets) socket.destroy();
		sockets.clear();
	};
	const stop = () => new Promise<void>(resolve => server.close(() => resolve()));
	await listen();
	return {
		url: `postgres://${target.username ? `${target.username}@` : ''}127.0.0.1:${port}${target.pathname}`,
		async cut(how = 'refuse') {
			drop();
			if (how === 'blackhole') mode = 'blackhole';
			else await stop();
		},
		async resume() {
			if (mode === 'blackhole') mode = 'open';
			else await listen();
		},
		async close() {
			drop();
			if (server.listening) await stop();
		},
	};
}
