/** Trying the demo never writes the real config (audit Part 2, D20). */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {openConfig} from '../../source/store/config.js';
import {resolvePaths} from '../../source/store/paths.js';
import {tempHome} from '../helpers/cli.js';

const env = (home: string) => ({...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: '2026-11-22T14:30:00Z'});

describe('demo mode', () => {
	test('a in the demo cycles the mode in memory; config.json is never written', () => {
		const home = tempHome();
		const configFile = resolvePaths(env(home)).configFile;
		const runtime = createAppRuntime(openContext({env: env(home), demo: true}));
		try {
			expect(runtime.getSnapshot().report.mode).toBe('suggest');
			runtime.cycleAutoMode!();
			expect(runtime.getSnapshot().report.mode).toBe('auto');
			runtime.cycleAutoMode!();
			expect(runtime.getSnapshot().report.mode).toBe('off');
			expect(fs.existsSync(configFile)).toBe(false);
		} finally {
			runtime.dispose();
		}
	});

	test('an existing config keeps its bytes; the demo reads it and layers its own keys on top', () => {
		const home = tempHome();
		const paths = resolvePaths(env(home));
		openConfig(paths).setKey('autoUtilization.mode', 'off');
		const before = fs.readFileSync(paths.configFile, 'utf8');
		const ctx = openContext({env: env(home), demo: true});
		expect(ctx.config.autoUtilization.mode).toBe('off');
		ctx.configStore.setKey('autoUtilization.mode', 'suggest');
		expect(ctx.configStore.get().autoUtilization.mode).toBe('suggest');
		expect(ctx.configStore.getKey('autoUtilization.mode')).toBe('suggest');
		expect(() => ctx.configStore.setKey('autoUtilization.mode', 'sometimes')).toThrow(/autoUtilization\.mode/);
		expect(fs.readFileSync(paths.configFile, 'utf8')).toBe(before);
		expect(path.basename(ctx.configStore.path)).toBe('config.json');
		ctx.close();
	});
});
