/**
 * The `config.json` schema (DESIGN §4, §11): every key, its validation and its default, in zod. The
 * policy defaults are the engine's DEFAULT_POLICY. Reading, writing and dotted keys live in config.ts.
 */
import {z} from 'zod';
import {DEFAULT_NOTIFY_EVENTS, EVENT_NAMES} from '../engine/event-names.js';
import {ACCOUNT_NAME, DEFAULT_POLICY, PROVIDERS} from '../engine/types.js';
import {HUB_SCHEMA, HUB_URL, MACHINE_NAME} from './hub/settings.js';

/**
 * The schemas, built on first use: constructing them costs ~20 ms, which a command reading no config
 * file (or one `validated` vouches for) does not need to pay at start-up (issue 15).
 */
function build() {
	// A process parses its config once or twice: compiling zod's fast path (new Function per object
	// schema) costs more than it saves then (start-up, issue 15).
	z.config({jitless: true});

	const fraction = () => z.number().min(0).max(1);
	const nonNegative = () => z.number().min(0);
	const positive = () => z.number().positive();
	const argv = () => z.array(z.string()).min(1, {message: 'expected a non-empty argv array of strings'});
	const QUIET_HOURS = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

	const AccountSchema = z.object({
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
	const PolicySchema = z.object({
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

	const ConfigSchema = z.object({
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
				/** The longest a provider CLI's usage read (claude, codex app-server) may take before its process tree is killed; null: 20 s for claude, 15 s for codex. */
				cliTimeoutSeconds: z.number().positive().max(300).nullable().default(null),
				/** How long a process that finds another one reading an account's first data waits for its answer (audit D23). */
				coldStartWaitSeconds: z.number().min(0).max(60).default(8),
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
				/** How long a command waits for another process's write lock on quota.db before it gives up (the status-line hooks wait 0.15 s). */
				busyTimeoutSeconds: z.number().min(0.1).max(300).default(5),
			})
			.prefault({}),
	});
	return {AccountSchema, PolicySchema, ConfigSchema};
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;

/** The zod schemas of config.json (built once, on the first call). */
export function configSchemas(): Schemas {
	built ??= build();
	return built;
}

export type Config = z.output<Schemas['ConfigSchema']>;
/** What a config file may hold (every key optional). */
export type ConfigInput = z.input<Schemas['ConfigSchema']>;
export type AccountConfig = z.output<Schemas['AccountSchema']>;
export type AccountInput = z.input<Schemas['AccountSchema']>;
/** What addAccount/updateAccount take: unvalidated values are fine (e.g. a provider from a CLI flag); zod checks them. */
export type AccountDraft = Omit<AccountInput, 'provider'> & {provider: string};

/**
 * The full default config (what a missing file or `{}` gives), written out so that reading no config
 * file builds no schema (issue 15, start-up). A fresh copy each call. test/store/config.test.ts holds it
 * to `configSchemas().ConfigSchema.parse({})`, key order included: a default changed in the schema
 * must be changed here too.
 */
export function defaultConfig(): Config {
	return {
		accounts: [],
		policy: {...DEFAULT_POLICY, modelLadder: structuredClone(DEFAULT_POLICY.modelLadder) as Record<string, string[]>},
		autoUtilization: {
			mode: 'suggest',
			minHeadroom5h: 0.4,
			minHeadroom7d: 0.3,
			maxAutoCostUsd: 3,
			weeklyAutoCapUsd: null,
			quietHours: [],
			manualQuietMinutes: 15,
			sources: ['fleet', 'backlog'],
			notify: 'desktop',
			wasteWarnPct: 0.4,
			wasteWarnHours: 6,
			resetCreditWarnHours: 24,
		},
		sources: {fleet: {roots: []}},
		runners: {
			claude: ['claude', '-p', '--output-format', 'json', '--model', '{model}', '--', '{prompt}'],
			codex: ['codex', 'exec', '--json', '--model', '{model}', '--', '{prompt}'],
			allowOptionPrompt: false,
		},
		jobs: {defaultEstimateUsd: 1, defaultEstimatePct: 0.05, defaultEstimateMinutes: 15, timeoutMinutes: 60},
		switch: {symlink: process.platform === 'linux', onSwitch: null},
		polling: {intervalSeconds: 60, endpointMinIntervalSeconds: 180, hostReadsPerHour: 30, cliTimeoutSeconds: null, coldStartWaitSeconds: 8},
		history: {retentionDays: 90},
		ui: {maxFps: 15, noticeSeconds: 8, mouse: true},
		pricing: {models: {}},
		hooks: [],
		events: {notify: [...DEFAULT_NOTIFY_EVENTS]},
		store: {hub: null, hubSchema: 'quota_tui', machine: null, syncIntervalSeconds: 30, hubTimeoutSeconds: 3, jobLeaseSeconds: 60, hubRetentionDays: 90, busyTimeoutSeconds: 5},
	};
}
