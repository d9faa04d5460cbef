/**
 * `statusline [--passthrough CMD]`, `statusline install|uninstall`: Claude Code status-line capture.
 * The capture itself lives in cli/statusline-capture.ts (light: source/cli.ts runs it without loading
 * this CLI); this file installs it into an account's settings.json and documents it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BUILT} from '../../build-files.js';
import type {Account} from '../../engine/types.js';
import {isoUtc, isRecord} from '../../providers/util.js';
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
keeping your previous status-line command as --passthrough and a backup of the file next to it.
uninstall restores the previous command. Without --account: the account of $CLAUDE_CONFIG_DIR, or the
only Claude account; --all does every Claude account.`;

/** The command line that runs this quota-tui's status line (this node, this build). */
export function statuslineCommandLine(): string {
	const cli = BUILT.cli;
	return `${shellQuote(process.execPath)} ${shellQuote(cli)} statusline`;
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

type Settings = Record<string, unknown>;

function readSettings(file: string): Settings {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
		throw new UsageError(`${file}: cannot read (${(error as Error).message}); nothing changed`, 1);
	}
	if (text.trim() === '') return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw new UsageError(`${file}: not valid JSON (${(error as Error).message}); fix it first, nothing changed`);
	}
	if (!isRecord(parsed)) throw new UsageError(`${file}: expected a JSON object; nothing changed`);
	return parsed;
}

/** Copy the file aside, then replace it atomically (same mode). Returns the backup path, if any. */
function writeSettings(file: string, settings: Settings, now: number): string | null {
	let backup: string | null = null;
	let mode = 0o644;
	if (fs.existsSync(file)) {
		mode = fs.statSync(file).mode & 0o777;
		backup = `${file}.quota-tui-${isoUtc(now).replaceAll(/[:]/g, '')}.bak`;
		fs.copyFileSync(file, backup);
	}
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, `${JSON.stringify(settings, null, 2)}\n`, {mode});
	fs.renameSync(temporary, file);
	return backup;
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

function install(account: Account, now: number): Change {
	const file = path.join(account.configDir!, 'settings.json');
	const settings = readSettings(file);
	const previous = isRecord(settings['statusLine']) ? settings['statusLine'] : undefined;
	const previousCommand = previous && typeof previous['command'] === 'string' && previous['command'].trim() !== '' ? previous['command'] : undefined;
	const ours = statuslineCommandLine();
	// Re-installing keeps the passthrough we wrapped before; never wrap ourselves.
	const passthrough = previousCommand && isOurs(previousCommand) ? passthroughOf(previousCommand) : previousCommand;
	const command = passthrough ? `${ours} --passthrough ${shellQuote(passthrough)}` : ours;
	if (previousCommand === command) return {account: account.name, file, action: 'unchanged', command, passthrough: passthrough ?? null, backup: null};
	settings['statusLine'] = {...previous, type: 'command', command};
	const backup = writeSettings(file, settings, now);
	return {account: account.name, file, action: previousCommand && isOurs(previousCommand) ? 'updated' : 'installed', command, passthrough: passthrough ?? null, backup};
}

function uninstall(account: Account, now: number): Change {
	const file = path.join(account.configDir!, 'settings.json');
	const settings = readSettings(file);
	const previous = isRecord(settings['statusLine']) ? settings['statusLine'] : undefined;
	const command = previous && typeof previous['command'] === 'string' ? previous['command'] : undefined;
	if (!command || !isOurs(command)) return {account: account.name, file, action: 'not-installed', command: command ?? null, passthrough: null, backup: null};
	const passthrough = passthroughOf(command);
	if (passthrough) settings['statusLine'] = {...previous, type: 'command', command: passthrough};
	else delete settings['statusLine'];
	const backup = writeSettings(file, settings, now);
	return {account: account.name, file, action: passthrough ? 'restored' : 'removed', command: passthrough ?? null, passthrough: null, backup};
}

async function manage(verb: 'install' | 'uninstall', argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {account: {type: 'string'}, all: {type: 'boolean'}, json: {type: 'boolean'}}, `statusline ${verb}`);
	return withContext(io, {}, ctx => {
		const now = ctx.clock.now();
		const changes = targets(ctx.accounts, values, io.env).map(account => (verb === 'install' ? install(account, now) : uninstall(account, now)));
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
