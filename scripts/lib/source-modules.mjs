// Internal modules for the repo's own tools (benchmarks, screenshots, docs). The package's build/ is
// one bundle with hashed chunks, so there is no build/runtime/context.js to import: this bundles the
// asked-for source modules (with the CLI entries, so build-files.ts finds cli.js, supervise.js and
// log-worker.js next to them) into node_modules/.cache/quota-tui-tools/ and imports them from there.
// One call per process: modules bundled together share one instance of every module.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {bundle} from '../build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Import source modules by path under source/ (e.g. 'runtime/context.ts'). Returns their namespaces
 * in the same order.
 */
export async function importSources(...modules) {
	const dir = path.join(root, 'node_modules', '.cache', 'quota-tui-tools', String(process.pid));
	const input = Object.fromEntries(modules.map((module, index) => [`tool-${index}`, path.join('source', module)]));
	await bundle(dir, input);
	process.on('exit', () => fs.rmSync(dir, {recursive: true, force: true}));
	return Promise.all(modules.map((_, index) => import(pathToFileURL(path.join(dir, `tool-${index}.js`)).href)));
}
