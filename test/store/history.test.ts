/**
 * The window history in a real SQLite file: every observation kept, deduplicated when unchanged, with
 * the window identity; fed by insertSnapshot and by manual windows; pruned by retention; migrated from
 * a database that only had snapshots.
 */
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {QuotaWindow, Snapshot} from '../../source/engine/types.js';
import {MIGRATIONS, openDatabase, type Db} from '../../source/store/db.js';
import {identifyWindows} from '../../source/engine/history.js';
import {moveManualReset, pruneWindowHistory, recordWindowObservations, windowHistory, windowHistoryForReport} from '../../source/store/history.js';
import {insertSnapshot} from '../../source/store/repositories.js';
import {tempHome} from '../helpers/cli.js';

let dir: string;
let db: Db;

beforeEach(() => {
	dir = tempHome('qt-history-');
	db = openDatabase(path.join(dir, 'quota.db'));
});

afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;
const RESET_5H = '2026-11-23T14:00:00+05:45';
const RESET_7D = '2026-11-30T09:00:00Z';

function win(kind: QuotaWindow['kind'], utilization: number | null, resetsAt: string | null, atMs: number, extra: Partial<QuotaWindow> = {}): QuotaWindow {
	return {kind, utilization, resetsAt, durationMs: kind === 'five_hour' ? 5 * 60 * MIN : 7 * 24 * 60 * MIN, source: 'provider-detected', origin: 'statusline', observedAt: new Date(atMs).toISOString(), ...extra};
}

function snapshot(atMs: number, five: number, seven: number): Snapshot {
	return {account: 'a', observedAt: new Date(atMs).toISOString(), status: 'allowed', windows: [win('five_hour', five, RESET_5H, atMs), win('seven_day', seven, RESET_7D, atMs)]};
}

const count = () => (db.raw.prepare('SELECT COUNT(*) AS n FROM window_history').get() as {n: number}).n;

describe('window history', () => {
	it('insertSnapshot records every window with its identity; unchanged windows only extend their run', () => {
		insertSnapshot(db, snapshot(T0, 0.2, 0.4), T0);
		insertSnapshot(db, snapshot(T0 + MIN, 0.25, 0.4), T0 + MIN); // 5h moved, 7d did not
		insertSnapshot(db, snapshot(T0 + 2 * MIN, 0.25, 0.4), T0 + 2 * MIN); // nothing moved
		const rows = windowHistory(db, 'a');
		expect(count()).toBe(3);
		expect(rows.map(r => [r.kind, r.utilization, r.firstSeenMs - T0, r.lastSeenMs - T0, r.observations])).toEqual([
			['five_hour', 0.2, 0, 0, 1],
			['seven_day', 0.4, 0, 2 * MIN, 3],
			['five_hour', 0.25, MIN, 2 * MIN, 2],
		]);
		expect(rows[0]).toMatchObject({account: 'a', stream: 'detected', resetsAt: RESET_5H, resetsAtMs: Date.parse(RESET_5H), durationMs: 5 * 60 * MIN, source: 'provider-detected', origin: 'statusline'});
	});

	it('a window carried over from an earlier read keeps its own time: it does not extend its run', () => {
		insertSnapshot(db, snapshot(T0, 0.2, 0.4), T0);
		// Ten minutes later a status line reports only the 5-hour window; the 7-day one is kept from T0.
		const later: Snapshot = {account: 'a', observedAt: new Date(T0 + 10 * MIN).toISOString(), status: 'allowed', windows: [win('five_hour', 0.3, RESET_5H, T0 + 10 * MIN), win('seven_day', 0.4, RESET_7D, T0)]};
		insertSnapshot(db, later, T0 + 10 * MIN);
		const seven = windowHistory(db, 'a').filter(r => r.kind === 'seven_day');
		expect(seven.map(r => [r.firstSeenMs - T0, r.lastSeenMs - T0, r.observations])).toEqual([[0, 0, 1]]);
		const five = windowHistory(db, 'a').filter(r => r.kind === 'five_hour');
		expect(five.map(r => r.lastSeenMs - T0)).toEqual([0, 10 * MIN]);
	});

	it('a new reset is a new window even at the same utilization; unknown utilization is not an observation', () => {
		recordWindowObservations(db, 'a', [win('seven_day', 0.4, RESET_7D, T0)], T0, 'detected');
		recordWindowObservations(db, 'a', [win('seven_day', 0.4, '2026-12-07T09:00:00Z', T0 + MIN), win('five_hour', null, RESET_5H, T0 + MIN)], T0 + MIN, 'detected');
		expect(windowHistory(db, 'a').map(r => r.resetsAt)).toEqual([RESET_7D, '2026-12-07T09:00:00Z']);
	});

	it('manual and detected series stay apart', () => {
		recordWindowObservations(db, 'a', [win('seven_day', 0.4, RESET_7D, T0)], T0, 'detected');
		recordWindowObservations(db, 'a', [win('seven_day', 0.5, RESET_7D, T0 + MIN, {source: 'user-entered', origin: 'manual'})], T0 + MIN, 'manual');
		recordWindowObservations(db, 'a', [win('seven_day', 0.4, RESET_7D, T0 + 2 * MIN)], T0 + 2 * MIN, 'detected');
		expect(windowHistory(db, 'a', {stream: 'detected'}).map(r => [r.utilization, r.observations])).toEqual([[0.4, 2]]);
		expect(windowHistory(db, 'a', {stream: 'manual'}).map(r => [r.utilization, r.source])).toEqual([[0.5, 'user-entered']]);
		expect(windowHistory(db, 'a', {kinds: ['five_hour']})).toEqual([]);
		expect(windowHistory(db, 'a', {sinceMs: T0 + MIN}).map(r => r.stream)).toEqual(['detected', 'manual']);
	});

	it('moving the reset of an open manual window moves its observations; a closed one stays', () => {
		recordWindowObservations(db, 'm', [win('seven_day', 0.4, RESET_7D, T0, {source: 'user-entered', origin: 'manual'})], T0, 'manual');
		expect(moveManualReset(db, 'm', 'seven_day', '2026-11-30T12:00:00Z', T0 + MIN)).toBe(1);
		expect(windowHistory(db, 'm')[0]).toMatchObject({resetsAt: '2026-11-30T12:00:00Z', resetsAtMs: Date.parse('2026-11-30T12:00:00Z')});
		// Once the reset has passed, a new reset is a new window.
		expect(moveManualReset(db, 'm', 'seven_day', '2026-12-07T12:00:00Z', Date.parse('2026-12-01T00:00:00Z'))).toBe(0);
		expect(windowHistory(db, 'm')[0]!.resetsAt).toBe('2026-11-30T12:00:00Z');
	});

	it('prunes runs last seen before the cutoff', () => {
		recordWindowObservations(db, 'a', [win('seven_day', 0.1, RESET_7D, T0)], T0 - 100 * 24 * 60 * MIN, 'detected');
		recordWindowObservations(db, 'a', [win('seven_day', 0.2, RESET_7D, T0)], T0, 'detected');
		expect(pruneWindowHistory(db, T0 - 90 * 24 * 60 * MIN)).toBe(1);
		expect(windowHistory(db, 'a').map(r => r.utilization)).toEqual([0.2]);
	});

	it('an older observation arriving late is kept as history and never moves the newest run', () => {
		recordWindowObservations(db, 'a', [win('five_hour', 0.3, RESET_5H, T0)], T0, 'detected');
		recordWindowObservations(db, 'a', [win('five_hour', 0.3, RESET_5H, T0)], T0 - 5 * MIN, 'detected');
		expect(windowHistory(db, 'a').map(r => [r.firstSeenMs - T0, r.lastSeenMs - T0])).toEqual([[-5 * MIN, -5 * MIN], [0, 0]]);
	});
});

describe('windowHistoryForReport', () => {
	it('keeps recent windows in full and condenses older ones to what their final value needs', () => {
		const H = 60 * MIN;
		const D = 24 * H;
		const now = Date.parse('2026-11-23T12:00:00Z');
		const oldReset = now - 10 * D;
		const old = (u: number, at: number) => recordWindowObservations(db, 'a', [win('seven_day', u, new Date(oldReset).toISOString(), at)], at, 'detected');
		old(0.2, oldReset - 5 * D);
		old(0.5, oldReset - 2 * D);
		old(0.5, oldReset - D); // extends the 0.5 run
		old(0.6, oldReset - 3 * H);
		old(0.6, oldReset + H); // the provider still reported it after the reset
		recordWindowObservations(db, 'a', [win('seven_day', 0.3, new Date(oldReset).toISOString(), oldReset - H, {source: 'user-entered', origin: 'manual'})], oldReset - H, 'manual');
		const recentReset = new Date(now + 4 * D).toISOString();
		recordWindowObservations(db, 'a', [win('seven_day', 0.1, recentReset, now - D)], now - D, 'detected');
		recordWindowObservations(db, 'a', [win('seven_day', 0.2, recentReset, now)], now, 'detected');

		const rows = windowHistoryForReport(db, 'a', now - 30 * D, now - 8 * D);
		expect(rows.map(r => [r.stream, r.utilization, r.firstSeenMs - now, r.lastSeenMs - now, r.observations])).toEqual([
			['detected', 0.6, -15 * D, -10 * D + H, 5],
			['manual', 0.3, -10 * D - H, -10 * D - H, 1],
			['detected', 0.1, -D, -D, 1],
			['detected', 0.2, 0, 0, 1],
		]);
		// The same closed window and final value as from the full history.
		const key = (list: ReturnType<typeof identifyWindows>) => list.map(w => [w.resetsAtMs, w.final, w.finalSeenMs, w.gapBeforeResetMs, w.firstSeenMs, w.closed]);
		expect(key(identifyWindows(rows, now))).toEqual(key(identifyWindows(windowHistory(db, 'a'), now)));
		expect(identifyWindows(rows, now)[0]).toMatchObject({final: 0.6, gapBeforeResetMs: 0, closed: true});
	});
});

describe('migration', () => {
	it('a database that only had snapshots gets its window history from them', () => {
		const file = path.join(dir, 'old.db');
		const v1 = openDatabase(file, {migrations: MIGRATIONS.slice(0, 1)});
		const windows = JSON.stringify([win('five_hour', 0.2, RESET_5H, T0), win('seven_day', null, RESET_7D, T0), win('seven_day_opus', 0.7, null, T0)]);
		v1.raw.prepare(
			`INSERT INTO snapshots (account, observed_at_ms, observed_at, last_seen_ms, last_seen, recorded_at_ms, status, windows_json)
			 VALUES ('old', ?, 'x', ?, 'y', ?, 'allowed', ?)`,
		).run(T0, T0 + 10 * MIN, T0, windows);
		v1.close();
		const migrated = openDatabase(file);
		const rows = windowHistory(migrated, 'old');
		migrated.close();
		expect(rows.map(r => [r.kind, r.utilization, r.resetsAtMs, r.firstSeenMs, r.lastSeenMs, r.stream])).toEqual([
			['five_hour', 0.2, Date.parse(RESET_5H), T0, T0 + 10 * MIN, 'detected'],
			['seven_day_opus', 0.7, null, T0, T0 + 10 * MIN, 'detected'],
		]);
	});
});
