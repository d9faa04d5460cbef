/**
 * The published package as a user gets it: `npm pack`, installed into a temporary prefix, run from
 * there (the bin on PATH, nothing from this checkout); and the built CLI on Node versions below and at
 * the declared floor (package.json engines).
 */
import {spawnSync, type SpawnSyncOptions} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {nodeFloorProblem} from '../../source/node-floor.js';
import {CLI, pathWithoutProviderClis, ROOT, tempHome} from '../helpers/cli.js';
import {FIXTURES} from '../helpers/providers.js';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string; engines: {node: string}; files: string[]; scripts: Record<string, string>};
const hookInput = fs.readFileSync(path.join(FIXTURES, 'statusline-epoch.json'), 'utf8');
const NOW = '2026-11-22T12:00:00Z';

/** npm as the running npm script uses it (npm_execpath), else the one on PATH. */
function npm(args: readonly string[], options: SpawnSyncOptions): ReturnType<typeof spawnSync> {
	const execpath = process.env['npm_execpath'];
	return execpath && /npm-cli\.js$/.test(execpath)
		? spawnSync(process.execPath, [execpath, ...args], {encoding: 'utf8', ...options})
		: spawnSync('npm', args, {encoding: 'utf8', ...options});
}

describe('the packed tarball', {timeout: 240_000}, () => {
	it('holds build/, README and LICENSE only, installs without install scripts, and runs from its prefix', () => {
		const dir = tempHome('qt-pack-');
		const env = {...process.env, PATH: [path.dirname(process.execPath), process.env['PATH'] ?? ''].join(path.delimiter)};
		// --ignore-scripts: `npm test` built build/ already; prepack would rebuild it under the other tests.
		const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {cwd: ROOT, env});
		expect(packed.status, String(packed.stderr)).toBe(0);
		const [info] = JSON.parse(String(packed.stdout)) as [{filename: string; files: {path: string}[]}];
		const files = info.files.map(file => file.path);
		expect(files).toContain('LICENSE');
		expect(files).toContain('README.md');
		expect(files).toContain('build/cli.js');
		expect(files).toContain('build/supervise.js');
		expect(files).toContain('build/log-worker.js');
		expect(files.filter(file => !file.startsWith('build/') && !['LICENSE', 'README.md', 'package.json'].includes(file))).toEqual([]);
		expect(files.filter(file => file.endsWith('.tsbuildinfo') || file.endsWith('.ts') || file.endsWith('.map'))).toEqual([]);
		expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
		expect(pkg.scripts['prepare']).toBeUndefined();

		const prefix = path.join(dir, 'prefix');
		const installed = npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, info.filename)], {cwd: dir, env});
		expect(installed.status, String(installed.stderr)).toBe(0);
		expect(String(installed.stderr)).not.toMatch(/install scripts|prepare/);

		const bin = path.join(prefix, 'bin', 'quota-tui');
		const home = tempHome();
		const run = (args: string[], input = '') => spawnSync(bin, args, {encoding: 'utf8', input, cwd: dir, env: {...env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', NO_COLOR: '1'}});
		const version = run(['--version']);
		expect([version.status, version.stdout.trim(), version.stderr]).toEqual([0, pkg.version, '']);
		const status = run(['status', '--demo', '--json']);
		expect(status.stderr).toBe('');
		expect(status.status).toBe(0);
		expect((JSON.parse(status.stdout) as {demo: boolean; accounts: unknown[]}).demo).toBe(true);
		const hook = run(['statusline'], hookInput);
		expect([hook.status, hook.stdout, hook.stderr]).toEqual([0, '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', '']);
		// The installed bin is the package's own build, not this checkout's.
		expect(fs.realpathSync(bin)).toBe(path.join(prefix, 'lib', 'node_modules', 'quota-tui', 'build', 'cli.js'));
	});
});

describe('the runtime floor', () => {
	it('engines.node is the floor the guard enforces', () => {
		expect(pkg.engines.node).toBe('>=22.16');
		expect(nodeFloorProblem('v20.20.2')).toBe('quota-tui needs Node 22.16 or newer (found v20.20.2)');
		expect(nodeFloorProblem('v22.15.1')).toBe('quota-tui needs Node 22.16 or newer (found v22.15.1)');
		expect(nodeFloorProblem('v22.16.0')).toBeNull();
		expect(nodeFloorProblem('v23.0.0')).toBeNull();
		expect(nodeFloorProblem('v24.21.0')).toBeNull();
	});

	const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(file => {
		const version = fs.existsSync(file) ? spawnSync(file, ['--version'], {encoding: 'utf8'}).stdout?.trim() : undefined;
		return version !== undefined && nodeFloorProblem(version) !== null;
	});

	it.skipIf(oldNode === undefined)(`below the floor (${oldNode ?? 'no older node here'}): one line and exit 1; the status-line hook prints nothing and exits 0`, () => {
		const version = spawnSync(oldNode!, ['--version'], {encoding: 'utf8'}).stdout.trim();
		const home = tempHome();
		const env = {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW};
		for (const args of [['status'], ['status', '--json'], ['--help'], []]) {
			const r = spawnSync(oldNode!, [CLI, ...args], {encoding: 'utf8', env, input: ''});
			expect([r.status, r.stdout, r.stderr], args.join(' ')).toEqual([1, '', `quota-tui needs Node 22.16 or newer (found ${version})\n`]);
		}
		const hook = spawnSync(oldNode!, [CLI, 'statusline'], {encoding: 'utf8', env, input: hookInput});
		expect([hook.status, hook.stdout, hook.stderr]).toEqual([0, '', '']);
		expect(fs.readdirSync(home)).toEqual([]);
	});

	const floorNode = path.join(ROOT, 'node_modules', 'node22', 'bin', 'node');
	it.skipIf(!fs.existsSync(floorNode))('at the floor (the pinned node22): the hook records (nested transactions work), with no ExperimentalWarning on stderr', () => {
		expect(spawnSync(floorNode, ['--version'], {encoding: 'utf8'}).stdout.trim()).toBe('v22.16.0');
		const home = tempHome();
		const work = tempHome('qt-claude-');
		const env = {...process.env, PATH: pathWithoutProviderClis(), QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', NO_COLOR: '1', CLAUDE_CONFIG_DIR: work};
		const run = (args: string[], input = '') => spawnSync(floorNode, [CLI, ...args], {encoding: 'utf8', env, input});
		expect(run(['status', '--demo', '--json'])).toMatchObject({status: 0, stderr: ''});
		expect(run(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', work])).toMatchObject({status: 0});
		expect(run(['statusline'], hookInput)).toMatchObject({status: 0, stdout: '5h 23% ↺1h12m · 7d 41% ↺3d4h\n', stderr: ''});
		const status = run(['status', '--json']);
		expect(status).toMatchObject({status: 0, stderr: ''});
		expect((JSON.parse(status.stdout) as {accounts: {windows: {observedAt: string}[]}[]}).accounts[0]!.windows[0]!.observedAt).toBe(NOW);
	});
});
