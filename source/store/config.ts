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
import {z} from 'zod';
import {DEFAULT_NOTIFY_EVENTS, EVENT_NAMES} from '../engine/event-names.js';
import {ACCOUNT_NAME, DEFAULT_POLICY, PROVIDERS} from '../engine/types.js';
import {HUB_SCHEMA, HUB_URL, MACHINE_NAME} from './hub/settings.js';

// ---------------------------------------------------------------------------------------------------
// Schema

const fraction = () => z.number().min(0).max(1);
const nonNegative = () => z.number().min(0);
const positive = () => z.number().positive();
const argv = () => z.array(z.string()).min(1, {message: 'expected a non-empty argv array of strings'});
const QUIET_HOURS = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

export const AccountSchema = z.object({
	name: z.string().regex(ACCOUNT_NAME, {
		message: `expected an account name matching ${ACCOUNT_NAME.source} (lower-case letters, digits, ".", "_", "-")`,
	}),
	provider: z.enum(PROVIDERS),
	configDir: z.string().min(1).optional(),
	home: z.string().min(1).optional(),
	plan: z.string().min(1).optional(),
	valueUsdPerMonth: nonNegative().optional(),
	chainOrder: z.number().int().optional(),
	lastResort: z.boolean().optional(),
	disabled: z.boolean().optional(),
	model: z.string().min(1).optional(),
	usageEndpoint: z.boolean().default(false),
	/** Shared quota pool: a pool name (`accounts pool set`), false = never pooled (`accounts pool clear`), absent = detected. */
	pool: z.union([z.string().regex(/^[a-z0-9][a-z0-9._:-]*$/, {message: 'expected a pool name (lower-case letters, digits, ".", "_", ":", "-")'}), z.literal(false)]).optional(),
});

const accounts = z
	.array(AccountSchema)
	.default(() => [])
	.superRefine((list, context) => {
		const firstIndex = new Map<string, number>();
		for (const [index, account] of list.entries()) {
			const first = firstIndex.get(account.name);
			if (first === undefined) {
				firstIndex.set(account.name, index);
				continue;
			}
			context.addIssue({
				code: 'custom',
				path: [index, 'name'],
				input: account.name,
				message: `expected unique account names, but "${account.name}" is also accounts.${first}.name`,
			});
		}
	});

/** Every default is the engine's DEFAULT_POLICY: the policy defaults exist once (issue 9 item 1). */
export const PolicySchema = z.object({
	switchThreshold: fraction().default(DEFAULT_POLICY.switchThreshold),
	warnThreshold: fraction().default(DEFAULT_POLICY.warnThreshold),
	strategy: z.enum(['chain', 'drain-soonest-reset', 'most-headroom']).default(DEFAULT_POLICY.strategy),
	extraUsage: z.enum(['last', 'normal', 'never']).default(DEFAULT_POLICY.extraUsage),
	/** Percent; may exceed 100 (extra usage). */
	maxQuotaPercent: nonNegative().default(DEFAULT_POLICY.maxQuotaPercent),
	/** `quota-tui hook claude` stops the agent above this weekly usage (null: maxQuotaPercent). */
	hookStopPercent: z.number().min(0).max(100).nullable().default(DEFAULT_POLICY.hookStopPercent),
	reservedBudgetUsd: nonNegative().nullable().default(DEFAULT_POLICY.reservedBudgetUsd),
	imminentMinutes: nonNegative().default(DEFAULT_POLICY.imminentMinutes),
	unknownPolicy: z.enum(['defer-auto', 'block', 'allow']).default(DEFAULT_POLICY.unknownPolicy),
	/** Reset credits: never redeem, ask (dashboard key, `resets use` y/n), or auto (Codex only, when exhausted with work queued). */
	resetCredits: z.enum(['never', 'ask', 'auto']).default(DEFAULT_POLICY.resetCredits),
	/** Model tiers per provider, most capable first: a model-scoped weekly window over the switch threshold routes to the next one. */
	modelLadder: z.record(z.string(), z.array(z.string().min(1))).default(() => structuredClone(DEFAULT_POLICY.modelLadder) as Record<string, string[]>),
});

const AutoUtilizationSchema = z.object({
	mode: z.enum(['off', 'suggest', 'auto']).default('suggest'),
	minHeadroom5h: fraction().default(0.4),
	minHeadroom7d: fraction().default(0.3),
	maxAutoCostUsd: nonNegative().default(3),
	weeklyAutoCapUsd: nonNegative().nullable().default(null),
	quietHours: z
		.array(z.string().regex(QUIET_HOURS, {message: 'expected "HH:MM-HH:MM" in local time (e.g. "22:00-08:00")'}))
		.default(() => []),
	manualQuietMinutes: nonNegative().default(15),
	sources: z.array(z.string().min(1)).default(() => ['fleet', 'backlog']),
	notify: z.enum(['desktop', 'terminal', 'none']).default('desktop'),
	/** Waste warning: at least this share of a weekly window left… */
	wasteWarnPct: fraction().default(0.4),
	/** …within this many hours of its reset. */
	wasteWarnHours: positive().default(6),
	/** Notify this many hours before a reset credit lapses unused. */
	resetCreditWarnHours: positive().default(24),
});

const usdPerMTok = () => nonNegative();
const PriceRatesSchema = {
	input: usdPerMTok(),
	output: usdPerMTok(),
	cacheWrite5m: usdPerMTok().optional(),
	cacheWrite1h: usdPerMTok().optional(),
	cacheRead: usdPerMTok().optional(),
};
const PriceOverrideSchema = z.strictObject({
	...PriceRatesSchema,
	/** Rates of a request whose prompt exceeds `thresholdTokens` (long context). */
	longContext: z.strictObject({...PriceRatesSchema, thresholdTokens: z.number().int().positive()}).optional(),
	/** Multiplier for `speed: "fast"` requests. */
	fastMultiplier: positive().optional(),
});

export const ConfigSchema = z.object({
	accounts,
	policy: PolicySchema.prefault({}),
	autoUtilization: AutoUtilizationSchema.prefault({}),
	sources: z
		.object({
			fleet: z
				.object({
					/** Globs of project roots holding .fleet/tasks/<id>/follow-ups.yaml. */
					roots: z.array(z.string().min(1)).default(() => []),
				})
				.prefault({}),
		})
		.prefault({}),
	runners: z
		.object({
			/**
			 * Placeholders: {prompt} {cwd} {jobId} {account} {model}. `--` before {prompt}: a prompt is never
			 * read as an option. {model} is the model routing chose (policy.modelLadder); without one, its
			 * argument and the option before it are left out.
			 */
			claude: argv().default(() => ['claude', '-p', '--output-format', 'json', '--model', '{model}', '--', '{prompt}']),
			codex: argv().default(() => ['codex', 'exec', '--json', '--model', '{model}', '--', '{prompt}']),
			/** Let a template put {prompt} where the runner may read it as an option (no `--` before it). */
			allowOptionPrompt: z.boolean().default(false),
		})
		.prefault({}),
	jobs: z
		.object({
			defaultEstimateUsd: nonNegative().default(1),
			defaultEstimatePct: fraction().default(0.05),
			/** Expected run time of a job with no finished job of its kind to learn from. */
			defaultEstimateMinutes: positive().default(15),
			timeoutMinutes: positive().default(60),
		})
		.prefault({}),
	switch: z
		.object({
			symlink: z.boolean().default(() => process.platform === 'linux'),
			/** Argv template run after a switch (no shell). Kept for old configs: it runs as a `switch` hook. */
			onSwitch: argv().nullable().default(null),
		})
		.prefault({}),
	polling: z
		.object({
			intervalSeconds: positive().default(60),
			endpointMinIntervalSeconds: positive().default(180),
			/** Usage-endpoint reads per hour per provider host for the whole machine (the endpoints limit per IP too). */
			hostReadsPerHour: z.number().int().min(1).default(30),
		})
		.prefault({}),
	history: z
		.object({
			retentionDays: positive().default(90),
		})
		.prefault({}),
	ui: z
		.object({
			maxFps: z.number().int().min(1).max(120).default(15),
			/** How long a dashboard notice stays, in seconds (errors stay until dismissed). */
			noticeSeconds: z.number().min(1).max(3600).default(8),
			/** Ask the terminal for mouse-wheel reports (the wheel moves the selection); false keeps the terminal's own mouse selection. */
			mouse: z.boolean().default(true),
		})
		.prefault({}),
	pricing: z
		.object({
			/**
			 * API-equivalent prices (USD per million tokens) by model id, over the embedded table: a model
			 * it lacks, or a price that changed. Cache rates default to 1.25× (5-min write), 2× (1-h write)
			 * and 0.1× (read) of `input`.
			 */
			models: z.record(z.string().min(1), PriceOverrideSchema).default(() => ({})),
		})
		.prefault({}),
	/**
	 * Event hooks (DESIGN §13): commands run without a shell when an event happens, the event as JSON on
	 * stdin. Placeholders in `command`: {event} {key} {account} {provider} {dir}.
	 */
	hooks: z
		.array(z.object({
			on: z.array(z.union([z.enum(EVENT_NAMES), z.literal('*')])).min(1, {message: `expected a non-empty list of events (${EVENT_NAMES.join(', ')}, or "*")`}),
			command: argv(),
			timeoutSeconds: positive().max(300).default(30),
		}))
		.default(() => []),
	events: z
		.object({
			/** The events the built-in notifier (desktop, tmux, bell: autoUtilization.notify) shows. */
			notify: z.array(z.enum(EVENT_NAMES)).default(() => [...DEFAULT_NOTIFY_EVENTS]),
		})
		.prefault({}),
	/** Team mode (DESIGN §12): the optional PostgreSQL hub. QUOTA_TUI_DATABASE_URL / QUOTA_TUI_MACHINE win. */
	store: z
		.object({
			/** postgres://user@host:5432/db (a password is better kept in PGPASSWORD than here). */
			hub: z.string().regex(HUB_URL, {message: 'expected a postgres:// or postgresql:// URL'}).nullable().default(null),
			/** The PostgreSQL schema that holds the hub's tables. */
			hubSchema: z.string().regex(HUB_SCHEMA, {message: 'expected a schema name of lower-case letters, digits and "_" (at most 40, not starting with a digit)'}).default('quota_tui'),
			/** This machine's name in the team (default: the host name). */
			machine: z.string().regex(MACHINE_NAME, {message: 'expected a machine name of letters, digits, ".", "_", "-" (at most 63)'}).nullable().default(null),
			/** How often a long-running process (dashboard, serve) pulls the hub when no notification came. */
			syncIntervalSeconds: z.number().min(2).default(30),
			/** The longest a one-shot command waits for the hub at its start and before it exits. */
			hubTimeoutSeconds: z.number().positive().max(60).default(3),
			/** A team job's claim lasts this long from each renewal (renewed every third of it while it runs). */
			jobLeaseSeconds: z.number().min(2).max(3600).default(60),
			/** Finished team jobs, decisions and observations older than this many days are pruned from the hub. */
			hubRetentionDays: z.number().min(1).default(90),
		})
		.prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
/** What a config file may hold (every key optional). */
export type ConfigInput = z.input<typeof ConfigSchema>;
export type AccountConfig = z.output<typeof AccountSchema>;
export type AccountInput = z.input<typeof AccountSchema>;
/** What addAccount/updateAccount take: unvalidated values are fine (e.g. a provider from a CLI flag); zod checks them. */
export type AccountDraft = Omit<AccountInput, 'provider'> & {provider: string};

/** The full default config (what a missing file or `{}` gives). */
export function defaultConfig(): Config {
	return ConfigSchema.parse({});
}

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

const fieldOf = (segments: readonly PropertyKey[]): string =>
	segments.length === 0 ? '(root)' : segments.map(String).join('.');

function issuesOf(error: z.ZodError): ConfigIssue[] {
	return error.issues.map(issue => ({field: fieldOf(issue.path), message: issue.message}));
}

/** Validate a parsed config value, apply defaults, or throw a ConfigError naming `file`. */
export function parseConfig(raw: unknown, file: string, prefix?: string): Config {
	const result = ConfigSchema.safeParse(raw);
	if (!result.success) {
		throw new ConfigError(file, issuesOf(result.error), prefix);
	}
	return result.data;
}

// ---------------------------------------------------------------------------------------------------
// Dotted paths

type Segment = string | number;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

function parseKey(key: string, file: string): Segment[] {
	const parts = key.split('.');
	if (key === '' || parts.some(part => part === '' || FORBIDDEN_SEGMENTS.has(part))) {
		throw new ConfigError(file, [{field: key || '(empty)', message: 'expected a dotted key such as policy.switchThreshold'}], 'Invalid key for');
	}
	return parts.map(part => (/^\d+$/.test(part) ? Number(part) : part));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

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

// Schema introspection: which keys the schema knows, for rejecting typos in `setKey`.
function unwrap(schema: z.ZodType): z.ZodType {
	let current: z.ZodType = schema;
	for (;;) {
		if (
			current instanceof z.ZodDefault ||
			current instanceof z.ZodPrefault ||
			current instanceof z.ZodOptional ||
			current instanceof z.ZodNullable
		) {
			current = current.unwrap() as z.ZodType;
		} else {
			return current;
		}
	}
}

/** The fields of `value` (under `prefix`) that the schema does not know. */
function unknownFields(schema: z.ZodType, value: unknown, prefix: Segment[]): string[] {
	const inner = unwrap(schema);
	if (inner instanceof z.ZodObject && isRecord(value)) {
		const shape = inner.shape as Record<string, z.ZodType>;
		return Object.keys(value).flatMap(key => {
			const child = shape[key];
			return child === undefined ? [fieldOf([...prefix, key])] : unknownFields(child, value[key], [...prefix, key]);
		});
	}
	if (inner instanceof z.ZodArray && Array.isArray(value)) {
		return value.flatMap((item, index) => unknownFields(inner.element as z.ZodType, item, [...prefix, index]));
	}
	return [];
}

/** The keys the schema knows at `segments`, or null when that is not an object. */
function knownKeysAt(schema: z.ZodType, segments: readonly Segment[]): string[] | null {
	let current = unwrap(schema);
	for (const segment of segments) {
		if (current instanceof z.ZodObject) {
			const child = (current.shape as Record<string, z.ZodType>)[String(segment)];
			if (child === undefined) {
				return null;
			}
			current = unwrap(child);
		} else if (current instanceof z.ZodArray) {
			current = unwrap(current.element as z.ZodType);
		} else {
			return null;
		}
	}
	return current instanceof z.ZodObject ? Object.keys(current.shape) : null;
}

/** Edit distance (insertions, deletions, substitutions; case-insensitive) between two keys. */
function distance(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	let previous = Array.from({length: y.length + 1}, (_, j) => j);
	for (let i = 1; i <= x.length; i++) {
		const row = [i];
		for (let j = 1; j <= y.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
		previous = row;
	}
	return previous[y.length]!;
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
	return unknownFields(ConfigSchema, raw, []).map(field => {
		const segments = field.split('.');
		const key = segments.at(-1)!;
		const known = knownKeysAt(ConfigSchema, segments.slice(0, -1).map(part => (/^\d+$/.test(part) ? Number(part) : part))) ?? [];
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
		const unknown = changed === null ? [] : unknownFields(ConfigSchema, raw, []).filter(field => {
			const key = fieldOf(changed);
			return field === key || field.startsWith(`${key}.`) || key.startsWith(`${field}.`);
		});
		if (unknown.length > 0) {
			throw new ConfigError(
				file,
				unknown.map(field => {
					const segments = field.split('.');
					const known = knownKeysAt(ConfigSchema, segments.slice(0, -1).map(part => (/^\d+$/.test(part) ? Number(part) : part)));
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
