/**
 * `quota.db` (DESIGN §4): SQLite through the built-in node:sqlite, shared by several quota-tui processes
 * (a dashboard per tmux pane, CLI calls, the status-line hook).
 *
 * - WAL mode, `busy_timeout`, foreign keys on.
 * - Every write runs in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front (waiting up to
 *   the busy timeout), so two writers queue instead of failing with SQLITE_BUSY on a lock upgrade.
 * - Versioned migrations: `PRAGMA user_version` counts the applied entries of MIGRATIONS. Each one runs
 *   in its own IMMEDIATE transaction that re-reads the version first, so two processes opening a
 *   database at once never both run a migration.
 *
 * Only node built-ins here (no npm packages), so the compiled module runs anywhere Node runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {DatabaseSync, type StatementSync} from 'node:sqlite';
import {DatabaseError, databaseError, isSqliteError} from './db-errors.js';

export const BUSY_TIMEOUT_MS = 5000;

/** Ordered schema migrations; entry i takes user_version i to i + 1. Append only, never edit. */
export const MIGRATIONS: readonly string[] = [
	// 1: history, decisions, budgets, key/value, poll cooldowns.
	`
	CREATE TABLE snapshots (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		account TEXT NOT NULL,
		observed_at_ms INTEGER NOT NULL,
		observed_at TEXT NOT NULL,
		last_seen_ms INTEGER NOT NULL,
		last_seen TEXT NOT NULL,
		recorded_at_ms INTEGER NOT NULL,
		status TEXT NOT NULL,
		windows_json TEXT NOT NULL,
		extra_usage_json TEXT,
		message TEXT,
		origin TEXT
	);
	CREATE INDEX snapshots_account_time ON snapshots (account, observed_at_ms);
	CREATE INDEX snapshots_last_seen ON snapshots (last_seen_ms);

	CREATE TABLE decisions (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		at_ms INTEGER NOT NULL,
		at TEXT NOT NULL,
		kind TEXT NOT NULL,
		subject TEXT NOT NULL,
		verdict TEXT NOT NULL,
		reasons_json TEXT NOT NULL,
		inputs_json TEXT NOT NULL
	);
	CREATE INDEX decisions_at ON decisions (at_ms);

	CREATE TABLE budgets (
		scope TEXT NOT NULL,
		window TEXT NOT NULL DEFAULT '',
		limit_value REAL NOT NULL,
		unit TEXT NOT NULL,
		used REAL NOT NULL,
		reset_at TEXT,
		recurrence TEXT,
		source TEXT NOT NULL,
		checked_at TEXT NOT NULL,
		PRIMARY KEY (scope, window)
	);

	CREATE TABLE kv (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL,
		updated_at_ms INTEGER NOT NULL
	);

	CREATE TABLE poll_state (
		account TEXT NOT NULL,
		source TEXT NOT NULL,
		last_attempt_ms INTEGER,
		last_success_ms INTEGER,
		next_allowed_ms INTEGER,
		last_error TEXT,
		PRIMARY KEY (account, source)
	);
	`,
	// 2: window history (one row per run of equal observations of one window, with the window's
	// identity: account + kind + reset instant) and the once-per-key notification memory.
	`
	CREATE TABLE window_history (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		account TEXT NOT NULL,
		kind TEXT NOT NULL,
		stream TEXT NOT NULL,
		resets_at_ms INTEGER,
		resets_at TEXT,
		duration_ms INTEGER,
		utilization REAL NOT NULL,
		source TEXT NOT NULL,
		origin TEXT NOT NULL,
		first_seen_ms INTEGER NOT NULL,
		last_seen_ms INTEGER NOT NULL,
		observations INTEGER NOT NULL DEFAULT 1
	);
	CREATE INDEX window_history_identity ON window_history (account, kind, resets_at_ms);
	CREATE INDEX window_history_seen ON window_history (account, last_seen_ms);

	INSERT INTO window_history (account, kind, stream, resets_at_ms, resets_at, duration_ms, utilization, source, origin,
		first_seen_ms, last_seen_ms, observations)
	SELECT s.account, json_extract(w.value, '$.kind'),
		CASE WHEN json_extract(w.value, '$.origin') = 'manual' THEN 'manual' ELSE 'detected' END,
		CAST(round((julianday(json_extract(w.value, '$.resetsAt')) - 2440587.5) * 86400000) AS INTEGER),
		json_extract(w.value, '$.resetsAt'), json_extract(w.value, '$.durationMs'), json_extract(w.value, '$.utilization'),
		coalesce(json_extract(w.value, '$.source'), 'unknown'), coalesce(json_extract(w.value, '$.origin'), 'unknown'),
		s.observed_at_ms, s.last_seen_ms, 1
	FROM snapshots s, json_each(s.windows_json) w
	WHERE json_extract(w.value, '$.utilization') IS NOT NULL AND json_extract(w.value, '$.kind') IS NOT NULL
	ORDER BY s.observed_at_ms, s.id;

	CREATE TABLE notifications (
		key TEXT PRIMARY KEY,
		sent_at_ms INTEGER NOT NULL,
		sent_at TEXT NOT NULL,
		via TEXT NOT NULL,
		title TEXT NOT NULL
	);
	`,
	// 3: the follow-up queue (DESIGN §7.4): one row per job, from the backlog or a Fleet follow-up, with
	// its claim, its runner process and what the run measured (cost, utilization before/after).
	`
	CREATE TABLE jobs (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		prompt TEXT NOT NULL,
		cwd TEXT NOT NULL,
		severity TEXT NOT NULL,
		created_at TEXT NOT NULL,
		created_at_ms INTEGER NOT NULL,
		source TEXT NOT NULL,
		source_ref TEXT,
		source_file TEXT,
		source_hash TEXT,
		kind TEXT NOT NULL,
		module TEXT,
		provider TEXT,
		estimate_usd REAL,
		estimate_pct REAL,
		state TEXT NOT NULL,
		auto_utilization INTEGER NOT NULL DEFAULT 0,
		account TEXT,
		claimed_by TEXT,
		claimed_at TEXT,
		claimed_at_ms INTEGER,
		pid INTEGER,
		pid_start TEXT,
		supervisor_pid INTEGER,
		supervisor_start TEXT,
		log_path TEXT,
		started_at TEXT,
		started_at_ms INTEGER,
		finished_at TEXT,
		finished_at_ms INTEGER,
		exit_code INTEGER,
		signal TEXT,
		cost_usd REAL,
		utilization_before_json TEXT,
		utilization_after_json TEXT,
		message TEXT,
		failure_kind TEXT,
		cancel_requested_at_ms INTEGER,
		removed INTEGER NOT NULL DEFAULT 0,
		updated_at_ms INTEGER NOT NULL
	);
	CREATE INDEX jobs_state ON jobs (state);
	CREATE INDEX jobs_account_state ON jobs (account, state);
	CREATE INDEX jobs_finished ON jobs (kind, state, finished_at_ms);
	`,
	// 4: local-log analytics: the incremental index of Claude/Codex log files (cursor + the file's usage
	// records as one blob) and the aggregates computed from it per account (per day and model, per
	// 5-hour block, a minute series of the last weeks for burn rates and dollar budgets).
	`
	CREATE TABLE log_files (
		account TEXT NOT NULL,
		path TEXT NOT NULL,
		kind TEXT NOT NULL,
		size INTEGER NOT NULL,
		mtime_ms REAL NOT NULL,
		ino REAL NOT NULL,
		dev REAL NOT NULL,
		offset INTEGER NOT NULL,
		head_length INTEGER NOT NULL,
		head_hash REAL NOT NULL,
		candidates INTEGER NOT NULL,
		corrupt INTEGER NOT NULL,
		corrupt_offsets TEXT NOT NULL,
		pending INTEGER NOT NULL,
		parser_state TEXT,
		records INTEGER NOT NULL,
		models TEXT NOT NULL,
		data BLOB NOT NULL,
		resets TEXT NOT NULL,
		updated_at_ms INTEGER NOT NULL,
		PRIMARY KEY (account, path)
	);

	CREATE TABLE log_summary (
		account TEXT PRIMARY KEY,
		refreshed_at_ms INTEGER NOT NULL,
		series BLOB NOT NULL,
		info TEXT NOT NULL
	);

	CREATE TABLE log_daily (
		account TEXT NOT NULL,
		date TEXT NOT NULL,
		model TEXT NOT NULL,
		input_tokens INTEGER NOT NULL,
		output_tokens INTEGER NOT NULL,
		cache_creation_tokens INTEGER NOT NULL,
		cache_read_tokens INTEGER NOT NULL,
		cost_usd REAL NOT NULL,
		priced INTEGER NOT NULL,
		PRIMARY KEY (account, date, model)
	);

	CREATE TABLE log_blocks (
		account TEXT NOT NULL,
		start_ms INTEGER NOT NULL,
		end_ms INTEGER NOT NULL,
		actual_end_ms INTEGER NOT NULL,
		entries INTEGER NOT NULL,
		input_tokens INTEGER NOT NULL,
		output_tokens INTEGER NOT NULL,
		cache_creation_tokens INTEGER NOT NULL,
		cache_read_tokens INTEGER NOT NULL,
		cost_usd REAL NOT NULL,
		models TEXT NOT NULL,
		usage_limit_reset_ms INTEGER,
		PRIMARY KEY (account, start_ms)
	);
	`,
	// 5: team mode (issue 14): the outbox of local changes waiting for the hub (one row per changed local
	// row, filled by triggers only while this database is a hub member and not applying the hub's own
	// data), which hub rows were applied here, and which local rows came from other machines.
	`
	CREATE TABLE hub_outbox (
		kind TEXT NOT NULL,
		ref TEXT NOT NULL,
		version INTEGER NOT NULL DEFAULT 1,
		first_ms INTEGER NOT NULL,
		PRIMARY KEY (kind, ref)
	);
	CREATE INDEX hub_outbox_first ON hub_outbox (first_ms);

	CREATE TABLE hub_applied (
		kind TEXT NOT NULL,
		machine TEXT NOT NULL,
		remote_id TEXT NOT NULL,
		applied_ms INTEGER NOT NULL,
		PRIMARY KEY (kind, machine, remote_id)
	);

	CREATE TABLE hub_foreign (
		tbl TEXT NOT NULL,
		local_id INTEGER NOT NULL,
		machine TEXT NOT NULL,
		PRIMARY KEY (tbl, local_id)
	);

	CREATE TRIGGER hub_outbox_snapshots_insert AFTER INSERT ON snapshots WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('observation', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_snapshots_update AFTER UPDATE ON snapshots WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('observation', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_history_insert AFTER INSERT ON window_history WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('history', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_history_update AFTER UPDATE ON window_history WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('history', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_decisions_insert AFTER INSERT ON decisions WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('decision', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_usage_insert AFTER INSERT ON log_daily WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('usage', json_array(NEW.account, NEW.date, NEW.model), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_usage_update AFTER UPDATE ON log_daily WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('usage', json_array(NEW.account, NEW.date, NEW.model), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_usage_delete AFTER DELETE ON log_daily WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('usage', json_array(OLD.account, OLD.date, OLD.model), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	`,
	// 6: reset credits (banked limit resets, issue 11): one row per credit, from a provider (Codex
	// app-server, the ChatGPT reset-credit endpoint, Claude usage grants) or entered by hand; kept after
	// it is redeemed, lapses or disappears (the waste ledger counts lapsed ones).
	`
	CREATE TABLE reset_credits (
		id TEXT PRIMARY KEY,
		account TEXT NOT NULL,
		source TEXT NOT NULL,
		provider_id TEXT,
		kind TEXT NOT NULL,
		model TEXT,
		count INTEGER NOT NULL,
		status TEXT NOT NULL,
		provider_usable INTEGER,
		expires_at TEXT,
		expires_at_ms INTEGER,
		starts_at TEXT,
		granted_at TEXT,
		title TEXT,
		note TEXT,
		first_seen_ms INTEGER NOT NULL,
		observed_at TEXT NOT NULL,
		observed_at_ms INTEGER NOT NULL,
		closed_at TEXT,
		closed_at_ms INTEGER,
		redeem_key TEXT
	);
	CREATE INDEX reset_credits_account ON reset_credits (account, status);
	CREATE INDEX reset_credits_expiry ON reset_credits (expires_at_ms);
	`,
	// 7: real-use outcomes (issue 9 item 5): how real runs on an account ended (a job's end, classified,
	// or `quota-tui outcome` from any launcher), and jobs paused by a usage limit until their notBefore.
	// Earlier job ends are carried over so a refused credential stays refused.
	`
	CREATE TABLE outcomes (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		account TEXT NOT NULL,
		kind TEXT NOT NULL,
		message TEXT,
		resets_at TEXT,
		at TEXT NOT NULL,
		at_ms INTEGER NOT NULL,
		source TEXT NOT NULL,
		job_id TEXT
	);
	CREATE INDEX outcomes_account ON outcomes (account, at_ms);
	INSERT INTO outcomes (account, kind, message, at, at_ms, source, job_id)
		SELECT account, CASE WHEN state = 'succeeded' THEN 'ok' ELSE 'credential' END, message, coalesce(finished_at, ''), finished_at_ms, 'job', id
		FROM jobs WHERE account IS NOT NULL AND finished_at_ms IS NOT NULL AND finished_at IS NOT NULL
		  AND (state = 'succeeded' OR (state = 'failed' AND failure_kind = 'credential'));
	ALTER TABLE jobs ADD COLUMN not_before TEXT;
	ALTER TABLE jobs ADD COLUMN not_before_ms INTEGER;
	`,
	// 8: team mode phase B (issue 14): this machine's copy of the team queue's state on the hub — one row
	// per job the hub knows (same id as the local job): its team state, the machine that claimed it, on
	// which account, its log tail, and this machine's dispatch key while it holds the claim.
	`
	CREATE TABLE team_jobs (
		id TEXT PRIMARY KEY,
		state TEXT NOT NULL,
		machine TEXT,
		account TEXT,
		created_by TEXT NOT NULL,
		dispatch_key TEXT,
		message TEXT,
		log_tail TEXT,
		hub_seq INTEGER NOT NULL DEFAULT 0,
		updated_at_ms INTEGER NOT NULL
	);
	`,
	// 9: team mode (issue 14): budgets and reset credits are shared through the hub, last writer wins.
	// hub_row_clock keeps when each budget or credit last changed here (by any writer, member or not),
	// so a pull applies another machine's version only when it is newer; the outbox gets the change
	// while this database is a member. Neither fires while the hub's own data is being applied.
	`
	CREATE TABLE hub_row_clock (
		kind TEXT NOT NULL,
		ref TEXT NOT NULL,
		changed_ms INTEGER NOT NULL,
		PRIMARY KEY (kind, ref)
	);
	CREATE TRIGGER hub_shared_budgets_insert AFTER INSERT ON budgets WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('budget', json_array(NEW.scope, NEW.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'budget', json_array(NEW.scope, NEW.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_budgets_update AFTER UPDATE ON budgets WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('budget', json_array(NEW.scope, NEW.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'budget', json_array(NEW.scope, NEW.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_budgets_moved AFTER UPDATE ON budgets WHEN (OLD.scope IS NOT NEW.scope OR OLD.window IS NOT NEW.window) AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('budget', json_array(OLD.scope, OLD.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'budget', json_array(OLD.scope, OLD.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_budgets_delete AFTER DELETE ON budgets WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('budget', json_array(OLD.scope, OLD.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'budget', json_array(OLD.scope, OLD.window), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_credits_insert AFTER INSERT ON reset_credits WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('credit', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'credit', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_credits_update AFTER UPDATE ON reset_credits WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('credit', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'credit', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_shared_credits_delete AFTER DELETE ON reset_credits WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_row_clock (kind, ref, changed_ms) VALUES ('credit', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET changed_ms = excluded.changed_ms;
		INSERT INTO hub_outbox (kind, ref, first_ms) SELECT 'credit', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member')
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	`,
	// 10: deferred work that resumes by itself (issue 9 item 9): a job a person dispatched "when ready"
	// (or whose manual run was paused by a usage limit) carries the priority and account it was asked
	// with; the dashboard and `serve` dispatch it again once its not_before has passed.
	`
	ALTER TABLE jobs ADD COLUMN resume_priority TEXT;
	ALTER TABLE jobs ADD COLUMN resume_account TEXT;
	`,
	// 10: team mode (issue 14): 5-hour blocks of the local logs go to the hub for
	// `report blocks --all-machines` (the log index writes blocks as a difference, so only changed
	// blocks reach the outbox).
	`
	CREATE TRIGGER hub_outbox_blocks_insert AFTER INSERT ON log_blocks WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('block', json_array(NEW.account, NEW.start_ms), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_blocks_update AFTER UPDATE ON log_blocks WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('block', json_array(NEW.account, NEW.start_ms), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	CREATE TRIGGER hub_outbox_blocks_delete AFTER DELETE ON log_blocks WHEN EXISTS (SELECT 1 FROM kv WHERE key = 'hub.member') AND NOT EXISTS (SELECT 1 FROM kv WHERE key = 'hub.applying')
	BEGIN
		INSERT INTO hub_outbox (kind, ref, first_ms) VALUES ('block', json_array(OLD.account, OLD.start_ms), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
		ON CONFLICT (kind, ref) DO UPDATE SET version = version + 1;
	END;
	`,
	// budget scopes a queued job belongs to (issue 9 item 8: `queue add --scope project:x`), a JSON
	// array of strings; null = none given.
	`
	ALTER TABLE jobs ADD COLUMN scopes_json TEXT;
	`,
	// the model a dispatched job runs on when routing chose one (issue 9 item 6: policy.modelLadder),
	// for the runner template's {model}.
	`
	ALTER TABLE jobs ADD COLUMN model TEXT;
	`,
];

export type OpenOptions = {
	/** For tests: a different migration list (defaults to MIGRATIONS). */
	migrations?: readonly string[];
	busyTimeoutMs?: number;
};

export class Db {
	readonly file: string;
	readonly raw: DatabaseSync;
	readonly #statements = new Map<string, StatementSync>();

	readonly busyTimeoutMs: number;

	constructor(file: string, raw: DatabaseSync, busyTimeoutMs = BUSY_TIMEOUT_MS) {
		this.file = file;
		this.raw = raw;
		this.busyTimeoutMs = busyTimeoutMs;
	}

	/** A prepared statement, cached per SQL text. */
	prepare(sql: string): StatementSync {
		let statement = this.#statements.get(sql);
		if (statement === undefined) {
			statement = this.raw.prepare(sql);
			this.#statements.set(sql, statement);
		}
		return statement;
	}

	/**
	 * Run `fn` inside a `BEGIN IMMEDIATE` transaction (commit on return, roll back on throw).
	 * Nested calls join the outer transaction. A SQLite failure (locked past the busy timeout, read-only,
	 * corrupt) comes out as a DatabaseError naming the file.
	 */
	transaction<T>(fn: () => T): T {
		if (this.raw.isTransaction) {
			return fn();
		}
		try {
			this.raw.exec('BEGIN IMMEDIATE');
		} catch (error) {
			throw isSqliteError(error) ? databaseError(this.file, error, this.busyTimeoutMs) : error;
		}
		try {
			const result = fn();
			this.raw.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.raw.isTransaction) {
				this.raw.exec('ROLLBACK');
			}
			throw isSqliteError(error) ? databaseError(this.file, error, this.busyTimeoutMs) : error;
		}
	}

	get schemaVersion(): number {
		return readUserVersion(this.raw);
	}

	get isOpen(): boolean {
		return this.raw.isOpen;
	}

	close(): void {
		if (this.raw.isOpen) {
			this.#statements.clear();
			this.raw.close();
		}
	}
}

function readUserVersion(raw: DatabaseSync): number {
	const row = raw.prepare('PRAGMA user_version').get() as {user_version?: number} | undefined;
	return Number(row?.user_version ?? 0);
}

const isBusy = (error: unknown): boolean =>
	error instanceof Error && /SQLITE_BUSY|database is locked/i.test(`${(error as {code?: string}).code ?? ''} ${error.message}`);

/** Setting WAL on a brand-new file can race another opener past the busy handler; retry briefly. */
function withBusyRetry<T>(fn: () => T, timeoutMs: number): T {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return fn();
		} catch (error) {
			if (!isBusy(error) || Date.now() > deadline) {
				throw error;
			}
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
		}
	}
}

function migrate(db: Db, migrations: readonly string[]): void {
	if (readUserVersion(db.raw) === migrations.length) {
		return;
	}
	for (;;) {
		const done = db.transaction(() => {
			// Re-read inside the write lock: another process may have migrated meanwhile.
			const version = readUserVersion(db.raw);
			if (version > migrations.length) {
				throw new Error(
					`${db.file}: database schema version ${version} is newer than this quota-tui supports (${migrations.length}); upgrade quota-tui`,
				);
			}
			const sql = migrations[version];
			if (sql === undefined) {
				return true;
			}
			db.raw.exec(sql);
			db.raw.exec(`PRAGMA user_version = ${version + 1}`);
			return false;
		});
		if (done) {
			return;
		}
	}
}

/**
 * Create the database's folder 0700 and the file itself 0600 before SQLite opens it (its -wal and -shm
 * files take the main file's mode): it holds prompts, account emails and decisions. An existing file or
 * folder keeps its mode.
 */
function createPrivately(file: string): void {
	fs.mkdirSync(path.dirname(path.resolve(file)), {recursive: true, mode: 0o700});
	try {
		fs.closeSync(fs.openSync(file, 'wx', 0o600));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
}

/** Open (creating if needed) and migrate the database at `file`. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
	const timeout = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
	let db: Db | undefined;
	try {
		if (file !== ':memory:') {
			if (fs.statSync(file, {throwIfNoEntry: false})?.isDirectory()) {
				throw new DatabaseError(file, `is a folder, not a database; move it aside (mv '${file}' '${file}.broken') to start a fresh history`, 2);
			}
			createPrivately(file);
		}
		const raw = new DatabaseSync(file, {enableForeignKeyConstraints: true});
		db = new Db(file, raw, timeout);
		raw.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(timeout))}`);
		withBusyRetry(() => raw.exec('PRAGMA journal_mode = WAL'), timeout);
		raw.exec('PRAGMA synchronous = NORMAL');
		raw.exec('PRAGMA foreign_keys = ON');
		const opened = db;
		withBusyRetry(() => migrate(opened, options.migrations ?? MIGRATIONS), timeout);
	} catch (error) {
		db?.close();
		throw databaseError(file, error, timeout);
	}
	return db;
}
