// `npm run screenshots:idle`: a full idle episode in the real dashboard, rendered in tmux at a frozen
// instant, written as screenshots/idle-episode-*.png (+ .txt).
//
// The episode is played through the real CLI and runtime against a throw-away QUOTA_TUI_HOME:
//   14:00  a job of the same kind finished earlier (its measured cost is what estimates learn from)
//   14:18  mode suggest: "work" is idle with jobs that fit → one notification (a fake notify-send)
//   14:20  `a` → auto: the first planned job is dispatched (a fake `claude` that keeps running),
//          the jobs that do not fit are excluded with their reasons
//   14:32  the dashboard: the running job with its elapsed time, the queue, every decision; then Tab
//          and `d` on the next job show the y/n confirm with the gate's verdict
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gridText, gridToSvg, parseAnsi} from './lib/ansi-svg.mjs';
import {importSources} from './lib/source-modules.mjs';
import {killOnExit, requireTmux, TmuxServer} from './lib/tmux.mjs';

// The runtime modules a tick runs, bundled once for this process (see lib/source-modules.mjs).
const tools = importSources('runtime/context.ts', 'runtime/auto.ts');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'build', 'cli.js');
const OUT = join(ROOT, 'screenshots');
const FAKE_RUNNER = join(ROOT, 'test', 'fixtures', 'fake-runner.mjs');
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSansMono-Oblique.ttf', 'DejaVuSansMono-BoldOblique.ttf'].map(f => join(FONT_DIR, f));
const NOW = '2026-11-22T14:32:00Z';
const at = minutesBefore => new Date(Date.parse(NOW) - minutesBefore * 60_000).toISOString();

function setup() {
	const home = mkdtempSync(join(tmpdir(), 'qt-idle-home-'));
	const project = join(home, 'project');
	const bin = join(home, 'bin');
	mkdirSync(project);
	mkdirSync(bin);
	for (const name of ['claude', 'codex']) writeFileSync(join(bin, name), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_RUNNER}' "$@"\n`, {mode: 0o755});
	// A notify-send that only says it was called (the real one would pop up on this machine).
	writeFileSync(join(bin, 'notify-send'), '#!/bin/sh\nexit 0\n', {mode: 0o755});
	const env = {...process.env, QUOTA_TUI_HOME: home, TZ: 'UTC', PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1'};
	delete env.TMUX;
	const cli = (args, minutesBefore = 40) => {
		const result = spawnSync(process.execPath, [CLI, ...args], {env: {...env, QUOTA_TUI_NOW: at(minutesBefore)}, encoding: 'utf8'});
		if (result.status !== 0) throw new Error(`quota-tui ${args.join(' ')} (exit ${result.status}): ${result.stderr}`);
		return result.stdout;
	};
	cli(['accounts', 'add', 'work', '--provider', 'claude', '--config-dir', join(home, 'claude-work'), '--plan', 'max20']);
	cli(['accounts', 'add', 'personal', '--provider', 'claude', '--config-dir', join(home, 'claude-personal'), '--plan', 'pro']);
	cli(['accounts', 'add', 'codex', '--provider', 'codex', '--home', join(home, 'codex'), '--plan', 'plus']);
	cli(['config', 'set', 'autoUtilization.notify', 'desktop']);
	// The runners by absolute path (as on a machine where claude is not on the dashboard's PATH).
	cli(['config', 'set', 'runners.claude', JSON.stringify([join(bin, 'claude'), '-p', '--output-format', 'json', '--', '{prompt}'])]);
	cli(['config', 'set', 'runners.codex', JSON.stringify([join(bin, 'codex'), 'exec', '--json', '--', '{prompt}'])]);
	// Usage entered twice, an hour apart: a modest burn rate, and no manual activity near the episode.
	const windows = {work: [[28, 33], [38, 38]], personal: [[64, 72], [81, 81]], codex: [[48, 53], [20, 20]]};
	for (const [name, [[five1, five2], [seven1, seven2]]] of Object.entries(windows)) {
		for (const [five, seven, minutesBefore] of [[five1, seven1, 120], [five2, seven2, 60]]) {
			cli(['budget', 'set', '--scope', `account:${name}`, '--window', 'five_hour', '--used', String(five), '--reset-at', '2026-11-22T17:10:00Z'], minutesBefore);
			cli(['budget', 'set', '--scope', `account:${name}`, '--window', 'seven_day', '--used', String(seven), '--reset-at', name === 'work' ? '2026-11-24T09:00:00Z' : '2026-11-27T09:00:00Z'], minutesBefore);
		}
	}
	cli(['switch', 'personal'], 100);
	// An earlier job of the same kind: its measured cost ($0.48) is what the estimates learn.
	const learnedId = JSON.parse(cli(['queue', 'add', '--title', 'Tighten the retry backoff', '--prompt', 'cost=0.48 tighten', '--cwd', project, '--kind', 'finding', '--severity', 'warning', '--json'], 120)).id;
	cli(['dispatch', learnedId, '--account', 'work'], 60);
	const add = (title, severity, extra = [], minutesBefore = 50) => JSON.parse(cli(['queue', 'add', '--title', title, '--prompt', `sleep=3600 ${title}`, '--cwd', project, '--severity', severity, '--kind', 'finding', '--json', ...extra], minutesBefore)).id;
	add('Fix the flaky websocket reconnect test', 'warning', [], 55);
	const next = add('Add missing index on jobs.state', 'info', ['--estimate-pct', '6%'], 52);
	add('Migrate the settings page to the new form kit', 'info', ['--estimate-pct', '40%'], 51);
	add('Audit third-party licenses', 'info', ['--estimate-usd', '4.50', '--estimate-pct', '5%'], 50);
	add('Upgrade the codex CLI pin', 'info', ['--provider', 'codex', '--estimate-pct', '5%'], 49);
	// Wait for the earlier job to finish (the fake runner answers at once).
	for (let i = 0; i < 100 && !cli(['queue', 'list', '--all']).includes('succeeded'); i++) spawnSync('sleep', ['0.1']);
	return {home, env, cli, next};
}

/** One tick of auto-utilization at `minutesBefore`, through the built runtime (what a dashboard runs). */
async function tick(env, minutesBefore) {
	const [{openContext}, {autoTick}] = await tools;
	const ctx = openContext({env: {...env, QUOTA_TUI_NOW: at(minutesBefore)}});
	try {
		return await autoTick(ctx, Date.parse(at(minutesBefore)));
	} finally {
		ctx.close();
	}
}

async function render(server, name, {cols, rows, env, keys = []}) {
	const {Resvg} = await import('@resvg/resvg-js');
	await server.start(name, {cols, rows, cwd: ROOT, env, argv: [process.execPath, CLI]});
	let frame = await server.waitStable(name, {accept: f => f.includes('queue ')});
	for (const key of keys) {
		const before = frame;
		await server.sendLiteral(name, key);
		frame = await server.waitStable(name, {accept: f => f !== before && f.includes('queue')});
	}
	const plain = await server.capture(name);
	await server.killSession(name);
	const grid = parseAnsi(frame, {cols, rows});
	const want = plain.replace(/\n$/, '').split('\n').map(line => line.trimEnd()).join('\n').replace(/\n+$/, '');
	if (gridText(grid).replace(/\n+$/, '') !== want) throw new Error(`ANSI parse of ${name} differs from the plain capture`);
	const png = new Resvg(gridToSvg(grid), {
		font: {fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans Mono', monospaceFamily: 'DejaVu Sans Mono'},
		background: 'rgba(0,0,0,0)',
	}).render().asPng();
	writeFileSync(join(OUT, `${name}.png`), png);
	writeFileSync(join(OUT, `${name}.txt`), plain);
	console.log(`screenshots/${name}.png  ${cols}×${rows}${keys.length > 0 ? `  after ${JSON.stringify(keys.join(''))}` : ''}  (${png.length} bytes)`);
}

async function main() {
	if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` first (or use \`npm run screenshots:idle\`).`);
	const missingFonts = FONT_FILES.filter(f => !existsSync(f));
	if (missingFonts.length > 0) throw new Error(`font files missing: ${missingFonts.join(', ')} (apt-get install fonts-dejavu-core)`);
	requireTmux();
	mkdirSync(OUT, {recursive: true});
	const {home, env, cli} = setup();
	const server = new TmuxServer(`qt-idle-${process.pid}`);
	const cleanup = killOnExit(() => {
		// Stop the job the episode started (our own fake runner), then remove everything.
		try {
			spawnSync(process.execPath, [CLI, 'queue', 'list', '--json'], {env, encoding: 'utf8'});
			const jobs = JSON.parse(spawnSync(process.execPath, [CLI, 'queue', 'list', '--json'], {env, encoding: 'utf8'}).stdout).jobs;
			for (const job of jobs.filter(j => j.state === 'running')) spawnSync(process.execPath, [CLI, 'queue', 'cancel', job.id, '--grace', '1'], {env});
		} catch {
			// Nothing running.
		}
		server.kill();
		rmSync(home, {recursive: true, force: true});
	});
	try {
		const suggest = await tick(env, 14);
		if (!suggest.notified.some(n => n.result.sent)) throw new Error(`the suggest tick sent no notification: ${JSON.stringify(suggest.notified)}`);
		cli(['config', 'set', 'autoUtilization.mode', 'auto'], 12);
		const auto = await tick(env, 12);
		if (!auto.dispatched.some(outcome => outcome.status === 'dispatched')) throw new Error(`the auto tick dispatched nothing: ${JSON.stringify(auto.dispatched.map(o => o.message))}`);
		const shotEnv = {QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', LANG: 'C.UTF-8', PATH: env.PATH};
		await render(server, 'idle-episode-100x34', {cols: 100, rows: 34, env: shotEnv});
		await render(server, 'idle-episode-confirm-80x24', {cols: 80, rows: 24, env: shotEnv, keys: ['\t', 'd']});
	} finally {
		cleanup();
	}
}

main().catch(error => {
	console.error(`screenshot-idle: ${error.message}`);
	process.exitCode = 1;
});
