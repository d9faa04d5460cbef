/**
 * Where quota-tui keeps its files (DESIGN §4).
 *
 * `QUOTA_TUI_HOME=DIR` puts everything in DIR (`config.json`, `quota.db`, `logs/`, `active/`). Otherwise
 * the config lives in the platform config dir and the data in the platform data dir, both from
 * env-paths('quota-tui', {suffix: ''}), the way conf resolves them (platformDirs: the same directories,
 * without loading env-paths, whose `import process from 'node:process'` alone costs every command
 * ~3 ms of start-up: it builds process.stdin; test/store/paths.test.ts keeps them equal).
 *
 * Nothing here touches the disk: callers create directories when they first write.
 */
import path from 'node:path';
import os from 'node:os';

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
 * Only `QUOTA_TUI_HOME` is read from `env`; the platform directories are env-paths', which reads
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

	const platform = platformDirs(APP_NAME);
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

/** env-paths(name, {suffix: ''})'s config and data directories (env-paths 4), from `process.env` and the user's home. */
export function platformDirs(name: string): {config: string; data: string} {
	const home = os.homedir();
	const env = process.env;
	if (process.platform === 'darwin') {
		return {config: path.join(home, 'Library', 'Preferences', name), data: path.join(home, 'Library', 'Application Support', name)};
	}
	if (process.platform === 'win32') {
		return {
			config: path.join(env['APPDATA'] || path.join(home, 'AppData', 'Roaming'), name, 'Config'),
			data: path.join(env['LOCALAPPDATA'] || path.join(home, 'AppData', 'Local'), name, 'Data'),
		};
	}
	return {
		config: path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), name),
		data: path.join(env['XDG_DATA_HOME'] || path.join(home, '.local', 'share'), name),
	};
}
