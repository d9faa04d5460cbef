import path from 'node:path';
import envPaths from 'env-paths';
import {describe, expect, it} from 'vitest';
import {resolvePaths} from '../../source/store/paths.js';

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
});
