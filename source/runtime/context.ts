/**
 * A process's view of quota-tui: paths, the validated config, the database, the accounts (configured
 * or demo) and the clock. Every face (CLI, dashboard) opens one.
 */
import fs from 'node:fs';
import path from 'node:path';
import {demoAccounts} from '../providers/demo.js';
import type {Account} from '../engine/types.js';
import type {Policy} from '../engine/types.js';
import {openConfig, type Config, type ConfigStore} from '../store/config.js';
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

/** Accounts as the engine wants them (config entries are a superset of Account). */
function toAccounts(config: Config): Account[] {
	return config.accounts.map(account => ({...account}));
}

/**
 * Open the context. Throws ConfigError (config left untouched) or NowError (bad QUOTA_TUI_NOW).
 * The demo keeps its own database file so simulated switches never mix with real history.
 */
export function openContext(options: ContextOptions = {}): Context {
	const env = options.env ?? process.env;
	const paths = resolvePaths(env);
	const configStore = openConfig(paths);
	const config = configStore.get();
	const clock = createClock(frozenNow(env));
	const demo = options.demo === true;
	const dbFile = demo ? path.join(paths.dataDir, 'demo.db') : paths.dbFile;
	let db: Db | undefined;
	return {
		paths,
		configStore,
		config,
		get db() {
			if (!db) {
				fs.mkdirSync(path.dirname(dbFile), {recursive: true});
				db = openDatabase(dbFile);
			}
			return db;
		},
		demo,
		accounts: demo ? demoAccounts() : toAccounts(config),
		clock,
		env,
		close() {
			db?.close();
			db = undefined;
		},
	};
}

/** The policy block as the engine reads it. */
export function policyOf(config: Config): Policy {
	return {...config.policy};
}
