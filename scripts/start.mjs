// npm start: the dashboard (or any command: `npm start -- status`) from the built CLI. Builds first only
// when build/ is missing or older than the sources, so a current build starts without recompiling.
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'build', 'cli.js');

/** The newest modification time among the build's inputs. */
function newestInput() {
	let newest = 0;
	const visit = file => {
		const stat = fs.statSync(file, {throwIfNoEntry: false});
		if (!stat) return;
		if (stat.isDirectory()) {
			for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
		} else {
			newest = Math.max(newest, stat.mtimeMs);
		}
	};
	for (const input of ['source', 'scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']) visit(path.join(root, input));
	return newest;
}

const built = fs.statSync(cli, {throwIfNoEntry: false})?.mtimeMs ?? 0;
if (built < newestInput()) {
	const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {stdio: 'inherit'});
	if (result.status !== 0) process.exit(result.status ?? 1);
}
await import(pathToFileURL(cli).href);
