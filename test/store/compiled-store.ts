/**
 * The store's compiled JavaScript, for tests that run it in child processes.
 *
 * Uses build/store/*.js when it is at least as new as the sources (CI runs `npm run build` before
 * vitest); otherwise compiles the store modules with tsc into `outDir` so the children always run the
 * current code.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULES = ['db', 'history', 'repositories'];

const mtime = (file: string): number => fs.statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? Number.NEGATIVE_INFINITY;

export function compiledStoreDir(outDir: string): string {
	const sources = [...MODULES.map(name => path.join(ROOT, 'source/store', `${name}.ts`)), path.join(ROOT, 'source/engine/types.ts')];
	const newestSource = Math.max(...sources.map(mtime));
	const build = path.join(ROOT, 'build/store');
	if (MODULES.every(name => mtime(path.join(build, `${name}.js`)) >= newestSource)) {
		return build;
	}
	const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
	const result = spawnSync(
		process.execPath,
		[
			tsc,
			'--ignoreConfig',
			...sources.slice(0, MODULES.length),
			'--outDir', outDir,
			'--rootDir', path.join(ROOT, 'source'),
			'--module', 'nodenext',
			'--moduleResolution', 'nodenext',
			'--target', 'es2023',
			'--strict',
			'--skipLibCheck',
			'--types', 'node',
		],
		{cwd: ROOT, encoding: 'utf8'},
	);
	const out = path.join(outDir, 'store');
	if (result.status !== 0 || !MODULES.every(name => fs.existsSync(path.join(out, `${name}.js`)))) {
		throw new Error(`compiling the store failed:\n${result.stdout}\n${result.stderr}`);
	}
	return out;
}
