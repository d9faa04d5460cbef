/**
 * The hub's claim primitives against the real PostgreSQL server: the schema, one queue with affinity,
 * exactly-once claims under a race of machines (each its own connection pool), leases that expire into
 * `interrupted`, dispatch keys, poll leases and LISTEN/NOTIFY.
 */
import {afterEach, beforeEach, expect, it} from 'vitest';
import {
	acquirePollLease, claimJob, enqueueJob, expireJobLeases, finishJob, getJob, newDispatchKey, notePollRead, releasePollLease, renewJobLease, startJob,
} from '../../source/store/hub/claims.js';
import type {Hub} from '../../source/store/hub/client.js';
import {listenHub, notifyHub} from '../../source/store/hub/notify.js';
import {pruneHub} from '../../source/store/hub/prune.js';
import {HUB_MIGRATIONS, HUB_VERSION, hubSchemaVersion, migrateHub, requireHubSchema} from '../../source/store/hub/schema.js';
import {describeHub, freshSchema, type TestSchema} from '../helpers/hub.js';

let t: TestSchema;
let a: Hub;
let b: Hub;
let c: Hub;

beforeEach(async () => {
	t = await freshSchema();
	a = await t.connect('alpha', {init: true});
	b = await t.connect('beta');
	c = await t.connect('gamma');
});

afterEach(async () => {
	await t.drop();
});

const job = (key: string, extra: Partial<Parameters<typeof enqueueJob>[1]> = {}) => ({idempotencyKey: key, title: `job ${key}`, prompt: `do ${key}`, ...extra});
const claimAs = (hub: Hub, accounts: string[], extra: Partial<Parameters<typeof claimJob>[1]> = {}) =>
	claimJob(hub, {machine: hub.machine, accounts, providers: ['claude'], dispatchKey: newDispatchKey(), leaseMs: 60_000, ...extra});

describeHub('hub schema', () => {
	it('init twice applies each migration once; concurrent inits agree; a newer schema is refused', async () => {
		expect(await hubSchemaVersion(t.sql, t.schema)).toBe(HUB_VERSION);
		expect(await migrateHub(a)).toEqual({from: HUB_VERSION, to: HUB_VERSION});
		await requireHubSchema(b);

		const other = await freshSchema();
		try {
			const [x, y] = [await other.connect('x'), await other.connect('y')];
			const results = await Promise.all([migrateHub(x), migrateHub(y)]);
			expect(results.map(r => r.from).sort()).toEqual([HUB_VERSION, null].sort());
			await expect(migrateHub(x, HUB_MIGRATIONS.slice(0, 0))).rejects.toThrow(/newer than this quota-tui supports \(0\)/);
			await other.sql`UPDATE schema_version SET version = ${HUB_VERSION + 1}`;
			await expect(requireHubSchema(x)).rejects.toThrow(/upgrade quota-tui on this machine/);
		} finally {
			await other.drop();
		}
	});

	it('a schema that does not exist says to run team init', async () => {
		const missing = await freshSchema();
		try {
			await expect(requireHubSchema(await missing.connect('x'))).rejects.toThrow(/no quota-tui schema "qt_test_\w+" yet: run "quota-tui team init"/);
		} finally {
			await missing.drop();
		}
	});
});

describeHub('one queue: claims', () => {
	it('three machines racing for one job: exactly one wins, the others get nothing', async () => {
		for (let round = 0; round < 10; round++) {
			await enqueueJob(a, job(`race-${round}`));
			const results = await Promise.all([a, b, c].map(hub => claimAs(hub, ['ludo'])));
			const winners = results.filter(r => r !== null);
			expect(winners).toHaveLength(1);
			expect(winners[0]).toMatchObject({state: 'claimed', idempotencyKey: `race-${round}`});
			expect([a.machine, b.machine, c.machine]).toContain(winners[0]!.claimedBy);
		}
	});

	it('three machines draining 30 jobs concurrently: every job claimed exactly once', async () => {
		for (let i = 0; i < 30; i++) await enqueueJob(a, job(`drain-${String(i).padStart(2, '0')}`));
		const claimed: string[] = [];
		await Promise.all([a, b, c].map(async hub => {
			for (;;) {
				const got = await claimAs(hub, ['ludo']);
				if (!got) return;
				claimed.push(got.id);
			}
		}));
		expect(claimed).toHaveLength(30);
		expect(new Set(claimed).size).toBe(30);
		const [{n}] = (await t.sql`SELECT count(*)::int AS n FROM jobs WHERE state = 'claimed'`) as unknown as [{n: number}];
		expect(n).toBe(30);
	});

	it('SKIP LOCKED: a machine in the middle of claiming one job never blocks another from the next', async () => {
		const first = (await enqueueJob(a, job('first', {severity: 'critical'}))).job;
		const second = (await enqueueJob(a, job('second'))).job;
		let release!: () => void;
		const held = new Promise<void>(resolve => (release = resolve));
		const locking = t.sql.begin(async tx => {
			await tx`SELECT id FROM jobs WHERE id = ${first.id} FOR UPDATE`;
			await held;
		});
		await new Promise(resolve => setTimeout(resolve, 100));
		const got = await claimAs(b, ['ludo']);
		expect(got?.id).toBe(second.id);
		release();
		await locking;
		expect((await claimAs(c, ['ludo']))?.id).toBe(first.id);
	});

	it('queue order is severity then age; affinity to an account, a provider or a machine is kept', async () => {
		await enqueueJob(a, job('info-old'));
		await enqueueJob(a, job('only-beta', {machine: 'beta', severity: 'critical'}));
		await enqueueJob(a, job('ludo-only', {account: 'ludo', severity: 'warning'}));
		await enqueueJob(a, job('codex-only', {provider: 'codex', severity: 'critical'}));
		// gamma holds no login of ludo and runs Claude only: the info job is all it may take.
		expect((await claimAs(c, ['other']))?.idempotencyKey).toBe('info-old');
		expect(await claimAs(c, ['other'])).toBeNull();
		expect((await claimAs(a, ['ludo']))?.idempotencyKey).toBe('ludo-only');
		expect(await claimAs(a, ['ludo'])).toBeNull();
		expect((await claimAs(b, [], {providers: ['codex']}))?.idempotencyKey).toBe('only-beta');
		expect((await claimAs(b, [], {providers: ['codex']}))?.idempotencyKey).toBe('codex-only');
	});

	it('the same idempotency key queues once; the same dispatch key claims once (a retried claim returns its job)', async () => {
		const one = await enqueueJob(a, job('same'));
		const two = await enqueueJob(b, job('same', {title: 'another title'}));
		expect(one.created).toBe(true);
		expect(two).toMatchObject({created: false, job: {id: one.job.id, title: 'job same', createdBy: 'alpha'}});
		await enqueueJob(a, job('other'));
		const dispatchKey = newDispatchKey();
		const first = await claimAs(a, ['ludo'], {dispatchKey});
		const retried = await claimAs(a, ['ludo'], {dispatchKey});
		expect(retried?.id).toBe(first?.id);
		const [{n}] = (await t.sql`SELECT count(*)::int AS n FROM jobs WHERE state = 'claimed'`) as unknown as [{n: number}];
		expect(n).toBe(1);
		expect((await claimAs(a, ['ludo'], {jobId: one.job.id}))).toBeNull();
	});
});

describeHub('leases: renewed while running, expired → interrupted, never re-run', () => {
	it('renew and start extend the lease; after it expires the sweep interrupts the job once; the holder learns it lost the lease; a late result is kept aside', async () => {
		const t0 = Date.parse('2026-12-01T10:00:00Z');
		const queued = (await enqueueJob(a, job('long'))).job;
		const dispatchKey = newDispatchKey();
		const claimed = await claimJob(a, {machine: 'alpha', accounts: ['ludo'], providers: ['claude'], dispatchKey, leaseMs: 60_000, nowMs: t0});
		expect(claimed?.leaseExpiresAt).toBe('2026-12-01T10:01:00.000Z');
		expect(await startJob(a, {jobId: queued.id, dispatchKey, account: 'ludo', leaseMs: 60_000, nowMs: t0 + 30_000})).toMatchObject({ok: true, job: {state: 'running', claimedAccount: 'ludo', leaseExpiresAt: '2026-12-01T10:01:30.000Z'}});
		expect(await renewJobLease(a, {jobId: queued.id, dispatchKey, leaseMs: 60_000, nowMs: t0 + 80_000, logTail: 'step 3 of 5'})).toMatchObject({ok: true, job: {leaseExpiresAt: '2026-12-01T10:02:20.000Z', logTail: 'step 3 of 5'}});
		// Another dispatch key cannot renew it.
		expect(await renewJobLease(b, {jobId: queued.id, dispatchKey: newDispatchKey(), leaseMs: 60_000, nowMs: t0 + 90_000})).toMatchObject({ok: false, state: 'running'});
		expect(await expireJobLeases(c, {nowMs: t0 + 139_000})).toEqual([]);

		// The machine went silent: 10:02:20 passes.
		const swept = await expireJobLeases(c, {nowMs: t0 + 141_000});
		expect(swept.map(j => [j.id, j.state])).toEqual([[queued.id, 'interrupted']]);
		expect(swept[0]!.message).toBe('lease expired at 2026-12-01T10:02:20Z: alpha stopped renewing it (the job is not run again)');
		expect(await expireJobLeases(b, {nowMs: t0 + 200_000})).toEqual([]);
		expect(await renewJobLease(a, {jobId: queued.id, dispatchKey, leaseMs: 60_000, nowMs: t0 + 142_000})).toMatchObject({ok: false, state: 'interrupted'});
		// Nobody claims it again.
		expect(await claimAs(b, ['ludo'])).toBeNull();
		const late = await finishJob(a, {jobId: queued.id, dispatchKey, state: 'succeeded', exitCode: 0, message: 'done'});
		expect(late.accepted).toBe(false);
		expect(late.job).toMatchObject({state: 'interrupted', lateResult: {state: 'succeeded', exitCode: 0, message: 'done', result: null}});
	});

	it('a run that ends in time is recorded once; a second finish is refused', async () => {
		const queued = (await enqueueJob(a, job('short'))).job;
		const dispatchKey = newDispatchKey();
		await claimJob(b, {machine: 'beta', accounts: ['ludo'], providers: ['claude'], dispatchKey, leaseMs: 60_000});
		expect(await finishJob(b, {jobId: queued.id, dispatchKey, state: 'failed', exitCode: 2, message: 'runner exited 2', result: {costUsd: 0.4}})).toMatchObject({accepted: true, job: {state: 'failed', exitCode: 2, result: {costUsd: 0.4}, leaseExpiresAt: null}});
		expect((await finishJob(b, {jobId: queued.id, dispatchKey, state: 'succeeded'})).accepted).toBe(false);
		expect(await getJob(c, queued.id)).toMatchObject({state: 'failed', claimedBy: 'beta'});
	});
});

describeHub('poll leases: one reader per account for the whole team', () => {
	it('of three machines asking at once exactly one holds it; it renews; it expires or is released to another; the last read time travels with it', async () => {
		const t0 = Date.parse('2026-12-01T10:00:00Z');
		const asks = await Promise.all([a, b, c].map(hub => acquirePollLease(hub, {account: 'ludo', machine: hub.machine, ttlMs: 120_000, nowMs: t0})));
		const holders = asks.filter(l => l.held);
		expect(holders).toHaveLength(1);
		const holder = holders[0]!.holder;
		expect(asks.every(l => l.holder === holder)).toBe(true);
		const [mine, other] = [[a, b, c].find(h => h.machine === holder)!, [a, b, c].find(h => h.machine !== holder)!];
		expect(await acquirePollLease(mine, {account: 'ludo', machine: holder, ttlMs: 120_000, nowMs: t0 + 60_000})).toMatchObject({held: true, expiresAt: '2026-12-01T10:03:00.000Z'});
		expect(await notePollRead(mine, {account: 'ludo', machine: holder, nowMs: t0 + 61_000})).toBe(true);
		expect(await notePollRead(other, {account: 'ludo', machine: other.machine, nowMs: t0 + 61_000})).toBe(false);
		expect(await acquirePollLease(other, {account: 'ludo', machine: other.machine, ttlMs: 120_000, nowMs: t0 + 179_000})).toMatchObject({held: false, holder});
		const taken = await acquirePollLease(other, {account: 'ludo', machine: other.machine, ttlMs: 120_000, nowMs: t0 + 181_000});
		expect(taken).toMatchObject({held: true, holder: other.machine, lastReadAt: '2026-12-01T10:01:01.000Z'});
		expect(await releasePollLease(other, {account: 'ludo', machine: other.machine, nowMs: t0 + 200_000})).toBe(true);
		expect(await acquirePollLease(mine, {account: 'ludo', machine: holder, ttlMs: 120_000, nowMs: t0 + 201_000})).toMatchObject({held: true, lastReadAt: '2026-12-01T10:01:01.000Z'});
	});
});

describeHub('LISTEN/NOTIFY', () => {
	it('a job queued on one machine wakes the others within a second; a rolled-back notification never arrives', async () => {
		const heard: string[] = [];
		let wake!: () => void;
		const woke = new Promise<void>(resolve => (wake = resolve));
		const listening = await listenHub(b, 'jobs', payload => {
			heard.push(payload);
			wake();
		});
		await t.sql.begin(async tx => {
			await notifyHub(tx as never, t.schema, 'jobs', 'rolled back');
			throw new Error('roll back');
		}).catch(() => undefined);
		const started = performance.now();
		const {job: queued} = await enqueueJob(a, job('wake'));
		await woke;
		expect(performance.now() - started).toBeLessThan(1000);
		expect(heard).toEqual([`queued ${queued.id}`]);
		await listening.unlisten();
	});
});

describeHub('pruning', () => {
	it('removes team history and finished jobs older than the retention; never queued or running jobs, machines or newer rows', async () => {
		const day = 86_400_000;
		const now = Date.parse('2026-12-01T00:00:00Z');
		const old = now - 100 * day;
		const recent = now - 10 * day;
		const obs = (id: number, ms: number) => ({machine: 'alpha', local_id: id, account: 'ludo', first_seen_ms: ms, first_seen: new Date(ms).toISOString(), last_seen_ms: ms, last_seen: new Date(ms).toISOString(), status: 'ok', windows: t.sql.json([])});
		await t.sql`INSERT INTO observations ${t.sql([obs(1, old), obs(2, recent)])}`;
		await t.sql`INSERT INTO decisions ${t.sql([{machine: 'alpha', local_id: 1, at_ms: old, at: 'x', kind: 'switch', subject: 'ludo', verdict: 'ok', reasons: t.sql.json([]), inputs: t.sql.json({})}])}`;
		const usage = (date: string) => ({machine: 'alpha', account: 'ludo', date, model: 'm', input_tokens: 1, output_tokens: 1, cache_creation_tokens: 0, cache_read_tokens: 0, cost_usd: 0.1, priced: true});
		await t.sql`INSERT INTO usage_daily ${t.sql([usage('2026-08-01'), usage('2026-11-25')])}`;
		const done = (await enqueueJob(a, job('done-long-ago'))).job;
		const waiting = (await enqueueJob(a, job('queued-long-ago'))).job;
		await t.sql`UPDATE jobs SET state = 'succeeded', finished_at = to_timestamp(${old / 1000}) WHERE id = ${done.id}`;
		await t.sql`UPDATE jobs SET created_at = to_timestamp(${old / 1000}) WHERE id = ${waiting.id}`;
		expect(await pruneHub(b, {retentionDays: 90, nowMs: now})).toEqual({observations: 1, windowHistory: 0, decisions: 1, usageDaily: 1, usageBlocks: 0, jobs: 1});
		expect((await t.sql`SELECT local_id FROM observations`).map(r => Number(r['local_id']))).toEqual([2]);
		expect((await t.sql`SELECT id FROM jobs`).map(r => r['id'])).toEqual([waiting.id]);
		expect(await pruneHub(c, {retentionDays: 90, nowMs: now})).toEqual({observations: 0, windowHistory: 0, decisions: 0, usageDaily: 0, usageBlocks: 0, jobs: 0});
	});
});
