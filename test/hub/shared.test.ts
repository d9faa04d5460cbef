/**
 * Team mode: budgets and reset credits are shared by the team, last writer wins (hub migration 2).
 * "Machines" are CLI processes with their own QUOTA_TUI_HOME and QUOTA_TUI_MACHINE on the real server.
 */
import {afterEach, beforeEach, expect, it} from 'vitest';
import {tempHome} from '../helpers/cli.js';
import {describeHub, freshSchema, machineEnv, type TestSchema} from '../helpers/hub.js';
import {json, runCliAsync} from '../helpers/providers.js';

let t: TestSchema;
beforeEach(async () => {
	if (process.env['QUOTA_TUI_TEST_PG'] === 'ok') t = await freshSchema();
});
afterEach(async () => {
	await t?.drop();
});

const NOW = '2026-04-18T12:00:00Z';
type Machine = {name: string; home: string; env: Record<string, string>};

async function ok(m: Machine, args: string[]) {
	const result = await runCliAsync(args, {home: m.home, now: NOW, env: m.env});
	expect(result.code, `${m.name}: ${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result;
}

async function machine(name: string): Promise<Machine> {
	const m = {name, home: tempHome(`qt-${name}-`), env: machineEnv(t.schema, name)};
	await ok(m, ['accounts', 'add', 'm', '--provider', 'manual']);
	return m;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
const budgetOf = async (m: Machine, scope: string): Promise<any> => (json(await ok(m, ['budget', 'status', '--json'])).budgets as Array<{scope: string}>).find(b => b.scope === scope);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
const creditsOf = async (m: Machine): Promise<any[]> => (json(await ok(m, ['resets', 'list', '--all', '--json'])).accounts as Array<{resets?: unknown[]}>).flatMap(a => a.resets ?? []);

describeHub('team mode: shared budgets and reset credits', {timeout: 120_000}, () => {
	it('a budget set on one machine reaches the others; a later change from another machine wins everywhere; credits travel and their removal too', async () => {
		const alpha = await machine('alpha');
		const beta = await machine('beta');
		// alpha has a budget before joining: team join publishes it.
		await ok(alpha, ['budget', 'set', '--scope', 'project:web', '--limit', '50', '--unit', 'usd', '--used', '10', '--reset-at', '2026-04-20T00:00:00Z']);
		await ok(alpha, ['team', 'init']);
		const joined = json(await ok(alpha, ['team', 'join', '--json']));
		expect(joined.history.budget).toEqual({rows: 1, changed: 1});
		await ok(beta, ['team', 'join']);
		expect(await budgetOf(beta, 'project:web')).toMatchObject({limit: 50, used: 10});

		// beta raises the limit; alpha's next command sees it (beta flushed its outbox when it exited).
		await ok(beta, ['budget', 'set', '--scope', 'project:web', '--limit', '80', '--unit', 'usd', '--used', '12', '--reset-at', '2026-04-20T00:00:00Z']);
		expect(await budgetOf(alpha, 'project:web')).toMatchObject({limit: 80, used: 12});
		// alpha's own older copy never overwrites the newer one on the hub: a second join changes nothing.
		const again = json(await ok(alpha, ['team', 'join', '--json']));
		expect(again.history.budget.changed).toBe(0);
		expect(await budgetOf(beta, 'project:web')).toMatchObject({limit: 80});

		// A reset credit entered on beta is listed on alpha; removing it on alpha removes it on beta.
		const added = json(await ok(beta, ['resets', 'add', '--account', 'm', '--kind', 'seven_day', '--count', '2', '--expires-at', '2026-04-25T18:00:00Z', '--json'])).added as {id: string};
		expect(added.id).toBe('m1-beta');
		const onAlpha = await creditsOf(alpha);
		expect(onAlpha).toHaveLength(1);
		expect(onAlpha[0]).toMatchObject({id: 'm1-beta', count: 2, expiresAt: '2026-04-25T18:00:00Z'});
		await ok(alpha, ['resets', 'remove', added.id]);
		expect(await creditsOf(beta)).toHaveLength(0);

		// The hub holds one row per budget and credit (the removal as a tombstone), no tokens, no duplicates.
		const rows = await t.sql`SELECT kind, ref, row IS NULL AS deleted, machine FROM shared_rows ORDER BY kind`;
		expect(rows.map(r => [r['kind'], r['deleted'], r['machine']])).toEqual([['budget', false, 'beta'], ['credit', true, 'alpha']]);

		// A damaged row on the hub (a newer quota-tui, a hand edit) is skipped, never half-applied.
		await t.sql`UPDATE shared_rows SET row = ${t.sql.json({scope: 5})}, machine = 'gamma', updated_at_ms = 9999999999999, seq = nextval('change_seq') WHERE kind = 'budget'`;
		await t.sql`INSERT INTO shared_rows (kind, ref, row, machine, updated_at_ms) VALUES ('budget', '["role:x",""]', ${t.sql.json({scope: 'project:web', window: ''})}, 'gamma', 9999999999999)`;
		expect(await budgetOf(beta, 'project:web')).toMatchObject({limit: 80});
		expect(await budgetOf(beta, 'role:x')).toBeUndefined();
	});
});
