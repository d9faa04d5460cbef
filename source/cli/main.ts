/**
 * Argument dispatch: picks the command, prints --help, turns errors into exit codes.
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or input, plus each command's own.
 */
import {accountsCommand} from './commands/accounts.js';
import {budgetCommand} from './commands/budget.js';
import {configCommand} from './commands/config.js';
import {dashboardCommand} from './commands/dashboard.js';
import {gateCommand} from './commands/gate.js';
import {autoSpendCommand, dispatchCommand, estimateCommand, serveCommand} from './commands/dispatch.js';
import {queueCommand} from './commands/queue.js';
import {reportCommand} from './commands/report.js';
import {activeCommand, recommendCommand, statusCommand, switchCommand} from './commands/status.js';
import {statuslineCommand} from './commands/statusline.js';
import {utilizationCommand} from './commands/utilization.js';
import {print, printError, type Io} from './io.js';
import {runCommand} from './run-command.js';
import type {Command} from './shared.js';

export const COMMANDS: readonly Command[] = [
	dashboardCommand,
	statusCommand,
	accountsCommand,
	switchCommand,
	activeCommand,
	recommendCommand,
	gateCommand,
	budgetCommand,
	queueCommand,
	dispatchCommand,
	autoSpendCommand,
	estimateCommand,
	serveCommand,
	utilizationCommand,
	reportCommand,
	configCommand,
	statuslineCommand,
];

export const VERSION = '0.1.0';

export function usage(): string {
	const width = Math.max(...COMMANDS.map(c => c.name.length));
	return [
		'quota-tui — quota windows, waste and account switching for AI coding subscriptions',
		'',
		'Usage: quota-tui [COMMAND] [OPTIONS]      (no command: the dashboard)',
		'',
		'Commands:',
		...COMMANDS.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Every command takes --help, and --demo to use the built-in demo accounts.',
		'Environment: QUOTA_TUI_HOME (one folder for everything), QUOTA_TUI_NOW (freeze the clock),',
		'NO_COLOR, TZ.',
	].join('\n');
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
	const [first, ...rest] = argv;
	if (first === '--version' || first === '-v') {
		print(io, VERSION);
		return 0;
	}
	if (first === '--help' || first === '-h' || first === 'help') {
		const topic = COMMANDS.find(c => c.name === rest[0]);
		print(io, topic ? topic.help : usage());
		return 0;
	}
	const implicit = first === undefined || first.startsWith('-');
	const command = implicit ? dashboardCommand : COMMANDS.find(c => c.name === first);
	if (!command) {
		printError(io, `quota-tui: unknown command "${first}"\n\n${usage()}`);
		return 2;
	}
	const args = implicit ? argv : rest;
	return runCommand(command, args, io);
}
