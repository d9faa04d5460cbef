/**
 * `quota-tui statusline [--passthrough CMD]`: Claude Code's status-line command (DESIGN §3).
 *
 * Runs on every status-line refresh, so it is its own light entry (source/cli.ts dispatches here before
 * loading the CLI): node built-ins, node:sqlite and the store; no Ink/React, no zod, no conf, no luxon.
 * config.json is read raw (only the accounts' provider and configDir), never validated or written.
 *
 * It never fails Claude Code: every error prints nothing (or the passthrough's output), is appended to
 * `logs/statusline.log`, and exits 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {QuotaWindow} from '../engine/types.js';
import {parseStatusline, statuslineText} from '../providers/claude-statusline.js';
import {expandHome, isoUtc, isRecord, userHome} from '../providers/util.js';
import {recordFresh} from '../runtime/record.js';
import {openDatabase} from '../store/db.js';
import {latestSnapshot} from '../store/repositories.js';

export type CaptureIo = {
	stdin: NodeJS.ReadableStream & {isTTY?: boolean};
	stdout: NodeJS.WritableStream;
	env: NodeJS.ProcessEnv;
};

/** Claude Code writes the JSON and closes stdin; never wait longer than this for it. */
const STDIN_TIMEOUT_MS = 3000;
const PASSTHROUGH_TIMEOUT_MS = 10_000;
const LOG_MAX_BYTES = 64 * 1024;

export function readStdin(stdin: CaptureIo['stdin']): Promise<string> {
	if (stdin.isTTY) return Promise.resolve('');
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		let done = false;
		const finish = () => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			stdin.removeListener('data', onData);
			resolve(Buffer.concat(chunks).toString('utf8'));
		};
		const onData = (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
		const timer = setTimeout(() => {
			finish();
			(stdin as NodeJS.ReadStream).destroy?.();
		}, STDIN_TIMEOUT_MS);
		stdin.on('data', onData);
		stdin.once('end', finish);
		stdin.once('error', finish);
	});
}

/** QUOTA_TUI_NOW (an ISO instant with offset) or the wall clock. */
export function clockNow(env: NodeJS.ProcessEnv): number {
	const value = env['QUOTA_TUI_NOW']?.trim();
	if (value && /(?:Z|[+-]\d\d:?\d\d)$/i.test(value)) {
		const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
		if (Number.isFinite(ms)) return ms;
	}
	return Date.now();
}

type Where = {configFile: string; dbFile: string; logsDir: string};

/**
 * store/paths.ts without loading env-paths (it costs more than the rest of the hook): the same
 * platform directories env-paths('quota-tui', {suffix: ''}) gives (a test keeps them equal).
 */
export function where(env: NodeJS.ProcessEnv): Where {
	const home = env['QUOTA_TUI_HOME'];
	if (home !== undefined && home.trim() !== '') {
		const dir = path.resolve(home);
		return {configFile: path.join(dir, 'config.json'), dbFile: path.join(dir, 'quota.db'), logsDir: path.join(dir, 'logs')};
	}
	const name = 'quota-tui';
	const user = env['HOME'] || os.homedir();
	let config: string;
	let data: string;
	if (process.platform === 'darwin') {
		config = path.join(user, 'Library', 'Preferences', name);
		data = path.join(user, 'Library', 'Application Support', name);
	} else if (process.platform === 'win32') {
		config = path.join(env['APPDATA'] || path.join(user, 'AppData', 'Roaming'), name, 'Config');
		data = path.join(env['LOCALAPPDATA'] || path.join(user, 'AppData', 'Local'), name, 'Data');
	} else {
		config = path.join(env['XDG_CONFIG_HOME'] || path.join(user, '.config'), name);
		data = path.join(env['XDG_DATA_HOME'] || path.join(user, '.local', 'share'), name);
	}
	return {configFile: path.join(config, 'config.json'), dbFile: path.join(data, 'quota.db'), logsDir: path.join(data, 'logs')};
}

const realpath = (dir: string) => {
	try {
		return fs.realpathSync(dir);
	} catch {
		return path.resolve(dir);
	}
};

type Match = {name: string; model?: string | undefined; warnThreshold: number};

/** The configured Claude account whose configDir is the CLAUDE_CONFIG_DIR this runs under (unset = ~/.claude). */
export function accountFor(configFile: string, env: NodeJS.ProcessEnv): Match | undefined {
	const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as unknown;
	if (!isRecord(raw) || !Array.isArray(raw['accounts'])) return undefined;
	const homeDir = userHome(env);
	const dirVariable = env['CLAUDE_CONFIG_DIR']?.trim();
	const target = dirVariable ? expandHome(dirVariable, homeDir) : path.join(homeDir, '.claude');
	const targetReal = realpath(target);
	const policy = isRecord(raw['policy']) ? raw['policy'] : {};
	const warn = typeof policy['warnThreshold'] === 'number' ? policy['warnThreshold'] : 0.8;
	for (const account of raw['accounts']) {
		if (!isRecord(account) || account['provider'] !== 'claude' || typeof account['configDir'] !== 'string' || typeof account['name'] !== 'string') continue;
		const dir = expandHome(account['configDir'], homeDir);
		if (dir === target || realpath(dir) === targetReal) {
			return {name: account['name'], model: typeof account['model'] === 'string' ? account['model'] : undefined, warnThreshold: warn};
		}
	}
	return undefined;
}

function log(logsDir: string, now: number, message: string): void {
	try {
		fs.mkdirSync(logsDir, {recursive: true, mode: 0o700});
		const file = path.join(logsDir, 'statusline.log');
		const size = fs.statSync(file, {throwIfNoEntry: false})?.size ?? 0;
		if (size > LOG_MAX_BYTES) fs.renameSync(file, `${file}.1`);
		fs.appendFileSync(file, `${isoUtc(now)} ${message}\n`, {mode: 0o600});
	} catch {
		// Logging must not fail the status line either.
	}
}

/** Run `command` through the shell with `input` on stdin; its stdout, or undefined when it could not run. */
async function passthrough(command: string, input: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
	const {spawn} = await import('node:child_process');
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		const child = spawn(command, {shell: true, env, stdio: ['pipe', 'pipe', 'ignore']});
		const timer = setTimeout(() => child.kill('SIGKILL'), PASSTHROUGH_TIMEOUT_MS);
		child.on('error', () => {
			clearTimeout(timer);
			resolve(undefined);
		});
		child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
		child.on('close', () => {
			clearTimeout(timer);
			resolve(Buffer.concat(chunks).toString('utf8'));
		});
		child.stdin.on('error', () => undefined);
		child.stdin.end(input);
	});
}

/** `--passthrough CMD` or `--passthrough=CMD` (parsed by hand: node:util costs more than the rest of the hook). */
export function passthroughArg(argv: readonly string[]): string | undefined {
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		const value = arg === '--passthrough' ? argv[i + 1] : arg.startsWith('--passthrough=') ? arg.slice('--passthrough='.length) : undefined;
		if (value !== undefined) return value.trim() === '' ? undefined : value;
	}
	return undefined;
}

/** How long the hook waits for a database another process holds (Claude Code is waiting for its line). */
export const HOOK_BUSY_TIMEOUT_MS = 150;

/** The status-line hook. Always resolves to 0. */
export async function runStatuslineCapture(argv: readonly string[], io: CaptureIo): Promise<number> {
	const now = clockNow(io.env);
	let logsDir: string | undefined;
	let command: string | undefined;
	let text = '';
	let line = '';
	try {
		command = passthroughArg(argv);
		text = await readStdin(io.stdin);
		const paths = where(io.env);
		logsDir = paths.logsDir;
		const parsed = parseStatusline(text, isoUtc(now));
		if (parsed.kind === 'invalid') {
			log(paths.logsDir, now, `ignored status-line input: ${parsed.reason}`);
		} else {
			const account = fs.existsSync(paths.configFile) ? accountFor(paths.configFile, io.env) : undefined;
			let windows: QuotaWindow[] = parsed.kind === 'windows' ? parsed.windows : [];
			// The line from stdin alone, should the database fail below (locked, broken).
			line = statuslineText(windows, now);
			if (account && (parsed.kind === 'windows' || fs.existsSync(paths.dbFile))) {
				// Claude Code waits for this line: a locked database costs at most ~200 ms, then the line is
				// printed from stdin alone (nothing recorded this time; the next refresh records).
				const db = openDatabase(paths.dbFile, {busyTimeoutMs: HOOK_BUSY_TIMEOUT_MS});
				try {
					if (parsed.kind === 'windows') {
						// Printed from what was recorded: a window this input lacks shows its last known value.
						windows = recordFresh(db, account, {ok: true, origin: 'statusline', observedAt: isoUtc(now), windows: parsed.windows, partial: true, requested: false}, now, account.warnThreshold).snapshot.windows;
					} else {
						// No rate limits yet in this session: show the account's last known values.
						windows = latestSnapshot(db, account.name)?.windows ?? [];
					}
				} finally {
					db.close();
				}
			} else if (!account && parsed.kind === 'windows') {
				log(paths.logsDir, now, `no configured Claude account has configDir ${io.env['CLAUDE_CONFIG_DIR']?.trim() || '~/.claude'}: nothing recorded (quota-tui accounts discover)`);
			}
			line = statuslineText(windows, now);
		}
	} catch (error) {
		if (logsDir) log(logsDir, now, `error: ${(error as Error).message}`);
	}
	try {
		if (command) {
			const output = await passthrough(command, text, io.env);
			if (output !== undefined) line = output;
		}
		if (line !== '') io.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
	} catch {
		// Nothing to print then.
	}
	return 0;
}
