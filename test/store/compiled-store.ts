/**
 * The store as the package ships it, for tests that run it in child processes: source/store/db.ts and
 * repositories.ts, plus source/node-floor.ts (the entry points' warning filter), bundled with rolldown as
 * `npm run build` bundles the CLI (scripts/build.mjs), into `outDir` (db.js, repositories.js,
 * node-floor.js). Always from the current sources; about 0.2 s (tsc took ~7 s).
 */
import {build} from 'rolldown';
import {EXTERNAL} from '../../scripts/build.mjs';

export async function compiledStoreDir(outDir: string): Promise<string> {
	await build({
		input: {db: 'source/store/db.ts', repositories: 'source/store/repositories.ts', 'node-floor': 'source/node-floor.ts'},
		cwd: new URL('../..', import.meta.url).pathname,
		platform: 'node',
		external: (id: string) => EXTERNAL.some(name => id === name || id.startsWith(`${name}/`)),
		tsconfig: 'tsconfig.json',
		logLevel: 'warn',
		output: {dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js'},
	});
	return outDir;
}
