// npm test: build, then type check, lint and the test suite at the same time.
//
// The suite spends much of its time waiting (child processes, servers, leases, tmux), so tsc and ESLint
// (~13 s CPU each) fit into its idle CPU instead of running in front of it: on a 2-core machine that
// saves their whole wall time. The build comes first (the tests run build/). vitest's output streams as
// usual; the checks' output is printed when the suite ends, and any failure fails the run.
//
//   node scripts/test.mjs [vitest args…]   (npm test -- test/cli passes them on)
import {spawn, spawnSync} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = name => path.join(root, 'node_modules', name);
/** The checks' nice value (the suite runs at 0). */
const CHECK_NICE = 10;
const seconds = ms => `${(ms / 1000).toFixed(1)} s`;

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {stdio: 'inherit', cwd: root});
if (build.status !== 0) process.exit(build.status ?? 1);

/** Run a check with its output held back; resolves to {name, code, output, ms}. */
function check(name, args) {
	const started = Date.now();
	return new Promise(resolve => {
		const child = spawn(process.execPath, args, {cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0'}});
		// Behind the suite: they take the CPU its tests leave idle instead of slowing its critical path.
		try {
			os.setPriority(child.pid, CHECK_NICE);
		} catch {
			// Not permitted, or already exited: it runs at normal priority.
		}
		let output = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (output += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (output += chunk));
		child.on('error', error => resolve({name, code: 1, output: String(error), ms: Date.now() - started}));
		child.on('close', code => resolve({name, code: code ?? 1, output, ms: Date.now() - started}));
	});
}

// Both keep a cache in node_modules/.cache/quota-tui/ (as `npm run typecheck` and `npm run lint` do):
// a re-run checks only what changed (tsc 14 -> 5 CPU-s, ESLint 13 -> 1.4 CPU-s when nothing did).
const cache = path.join(root, 'node_modules', '.cache', 'quota-tui');
const checks = [
	check('typecheck', [bin('typescript/bin/tsc'), '-p', 'tsconfig.test.json', '--noEmit', '--incremental', '--tsBuildInfoFile', path.join(cache, 'tsc-test.tsbuildinfo')]),
	check('lint', [bin('eslint/bin/eslint.js'), '.', '--cache', '--cache-location', path.join(cache, 'eslint')]),
];
const started = Date.now();
const vitest = await new Promise(resolve => {
	const child = spawn(process.execPath, [bin('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], {cwd: root, stdio: 'inherit'});
	child.on('close', code => resolve(code ?? 1));
});
const results = await Promise.all(checks);

console.log('');
for (const {name, code, output, ms} of results) {
	if (output.trim() !== '') console.log(`── ${name} ──\n${output.trimEnd()}`);
	console.log(`${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds(ms)}`);
}
console.log(`vitest: ${vitest === 0 ? 'ok' : `FAILED (exit ${vitest})`} in ${seconds(Date.now() - started)}`);
process.exit(results.some(r => r.code !== 0) ? 1 : vitest);
