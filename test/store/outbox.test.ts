/**
 * The local side of team mode, on real SQLite files: the outbox triggers (only while a member, never
 * while applying the hub's data), coalescing, acknowledgement by version, provenance of pulled rows,
 * and the hub settings.
 */
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {QuotaWindow} from '../../source/engine/types.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {hubIdentity, hubSettings, hostMachineName, redactUrl} from '../../source/store/hub/settings.js';
import {defaultConfig} from '../../source/store/config.js';
import {
	ackOutbox, applyingHubData, clearMembership, databaseId, membership, outboxStats, ownRowsAfter, readOutbox, setMembership,
} from '../../source/store/outbox.js';
import {insertSnapshot, recordDecision} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

let db: Db;
const T0 = Date.parse('2026-12-01T10:00:00Z');

const windows = (u: number, at = '2026-12-01T10:00:00Z'): QuotaWindow[] => [
	{kind: 'five_hour', utilization: u, resetsAt: '2026-12-01T14:00:00Z', durationMs: 5 * 3600_000, source: 'provider-detected', origin: 'statusline', observedAt: at},
];
const observe = (u: number, ms: number) => insertSnapshot(db, {account: 'ludo', observedAt: new Date(ms).toISOString(), status: 'allowed', windows: windows(u, new Date(ms).toISOString())}, ms);
const decide = (ms: number) => recordDecision(db, {at: new Date(ms).toISOString(), kind: 'switch', subject: 'ludo', verdict: 'switched', reasons: ['r'], inputs: {}});
const join = () => setMembership(db, {hub: 'h:5432/test#quota_tui', machine: 'alpha', joinedAt: '2026-12-01T10:00:00Z'}, T0);

beforeEach(() => {
	db = openDatabase(path.join(tempHome('qt-outbox-'), 'quota.db'));
});
afterEach(() => db.close());

describe('the outbox', () => {
	it('records nothing while the database is not a member (a single machine pays nothing)', () => {
		observe(0.1, T0);
		decide(T0);
		db.prepare(`INSERT INTO log_daily VALUES ('ludo', '2026-12-01', 'm', 1, 2, 3, 4, 0.5, 1)`).run();
		expect(outboxStats(db)).toEqual({pending: 0, oldestMs: null});
	});

	it('as a member: one entry per changed row (observation, history run, decision, daily usage), coalesced by version', () => {
		join();
		observe(0.1, T0);
		observe(0.1, T0 + 60_000); // same values: extends the run (an update, same entries)
		decide(T0);
		db.prepare(`INSERT INTO log_daily VALUES ('ludo', '2026-12-01', 'm', 1, 2, 3, 4, 0.5, 1)`).run();
		db.prepare(`DELETE FROM log_daily`).run();
		const entries = readOutbox(db, 100);
		expect(entries.map(e => [e.kind, e.ref, e.version])).toEqual(expect.arrayContaining([
			['observation', '1', 2],
			['history', '1', 2],
			['decision', '1', 1],
			['usage', '["ludo","2026-12-01","m"]', 2],
		]));
		expect(entries).toHaveLength(4);
		// A row that changed again after it was read stays for the next push.
		observe(0.1, T0 + 120_000);
		expect(ackOutbox(db, entries)).toBe(2);
		expect(readOutbox(db, 100).map(e => [e.kind, e.version]).sort()).toEqual([['history', 3], ['observation', 3]]);
	});

	it("applying the hub's data writes no outbox entry and marks the rows it inserted as another machine's", () => {
		join();
		observe(0.1, T0);
		ackOutbox(db, readOutbox(db, 100));
		applyingHubData(db, track => {
			track('beta', () => observe(0.3, T0 + 60_000));
			track('beta', () => decide(T0 + 60_000));
		});
		expect(outboxStats(db).pending).toBe(0);
		expect(db.prepare('SELECT tbl, local_id, machine FROM hub_foreign ORDER BY tbl').all().map(r => ({...r}))).toEqual([
			{tbl: 'decisions', local_id: 1, machine: 'beta'},
			{tbl: 'snapshots', local_id: 2, machine: 'beta'},
			{tbl: 'window_history', local_id: 2, machine: 'beta'},
		]);
		// What join pushes as this machine's own history leaves them out.
		expect(ownRowsAfter(db, 'observation', 0, 10).map(r => r.id)).toEqual([1]);
		expect(ownRowsAfter(db, 'decision', 0, 10)).toEqual([]);
		// The flag lived inside the transaction only: the next local write is recorded again.
		observe(0.4, T0 + 120_000);
		expect(outboxStats(db).pending).toBe(2);
	});

	it('leaving stops recording and drops the outbox; the database id stays', () => {
		const id = databaseId(db, T0);
		join();
		observe(0.1, T0);
		expect(membership(db)).toMatchObject({machine: 'alpha'});
		expect(clearMembership(db)).toEqual({dropped: 2});
		expect(membership(db)).toBeNull();
		observe(0.2, T0 + 60_000);
		expect(outboxStats(db).pending).toBe(0);
		expect(databaseId(db, T0)).toBe(id);
	});
});

describe('hub settings', () => {
	const config = defaultConfig();
	it('no URL: no hub (and nothing to validate)', () => {
		expect(hubSettings(config, {})).toBeNull();
	});

	it('the environment wins over config; the machine defaults to the host name', () => {
		const withHub = {...config, store: {...config.store, hub: 'postgres://cfg@db:5432/team', machine: 'cfg-machine'}};
		expect(hubSettings(withHub, {})).toMatchObject({url: 'postgres://cfg@db:5432/team', from: 'store.hub', schema: 'quota_tui', machine: 'cfg-machine', timeoutMs: 3000, intervalMs: 30_000});
		expect(hubSettings(withHub, {QUOTA_TUI_DATABASE_URL: 'postgresql://env@h/db', QUOTA_TUI_MACHINE: 'laptop', QUOTA_TUI_HUB_SCHEMA: 'team_a'}))
			.toMatchObject({url: 'postgresql://env@h/db', from: 'QUOTA_TUI_DATABASE_URL', schema: 'team_a', machine: 'laptop'});
		expect(hubSettings(config, {QUOTA_TUI_DATABASE_URL: 'postgres://h/db'})?.machine).toBe(hostMachineName());
		expect(hostMachineName('My Laptop (2)')).toBe('My-Laptop--2-');
	});

	it('invalid variables are configuration errors naming the variable', () => {
		expect(() => hubSettings(config, {QUOTA_TUI_DATABASE_URL: 'mysql://h/db'})).toThrow(/QUOTA_TUI_DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
		expect(() => hubSettings(config, {QUOTA_TUI_DATABASE_URL: 'postgres://h/db', QUOTA_TUI_MACHINE: 'a b'})).toThrow(/QUOTA_TUI_MACHINE/);
		expect(() => hubSettings(config, {QUOTA_TUI_DATABASE_URL: 'postgres://h/db', QUOTA_TUI_HUB_SCHEMA: 'Bad-Name'})).toThrow(/QUOTA_TUI_HUB_SCHEMA/);
	});

	it('passwords never appear in what is printed or stored as the hub identity', () => {
		expect(redactUrl('postgres://team:s3cret@db.example:5433/quota')).toBe('postgres://team:***@db.example:5433/quota');
		expect(hubIdentity({url: 'postgres://team:s3cret@db.example:5433/quota', schema: 'quota_tui'})).toBe('db.example:5433/quota#quota_tui');
	});
});
