/**
 * The hub's schema (DESIGN §12), versioned like the SQLite migrations: entry i takes the schema from
 * version i to i + 1, each applied once, append only, never edited. `team init` applies them in one
 * transaction under an advisory lock (two machines running init at once apply each migration once).
 *
 * Every table lives in the configured PostgreSQL schema (`quota_tui` by default; tests use their own),
 * reached through the connection's search_path. Replicated rows carry `seq` from one sequence: pushes
 * take a transaction-level advisory lock before drawing it, so seq order is commit order and "rows with
 * seq > my cursor" never skips a row committed late.
 */
import type {Hub, HubSql} from './client.js';

export const HUB_MIGRATIONS: readonly string[] = [
	// 1: machines, accounts and who holds them; replicated observations, window history, decisions and
	// per-machine daily usage; the job queue and the per-account poll leases (claimed in phase B).
	`
	CREATE SEQUENCE change_seq;

	CREATE TABLE machines (
		name text PRIMARY KEY,
		db_id text NOT NULL,
		hostname text NOT NULL,
		platform text NOT NULL,
		version text NOT NULL,
		joined_at timestamptz NOT NULL DEFAULT now(),
		last_seen_at timestamptz NOT NULL DEFAULT now(),
		last_push_at timestamptz,
		last_pull_at timestamptz,
		outbox_pending integer NOT NULL DEFAULT 0,
		outbox_oldest_ms bigint
	);

	CREATE TABLE accounts (
		name text PRIMARY KEY,
		provider text NOT NULL,
		plan text,
		email text,
		updated_by text NOT NULL,
		updated_at timestamptz NOT NULL DEFAULT now()
	);

	CREATE TABLE holdings (
		machine text NOT NULL REFERENCES machines (name) ON DELETE CASCADE,
		account text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
		provider text NOT NULL,
		plan text,
		email text,
		login boolean NOT NULL,
		disabled boolean NOT NULL DEFAULT false,
		updated_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (machine, account)
	);

	CREATE TABLE observations (
		machine text NOT NULL,
		local_id bigint NOT NULL,
		account text NOT NULL,
		first_seen_ms bigint NOT NULL,
		first_seen text NOT NULL,
		last_seen_ms bigint NOT NULL,
		last_seen text NOT NULL,
		status text NOT NULL,
		windows jsonb NOT NULL,
		extra_usage jsonb,
		message text,
		origin text,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (machine, local_id)
	);
	CREATE INDEX observations_seq ON observations (seq);
	CREATE INDEX observations_account ON observations (account, last_seen_ms);

	CREATE TABLE window_history (
		machine text NOT NULL,
		local_id bigint NOT NULL,
		account text NOT NULL,
		kind text NOT NULL,
		stream text NOT NULL,
		resets_at_ms bigint,
		resets_at text,
		duration_ms bigint,
		utilization double precision NOT NULL,
		source text NOT NULL,
		origin text NOT NULL,
		first_seen_ms bigint NOT NULL,
		last_seen_ms bigint NOT NULL,
		observations integer NOT NULL,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (machine, local_id)
	);
	CREATE INDEX window_history_seq ON window_history (seq);
	CREATE INDEX window_history_identity ON window_history (account, kind, resets_at_ms);

	CREATE TABLE decisions (
		machine text NOT NULL,
		local_id bigint NOT NULL,
		at_ms bigint NOT NULL,
		at text NOT NULL,
		kind text NOT NULL,
		subject text NOT NULL,
		verdict text NOT NULL,
		reasons jsonb NOT NULL,
		inputs jsonb NOT NULL,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (machine, local_id)
	);
	CREATE INDEX decisions_seq ON decisions (seq);

	CREATE TABLE usage_daily (
		machine text NOT NULL,
		account text NOT NULL,
		date text NOT NULL,
		model text NOT NULL,
		input_tokens bigint NOT NULL,
		output_tokens bigint NOT NULL,
		cache_creation_tokens bigint NOT NULL,
		cache_read_tokens bigint NOT NULL,
		cost_usd double precision NOT NULL,
		priced boolean NOT NULL,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (machine, account, date, model)
	);

	CREATE TABLE jobs (
		id text PRIMARY KEY,
		idempotency_key text NOT NULL UNIQUE,
		title text NOT NULL,
		prompt text NOT NULL,
		cwd text,
		severity text NOT NULL DEFAULT 'info' CHECK (severity IN ('critical', 'warning', 'info')),
		severity_rank smallint GENERATED ALWAYS AS (CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END) STORED,
		kind text NOT NULL DEFAULT 'task',
		provider text,
		account text,
		machine text,
		estimate_usd double precision,
		estimate_pct double precision,
		payload jsonb NOT NULL DEFAULT '{}',
		state text NOT NULL DEFAULT 'queued'
			CHECK (state IN ('queued', 'claimed', 'running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
		created_by text NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(),
		not_before timestamptz,
		claimed_by text,
		claimed_account text,
		dispatch_key text UNIQUE,
		claimed_at timestamptz,
		lease_expires_at timestamptz,
		heartbeat_at timestamptz,
		started_at timestamptz,
		finished_at timestamptz,
		exit_code integer,
		message text,
		result jsonb,
		late_result jsonb,
		log_tail text,
		updated_at timestamptz NOT NULL DEFAULT now(),
		seq bigint NOT NULL DEFAULT nextval('change_seq')
	);
	CREATE INDEX jobs_queued ON jobs (severity_rank, created_at, id) WHERE state = 'queued';
	CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state IN ('claimed', 'running');
	CREATE INDEX jobs_seq ON jobs (seq);

	CREATE TABLE poll_leases (
		account text PRIMARY KEY,
		machine text NOT NULL,
		acquired_at timestamptz NOT NULL,
		renewed_at timestamptz NOT NULL,
		expires_at timestamptz NOT NULL,
		last_read_at timestamptz
	);
	`,
	// 2: budgets and reset credits shared by the team, last writer wins: one row per budget (ref
	// [scope, window]) or credit (ref: its id), `row` null once it was deleted (so a machine that was
	// away learns of the deletion), `updated_at_ms` the writing machine's instant of the change.
	`
	CREATE TABLE shared_rows (
		kind text NOT NULL CHECK (kind IN ('budget', 'credit')),
		ref text NOT NULL,
		row jsonb,
		machine text NOT NULL,
		updated_at_ms bigint NOT NULL,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (kind, ref)
	);
	CREATE INDEX shared_rows_seq ON shared_rows (seq);
	`,
	// 3: per-machine 5-hour blocks of the local logs (report blocks --all-machines merges them per account).
	`
	CREATE TABLE usage_blocks (
		machine text NOT NULL,
		account text NOT NULL,
		start_ms bigint NOT NULL,
		end_ms bigint NOT NULL,
		actual_end_ms bigint NOT NULL,
		entries integer NOT NULL,
		input_tokens bigint NOT NULL,
		output_tokens bigint NOT NULL,
		cache_creation_tokens bigint NOT NULL,
		cache_read_tokens bigint NOT NULL,
		cost_usd double precision NOT NULL,
		models jsonb NOT NULL,
		seq bigint NOT NULL DEFAULT nextval('change_seq'),
		PRIMARY KEY (machine, account, start_ms)
	);
	CREATE INDEX usage_blocks_start ON usage_blocks (start_ms);
	`,
];

/** The version this quota-tui writes and reads. */
export const HUB_VERSION = HUB_MIGRATIONS.length;

/** The hub's schema is older or newer than this quota-tui, or missing. */
export class HubSchemaError extends Error {
	override name = 'HubSchemaError';
}

const quoted = (schema: string) => `"${schema.replaceAll('"', '""')}"`;

/** The applied version, or null when the schema (or its version table) does not exist. */
export async function hubSchemaVersion(sql: HubSql, schema: string): Promise<number | null> {
	const [row] = await sql<Array<{exists: boolean}>>`SELECT to_regclass(${`${quoted(schema)}.schema_version`}) IS NOT NULL AS exists`;
	if (!row?.exists) return null;
	const [version] = await sql<Array<{version: number}>>`SELECT version FROM schema_version`;
	return version?.version ?? 0;
}

/** Throw HubSchemaError unless the hub's schema is exactly the version this quota-tui uses. */
export async function requireHubSchema(hub: Hub): Promise<void> {
	const version = await hubSchemaVersion(hub.sql, hub.schema);
	if (version === null) throw new HubSchemaError(`the team hub at ${hub.where} has no quota-tui schema "${hub.schema}" yet: run "quota-tui team init"`);
	if (version < HUB_VERSION) throw new HubSchemaError(`the team hub's schema "${hub.schema}" is at version ${version}, this quota-tui needs ${HUB_VERSION}: run "quota-tui team init" to migrate it`);
	if (version > HUB_VERSION) throw new HubSchemaError(`the team hub's schema "${hub.schema}" is at version ${version}, newer than this quota-tui supports (${HUB_VERSION}): upgrade quota-tui on this machine`);
}

export type MigrateResult = {from: number | null; to: number};

/** Create the schema if needed and apply the missing migrations, all in one transaction. */
export async function migrateHub(hub: Hub, migrations: readonly string[] = HUB_MIGRATIONS): Promise<MigrateResult> {
	return hub.sql.begin(async tx => {
		await tx`SELECT pg_advisory_xact_lock(hashtext(${`quota-tui migrate ${hub.schema}`}))`;
		const from = await hubSchemaVersion(tx as unknown as HubSql, hub.schema);
		if (from !== null && from > migrations.length) {
			throw new HubSchemaError(`the team hub's schema "${hub.schema}" is at version ${from}, newer than this quota-tui supports (${migrations.length}): upgrade quota-tui on this machine`);
		}
		if (from === null) {
			await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoted(hub.schema)}`);
			await tx.unsafe(`CREATE TABLE ${quoted(hub.schema)}.schema_version (version integer NOT NULL)`);
			await tx.unsafe(`INSERT INTO ${quoted(hub.schema)}.schema_version (version) VALUES (0)`);
		}
		// The connection's search_path names the schema; a schema created in this transaction is seen now.
		await tx.unsafe(`SET LOCAL search_path TO ${quoted(hub.schema)}`);
		for (let version = from ?? 0; version < migrations.length; version++) {
			await tx.unsafe(migrations[version]!);
			await tx`UPDATE schema_version SET version = ${version + 1}`;
		}
		return {from, to: Math.max(from ?? 0, migrations.length)};
	}) as Promise<MigrateResult>;
}
