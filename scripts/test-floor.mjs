// npm run test:floor: the test suite once more on the declared floor, Node 22.16 (package.json
// engines), pinned as the `node22` devDependency the way node@24 is pinned. vitest, its workers and
// every CLI the tests spawn run on it: the floor is proven, not assumed. Expects a current build/
// (npm test builds it).
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', 'node22', 'bin');
const node = path.join(binDir, 'node');
const version = spawnSync(node, ['--version'], {encoding: 'utf8'}).stdout?.trim();
if (!version) {
	console.error(`test:floor: ${node} is missing (npm ci installs the node22 devDependency)`);
	process.exit(1);
}
console.log(`test:floor: vitest on Node ${version}`);
const env = {...process.env, PATH: [binDir, process.env.PATH ?? ''].join(path.delimiter)};
const result = spawnSync(node, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)], {stdio: 'inherit', env, cwd: root});
process.exit(result.status ?? 1);
