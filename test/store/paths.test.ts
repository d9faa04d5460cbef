import path from 'node:path';
import envPaths from 'env-paths';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {platformDirs, resolvePaths} from '../../source/store/paths.js';

describe('resolvePaths', () => {
	it('puts everything in QUOTA_TUI_HOME when set', () => {
		const home = path.resolve('/tmp/qt-home');
		expect(resolvePaths({QUOTA_TUI_HOME: '/tmp/qt-home'})).toEqual({
			home,
			configDir: home,
			configFile: path.join(home, 'config.json'),
			dataDir: home,
			dbFile: path.join(home, 'quota.db'),
			logsDir: path.join(home, 'logs'),
			activeDir: path.join(home, 'active'),
		});
	});

	it('resolves a relative QUOTA_TUI_HOME to an absolute path', () => {
		expect(resolvePaths({QUOTA_TUI_HOME: 'rel/dir'}).home).toBe(path.resolve('rel/dir'));
	});

	it('uses the platform config and data dirs (env-paths, no suffix) otherwise', () => {
		const platform = envPaths('quota-tui', {suffix: ''});
		for (const env of [{}, {QUOTA_TUI_HOME: ''}]) {
			const paths = resolvePaths(env);
			expect(paths.home).toBeNull();
			expect(paths.configFile).toBe(path.join(platform.config, 'config.json'));
			expect(paths.dbFile).toBe(path.join(platform.data, 'quota.db'));
			expect(paths.logsDir).toBe(path.join(platform.data, 'logs'));
			expect(paths.activeDir).toBe(path.join(platform.data, 'active'));
			expect(path.basename(paths.configDir)).toBe('quota-tui');
		}
	});

	describe('platformDirs (env-paths without loading it)', () => {
		afterEach(() => {
			vi.unstubAllEnvs();
		});

		it.each<[string, Record<string, string | undefined>]>([
			['no XDG variables', {XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined}],
			['XDG variables', {XDG_CONFIG_HOME: '/x/config', XDG_DATA_HOME: '/x/data'}],
			['empty XDG variables', {XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}],
			['Windows variables', {APPDATA: '/w/roaming', LOCALAPPDATA: '/w/local'}],
		])('gives env-paths\' config and data dirs with %s', (_, vars) => {
			for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
			const platform = envPaths('quota-tui', {suffix: ''});
			expect(platformDirs('quota-tui')).toEqual({config: platform.config, data: platform.data});
			if (vars['XDG_CONFIG_HOME']) expect(platformDirs('quota-tui').config).toBe(path.join(vars['XDG_CONFIG_HOME'], 'quota-tui'));
		});
	});
});
