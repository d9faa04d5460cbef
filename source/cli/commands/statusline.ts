/**
 * `statusline [--passthrough CMD]`, `statusline install|uninstall`: Claude Code status-line capture.
 * The capture itself lives in cli/statusline-capture.ts (light: source/cli.ts runs it without loading
 * this CLI); this file installs it into an account's settings.json and documents it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BUILT} from '../../build-files.js';
import type {Account} from '../../engine/types.js';
import {isRecord} from '../../providers/util.js';
import {applyPlans, planInstall, planUninstall, readSettingsFile, type Plan, type Settings, type SettingsFile} from '../claude-settings.js';
import {parse, print, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';
import {runStatuslineCapture} from '../statusline-capture.js';
import {shellQuote} from './status.js';

const HELP = `Usage:
  quota-tui statusline [--passthrough CMD]
  quota-tui statusline install [--account NAME | --all] [--json]
  quota-tui statusline uninstall [--account NAME | --all] [--json]

Claude Code (≥ 2.1.80) pipes a JSON object with the account's rate limits to its status-line command
on every refresh. "quota-tui statusline" is that command: it records the 5-hour and 7-day windows
(origin "statusline", zero extra requests) for the account whose CLAUDE_CONFIG_DIR it runs under
(unset = ~/.claude) and prints a compact line:

  5h 23% ↺1h12m · 7d 41% ↺3d4h

  --passthrough CMD   run your previous status-line command (through the shell, same stdin) and print
                      its output instead of the compact line

It never fails Claude Code: no rate limits yet (before the session's first response, or an API-key
login) prints the last known values and records nothing; any error prints nothing and exits 0
(details in logs/statusline.log under the quota-tui data folder).

install writes the statusLine entry into the account's settings.json (<configDir>/settings.json),
keeping your previous status-line command as --passthrough and one backup of the file
(settings.json.quota-tui-statusline.bak); the installed command carries QUOTA_TUI_HOME when it is set,
and a settings.json that is a symlink is edited at its target. uninstall restores the previous command:
the file comes back byte for byte when nothing else changed since (or is removed if install created
it). Without --account: the account of $CLAUDE_CONFIG_DIR, or the only Claude account; --all does every
Claude account, all or nothing (every file is checked before the first is written).`;

/** The command line that runs this quota-tui's status line (this node, this build; QUOTA_TUI_HOME baked in when set). */
export function statuslineCommandLine(env: NodeJS.ProcessEnv): string {
	const cli = BUILT.cli;
	const home = env['QUOTA_TUI_HOME']?.trim();
	return `${home ? `QUOTA_TUI_HOME=${shellQuote(path.resolve(home))} ` : ''}${shellQuote(process.execPath)} ${shellQuote(cli)} statusline`;
}

/** True when a status-line command is ours (any quota-tui install). */
export function isOurs(command: string): boolean {
	return /(?:quota-tui|cli\.js)'?\s+statusline\b/.test(command);
}

/** The --passthrough argument of one of our commands (shell-unquoted), if any. */
export function passthroughOf(command: string): string | undefined {
	const match = /\s--passthrough\s+('(?:[^']|'\\'')*'|\S+)\s*$/.exec(command);
	if (!match) return undefined;
	const value = match[1]!;
	return value.startsWith("'") ? value.slice(1, -1).replaceAll(`'\\''`, "'") : value;
}

/** The Claude accounts a settings.json command applies to (--all, --account, $CLAUDE_CONFIG_DIR, the only one). */
export function targets(accounts: readonly Account[], values: {account?: string | undefined; all?: boolean | undefined}, env: NodeJS.ProcessEnv): Account[] {
	const claude = accounts.filter(a => a.provider === 'claude' && a.configDir);
	if (claude.length === 0) throw new UsageError('No Claude account is configured. Add one (quota-tui accounts discover --yes, or quota-tui accounts add NAME --provider claude --config-dir DIR).');
	if (values.all) return claude;
	if (values.account) {
		const account = claude.find(a => a.name === values.account);
		if (!account) throw new UsageError(`--account: no Claude account named "${values.account}" (Claude accounts: ${claude.map(a => a.name).join(', ')})`);
		return [account];
	}
	const dir = env['CLAUDE_CONFIG_DIR']?.trim();
	const fromEnv = dir ? claude.find(a => path.resolve(a.configDir!) === path.resolve(dir)) : undefined;
	if (fromEnv) return [fromEnv];
	if (claude.length === 1) return claude;
	throw new UsageError(`Several Claude accounts: pass --account NAME or --all (Claude accounts: ${claude.map(a => a.name).join(', ')})`);
}

type Change = {account: string; file: string; action: 'installed' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'not-installed'; command: string | null; passthrough: string | null; backup: string | null};

const PURPOSE = 'statusline';
const backupOf = (target: SettingsFile) => `${target.real}.quota-tui-${PURPOSE}.bak`;

/** The status-line command in settings: the object form's command, or a legacy plain string. */
function currentCommand(settings: Settings): string | undefined {
	const entry = settings['statusLine'];
	if (typeof entry === 'string') return entry.trim() === '' ? undefined : entry;
	if (isRecord(entry) && typeof entry['command'] === 'string' && entry['command'].trim() !== '') return entry['command'];
	return undefined;
}

/** The legacy plain-string statusLine of the backed-up file, if that is what it had (restored as it was). */
function legacyStringIn(backup: string): string | undefined {
	try {
		const parsed: unknown = JSON.parse(fs.readFileSync(backup, 'utf8'));
		return isRecord(parsed) && typeof parsed['statusLine'] === 'string' ? parsed['statusLine'] : undefined;
	} catch {
		return undefined;
	}
}

function planStatuslineInstall(account: Account, target: SettingsFile, ours: string): {plan: Plan | null; change: Change} {
	const {settings} = target;
	const previous = isRecord(settings['statusLine']) ? settings['statusLine'] : undefined;
	const previousCommand = currentCommand(settings);
	// Re-installing keeps the passthrough we wrapped before; never wrap ourselves.
	const passthrough = previousCommand && isOurs(previousCommand) ? passthroughOf(previousCommand) : previousCommand;
	const command = passthrough ? `${ours} --passthrough ${shellQuote(passthrough)}` : ours;
	const base = {account: account.name, file: target.file, command, passthrough: passthrough ?? null};
	if (previousCommand === command) return {plan: null, change: {...base, action: 'unchanged', backup: null}};
	const plan = planInstall(target, {...settings, statusLine: {...previous, type: 'command', command}}, PURPOSE);
	return {plan, change: {...base, action: previousCommand && isOurs(previousCommand) ? 'updated' : 'installed', backup: plan.backup === 'create' && target.bytes !== null ? backupOf(target) : null}};
}

function planStatuslineUninstall(account: Account, target: SettingsFile): {plan: Plan | null; change: Change} {
	const {settings} = target;
	const command = currentCommand(settings);
	if (!command || !isOurs(command)) return {plan: null, change: {account: account.name, file: target.file, action: 'not-installed', command: command ?? null, passthrough: null, backup: null}};
	const passthrough = passthroughOf(command);
	const without: Settings = {...settings};
	if (!passthrough) delete without['statusLine'];
	else if (legacyStringIn(backupOf(target)) === passthrough) without['statusLine'] = passthrough;
	else without['statusLine'] = {...(isRecord(settings['statusLine']) ? settings['statusLine'] : {}), type: 'command', command: passthrough};
	const plan = planUninstall(target, without, PURPOSE);
	return {plan, change: {account: account.name, file: target.file, action: passthrough ? 'restored' : 'removed', command: passthrough ?? null, passthrough: null, backup: null}};
}

async function manage(verb: 'install' | 'uninstall', argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {account: {type: 'string'}, all: {type: 'boolean'}, json: {type: 'boolean'}}, `statusline ${verb}`);
	if (values.all && values.account) throw new UsageError('--all and --account: give one of them');
	return withContext(io, {}, ctx => {
		const ours = statuslineCommandLine(io.env);
		const plans: Plan[] = [];
		const changes: Change[] = [];
		// Read and check every file before writing any: all or nothing (cli/claude-settings.ts).
		for (const account of targets(ctx.accounts, values, io.env)) {
			const target = readSettingsFile(path.join(account.configDir!, 'settings.json'));
			const {plan, change} = verb === 'install' ? planStatuslineInstall(account, target, ours) : planStatuslineUninstall(account, target);
			if (plan) plans.push(plan);
			changes.push(change);
		}
		applyPlans(plans, PURPOSE);
		if (values.json) {
			printJson(io, {changes});
			return 0;
		}
		for (const change of changes) {
			const head = `${change.account}: ${change.file}`;
			switch (change.action) {
				case 'installed':
				case 'updated':
					print(io, `${head}: status line ${change.action}${change.passthrough ? `; your previous command runs as passthrough: ${change.passthrough}` : ''}`);
					break;
				case 'unchanged':
					print(io, `${head}: already installed`);
					break;
				case 'restored':
					print(io, `${head}: status line restored to ${change.command}`);
					break;
				case 'removed':
					print(io, `${head}: status line removed`);
					break;
				case 'not-installed':
					print(io, `${head}: the quota-tui status line is not installed there`);
					break;
			}
			if (change.backup) print(io, `  backup: ${change.backup}`);
		}
		if (verb === 'install' && changes.some(c => c.action !== 'unchanged')) print(io, 'Claude Code picks it up on its next status-line refresh.');
		return 0;
	});
}

export const statuslineCommand: Command = {
	name: 'statusline',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'install' || sub === 'uninstall') return manage(sub, rest, io);
		return runStatuslineCapture(argv, io);
	},
};
