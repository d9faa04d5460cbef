/**
 * Where an account's local logs are and how they are read: the log directories of every account (and
 * the default ones), a file's project and session, the order records are merged in, the index's
 * options from the environment, and per-day dates in a time zone (cheaply, without ICU when possible).
 */
import fs from 'node:fs';
import path from 'node:path';
import type {Account} from '../engine/types.js';
import type {ParseMode} from '../providers/logs/claude-logs.js';
import {claudeFileIdentity} from '../providers/logs/claude-logs.js';
import {codexFileIdentity} from '../providers/logs/codex-logs.js';
import type {LogKind} from '../providers/logs/reader.js';
import {expandHome, userHome} from '../providers/util.js';

/** The log directories of one account. */
export type LogSource = {
	account: string;
	provider: LogKind;
	dirs: string[];
	/** True for the default directories used when no account of this provider is configured. */
	implicit: boolean;
};

/** A configured directory with `~` expanded against the user's home of `env`. */
export function expandHomeOf(dir: string, env: NodeJS.ProcessEnv): string {
	return expandHome(dir, userHome(env));
}

/** Names of the implicit sources (not valid account names, so they never collide with one). */
export const IMPLICIT_CLAUDE = '@claude';
export const IMPLICIT_CODEX = '@codex';

/**
 * Where the logs are: every configured Claude account's config dir and Codex account's home; for a
 * provider with no configured account, its default location when it holds logs (CLAUDE_CONFIG_DIR,
 * comma-separated, else ~/.config/claude and ~/.claude; CODEX_HOME, else ~/.codex).
 */
export function logSources(accounts: readonly Account[], env: NodeJS.ProcessEnv, options: {implicit?: boolean} = {}): LogSource[] {
	const sources: LogSource[] = [];
	for (const account of accounts) {
		if (account.disabled) continue;
		if (account.provider === 'claude' && account.configDir) sources.push({account: account.name, provider: 'claude', dirs: [expandHomeOf(account.configDir, env)], implicit: false});
		if (account.provider === 'codex' && account.home) sources.push({account: account.name, provider: 'codex', dirs: [expandHomeOf(account.home, env)], implicit: false});
	}
	if (options.implicit === false) return sources;
	const home = userHome(env);
	if (!accounts.some(a => a.provider === 'claude')) {
		const configured = (env['CLAUDE_CONFIG_DIR'] ?? '').split(',').map(s => s.trim()).filter(Boolean);
		const candidates = configured.length > 0 ? configured.map(dir => expandHomeOf(dir, env)) : [path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'claude'), path.join(home, '.claude')];
		const dirs = [...new Set(candidates.map(dir => (path.basename(dir) === 'projects' ? path.dirname(dir) : dir)))].filter(dir => isDir(path.join(dir, 'projects')));
		if (dirs.length > 0) sources.push({account: IMPLICIT_CLAUDE, provider: 'claude', dirs, implicit: true});
	}
	if (!accounts.some(a => a.provider === 'codex')) {
		const dir = expandHomeOf(env['CODEX_HOME'] || path.join(home, '.codex'), env);
		if (isDir(path.join(dir, 'sessions')) || isDir(path.join(dir, 'archived_sessions'))) sources.push({account: IMPLICIT_CODEX, provider: 'codex', dirs: [dir], implicit: true});
	}
	return sources;
}

/** The project and session of a log file of a source (by the directory it sits in). */
export function fileIdentity(source: LogSource, file: string): {project: string; session: string} {
	const dir = source.dirs.find(d => file.startsWith(d + path.sep)) ?? source.dirs[0] ?? '';
	return source.provider === 'claude' ? claudeFileIdentity(dir, file) : codexFileIdentity(dir, file);
}

export function isDir(dir: string): boolean {
	try {
		return fs.statSync(dir).isDirectory();
	} catch {
		return false;
	}
}

/**
 * The order records are merged in (the first copy of a duplicate is the one kept): by path, and for
 * Codex `sessions/` before `archived_sessions/` (ccusage keeps the active copy).
 */
export function fileOrder(source: LogSource): (a: string, b: string) => number {
	const rank = (file: string) => (source.provider === 'codex' && file.split(path.sep).includes('archived_sessions') ? 1 : 0);
	return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Where a record came from: its project and session, by ccusage's naming. */
export type RecordOrigin = {project: string; session: string; path: string};

export type IndexOptions = {
	/** Parser: byte-level scanning (default) or JSON.parse of candidate lines. */
	mode?: ParseMode | undefined;
	/** Worker threads for cold reads: a number, or 'auto' (all cores from 256 MB to read). */
	workers?: number | 'auto' | undefined;
	/** Time zone of the per-day rows (default: the process's). */
	timeZone?: string | undefined;
	/** Keep aggregates out of the database (benchmarks of the read path alone). */
	persist?: boolean | undefined;
};

/**
 * `YYYY-MM-DD` of an instant in a time zone (default: the process's). Cached per quarter hour: every
 * UTC offset is a whole number of quarter hours, so one quarter hour never spans two local dates.
 */
export function dateFormatter(timeZone?: string): (ms: number) => string {
	const cache = new Map<number, string>();
	const local = timeZone === undefined || timeZone === processTimeZone();
	const format = local ? undefined : new Intl.DateTimeFormat('en-CA', {timeZone, year: 'numeric', month: '2-digit', day: '2-digit'});
	return ms => {
		const quarter = Math.floor(ms / 900_000);
		let date = cache.get(quarter);
		if (date === undefined) {
			date = format ? format.format(ms) : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
			cache.set(quarter, date);
		}
		return date;
	};
}

let resolvedZone: string | undefined;

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/**
 * The process's time zone name: TZ when it names a zone, else the zone /etc/localtime links to (what
 * ICU reads too), else what Intl resolves. The first two are cheap; the first Intl.DateTimeFormat
 * loads ICU's locale data (30–40 ms of every `report` without TZ, issue 15).
 */
export function processTimeZone(): string {
	const tz = process.env['TZ'];
	if (tz && ZONE_NAME.test(tz)) return tz;
	resolvedZone ??= (tz === undefined ? linkedZone() : undefined) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
	return resolvedZone;
}

/** The zone name /etc/localtime links to (…/zoneinfo/Europe/Berlin), Etc/UTC and its aliases as Intl names them (UTC). */
function linkedZone(): string | undefined {
	try {
		const target = fs.readlinkSync('/etc/localtime');
		const at = target.lastIndexOf('zoneinfo/');
		const name = at < 0 ? '' : target.slice(at + 'zoneinfo/'.length);
		if (!ZONE_NAME.test(name) || name.startsWith('posix/') || name.startsWith('right/')) return undefined;
		return /^(?:Etc\/)?(?:UTC|UCT|Universal|Zulu)$/.test(name) ? 'UTC' : name;
	} catch {
		return undefined;
	}
}

/** Index options from the environment (QUOTA_TUI_LOG_PARSER=scan|json, QUOTA_TUI_LOG_WORKERS=N|auto). */
export function indexOptionsFromEnv(env: NodeJS.ProcessEnv): IndexOptions {
	const parser = env['QUOTA_TUI_LOG_PARSER'];
	const workers = env['QUOTA_TUI_LOG_WORKERS'];
	return {
		mode: parser === 'json' ? 'json' : 'scan',
		workers: workers === undefined || workers === '' || workers === 'auto' ? 'auto' : Math.max(0, Number(workers) || 0),
	};
}
