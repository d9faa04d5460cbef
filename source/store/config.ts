/**
 * `config.json` (DESIGN §4, §11): a zod schema with every default, read and written through conf.
 *
 * Contract: a file that does not parse or does not validate is reported as a ConfigError naming the
 * file, the field and what was expected, and is left byte-for-byte untouched. To keep that promise the
 * raw file is read and validated here before conf ever sees it, conf is constructed without `defaults`
 * or a schema (so its constructor writes nothing and never clears a file), and defaults are applied in
 * memory by zod. The file holds only what the user (or `setKey`) wrote; unknown keys are kept in the
 * file but are not part of `Config`.
 */
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import type ConfType from 'conf';
import type {z} from 'zod';

// The schema, its types and defaults (config-schema.ts), re-exported for every reader of the config.
export * from './config-schema.js';
import {configSchemas, defaultConfig, type AccountDraft, type Config} from './config-schema.js';
import {distance, fieldOf, isRecord, knownKeysAt, unknownFields, type Segment} from './config-keys.js';

// ---------------------------------------------------------------------------------------------------
// Errors

export type ConfigIssue = {
	/** Dotted path of the field (`policy.switchThreshold`, `accounts.1.provider`); `(root)` for the whole file. */
	field: string;
	/** What was expected (and what was found). */
	message: string;
};

/** A config file or a config change that is invalid. The message names the file, the field and the expectation. */
export class ConfigError extends Error {
	override name = 'ConfigError';
	readonly file: string;
	readonly issues: ConfigIssue[];

	constructor(file: string, issues: ConfigIssue[], prefix = 'Invalid config') {
		const detail = issues.map(issue => `${issue.field}: ${issue.message}`).join('; ');
		super(`${prefix} ${file}: ${detail}`);
		this.file = file;
		this.issues = issues;
	}
}

function issuesOf(error: z.ZodError): ConfigIssue[] {
	return error.issues.map(issue => ({field: fieldOf(issue.path), message: issue.message}));
}

/** Validate a parsed config value, apply defaults, or throw a ConfigError naming `file`. */
export function parseConfig(raw: unknown, file: string, prefix?: string): Config {
	// No file, a blank one or `{}`: the defaults, without building the schema (issue 15, start-up).
	if (isRecord(raw) && Object.keys(raw).length === 0) {
		return defaultConfig();
	}
	const result = configSchemas().ConfigSchema.safeParse(raw);
	if (!result.success) {
		throw new ConfigError(file, issuesOf(result.error), prefix);
	}
	return result.data;
}

// ---------------------------------------------------------------------------------------------------
// Dotted paths

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

function parseKey(key: string, file: string): Segment[] {
	const parts = key.split('.');
	if (key === '' || parts.some(part => part === '' || FORBIDDEN_SEGMENTS.has(part))) {
		throw new ConfigError(file, [{field: key || '(empty)', message: 'expected a dotted key such as policy.switchThreshold'}], 'Invalid key for');
	}
	return parts.map(part => (/^\d+$/.test(part) ? Number(part) : part));
}

function getAt(root: unknown, segments: readonly Segment[]): unknown {
	let current: unknown = root;
	for (const segment of segments) {
		if (Array.isArray(current) && typeof segment === 'number') {
			current = current[segment];
		} else if (isRecord(current) && Object.hasOwn(current, String(segment))) {
			current = current[String(segment)];
		} else {
			return undefined;
		}
	}
	return current;
}

/** Set (or, with `undefined`, delete) the value at `segments` inside a plain JSON value, in place. */
function setAt(root: Record<string, unknown>, segments: readonly Segment[], value: unknown, file: string): void {
	let current: unknown = root;
	for (const [index, segment] of segments.entries()) {
		const last = index === segments.length - 1;
		const field = fieldOf(segments.slice(0, index + 1));
		if (Array.isArray(current)) {
			if (typeof segment !== 'number' || segment > current.length) {
				throw new ConfigError(file, [{field, message: `expected an index between 0 and ${current.length}`}], 'Cannot set in');
			}
			if (last) {
				if (value === undefined) {
					current.splice(segment, 1);
				} else {
					current[segment] = value;
				}
				return;
			}
			current[segment] ??= {};
			current = current[segment];
		} else if (isRecord(current)) {
			const name = String(segment);
			if (last) {
				if (value === undefined) {
					delete current[name];
				} else {
					current[name] = value;
				}
				return;
			}
			if (current[name] === undefined) {
				current[name] = {};
			}
			current = current[name];
		} else {
			throw new ConfigError(file, [{field: fieldOf(segments.slice(0, index)), message: 'expected an object or array to set a key inside'}], 'Cannot set in');
		}
	}
}

/**
 * One warning per key of the file that quota-tui does not know (a typo such as `usageEndpont` would
 * otherwise silently leave the option off), naming the nearest known key at the same place.
 */
export function unknownKeyWarnings(file: string): string[] {
	let raw: Raw;
	try {
		raw = readRaw(file);
	} catch {
		return [];
	}
	if (Object.keys(raw).length === 0) {
		return [];
	}
	return unknownFields(configSchemas().ConfigSchema, raw, []).map(field => {
		const segments = field.split('.');
		const key = segments.at(-1)!;
		const known = knownKeysAt(configSchemas().ConfigSchema, segments.slice(0, -1).map(part => (/^\d+$/.test(part) ? Number(part) : part))) ?? [];
		const nearest = known.toSorted((a, b) => distance(key, a) - distance(key, b))[0];
		const where = segments.slice(0, -1).join('.');
		return `warning: ${file}: unknown key ${field} is ignored${nearest ? `; the nearest known key is ${where ? `${where}.` : ''}${nearest}` : ''}`;
	});
}

// ---------------------------------------------------------------------------------------------------
// The store

export type ConfigStore = {
	/** The config file's path. */
	readonly path: string;
	/** The validated config with every default applied (a fresh copy). */
	get(): Config;
	/** The value at a dotted key of the validated config (`policy.switchThreshold`, `accounts.0.name`), or undefined. */
	getKey(key: string): unknown;
	/** Set a dotted key; the whole resulting config is validated first, and nothing is written on failure. */
	setKey(key: string, value: unknown): Config;
	/** Remove a key from the file (it falls back to its default). Returns whether the file held it. */
	unsetKey(key: string): boolean;
	addAccount(account: AccountDraft): Config;
	/** Returns false (and writes nothing) when there is no such account. */
	removeAccount(name: string): boolean;
	/** Merge `patch` into the account; a key set to undefined is removed. Returns false when there is no such account. */
	updateAccount(name: string, patch: Partial<AccountDraft>): boolean;
};

type Raw = Record<string, unknown>;

/** Read the raw file: `{}` when missing or blank; ConfigError when not JSON or not an object. */
function readRaw(file: string): Raw {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return {};
		}
		throw new ConfigError(file, [{field: '(root)', message: `expected a readable file: ${(error as Error).message}`}], 'Cannot read config');
	}
	if (text.trim() === '') {
		return {};
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw new ConfigError(file, [{field: '(root)', message: `expected valid JSON: ${(error as Error).message}`}]);
	}
	if (!isRecord(parsed)) {
		throw new ConfigError(file, [{field: '(root)', message: `expected a JSON object, received ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}`}]);
	}
	return parsed;
}

/**
 * conf (and the JSON-schema validator it imports) is loaded on the first write only: reads are the
 * hot path of every one-shot command, and loading conf costs more than the rest of a `status` call.
 * require() of an ES module is synchronous on Node ≥ 22.12, so writes stay synchronous.
 */
function loadConf(): typeof ConfType {
	const require = createRequire(import.meta.url);
	return (require('conf') as {default: typeof ConfType}).default;
}

/** Open the config at `paths.configFile`. Throws ConfigError (touching nothing) when the file is invalid. */
export function openConfig(paths: {configFile: string}): ConfigStore {
	const file = paths.configFile;
	let conf: ConfType<Raw> | undefined;

	const load = (): {raw: Raw; config: Config} => {
		const raw = readRaw(file);
		return {raw, config: parseConfig(raw, file)};
	};

	/** Validate and write `raw`. Unknown keys at, under or above `changed` are refused (typos); null checks none. */
	const write = (raw: Raw, changed: readonly Segment[] | null, verb: string): Config => {
		const config = parseConfig(raw, file, `${verb}: invalid config for`);
		const unknown = changed === null ? [] : unknownFields(configSchemas().ConfigSchema, raw, []).filter(field => {
			const key = fieldOf(changed);
			return field === key || field.startsWith(`${key}.`) || key.startsWith(`${field}.`);
		});
		if (unknown.length > 0) {
			throw new ConfigError(
				file,
				unknown.map(field => {
					const segments = field.split('.');
					const known = knownKeysAt(configSchemas().ConfigSchema, segments.slice(0, -1).map(part => (/^\d+$/.test(part) ? Number(part) : part)));
					return {field, message: known ? `unknown key; expected one of ${known.join(', ')}` : 'unknown key'};
				}),
				`${verb}: unknown key in`,
			);
		}
		// An empty file reads as the defaults, but a write would replace whatever the user meant to be
		// there (a truncated file, an editor crash): say so and write nothing.
		if (fs.existsSync(file) && fs.statSync(file).isFile() && fs.readFileSync(file, 'utf8').trim() === '') {
			throw new ConfigError(file, [{field: '(root)', message: 'the file is empty; put your configuration back, or delete the file to start from the defaults (nothing was written)'}], `${verb}:`);
		}
		try {
			// Our folder is private (0700, like the data folder).
			fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
			// Constructed lazily (reads never create directories) and without defaults/schema: it only writes, atomically.
			conf ??= new (loadConf())<Raw>({
				cwd: path.dirname(file),
				configName: path.basename(file, path.extname(file)),
				fileExtension: path.extname(file).slice(1) || 'json',
				clearInvalidConfig: false,
				accessPropertiesByDotNotation: false,
				configFileMode: 0o600,
			});
			conf.store = raw;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			throw new ConfigError(file, [{field: '(root)', message: `cannot write it (${code ?? (error as Error).message}); make ${path.dirname(file)} writable by you, or set QUOTA_TUI_HOME to a folder that is`}], `${verb}:`);
		}
		return config;
	};

	const findAccount = (raw: Raw, name: string): number => {
		const list = raw['accounts'];
		return Array.isArray(list) ? list.findIndex(account => isRecord(account) && account['name'] === name) : -1;
	};

	const withoutUndefined = (value: object): Raw =>
		Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));

	// Fail fast: an invalid file is reported at open.
	load();

	return {
		path: file,
		get: () => load().config,
		getKey(key) {
			return getAt(load().config, parseKey(key, file));
		},
		setKey(key, value) {
			const segments = parseKey(key, file);
			if (value === undefined) {
				throw new ConfigError(file, [{field: key, message: 'expected a JSON value (use unsetKey to remove a key)'}], `Cannot set ${key} in`);
			}
			const {raw} = load();
			setAt(raw, segments, structuredClone(value), file);
			return write(raw, segments, `Cannot set ${key}`);
		},
		unsetKey(key) {
			const segments = parseKey(key, file);
			const {raw} = load();
			if (getAt(raw, segments) === undefined) {
				return false;
			}
			setAt(raw, segments, undefined, file);
			write(raw, segments, `Cannot unset ${key}`);
			return true;
		},
		addAccount(account) {
			const {raw} = load();
			const list = Array.isArray(raw['accounts']) ? [...(raw['accounts'] as unknown[])] : [];
			list.push(withoutUndefined(account));
			raw['accounts'] = list;
			return write(raw, ['accounts', list.length - 1], `Cannot add account ${String(account.name)}`);
		},
		removeAccount(name) {
			const {raw} = load();
			const index = findAccount(raw, name);
			if (index < 0) {
				return false;
			}
			raw['accounts'] = (raw['accounts'] as unknown[]).filter((_, i) => i !== index);
			write(raw, null, `Cannot remove account ${name}`);
			return true;
		},
		updateAccount(name, patch) {
			const {raw} = load();
			const index = findAccount(raw, name);
			if (index < 0) {
				return false;
			}
			const list = [...(raw['accounts'] as Raw[])];
			const merged: Raw = {...list[index]};
			for (const [key, value] of Object.entries(patch)) {
				if (value === undefined) {
					delete merged[key];
				} else {
					merged[key] = value;
				}
			}
			list[index] = merged;
			raw['accounts'] = list;
			write(raw, ['accounts', index], `Cannot update account ${name}`);
			return true;
		},
	};
}
