/**
 * Run one command: `--help`, then the command, its errors turned into exit codes (DESIGN §5):
 * UsageError its own code (2 unless said), an invalid config or QUOTA_TUI_NOW 2, a database that cannot
 * be used 2 (1 for a lock that outlasted the busy timeout), anything else 1.
 * Shared by the full CLI (main.ts) and the light paths of cli.ts that skip loading every command.
 */
import {databaseError, isSqliteError} from '../store/db-errors.js';
import {resolvePaths} from '../store/paths.js';
import {print, printError, UsageError, type Io} from './io.js';
import type {Command} from './shared.js';

export async function runCommand(command: Command, args: readonly string[], io: Io): Promise<number> {
	if (args.includes('--help') || args.includes('-h')) {
		print(io, command.help);
		return 0;
	}
	try {
		return await command.run(args, io);
	} catch (error) {
		if (error instanceof UsageError) {
			printError(io, error.message);
			return error.exitCode;
		}
		// Matched by name so that this module (loaded by every command) does not load zod and luxon.
		if (error instanceof Error && (error.name === 'ConfigError' || error.name === 'NowError')) {
			printError(io, error.message);
			return 2;
		}
		// A database that cannot be used: one line naming the file (a statement outside a transaction
		// fails with node:sqlite's bare error; the database is this home's quota.db).
		const database = isSqliteError(error) ? databaseError(resolvePaths(io.env).dbFile, error) : error;
		if (database instanceof Error && database.name === 'DatabaseError') {
			printError(io, `quota-tui ${command.name}: ${database.message}`);
			return (database as Error & {exitCode: number}).exitCode;
		}
		printError(io, `quota-tui ${command.name}: ${(error as Error).stack ?? String(error)}`);
		return 1;
	}
}
