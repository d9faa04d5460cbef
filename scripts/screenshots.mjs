// `npm run screenshots`: renders the real dashboard (build/cli.js --demo) in tmux at a frozen instant
// and writes screenshots/<name>.png (ANSI capture → SVG → PNG with resvg and DejaVu Sans Mono) plus
// screenshots/<name>.txt (the plain capture). Set SCREENSHOTS_SVG=1 to keep the SVGs as well.
// Every view at 80×24, 100×30 and 140×40: the list (`dashboard-*`), the account view (Enter on the
// selected account), the job view (Tab, Enter on the first job of the demo queue) and the help (`?`);
// plus the list at 60×20. Two jobs are queued in the demo database first, so the queue has rows.
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gridText, gridToSvg, parseAnsi} from './lib/ansi-svg.mjs';
import {importSources} from './lib/source-modules.mjs';
import {killOnExit, requireTmux, TmuxServer} from './lib/tmux.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'build', 'cli.js');
const OUT = join(ROOT, 'screenshots');
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSansMono-Oblique.ttf', 'DejaVuSansMono-BoldOblique.ttf'].map(f => join(FONT_DIR, f));
const NOW = '2026-11-22T14:30:00Z';
const MARKER = 'demo-main';

const SIZES = [[80, 24], [100, 30], [140, 40]];
/** The views: keys typed after the first frame (Enter opens the selected account; Tab focuses the queue first). */
const VIEWS = [
	{view: 'dashboard', keys: ''},
	{view: 'account', keys: '\r'},
	{view: 'job', keys: '\t\r'},
	{view: 'help', keys: '?'},
];
const SHOTS = [
	...VIEWS.flatMap(({view, keys}) => SIZES.map(([cols, rows]) => ({name: `${view}-${cols}x${rows}`, cols, rows, keys}))),
	{name: 'dashboard-60x20', cols: 60, rows: 20, keys: ''},
];

/** Two queued jobs in the demo database, with fixed ids (created 25 and 12 minutes before the frozen instant). */
async function queueDemoJobs(home) {
	const [{openContext}, {addJob}] = await importSources('runtime/context.ts', 'store/jobs.ts');
	const now = Date.parse(NOW);
	const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW}, demo: true});
	try {
		for (const [id, title, severity, minutesBefore] of [
			['q-7f3a21', 'Fix the flaky websocket reconnect test', 'warning', 25],
			['q-1c9e04', 'Add the missing index on jobs.state', 'info', 12],
		]) {
			addJob(ctx.db, {id, title, prompt: title, cwd: '/tmp', severity, createdAt: new Date(now - minutesBefore * 60_000).toISOString(), source: 'backlog', kind: 'task'}, now);
		}
	} finally {
		ctx.close();
	}
}

async function main() {
	if (!existsSync(CLI)) {
		throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` first (or use \`npm run screenshots\`).`);
	}
	const missingFonts = FONT_FILES.filter(f => !existsSync(f));
	if (missingFonts.length > 0) {
		throw new Error(`font files missing: ${missingFonts.join(', ')} (apt-get install fonts-dejavu-core)`);
	}
	requireTmux();
	const {Resvg} = await import('@resvg/resvg-js');
	mkdirSync(OUT, {recursive: true});

	const home = mkdtempSync(join(tmpdir(), 'qt-shots-home-'));
	await queueDemoJobs(home);
	const server = new TmuxServer(`qt-shots-${process.pid}`);
	const cleanup = killOnExit(() => {
		server.kill();
		rmSync(home, {recursive: true, force: true});
	});
	try {
		for (const shot of SHOTS) {
			const session = shot.name;
			await server.start(session, {
				cols: shot.cols,
				rows: shot.rows,
				cwd: ROOT,
				env: {QUOTA_TUI_HOME: home, QUOTA_TUI_NOW: NOW, TZ: 'UTC', LANG: 'C.UTF-8'},
				argv: [process.execPath, CLI, '--demo'],
			});
			const info = await server.paneInfo(session);
			if (info.width !== shot.cols || info.height !== shot.rows) {
				throw new Error(`tmux gave a ${info.width}×${info.height} pane, wanted ${shot.cols}×${shot.rows}`);
			}
			let frame = await server.waitStable(session, {accept: f => f.includes(MARKER)});
			for (const key of shot.keys) {
				const before = frame;
				await server.sendLiteral(session, key);
				frame = await server.waitStable(session, {accept: f => f !== before && f.includes(MARKER)});
			}
			const plain = await server.capture(session);
			await server.killSession(session);

			const grid = parseAnsi(frame, {cols: shot.cols, rows: shot.rows});
			// The converter must see exactly what tmux shows: compare with the plain capture.
			const want = plain.replace(/\n$/, '').split('\n').map(line => line.trimEnd()).join('\n').replace(/\n+$/, '');
			const got = gridText(grid).replace(/\n+$/, '');
			if (got !== want) {
				throw new Error(`ANSI parse of ${shot.name} differs from the plain capture:\n--- plain\n${want}\n--- parsed\n${got}`);
			}
			const svg = gridToSvg(grid);
			const png = new Resvg(svg, {
				font: {fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans Mono', monospaceFamily: 'DejaVu Sans Mono'},
				background: 'rgba(0,0,0,0)',
			}).render().asPng();
			writeFileSync(join(OUT, `${shot.name}.png`), png);
			writeFileSync(join(OUT, `${shot.name}.txt`), plain);
			if (process.env.SCREENSHOTS_SVG === '1') {
				writeFileSync(join(OUT, `${shot.name}.svg`), svg);
			}
			console.log(`screenshots/${shot.name}.png  ${shot.cols}×${shot.rows}${shot.keys ? `  after ${JSON.stringify(shot.keys)}` : ''}  (${png.length} bytes)`);
		}
	} finally {
		cleanup();
	}
}

main().catch(error => {
	console.error(`screenshots: ${error.message}`);
	process.exitCode = 1;
});
