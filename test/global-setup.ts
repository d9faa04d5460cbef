/**
 * One temp folder for the whole run: every test's QUOTA_TUI_HOME lives under it, and it is removed when
 * the run ends (workers inherit the variable). TZ is UTC for every worker.
 *
 * Team mode: the tests never see a developer's own hub (QUOTA_TUI_DATABASE_URL and friends are
 * cleared), and the PostgreSQL server of the hub tests (QUOTA_TUI_TEST_PG_URL, default
 * postgres://127.0.0.1:5432/test) is checked once here: reachable → QUOTA_TUI_TEST_PG=ok for the
 * workers; unreachable → under CI=true the run fails, elsewhere the hub tests are skipped with one line
 * saying how to run them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_TEST_PG_URL = 'postgres://127.0.0.1:5432/test';

async function checkPostgres(url: string): Promise<string | null> {
	const {default: postgres} = await import('postgres');
	const sql = postgres(url, {max: 1, connect_timeout: 3, onnotice: () => undefined, fetch_types: false});
	try {
		await sql`SELECT 1`;
		return null;
	} catch (error) {
		return (error as Error).message;
	} finally {
		await sql.end({timeout: 0});
	}
}

export default async function setup(): Promise<() => void> {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qt-test-'));
	process.env['QUOTA_TUI_TEST_ROOT'] = root;
	// Every test runs in UTC (the CLI helpers pin it): set before the workers start so their own clock
	// and the in-process CLI runs of test/helpers/cli.ts share it (a thread cannot have its own TZ).
	process.env['TZ'] = 'UTC';
	for (const name of ['QUOTA_TUI_DATABASE_URL', 'QUOTA_TUI_MACHINE', 'QUOTA_TUI_HUB_SCHEMA']) delete process.env[name];

	const url = process.env['QUOTA_TUI_TEST_PG_URL']?.trim() || DEFAULT_TEST_PG_URL;
	process.env['QUOTA_TUI_TEST_PG_URL'] = url;
	const problem = await checkPostgres(url);
	if (problem === null) {
		process.env['QUOTA_TUI_TEST_PG'] = 'ok';
	} else if (process.env['CI'] === 'true') {
		fs.rmSync(root, {recursive: true, force: true});
		throw new Error(`team-mode tests: the PostgreSQL server at ${url} is unreachable (${problem}); under CI=true they must run. Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set QUOTA_TUI_TEST_PG_URL.`);
	} else {
		process.env['QUOTA_TUI_TEST_PG'] = 'skip';
		console.log(`team-mode (PostgreSQL hub) tests skipped: no server at ${url} (${problem}). To run them: start PostgreSQL there (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set QUOTA_TUI_TEST_PG_URL=postgres://…, then npm test.`);
	}
	return () => fs.rmSync(root, {recursive: true, force: true});
}
