/**
 * Argument dispatch: picks the command, prints --help, turns errors into exit codes.
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or input, plus each command's own.
 */
import {print, printError, type Io} from './io.js';
import {runCommand} from './run-command.js';
import type {Command} from './shared.js';

/** A command of the CLI: its module is imported only when it runs, so a call pays for its own code. */
export type CommandEntry = {
	name: string;
	/** One line for the command list. */
	summary: string;
	load(): Promise<Command>;
};

export const COMMANDS: readonly CommandEntry[] = [
	{name: 'dashboard', summary: 'the live dashboard (default command)', load: async () => (await import('./commands/dashboard.js')).dashboardCommand},
	{name: 'status', summary: 'every account: windows, resets, projections, active and recommended account', load: async () => (await import('./commands/status.js')).statusCommand},
	{name: 'accounts', summary: 'list, add, remove or discover accounts; shared quota pools (accounts pool)', load: async () => (await import('./commands/accounts.js')).accountsCommand},
	{name: 'switch', summary: 'make NAME the active account and record the decision', load: async () => (await import('./commands/status.js')).switchCommand},
	{name: 'active', summary: 'print the active account (--env: export lines for eval)', load: async () => (await import('./commands/status.js')).activeCommand},
	{name: 'recommend', summary: 'the account to use now (exit 0; 3 = emergency fallback only; 1 = nothing usable)', load: async () => (await import('./commands/status.js')).recommendCommand},
	{name: 'gate', summary: 'may a task start now? exit 0 go, 75 wait (paused/deferred), 69 unknown state blocked', load: async () => (await import('./commands/gate.js')).gateCommand},
	{name: 'outcome', summary: 'record how a real run on an account ended: ok, limit, credential, policy, error', load: async () => (await import('./commands/outcome.js')).outcomeCommand},
	{name: 'budget', summary: 'user-entered budgets and manual windows with arbitrary reset instants', load: async () => (await import('./commands/budget.js')).budgetCommand},
	{name: 'resets', summary: 'banked limit resets (reset credits): list, add, remove, use (redeem a Codex credit)', load: async () => (await import('./commands/resets.js')).resetsCommand},
	{name: 'queue', summary: 'the follow-up queue: list, add, cancel, remove, requeue', load: async () => (await import('./commands/queue.js')).queueCommand},
	{name: 'dispatch', summary: 'run a queued job now through the gate and the runner (exit 75 when it must wait or is claimed)', load: async () => (await import('./commands/dispatch.js')).dispatchCommand},
	{name: 'auto-spend', summary: 'what idle capacity can run now (§7.3), and run it unless --dry-run', load: async () => (await import('./commands/dispatch.js')).autoSpendCommand},
	{name: 'estimate', summary: 'the cost of a plan of N tasks against the quota left ("This plan has 12 tasks, …")', load: async () => (await import('./commands/dispatch.js')).estimateCommand},
	{name: 'serve', summary: 'local HTTP API on 127.0.0.1 (bearer token): auto-utilization status and dispatch', load: async () => (await import('./commands/dispatch.js')).serveCommand},
	{name: 'utilization', summary: 'averages, waste per week, auto-spend and pending follow-ups (--days N, --json)', load: async () => (await import('./commands/utilization.js')).utilizationCommand},
	{name: 'report', summary: 'tokens, API-equivalent cost and 5-hour blocks from local logs (ccusage-compatible JSON)', load: async () => (await import('./commands/report.js')).reportCommand},
	{name: 'team', summary: 'team mode on a PostgreSQL hub: init, join, status, leave', load: async () => (await import('./commands/team.js')).teamCommand},
	{name: 'run', summary: 'run an agent on the picked account; --resume continues its session on the next one at a limit', load: async () => (await import('./commands/run.js')).runCommand},
	{name: 'hook', summary: 'Claude Code hook that stops the agent over its quota ceiling (hook claude; hook install|uninstall)', load: async () => (await import('./commands/hook.js')).hookCommand},
	{name: 'hooks', summary: 'event hooks: list them, or fire a sample event (hooks test EVENT)', load: async () => (await import('./commands/hooks.js')).hooksCommand},
	{name: 'config', summary: 'read or change config keys (validated)', load: async () => (await import('./commands/config.js')).configCommand},
	{name: 'statusline', summary: 'Claude Code status-line capture (install: add it to an account\'s settings.json)', load: async () => (await import('./commands/statusline.js')).statuslineCommand},
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
		'QUOTA_TUI_DATABASE_URL and QUOTA_TUI_MACHINE (team mode), NO_COLOR, TZ.',
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
		print(io, topic ? (await topic.load()).help : usage());
		return 0;
	}
	const implicit = first === undefined || first.startsWith('-');
	const entry = implicit ? COMMANDS[0] : COMMANDS.find(c => c.name === first);
	if (!entry) {
		printError(io, `quota-tui: unknown command "${first}"\n\n${usage()}`);
		return 2;
	}
	const args = implicit ? argv : rest;
	return runCommand(await entry.load(), args, io);
}
