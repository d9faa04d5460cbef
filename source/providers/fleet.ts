/**
 * Fleet follow-ups (DESIGN §7.4): `<root>/.fleet/tasks/<task>/follow-ups.yaml` under the configured
 * roots (globs), read-only. A file holds a list of entries, or a mapping with a `follow_ups:` list.
 * Entry fields: `id`, `title`, `severity`, `created_at`, `module`, `prompt`/`description`,
 * `estimate_usd`, `kind` (`finding`, `long_tail`, `recommendation`), `status`, optional `provider`.
 *
 * Bad input never fails the read: a bad entry is skipped with a warning naming the file and the entry
 * (index and id), the others load; a missing or unreadable root or file is a warning. Nothing here
 * ever writes to a project.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {parseDocument} from 'yaml';
import {z} from 'zod';
import {parseSeverity, type FollowUp} from '../engine/jobs.js';
import {expandHome, userHome} from './util.js';

export type ClosedEntry = {file: string; id: string; jobId: string; status: string};

export type FleetRead = {
	items: FollowUp[];
	/** Entries the source closed (`status: done`…): their queued jobs are withdrawn. */
	closed: ClosedEntry[];
	/** Files that were read and parsed (their queued jobs that disappeared are withdrawn). */
	filesRead: string[];
	/** One sentence per problem, naming the root, file and entry. */
	warnings: string[];
};

const OPEN_STATUSES = new Set(['', 'open', 'new', 'todo', 'to-do', 'pending', 'queued', 'ready', 'triaged', 'accepted']);
const FILE_NAMES = ['follow-ups.yaml', 'follow-ups.yml'];
const MAX_FILE_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Globs

const hasMagic = (segment: string) => /[*?[]/.test(segment);

function isDir(file: string): boolean {
	try {
		return fs.statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/** The name of what fs.globSync asks about (a path or, on some versions, a Dirent). */
const nameOf = (entry: string | {name: string}) => (typeof entry === 'string' ? path.basename(entry) : entry.name);

/**
 * Directories matching a glob (`fs.globSync`): `*`, `?`, `[…]` within a segment and `**` for any
 * depth; `**` and `*` do not enter dot directories, and `node_modules` is skipped unless the pattern
 * names it. `~` and relative patterns start at `home`.
 */
export function expandRootGlob(pattern: string, home = userHome()): string[] {
	const absolute = expandHome(pattern.trim(), home, home);
	if (!hasMagic(absolute)) return isDir(absolute) ? [absolute] : [];
	const skipNodeModules = !absolute.split(path.sep).includes('node_modules');
	let matches: string[];
	try {
		matches = fs.globSync(absolute, {exclude: (entry: string | {name: string}) => skipNodeModules && nameOf(entry) === 'node_modules'} as fs.GlobOptionsWithoutFileTypes);
	} catch {
		return [];
	}
	return [...new Set(matches.filter(isDir))].sort();
}

// ---------------------------------------------------------------------------------------------------
// Entries

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (value instanceof Date) return 'a date';
	return typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 39)}…` : value}"` : typeof value;
}

const hash = (text: string, length = 10) => createHash('sha1').update(text).digest('hex').slice(0, length);

/** The job id of a Fleet entry: stable for the same file and entry id. */
export function fleetJobId(file: string, entryId: string): string {
	return `f-${hash(`${file}#${entryId}`, 8)}`;
}

/** The job id of a promoted long-tail group: stable for the same project, module and members. */
export function longTailJobId(cwd: string, module: string, members: readonly string[]): string {
	return `lt-${hash(`${cwd}\u0000${module}\u0000${members.toSorted().join('\u0000')}`, 8)}`;
}

function createdAtOf(value: unknown, fallbackMs: number): {iso: string} | {error: string} {
	if (value === undefined || value === null || value === '') return {iso: new Date(fallbackMs).toISOString()};
	if (value instanceof Date && Number.isFinite(value.getTime())) return {iso: value.toISOString()};
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) return {iso: new Date(value > 1e12 ? value : value * 1000).toISOString()};
	if (typeof value === 'string') {
		const text = value.trim();
		// A date alone is midnight UTC; a date-time without an offset is read as UTC.
		const normalised = /^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z`
			: /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
		const ms = Date.parse(normalised);
		if (Number.isFinite(ms) && /^\d{4}-\d\d-\d\d/.test(text)) return {iso: /[zZ]|[+-]\d\d:?\d\d$/.test(normalised) ? normalised : new Date(ms).toISOString()};
	}
	return {error: `created_at ${describe(value)} is not an ISO 8601 date`};
}

type Parsed = {item: FollowUp; entryId: string; status: string} | {error: string};

/** An optional text field: a string (trimmed; empty = absent) or a number (as text). */
const textField = (key: string, what = 'text') => z
	.union([z.string(), z.number()], {error: issue => `${key} must be ${what}, got ${describe(issue.input)}`})
	.nullish()
	.transform(value => (typeof value === 'number' ? String(value) : value?.trim() || undefined))
	.optional();

/** A value checked by `check` (undefined = absent), with the message `message(value)` when it fails. */
const checked = <T>(check: (value: unknown) => T | undefined, message: (value: unknown) => string) => z.unknown().transform((value, ctx): T | undefined => {
	if (value === undefined || value === null) return undefined;
	const result = check(value);
	if (result === undefined) ctx.addIssue({code: 'custom', message: message(value)});
	return result;
}).optional();

const nonNegative = (value: unknown): number | undefined => {
	const n = typeof value === 'string' ? Number(value.replace(/^\$/, '')) : value;
	return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
};

/** One follow-ups entry. Issues are reported in field order; the first one names the entry's problem. */
const EntrySchema = z.object({
	title: textField('title'),
	prompt: textField('prompt'),
	description: textField('description'),
	module: textField('module'),
	kind: textField('kind'),
	status: textField('status'),
	provider: textField('provider'),
	id: textField('id', 'text or a number'),
	severity: checked(parseSeverity, value => `severity ${describe(value)} is not critical, warning or info`),
	created_at: z.unknown().optional(),
	createdAt: z.unknown().optional(),
	estimate_usd: checked(nonNegative, value => `estimate_usd ${describe(value)} is not a non-negative number`),
	estimateUsd: checked(nonNegative, value => `estimate_usd ${describe(value)} is not a non-negative number`),
});

function parseEntry(raw: unknown, index: number, file: string, cwd: string, mtimeMs: number): Parsed {
	if (!isRecord(raw)) return {error: `expected a mapping with title, severity, …, got ${describe(raw)}`};
	const parsed = EntrySchema.safeParse(raw);
	if (!parsed.success) return {error: parsed.error.issues[0]?.message ?? 'not a follow-up entry'};
	const entry = parsed.data;
	const description = entry.prompt ?? entry.description;
	const title = entry.title ?? description?.split('\n')[0]?.slice(0, 100);
	if (!title) return {error: 'missing title (and no prompt or description to take one from)'};
	const created = createdAtOf(entry.created_at ?? entry.createdAt, mtimeMs);
	if ('error' in created) return created;
	const kind = (entry.kind ?? 'finding').toLowerCase().replaceAll('-', '_').replaceAll(' ', '_');
	const provider = entry.provider?.toLowerCase();
	if (provider !== undefined && provider !== 'claude' && provider !== 'codex') return {error: `provider ${describe(provider)} is not claude or codex`};
	const module = entry.module ?? null;
	const entryId = entry.id ?? `derived-${hash(`${title}\u0000${module ?? ''}\u0000${String(entry.created_at ?? '')}`, 8)}`;
	return {
		entryId,
		item: {
			id: fleetJobId(file, entryId),
			title,
			prompt: description ?? title,
			severity: entry.severity ?? parseSeverity('info')!,
			createdAt: created.iso,
			kind,
			module,
			estimateUsd: entry.estimate_usd ?? entry.estimateUsd ?? null,
			cwd,
			ref: `${file}#${entry.id ?? `[${index}]`}`,
			sourceFile: file,
			...(provider ? {provider} : {}),
		},
		status: (entry.status ?? '').toLowerCase(),
	};
}

/** Read one follow-ups file. Returns null (with a warning) when the file cannot be used at all. */
export function readFollowUpsFile(file: string, cwd: string): {items: FollowUp[]; closed: ClosedEntry[]; warnings: string[]} | {error: string} {
	let stat: fs.Stats;
	let content: string;
	try {
		stat = fs.statSync(file);
		if (stat.size > MAX_FILE_BYTES) return {error: `${file}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; skipped`};
		content = fs.readFileSync(file, 'utf8');
	} catch (error) {
		return {error: `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`};
	}
	const document = parseDocument(content, {prettyErrors: true});
	if (document.errors.length > 0) {
		const first = document.errors[0]!;
		const line = first.linePos?.[0]?.line;
		return {error: `${file}: not valid YAML${line ? ` (line ${line})` : ''}: ${(first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}; its entries were not loaded`};
	}
	const value: unknown = document.toJS({maxAliasCount: 100});
	let entries: unknown[];
	if (value === null || value === undefined) entries = [];
	else if (Array.isArray(value)) entries = value;
	else if (isRecord(value) && Array.isArray(value['follow_ups'] ?? value['follow-ups'] ?? value['followUps'])) entries = (value['follow_ups'] ?? value['follow-ups'] ?? value['followUps']) as unknown[];
	else if (isRecord(value) && (value['follow_ups'] === null || value['follow_ups'] === undefined) && Object.keys(value).length === 0) entries = [];
	else return {error: `${file}: expected a list of follow-ups or a "follow_ups:" list, got ${describe(isRecord(value) ? (value['follow_ups'] ?? value) : value)}`};

	const items: FollowUp[] = [];
	const closed: ClosedEntry[] = [];
	const warnings: string[] = [];
	const seen = new Map<string, number>();
	for (const [index, raw] of entries.entries()) {
		const parsed = parseEntry(raw, index, file, cwd, stat.mtimeMs);
		const label = isRecord(raw) && (typeof raw['id'] === 'string' || typeof raw['id'] === 'number') ? ` (id ${String(raw['id'])})` : '';
		if ('error' in parsed) {
			warnings.push(`${file}: entry ${index}${label} skipped: ${parsed.error}`);
			continue;
		}
		const earlier = seen.get(parsed.entryId);
		if (earlier !== undefined) {
			warnings.push(`${file}: entry ${index}${label} skipped: id ${parsed.entryId} is also entry ${earlier}`);
			continue;
		}
		seen.set(parsed.entryId, index);
		if (OPEN_STATUSES.has(parsed.status)) items.push(parsed.item);
		else closed.push({file, id: parsed.entryId, jobId: parsed.item.id, status: parsed.status});
	}
	return {items, closed, warnings};
}

/** Every follow-up under the configured roots. Never throws. */
export function readFleetFollowUps(roots: readonly string[], home = userHome()): FleetRead {
	const read: FleetRead = {items: [], closed: [], filesRead: [], warnings: []};
	for (const pattern of roots) {
		const dirs = expandRootGlob(pattern, home);
		if (dirs.length === 0) {
			read.warnings.push(`sources.fleet.roots: "${pattern}" matches no directory`);
			continue;
		}
		for (const root of dirs) {
			const tasks = path.join(root, '.fleet', 'tasks');
			let names: string[];
			try {
				names = fs.readdirSync(tasks, {withFileTypes: true}).filter(entry => entry.isDirectory()).map(entry => entry.name).sort();
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				// A root without Fleet tasks is normal for a glob over many projects; say so only for a plain path.
				if (code !== 'ENOENT' || !hasMagic(pattern)) read.warnings.push(`${tasks}: cannot be read (${code ?? (error as Error).message})`);
				continue;
			}
			for (const name of names) {
				const file = FILE_NAMES.map(fileName => path.join(tasks, name, fileName)).find(candidate => fs.existsSync(candidate));
				if (!file) continue;
				const result = readFollowUpsFile(file, root);
				if ('error' in result) {
					read.warnings.push(result.error);
					continue;
				}
				read.filesRead.push(file);
				read.items.push(...result.items);
				read.closed.push(...result.closed);
				read.warnings.push(...result.warnings);
			}
		}
	}
	return read;
}
