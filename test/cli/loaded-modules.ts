/**
 * Which modules a run of the built CLI loads. The bundle (scripts/build.mjs) marks every module it
 * holds with a `// source/…` or `// node_modules/…` line; a resolve hook records the build files the
 * run imports, and their markers name the modules (ours and the packages') that were loaded.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {fileURLToPath} from 'node:url';
import {CLI} from '../helpers/cli.js';

export type Loaded = {status: number | null; stdout: string; stderr: string; files: string[]; modules: string[]; packages: string[]};

const MARKER = /^\/\/ ((?:source|node_modules)\/\S+)$/gm;

/** The package a `node_modules/…` module path belongs to (`@scope/name` or `name`). */
export function packageOf(modulePath: string): string | null {
	const parts = modulePath.split('/');
	const at = parts.lastIndexOf('node_modules');
	if (at < 0) return null;
	return parts[at + 1]?.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1] ?? null;
}

export function loadedModules(args: readonly string[], options: {env: NodeJS.ProcessEnv; input?: string}): Loaded {
	const script = `
		import {registerHooks} from 'node:module';
		const seen = new Set();
		registerHooks({resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; }});
		process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}];
		process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen])));
		await import(${JSON.stringify(CLI)});
	`;
	const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: options.env, input: options.input ?? ''});
	const at = result.stderr.lastIndexOf('\nLOADED ');
	const urls = at < 0 ? [] : (JSON.parse(result.stderr.slice(at + '\nLOADED '.length)) as string[]);
	const files = [fileURLToPath(new URL(`file://${CLI}`)), ...urls.filter(url => url.startsWith('file:')).map(url => fileURLToPath(url))];
	// Bundled modules by their markers; packages left external (conf, postgres) by their own files.
	const modules = [...new Set(files.flatMap(file => (file.includes('/node_modules/') ? [file.slice(file.lastIndexOf('/node_modules/') + 1)] : [...fs.readFileSync(file, 'utf8').matchAll(MARKER)].map(match => match[1]!))))];
	const packages = [...new Set(modules.map(packageOf).filter(name => name !== null))].sort();
	const unexpected = urls.filter(url => !url.startsWith('file:') && !url.startsWith('node:'));
	if (unexpected.length > 0) throw new Error(`unexpected module URLs: ${unexpected.join(', ')}`);
	return {status: result.status, stdout: result.stdout, stderr: at < 0 ? result.stderr : result.stderr.slice(0, at), files, modules, packages};
}
