/**
 * Run one command: `--help`, then the command, its errors turned into exit codes (DESIGN §5):
 * UsageError its own code (2 unless said), an invalid config or QUOTA_TUI_NOW 2, anything else 1.
 * Shared by the full CLI (main.ts) and the light paths of cli.ts that skip loading every command.
 */
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
		printError(io, `quota-tui ${command.name}: ${(error as Error).stack ?? String(error)}`);
		return 1;
	}
}
