/**
 * Where quota-tui keeps its files (DESIGN §4).
 *
 * `QUOTA_TUI_HOME=DIR` puts everything in DIR (`config.json`, `quota.db`, `logs/`, `active/`). Otherwise
 * the config lives in the platform config dir and the data in the platform data dir, both from
 * env-paths('quota-tui', {suffix: ''}), the way conf resolves them.
 *
 * Nothing here touches the disk: callers create directories when they first write.
 */
import path from 'node:path';
import envPaths from 'env-paths';

export const APP_NAME = 'quota-tui';
export const CONFIG_FILE_NAME = 'config.json';
export const DB_FILE_NAME = 'quota.db';

export type Paths = {
	/** The resolved QUOTA_TUI_HOME, or null when the platform directories are used. */
	home: string | null;
	configDir: string;
	configFile: string;
	dataDir: string;
	dbFile: string;
	logsDir: string;
	/** Where the `active/<provider>` symlinks live (DESIGN §6). */
	activeDir: string;
};

/**
 * Resolve every path quota-tui uses.
 *
 * Only `QUOTA_TUI_HOME` is read from `env`; the platform directories come from env-paths, which reads
 * `process.env` (XDG_*, APPDATA, …) and the user's home directory itself.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
	const homeVariable = env['QUOTA_TUI_HOME'];
	if (homeVariable !== undefined && homeVariable.trim() !== '') {
		const home = path.resolve(homeVariable);
		return {
			home,
			configDir: home,
			configFile: path.join(home, CONFIG_FILE_NAME),
			dataDir: home,
			dbFile: path.join(home, DB_FILE_NAME),
			logsDir: path.join(home, 'logs'),
			activeDir: path.join(home, 'active'),
		};
	}

	const platform = envPaths(APP_NAME, {suffix: ''});
	return {
		home: null,
		configDir: platform.config,
		configFile: path.join(platform.config, CONFIG_FILE_NAME),
		dataDir: platform.data,
		dbFile: path.join(platform.data, DB_FILE_NAME),
		logsDir: path.join(platform.data, 'logs'),
		activeDir: path.join(platform.data, 'active'),
	};
}
