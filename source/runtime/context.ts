/**
 * A process's view of quota-tui: paths, the validated config, the database, the accounts (configured
 * or demo) and the clock. Every face (CLI, dashboard) opens one.
 */
import path from 'node:path';
import {withCanonicalPlan} from '../engine/plans.js';
import {demoAccounts} from '../providers/demo.js';
import type {Account} from '../engine/types.js';
import type {Policy} from '../engine/types.js';
import {openConfig, parseConfig, type Config, type ConfigStore} from '../store/config.js';
import {openDatabase, type Db} from '../store/db.js';
import {resolvePaths, type Paths} from '../store/paths.js';
import {createClock, frozenNow} from './clock.js';
import type {Clock} from './types.js';

export type Context = {
	paths: Paths;
	configStore: ConfigStore;
	config: Config;
	/** Opened on first use (commands that only read config never create a database). */
	readonly db: Db;
	/** True when the accounts are the built-in demo ones. */
	demo: boolean;
	accounts: Account[];
	clock: Clock;
	env: NodeJS.ProcessEnv;
	/** Sentences shown first among the report's warnings (e.g. accounts discovery found on a demo run). */
	hints?: string[] | undefined;
	close(): void;
};

export type ContextOptions = {
	env?: NodeJS.ProcessEnv | undefined;
	/** Use the demo accounts (and a separate demo database) instead of the configured ones. */
	demo?: boolean | undefined;
};

/**
 * Accounts as the engine wants them (config entries are a superset of Account). Renamed plans read as
 * their new names (`max20` → `ultra`, `max5` → `max`; on Codex accounts `pro-chatgpt` → `pro`).
 */
function toAccounts(config: Config): Account[] {
	return config.accounts.map(account => withCanonicalPlan({...account}));
}

/**
 * Open the context. Throws ConfigError (config left untouched) or NowError (bad QUOTA_TUI_NOW).
 * The demo keeps its own database file so simulated switches never mix with real history.
 */
export function openContext(options: ContextOptions = {}): Context {
	const env = options.env ?? process.env;
	const paths = resolvePaths(env);
	const demo = options.demo === true;
	const configStore = demo ? demoConfigStore(openConfig(paths)) : openConfig(paths);
	const config = configStore.get();
	const clock = createClock(frozenNow(env));
	const dbFile = demo ? path.join(paths.dataDir, 'demo.db') : paths.dbFile;
	let db: Db | undefined;
	return {
		paths,
		configStore,
		config,
		get db() {
			if (!db) {
				db = openDatabase(dbFile, {busyTimeoutMs: config.store.busyTimeoutSeconds * 1000});
			}
			return db;
		},
		demo,
		accounts: demo ? demoAccounts().map(account => withCanonicalPlan(account)) : toAccounts(config),
		clock,
		env,
		close() {
			db?.close();
			db = undefined;
		},
	};
}

/** Set `value` at the dotted `key` of a plain object (creating objects on the way). */
function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
	const segments = key.split('.');
	let node = target;
	for (const segment of segments.slice(0, -1)) {
		const next = node[segment];
		node = (typeof next === 'object' && next !== null ? next : (node[segment] = {})) as Record<string, unknown>;
	}

	node[segments.at(-1)!] = value;
}

/**
 * The demo's config store: the real config is read as usual, and the keys set during the demo (the
 * dashboard's `a` cycles autoUtilization.mode) are kept in memory on top of it. Trying the demo never
 * writes the real config.json (audit Part 2, D20). Account commands still go to the real file: they
 * name the accounts to add, which is how one leaves the demo.
 */
export function demoConfigStore(real: ConfigStore): ConfigStore {
	const changes = new Map<string, unknown>();
	const overlay = (extra?: [string, unknown]): Config => {
		const copy = structuredClone(real.get()) as unknown as Record<string, unknown>;
		for (const [key, value] of [...changes, ...(extra ? [extra] : [])]) {
			setPath(copy, key, structuredClone(value));
		}

		return parseConfig(copy, `${real.path} (demo, in memory)`);
	};

	return {
		path: real.path,
		get: () => overlay(),
		getKey: key => key.split('.').reduce<unknown>((node, segment) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined), overlay()),
		setKey(key, value) {
			const config = overlay([key, value]);
			changes.set(key, value);
			return config;
		},
		unsetKey: key => changes.delete(key),
		addAccount: account => real.addAccount(account),
		removeAccount: name => real.removeAccount(name),
		updateAccount: (name, patch) => real.updateAccount(name, patch),
	};
}

/** The policy block as the engine reads it. */
export function policyOf(config: Config): Policy {
	return {...config.policy};
}
