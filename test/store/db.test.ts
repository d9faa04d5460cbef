import fs from 'node:fs';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {MIGRATIONS, openDatabase} from '../../source/store/db.js';
import {recordDecision, recentDecisions} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

let dir: string;
let file: string;

beforeEach(() => {
	dir = tempHome('qt-db-');
	file = path.join(dir, 'nested', 'quota.db');
});

afterEach(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

const pragma = (db: DatabaseSync, name: string): unknown => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];

const tables = (db: DatabaseSync): string[] =>
	(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{name: string}>).map(
		row => row.name,
	);

describe('openDatabase', () => {
	it('creates the file (and its directory) with WAL, busy timeout, foreign keys and the schema', () => {
		const db = openDatabase(file);
		expect(fs.existsSync(file)).toBe(true);
		expect(pragma(db.raw, 'journal_mode')).toBe('wal');
		expect(pragma(db.raw, 'busy_timeout')).toBe(5000);
		expect(pragma(db.raw, 'foreign_keys')).toBe(1);
		expect(pragma(db.raw, 'user_version')).toBe(MIGRATIONS.length);
		expect(db.schemaVersion).toBe(MIGRATIONS.length);
		expect(tables(db.raw)).toEqual(expect.arrayContaining(['budgets', 'decisions', 'kv', 'notifications', 'poll_state', 'snapshots', 'window_history']));
		const indexes = db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'snapshots'").all();
		expect(indexes).toContainEqual({name: 'snapshots_account_time'});
		db.close();
		expect(db.isOpen).toBe(false);
		db.close(); // idempotent
	});

	it('migrations are idempotent: opening twice keeps data and version', () => {
		const first = openDatabase(file);
		recordDecision(first, {at: '2026-01-01T00:00:00Z', kind: 'gate', subject: 's', verdict: 'go', reasons: [], inputs: {}});
		first.close();
		const second = openDatabase(file);
		expect(second.schemaVersion).toBe(MIGRATIONS.length);
		expect(recentDecisions(second)).toHaveLength(1);
		second.close();
	});

	it('upgrades an older database step by step, keeping its rows', () => {
		const v1 = openDatabase(file, {migrations: MIGRATIONS.slice(0, 1)});
		recordDecision(v1, {at: '2026-01-01T00:00:00Z', kind: 'switch', subject: 'a', verdict: 'ok', reasons: ['r'], inputs: {}});
		v1.close();
		const later = [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER)', 'ALTER TABLE extra ADD COLUMN y TEXT'];
		const upgraded = openDatabase(file, {migrations: later});
		expect(upgraded.schemaVersion).toBe(later.length);
		expect(tables(upgraded.raw)).toContain('extra');
		expect(upgraded.raw.prepare('SELECT y FROM extra').all()).toEqual([]);
		expect(recentDecisions(upgraded)).toHaveLength(1);
		upgraded.close();
	});

	it('a failing migration rolls back and leaves the version where it was', () => {
		openDatabase(file).close();
		expect(() => openDatabase(file, {migrations: [...MIGRATIONS, 'CREATE TABLE t (a); THIS IS NOT SQL']})).toThrow();
		const db = openDatabase(file);
		expect(db.schemaVersion).toBe(MIGRATIONS.length);
		expect(tables(db.raw)).not.toContain('t');
		db.close();
	});

	it('refuses a database newer than this code', () => {
		const raw = new DatabaseSync(file.replace('nested', ''));
		raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 3}`);
		raw.close();
		expect(() => openDatabase(file.replace('nested', ''))).toThrow(new RegExp(`schema version ${MIGRATIONS.length + 3} is newer than this quota-tui supports \\(${MIGRATIONS.length}\\)`));
	});

	it('transaction() commits, rolls back on throw and joins nested calls', () => {
		const db = openDatabase(file);
		db.transaction(() => {
			db.raw.exec("INSERT INTO kv VALUES ('a', '1', 0)");
			db.transaction(() => db.raw.exec("INSERT INTO kv VALUES ('b', '2', 0)"));
		});
		expect(() =>
			db.transaction(() => {
				db.raw.exec("INSERT INTO kv VALUES ('c', '3', 0)");
				throw new Error('boom');
			}),
		).toThrow('boom');
		expect(db.raw.isTransaction).toBe(false);
		expect(db.raw.prepare('SELECT key FROM kv ORDER BY key').all()).toEqual([{key: 'a'}, {key: 'b'}]);
		db.close();
	});
});
