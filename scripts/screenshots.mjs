// `npm run screenshots`: renders the real dashboard (build/cli.js --demo) in tmux at a frozen instant
// and writes screenshots/<name>.png (ANSI capture → SVG → PNG with resvg and DejaVu Sans Mono) plus
// screenshots/<name>.txt (the plain capture). Set SCREENSHOTS_SVG=1 to keep the SVGs as well.
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gridText, gridToSvg, parseAnsi} from './lib/ansi-svg.mjs';
import {killOnExit, requireTmux, TmuxServer} from './lib/tmux.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'build', 'cli.js');
const OUT = join(ROOT, 'screenshots');
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSansMono-Oblique.ttf', 'DejaVuSansMono-BoldOblique.ttf'].map(f => join(FONT_DIR, f));
const NOW = '2026-11-22T14:30:00Z';
const MARKER = 'demo-main';

const SHOTS = [
	{name: 'dashboard-100x30', cols: 100, rows: 30},
	{name: 'dashboard-80x24', cols: 80, rows: 24},
	{name: 'dashboard-60x20', cols: 60, rows: 20},
	{name: 'help-80x24', cols: 80, rows: 24, keys: '?'},
];

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
			if (shot.keys) {
				const before = frame;
				await server.sendLiteral(session, shot.keys);
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
			console.log(`screenshots/${shot.name}.png  ${shot.cols}×${shot.rows}${shot.keys ? `  after "${shot.keys}"` : ''}  (${png.length} bytes)`);
		}
	} finally {
		cleanup();
	}
}

main().catch(error => {
	console.error(`screenshots: ${error.message}`);
	process.exitCode = 1;
});
