import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Budget, Decision, QuotaWindow, Snapshot} from '../../source/engine/types.js';
import {openDatabase, type Db} from '../../source/store/db.js';
import {tempHome} from '../helpers/cli.js';
import {
	deleteBudget,
	getActive,
	getKv,
	insertSnapshot,
	latestSnapshots,
	listBudgets,
	pruneDecisions,
	pruneSnapshots,
	recentDecisions,
	recordDecision,
	setActive,
	setKv,
	snapshotHistory,
	upsertBudget,
} from '../../source/store/repositories.js';

let dir: string;
let db: Db;

beforeEach(() => {
	dir = tempHome('qt-repo-');
	db = openDatabase(path.join(dir, 'quota.db'));
});

afterEach(() => {
	db.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

const T0 = Date.parse('2026-03-01T10:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function window(kind: QuotaWindow['kind'], utilization: number | null, atMs: number, resetsAt: string | null = '2026-03-01T15:00:00+05:45'): QuotaWindow {
	return {kind, utilization, resetsAt, durationMs: 5 * 60 * MIN, source: 'provider-detected', origin: 'statusline', observedAt: iso(atMs)};
}

function snapshot(account: string, atMs: number, fiveHour: number, extra: Partial<Snapshot> = {}): Snapshot {
	return {
		account,
		observedAt: iso(atMs),
		status: 'allowed',
		windows: [window('five_hour', fiveHour, atMs), window('seven_day', 0.5, atMs, '2026-03-05T00:00:00Z')],
		...extra,
	};
}

const count = (table: string) => (db.raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as {n: number}).n;

describe('snapshots', () => {
	it('round-trips the newest snapshot per account, keeping offsets, extra usage and message', () => {
		const a: Snapshot = {
			account: 'a',
			observedAt: '2026-03-01T15:45:00+05:45',
			status: 'allowed_warning',
			windows: [window('five_hour', 0.85, T0), window('weekly:opus', 1.2, T0, null)],
			extraUsage: {enabled: true, limitUsd: 50, usedUsd: 12.5, currency: 'USD'},
			message: 'close to the limit',
		};
		insertSnapshot(db, snapshot('a', T0 - 10 * MIN, 0.2), T0);
		insertSnapshot(db, a, T0);
		insertSnapshot(db, snapshot('b', T0, 0.1), T0);
		const latest = latestSnapshots(db);
		expect([...latest.keys()]).toEqual(['a', 'b']);
		expect(latest.get('a')).toEqual(a);
		expect(latest.get('b')).toEqual(snapshot('b', T0, 0.1));
		expect(latest.get('b')).not.toHaveProperty('message');
		expect(db.raw.prepare("SELECT origin FROM snapshots WHERE account = 'a' ORDER BY id DESC LIMIT 1").get()).toEqual({origin: 'statusline'});
	});

	it('deduplicates unchanged snapshots, moving the latest observation forward', () => {
		expect(insertSnapshot(db, snapshot('a', T0, 0.3), T0)).toMatchObject({inserted: true});
		const same = insertSnapshot(db, snapshot('a', T0 + MIN, 0.3), T0 + MIN);
		expect(same.inserted).toBe(false);
		// The same reset instant written with another offset is still the same window.
		const otherOffset = snapshot('a', T0 + 2 * MIN, 0.3);
		otherOffset.windows[0] = {...otherOffset.windows[0]!, resetsAt: '2026-03-01T09:15:00Z'};
		expect(insertSnapshot(db, otherOffset, T0 + 2 * MIN).inserted).toBe(false);
		expect(count('snapshots')).toBe(1);
		expect(latestSnapshots(db).get('a')?.observedAt).toBe(iso(T0 + 2 * MIN));
		// A late, older duplicate changes nothing.
		expect(insertSnapshot(db, snapshot('a', T0 + MIN / 2, 0.3), T0 + 3 * MIN).inserted).toBe(false);
		expect(latestSnapshots(db).get('a')?.observedAt).toBe(iso(T0 + 2 * MIN));

		// Any change makes a new row: utilization, reset, status, extra usage.
		expect(insertSnapshot(db, snapshot('a', T0 + 3 * MIN, 0.31), 0).inserted).toBe(true);
		expect(insertSnapshot(db, snapshot('a', T0 + 4 * MIN, 0.31, {status: 'unreachable'}), 0).inserted).toBe(true);
		expect(
			insertSnapshot(db, snapshot('a', T0 + 5 * MIN, 0.31, {status: 'unreachable', extraUsage: {enabled: true, limitUsd: 10, usedUsd: 1, currency: 'USD'}}), 0)
				.inserted,
		).toBe(true);
		const reset = snapshot('a', T0 + 6 * MIN, 0.31, {status: 'unreachable', extraUsage: {enabled: true, limitUsd: 10, usedUsd: 1, currency: 'USD'}});
		reset.windows[1] = {...reset.windows[1]!, resetsAt: '2026-03-12T00:00:00Z'};
		expect(insertSnapshot(db, reset, 0).inserted).toBe(true);
		expect(count('snapshots')).toBe(5);
		// Another account is independent.
		expect(insertSnapshot(db, snapshot('b', T0, 0.3), T0).inserted).toBe(true);
	});

	it('history is ascending and a deduplicated run keeps its first and last observation', () => {
		insertSnapshot(db, snapshot('a', T0, 0.1), 0);
		insertSnapshot(db, snapshot('a', T0 + 5 * MIN, 0.1), 0);
		insertSnapshot(db, snapshot('a', T0 + 10 * MIN, 0.1), 0);
		insertSnapshot(db, snapshot('a', T0 + 15 * MIN, 0.2), 0);
		insertSnapshot(db, snapshot('b', T0 + 15 * MIN, 0.9), 0);
		const history = snapshotHistory(db, 'a', T0);
		expect(history.map(point => [point.observedAtMs - T0, point.windows[0]?.utilization])).toEqual([
			[0, 0.1],
			[10 * MIN, 0.1],
			[15 * MIN, 0.2],
		]);
		expect(snapshotHistory(db, 'a', T0 + 12 * MIN).map(point => point.observedAtMs)).toEqual([T0 + 15 * MIN]);
		expect(snapshotHistory(db, 'a', T0 + 5 * MIN).map(point => point.observedAtMs)).toEqual([T0 + 10 * MIN, T0 + 15 * MIN]);
		expect(snapshotHistory(db, 'nobody', 0)).toEqual([]);
	});

	it('prunes old rows but keeps every account its latest snapshot', () => {
		insertSnapshot(db, snapshot('a', T0, 0.1), 0);
		insertSnapshot(db, snapshot('a', T0 + MIN, 0.2), 0);
		insertSnapshot(db, snapshot('a', T0 + 2 * MIN, 0.3), 0);
		insertSnapshot(db, snapshot('old', T0 - 100 * MIN, 0.3), 0);
		expect(pruneSnapshots(db, T0 + 90 * MIN)).toBe(2);
		expect(count('snapshots')).toBe(2);
		expect(latestSnapshots(db).get('a')?.windows[0]?.utilization).toBe(0.3);
		expect(latestSnapshots(db).has('old')).toBe(true);
	});

	it('rejects a snapshot without a valid instant', () => {
		expect(() => insertSnapshot(db, {...snapshot('a', T0, 0.1), observedAt: 'yesterday'}, T0)).toThrow(/observedAt: expected an ISO 8601 instant/);
		expect(count('snapshots')).toBe(0);
	});
});

describe('decisions', () => {
	const decision = (minute: number, subject = 'job-1'): Decision => ({
		at: iso(T0 + minute * MIN),
		kind: 'gate',
		subject,
		verdict: minute % 2 === 0 ? 'go' : 'wait',
		reasons: [`reason ${minute}`],
		inputs: {minute, nested: {ok: true}},
	});

	it('round-trips, newest first, with a limit', () => {
		for (const minute of [3, 1, 2, 0]) {
			recordDecision(db, decision(minute));
		}
		expect(recentDecisions(db)).toEqual([decision(3), decision(2), decision(1), decision(0)]);
		expect(recentDecisions(db, 2)).toEqual([decision(3), decision(2)]);
		expect(pruneDecisions(db, T0 + 2 * MIN)).toBe(2);
		expect(recentDecisions(db)).toEqual([decision(3), decision(2)]);
	});
});

describe('budgets', () => {
	const budget: Budget = {
		scope: 'project:site',
		limit: 20,
		unit: 'usd',
		used: 3.5,
		resetAt: '2026-12-01T09:00:00+05:45',
		recurrence: 'monthly:1',
		source: 'user-entered',
		checkedAt: '2026-03-01T10:00:00Z',
	};
	const manualWindow: Budget = {
		scope: 'account:work',
		window: 'five_hour',
		limit: 100,
		unit: 'percent',
		used: 40,
		resetAt: null,
		source: 'user-entered',
		checkedAt: '2026-03-01T10:00:00Z',
	};

	it('upserts, lists (window undefined <-> empty) and deletes', () => {
		upsertBudget(db, budget);
		upsertBudget(db, manualWindow);
		upsertBudget(db, {...manualWindow, window: undefined, limit: 50});
		expect(listBudgets(db)).toEqual([{...manualWindow, window: undefined, limit: 50}, manualWindow, budget].map(b => JSON.parse(JSON.stringify(b))));
		upsertBudget(db, {...budget, used: 7, recurrence: null});
		expect(listBudgets(db).find(b => b.scope === 'project:site')).toEqual({...budget, used: 7, recurrence: undefined});
		expect(listBudgets(db).find(b => b.scope === 'project:site')).not.toHaveProperty('recurrence');
		expect(db.raw.prepare("SELECT window FROM budgets WHERE scope = 'account:work' ORDER BY window").all()).toEqual([{window: ''}, {window: 'five_hour'}]);

		expect(deleteBudget(db, 'account:work', 'five_hour')).toBe(true);
		expect(deleteBudget(db, 'account:work', 'five_hour')).toBe(false);
		expect(deleteBudget(db, 'account:work')).toBe(true);
		expect(deleteBudget(db, 'project:none')).toBe(false);
		expect(listBudgets(db).map(b => b.scope)).toEqual(['project:site']);
	});
});

describe('active account', () => {
	const switchTo = (name: string, at: string): Decision => ({at, kind: 'switch', subject: name, verdict: 'switched', reasons: [`switched to ${name}`], inputs: {}});

	it('is null at first, then records the switch and its decision together', () => {
		expect(getActive(db)).toBeNull();
		setActive(db, 'work', switchTo('work', '2026-03-01T10:00:00+01:00'), 'claude');
		setActive(db, 'codex-1', switchTo('codex-1', '2026-03-01T11:00:00+01:00'), 'codex');
		expect(getActive(db)).toEqual({name: 'codex-1', at: '2026-03-01T11:00:00+01:00'});
		expect(getActive(db, 'claude')).toEqual({name: 'work', at: '2026-03-01T10:00:00+01:00'});
		expect(getActive(db, 'codex')?.name).toBe('codex-1');
		expect(getActive(db, 'demo')).toBeNull();
		expect(recentDecisions(db).map(d => d.subject)).toEqual(['codex-1', 'work']);
		setActive(db, 'plain', switchTo('plain', '2026-03-01T12:00:00Z'));
		expect(getActive(db)?.name).toBe('plain');
		expect(getActive(db, 'codex')?.name).toBe('codex-1');
	});

	it('a failing decision leaves the active account unchanged (one transaction)', () => {
		setActive(db, 'work', switchTo('work', '2026-03-01T10:00:00Z'));
		const bad = {...switchTo('other', '2026-03-01T11:00:00Z'), inputs: {n: 1n}} as unknown as Decision;
		expect(() => setActive(db, 'other', bad)).toThrow();
		expect(getActive(db)?.name).toBe('work');
		expect(recentDecisions(db)).toHaveLength(1);
	});

	it('kv helpers round-trip', () => {
		expect(getKv(db, 'cursor')).toBeNull();
		setKv(db, 'cursor', '42', T0);
		setKv(db, 'cursor', '43', T0 + 1);
		expect(getKv(db, 'cursor')).toBe('43');
	});
});
