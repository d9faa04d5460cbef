/**
 * Team mode settings (DESIGN §12): which PostgreSQL hub, which schema in it, and this machine's name.
 *
 * `QUOTA_TUI_DATABASE_URL` wins over `store.hub`, `QUOTA_TUI_HUB_SCHEMA` over `store.hubSchema`,
 * `QUOTA_TUI_MACHINE` over `store.machine`, and the machine name defaults to the host name. Nothing here
 * loads the PostgreSQL client or touches the network: a machine without a hub pays one object lookup.
 */
import os from 'node:os';
import type {Config} from '../config.js';

export const HUB_URL = /^postgres(?:ql)?:\/\/\S+$/;
export const HUB_SCHEMA = /^[a-z_][a-z0-9_]{0,39}$/;
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const DEFAULT_HUB_SCHEMA = 'quota_tui';

export type HubSettings = {
	/** The connection URL as given (may hold a password: print `redactUrl(url)`). */
	url: string;
	/** Where the URL came from, for messages. */
	from: 'QUOTA_TUI_DATABASE_URL' | 'store.hub';
	/** The PostgreSQL schema holding the hub's tables. */
	schema: string;
	/** This machine's name in the team. */
	machine: string;
	/** The longest a one-shot command waits for the hub (connect + sync), at its start and before it exits. */
	timeoutMs: number;
	/** A long-running process pulls at least this often (notifications make it sooner). */
	intervalMs: number;
};

/** A hub setting from the environment that is not valid: exit 2 like an invalid config file. */
export class HubSettingsError extends Error {
	override name = 'ConfigError';
}

type StoreConfig = Pick<Config, 'store'>;

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
	const raw = env[name]?.trim();
	return raw === undefined || raw === '' ? undefined : raw;
};

/** The host name as a valid machine name (characters outside the name alphabet become "-"). */
export function hostMachineName(hostname = os.hostname()): string {
	const cleaned = hostname.replaceAll(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
	return cleaned === '' ? 'machine' : cleaned;
}

/** This machine's team name: QUOTA_TUI_MACHINE, else store.machine, else the host name. */
export function machineName(config: StoreConfig, env: NodeJS.ProcessEnv): string {
	const fromEnv = value(env, 'QUOTA_TUI_MACHINE');
	if (fromEnv !== undefined) {
		if (!MACHINE_NAME.test(fromEnv)) throw new HubSettingsError(`QUOTA_TUI_MACHINE: expected a machine name of letters, digits, ".", "_", "-" (at most 63), got "${fromEnv}"`);
		return fromEnv;
	}
	return config.store.machine ?? hostMachineName();
}

/** True when a hub is configured (cheap: no validation, no import). */
export function hubConfigured(config: StoreConfig, env: NodeJS.ProcessEnv): boolean {
	return value(env, 'QUOTA_TUI_DATABASE_URL') !== undefined || config.store.hub !== null;
}

/** The hub settings, or null when no hub is configured. HubSettingsError for an invalid variable. */
export function hubSettings(config: StoreConfig, env: NodeJS.ProcessEnv): HubSettings | null {
	const fromEnv = value(env, 'QUOTA_TUI_DATABASE_URL');
	const url = fromEnv ?? config.store.hub;
	if (url === null) return null;
	if (!HUB_URL.test(url)) throw new HubSettingsError(`QUOTA_TUI_DATABASE_URL: expected a postgres:// or postgresql:// URL, got "${redactUrl(url)}"`);
	const schemaEnv = value(env, 'QUOTA_TUI_HUB_SCHEMA');
	if (schemaEnv !== undefined && !HUB_SCHEMA.test(schemaEnv)) {
		throw new HubSettingsError(`QUOTA_TUI_HUB_SCHEMA: expected a schema name of lower-case letters, digits and "_" (at most 40, not starting with a digit), got "${schemaEnv}"`);
	}
	return {
		url,
		from: fromEnv === undefined ? 'store.hub' : 'QUOTA_TUI_DATABASE_URL',
		schema: schemaEnv ?? config.store.hubSchema,
		machine: machineName(config, env),
		timeoutMs: Math.round(config.store.hubTimeoutSeconds * 1000),
		intervalMs: Math.round(config.store.syncIntervalSeconds * 1000),
	};
}

/** The URL without its password (for every message and `team status`). */
export function redactUrl(url: string): string {
	return url.replace(/^(postgres(?:ql)?:\/\/[^:/@\s]*):[^@/\s]*@/, '$1:***@');
}

/**
 * Which hub a machine joined: host, port, database and schema (never the password or user), stored
 * locally so a process notices when the configured hub is not the one it joined.
 */
export function hubIdentity(settings: Pick<HubSettings, 'url' | 'schema'>): string {
	try {
		const parsed = new URL(settings.url);
		return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.replace(/^\//, ''))}#${settings.schema}`;
	} catch {
		return `${redactUrl(settings.url)}#${settings.schema}`;
	}
}
