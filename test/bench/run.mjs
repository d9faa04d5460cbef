// `npm run bench`: startup time, idle CPU and memory of the dashboard, each next to a peer measured in
// the same run on the same machine, so the ratios mean something.
//
//   BENCH_ONLY=startup|idle|memory|statusline|logs|frames   run a subset (comma-separated list allowed;
//                                    frames is not in the default set: the bytes per second written while a
//                                    job runs, in the list and in the job's view, see frames.mjs)
//   BENCH_LOGS_MB=200                local-log phase: size of the generated history (see logs.mjs)
//   BENCH_IDLE_SECONDS=60            idle CPU window
//   BENCH_SETTLE_SECONDS=3           idle phases: wait this long after the first frame before measuring
//   BENCH_ACCOUNTS=10                idle/memory phases: that many manual accounts (with usage) instead of --demo
//   BENCH_VIEWS=list,account,job,decisions   idle phase: repeated with each view open (default: list)
//   BENCH_MEMORY_MINUTES=10          RSS soak (0 skips it)
//   BENCH_MEMORY_LOGS_MB=0           RSS soak with that much generated Claude history indexed by the
//                                    dashboard (one claude account whose configDir holds it, beside the
//                                    BENCH_ACCOUNTS manual ones, 10 when unset); reports the peak and the last
//   BENCH_RUNS=5                     startup runs per command (the median is reported)
//
// The dashboard runs for real (build/cli.js --demo, pinned node = process.execPath) in a private tmux
// server (`tmux -L qt-bench-<pid>`) that is killed at the end, on error and on Ctrl+C.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {cpus, tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {importSources} from '../../scripts/lib/source-modules.mjs';
import {killOnExit, requireTmux, TmuxServer} from '../../scripts/lib/tmux.mjs';
import {benchLogs} from './logs.mjs';
import {benchStatusline} from './statusline.mjs';
import {benchFrames} from './frames.mjs';
import {hr, median, NODE, timeRun} from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'build', 'cli.js');
const MARKER = 'demo-main';
const COLS = 100;
const ROWS = 30;
const IDLE_TARGET_PERCENT = 0.3;

function numberEnv(name, fallback, {min = 0} = {}) {
	const raw = process.env[name];
	if (raw === undefined || raw === '') {
		return fallback;
	}
	const value = Number(raw);
	if (!Number.isFinite(value) || value < min) {
		throw new Error(`${name}=${raw}: expected a number ≥ ${min}`);
	}
	return value;
}

const PHASES = ['startup', 'idle', 'memory', 'statusline', 'logs', 'frames'];
const DEFAULT_PHASES = PHASES.filter(phase => phase !== 'frames');
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map(s => s.trim()).filter(Boolean);
const RUNS = Math.round(numberEnv('BENCH_RUNS', 5, {min: 1}));
const IDLE_SECONDS = numberEnv('BENCH_IDLE_SECONDS', 60, {min: 1});
// Before the idle window: 3 s by default; 60 s leaves V8's post-start-up GCs (the memory reducer) out.
const SETTLE_MS = numberEnv('BENCH_SETTLE_SECONDS', 3) * 1000;
const MEMORY_MINUTES = numberEnv('BENCH_MEMORY_MINUTES', 10);
const MEMORY_INTERVAL_MS = 10_000;
const MEMORY_LOGS_MB = numberEnv('BENCH_MEMORY_LOGS_MB', 0);
const ACCOUNTS = Math.round(numberEnv('BENCH_ACCOUNTS', 0));
/** The keys that open each view of the idle phase (tmux key names), after the list has drawn. */
const VIEW_KEYS = {list: [], account: ['Enter'], job: ['Tab', 'Enter'], decisions: ['D']};
const VIEWS = (process.env.BENCH_VIEWS ?? 'list').split(',').map(s => s.trim()).filter(Boolean);

const summary = [];
const fmt = (value, digits = 1) => value.toFixed(digits);
const ratio = (value, peer) => (peer > 0 ? `${fmt(value / peer, 2)}×` : 'n/a (peer 0)');
const log = line => console.log(line);
const progress = line => process.stderr.write(`  … ${line}\n`);

// ---- /proc helpers ---------------------------------------------------------------------------------

function clockTicks() {
	try {
		const value = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim());
		return Number.isFinite(value) && value > 0 ? value : 100;
	} catch {
		return 100;
	}
}

/** utime + stime of a process (all its threads), in clock ticks. */
function cpuTicks(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// fields[0] is field 3 (state); utime is field 14, stime field 15.
	return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS in KiB. */
function rssKiB(pid) {
	const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) {
		throw new Error(`no VmRSS for pid ${pid}`);
	}
	return Number(match[1]);
}

const cmdline = pid => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

function childrenOf(pid) {
	const children = [];
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		try {
			children.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
		} catch {
			// thread gone
		}
	}
	return children;
}

/**
 * The pid of the node process running build/cli.js: the pane's pid itself (tmux execs the argv
 * directly), or, should a shell sit in between, the first such descendant.
 */
function dashboardPid(panePid) {
	const queue = [panePid];
	while (queue.length > 0) {
		const pid = queue.shift();
		try {
			const argv = cmdline(pid);
			if (argv.includes(CLI)) {
				return pid;
			}
			queue.push(...childrenOf(pid));
		} catch {
			// process gone
		}
	}
	throw new Error(`no process running ${relative(ROOT, CLI)} under pane pid ${panePid}`);
}

// ---- processes -------------------------------------------------------------------------------------

const peers = new Set();

/** Start an idle peer node process (never exits by itself); returns its ChildProcess. */
function startPeer() {
	const child = spawn(NODE, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
	peers.add(child);
	child.on('exit', () => peers.delete(child));
	return child;
}

function stopPeer(child) {
	if (child.exitCode === null && child.signalCode === null) {
		child.kill('SIGTERM');
	}
	peers.delete(child);
}


// ---- phases ----------------------------------------------------------------------------------------

async function benchStartup(server, env) {
	log(`\nstartup — median of ${RUNS} runs (after one warm-up each), wall-clock ms`);
	const paneEnv = {QUOTA_TUI_HOME: env.QUOTA_TUI_HOME, TZ: 'UTC', LANG: 'C.UTF-8'};
	const processEnv = {...env, ...paneEnv};

	const measure = async (label, once) => {
		await once(); // warm-up: file cache, first-run database creation
		const times = [];
		for (let i = 0; i < RUNS; i++) {
			times.push(await once());
		}
		return {label, median: median(times), min: Math.min(...times), max: Math.max(...times)};
	};

	const firstFrame = argv => {
		let n = 0;
		return async () => {
			const session = `ff-${n++}`;
			const start = hr();
			await server.start(session, {cols: COLS, rows: ROWS, cwd: ROOT, env: paneEnv, argv});
			const deadline = start + 20_000;
			for (;;) {
				const screen = await server.capture(session);
				if (screen.includes(MARKER)) {
					const ms = hr() - start;
					await server.killSession(session);
					return ms;
				}
				if (hr() > deadline) {
					throw new Error(`no "${MARKER}" after 20 s; screen:\n${screen}`);
				}
				await sleep(10);
			}
		};
	};

	const check = await timeRun([CLI, 'status', '--json', '--demo'], processEnv);
	JSON.parse(check.stdout); // the command under test must actually work
	// `report daily` on an empty history: no Claude or Codex logs anywhere (its own HOME and log dirs).
	const empty = mkdtempSync(join(tmpdir(), 'qt-bench-empty-'));
	const emptyEnv = {...processEnv, HOME: empty, CLAUDE_CONFIG_DIR: join(empty, 'claude'), CODEX_HOME: join(empty, 'codex')};
	const report = JSON.parse((await timeRun([CLI, 'report', 'daily', '--json'], emptyEnv)).stdout);
	if (report.daily.length !== 0) throw new Error(`report daily on an empty history found ${report.daily.length} days`);

	const rows = [
		await measure('node -e 0 (peer)', async () => (await timeRun(['-e', '0'], processEnv)).ms),
		await measure('cli status --json --demo', async () => (await timeRun([CLI, 'status', '--json', '--demo'], processEnv)).ms),
		await measure('cli report daily --json (empty)', async () => (await timeRun([CLI, 'report', 'daily', '--json'], emptyEnv)).ms),
		await measure('dashboard first frame (tmux)', firstFrame([NODE, CLI, '--demo'])),
		await measure('tmux peer: node prints marker', firstFrame([NODE, '-e', `process.stdout.write(${JSON.stringify(MARKER)} + '\\n'); setInterval(() => {}, 1000)`])),
	];
	const peer = rows[0].median;
	for (const row of rows) {
		log(`  ${row.label.padEnd(32)} ${fmt(row.median).padStart(8)} ms  ${ratio(row.median, peer).padStart(7)} vs node -e 0   (min ${fmt(row.min)}, max ${fmt(row.max)})`);
	}
	rmSync(empty, {recursive: true, force: true});
	const [, status, emptyReport, dashboard, tmuxPeer] = rows;
	const firstFrameNet = dashboard.median - tmuxPeer.median + peer;
	log(`  first frame minus tmux+poll overhead ≈ ${fmt(firstFrameNet)} ms (dashboard − tmux peer + node -e 0)`);
	const verdict = ok => (ok ? 'PASS' : 'FAIL');
	// Issue 15's targets.
	summary.push(
		['startup: node -e 0', `${fmt(peer)} ms`, '1.00×', ''],
		['startup: status --json --demo', `${fmt(status.median)} ms`, ratio(status.median, peer), `target ≤ 3× ${verdict(status.median <= 3 * peer)}`],
		['startup: report daily, empty history', `${fmt(emptyReport.median)} ms`, ratio(emptyReport.median, peer), `target ≤ 2× ${verdict(emptyReport.median <= 2 * peer)}`],
		['startup: dashboard first frame', `${fmt(dashboard.median)} ms`, ratio(dashboard.median, peer), `tmux peer ${fmt(tmuxPeer.median)} ms; net ≈ ${fmt(firstFrameNet)} ms; target ≤ 250 ms ${verdict(firstFrameNet <= 250)}`],
	);
}

/**
 * A home with `count` manual accounts, each with a 5-hour and a 7-day window entered by hand, through
 * the built runtime (what `accounts add` + `budget set` write).
 */
async function manualAccountsHome(home, count, {claudeLogs} = {}) {
	const [{openContext}, {recordManualWindow}, {upsertBudget}, {addJob}] = await importSources('runtime/context.ts', 'runtime/history.ts', 'store/repositories.ts', 'store/jobs.ts');
	const now = Date.now();
	const at = new Date(now).toISOString();
	const ctx = openContext({env: {...process.env, QUOTA_TUI_HOME: home}});
	try {
		for (let index = 0; index < count; index++) {
			const name = `acct-${String(index + 1).padStart(2, '0')}`;
			ctx.configStore.addAccount({name, provider: 'manual', plan: 'max5'});
			for (const [window, used, hours] of [['five_hour', 10 + ((index * 7) % 80), 3], ['seven_day', 20 + ((index * 5) % 70), 80]]) {
				const budget = {scope: `account:${name}`, window, limit: 100, unit: 'percent', used, resetAt: new Date(now + hours * 3_600_000).toISOString(), source: 'user-entered', checkedAt: at};
				upsertBudget(ctx.db, budget);
				recordManualWindow(ctx, budget, now);
			}
		}
		if (claudeLogs !== undefined) ctx.configStore.addAccount({name: 'logs', provider: 'claude', plan: 'max5', configDir: claudeLogs});
		// Three queued jobs: the job view (BENCH_VIEWS=job) opens the first.
		for (const title of ['Bench job one', 'Bench job two', 'Bench job three']) {
			addJob(ctx.db, {id: `q-bench-${title.split(' ').at(-1)}`, title, prompt: 'p', cwd: home, severity: 'info', createdAt: at, source: 'backlog', kind: 'task'}, now);
		}
	} finally {
		ctx.close();
	}
}

/** Start the live-clock dashboard (demo, or BENCH_ACCOUNTS manual accounts) in a 100×30 pane; resolves to its node pid once it has drawn. */
async function startDashboard(server, session, env, {accounts = ACCOUNTS > 0} = {}) {
	const argv = accounts ? [NODE, CLI] : [NODE, CLI, '--demo'];
	const marker = accounts ? 'acct-01' : MARKER;
	await server.start(session, {cols: COLS, rows: ROWS, cwd: ROOT, env: {QUOTA_TUI_HOME: env.QUOTA_TUI_HOME, HOME: env.QUOTA_TUI_HOME, TZ: 'UTC', LANG: 'C.UTF-8'}, argv});
	const deadline = hr() + 20_000;
	for (;;) {
		const screen = await server.capture(session);
		if (screen.includes(marker)) {
			break;
		}
		const info = await server.paneInfo(session);
		if (info.dead || hr() > deadline) {
			throw new Error(`dashboard did not start (${info.dead ? `exited ${info.status}` : 'timeout'}); screen:\n${screen}`);
		}
		await sleep(50);
	}
	const pid = dashboardPid((await server.paneInfo(session)).pid);
	return pid;
}

async function benchIdle(server, env, ticksPerSecond, view = 'list') {
	log(`\nidle CPU (${view}) — ${IDLE_SECONDS} s window after ${SETTLE_MS / 1000} s settle, live clock, ${COLS}×${ROWS} pane, ${ACCOUNTS > 0 ? `${ACCOUNTS} manual accounts` : 'demo accounts'}`);
	const pid = await startDashboard(server, 'idle', env);
	for (const key of VIEW_KEYS[view]) {
		await server.sendKeys('idle', key);
		await sleep(300);
	}
	const peer = startPeer();
	await sleep(SETTLE_MS);
	const tmuxPid = await server.serverPid();
	const targets = [['dashboard', pid], ['peer node (setInterval 1 s)', peer.pid], ['tmux server (redraw cost)', tmuxPid]];
	const before = targets.map(([, p]) => ({ticks: cpuTicks(p), rss: rssKiB(p)}));
	const start = hr();
	await sleep(IDLE_SECONDS * 1000);
	const seconds = (hr() - start) / 1000;
	const after = targets.map(([, p]) => ({ticks: cpuTicks(p), rss: rssKiB(p)}));
	const percent = targets.map((_, i) => ((after[i].ticks - before[i].ticks) / ticksPerSecond / seconds) * 100);
	for (const [i, [label, p]] of targets.entries()) {
		log(`  ${label.padEnd(30)} pid ${String(p).padEnd(7)} ${fmt(percent[i], 3).padStart(7)} % of one core  (${after[i].ticks - before[i].ticks} ticks)  RSS ${fmt(before[i].rss / 1024)} → ${fmt(after[i].rss / 1024)} MiB`);
	}
	const verdict = percent[0] <= IDLE_TARGET_PERCENT ? 'PASS' : 'FAIL';
	log(`  dashboard vs peer: ${ratio(percent[0], percent[1])}   target ≤ ${IDLE_TARGET_PERCENT} % of one core: ${verdict}`);
	log(`  (resolution: 1 tick = ${fmt(100 / ticksPerSecond / seconds, 3)} % over this window)`);
	summary.push(
		[`idle CPU: dashboard (${view})`, `${fmt(percent[0], 3)} %`, ratio(percent[0], percent[1]), `target ≤ ${IDLE_TARGET_PERCENT} %: ${verdict}`],
		['idle CPU: peer node', `${fmt(percent[1], 3)} %`, '1.00×', ''],
		[`RSS after idle: dashboard (${view})`, `${fmt(after[0].rss / 1024)} MiB`, ratio(after[0].rss, after[1].rss), `peer ${fmt(after[1].rss / 1024)} MiB`],
	);
	stopPeer(peer);
	await server.killSession('idle');
	return verdict === 'PASS';
}

async function benchMemory(server, env) {
	if (MEMORY_MINUTES === 0) {
		log('\nmemory — skipped (BENCH_MEMORY_MINUTES=0)');
		summary.push(['memory soak', 'skipped', '', 'BENCH_MEMORY_MINUTES=0']);
		return;
	}
	let logsHome;
	if (MEMORY_LOGS_MB > 0) {
		// Its own home: the manual accounts plus one claude account whose configDir holds the generated history.
		logsHome = mkdtempSync(join(tmpdir(), 'qt-bench-memory-logs-'));
		const {generateClaudeLogs} = await import('./generate-claude-logs.mjs');
		const t0 = hr();
		const generated = generateClaudeLogs(join(logsHome, 'claude'), {mb: MEMORY_LOGS_MB});
		await manualAccountsHome(logsHome, ACCOUNTS || 10, {claudeLogs: join(logsHome, 'claude')});
		log(`\nmemory — generated ${generated.files.length} files, ${(generated.bytes / 1048576).toFixed(0)} MiB of Claude history in ${fmt((hr() - t0) / 1000)} s for the dashboard to index`);
	}
	try {
		await soakMemory(server, logsHome === undefined ? env : {...env, QUOTA_TUI_HOME: logsHome}, logsHome !== undefined);
		// The index lives in quota.db: its size says the dashboard did read the history.
		if (logsHome !== undefined) {
			const size = name => (existsSync(join(logsHome, name)) ? statSync(join(logsHome, name)).size : 0);
			log(`  quota.db after the soak: ${fmt((size('quota.db') + size('quota.db-wal')) / 1048576)} MiB with its WAL`);
		}
	} finally {
		if (logsHome !== undefined) rmSync(logsHome, {recursive: true, force: true});
	}
}

async function soakMemory(server, env, withLogs) {
	const what = withLogs ? `, ${MEMORY_LOGS_MB} MiB of logs indexed` : '';
	log(`\nmemory — VmRSS every ${MEMORY_INTERVAL_MS / 1000} s for ${MEMORY_MINUTES} min, live clock, ${COLS}×${ROWS} pane${what}`);
	const pid = await startDashboard(server, 'memory', env, {accounts: withLogs || ACCOUNTS > 0});
	const peer = startPeer();
	await sleep(SETTLE_MS); // both past their start-up allocations before the first sample
	const samples = [];
	const peerSamples = [];
	const start = hr();
	const end = start + MEMORY_MINUTES * 60_000;
	for (let k = 0; ; k++) {
		samples.push(rssKiB(pid));
		peerSamples.push(rssKiB(peer.pid));
		if (k % 6 === 0) {
			progress(`${fmt((hr() - start) / 60_000)} min: dashboard ${fmt(samples.at(-1) / 1024)} MiB`);
		}
		const next = start + (k + 1) * MEMORY_INTERVAL_MS;
		if (next > end) {
			break;
		}
		await sleep(next - hr());
	}
	const mib = kib => fmt(kib / 1024);
	const stats = values => ({first: values[0], last: values.at(-1), max: Math.max(...values), growth: values.at(-1) - values[0]});
	const d = stats(samples);
	const p = stats(peerSamples);
	log(`  dashboard: ${samples.length} samples  first ${mib(d.first)}  last ${mib(d.last)}  max ${mib(d.max)}  growth ${d.growth >= 0 ? '+' : ''}${mib(d.growth)} MiB`);
	log(`  peer node: first ${mib(p.first)}  last ${mib(p.last)}  max ${mib(p.max)}  growth ${p.growth >= 0 ? '+' : ''}${mib(p.growth)} MiB`);
	summary.push(
		[`RSS soak: dashboard first→last${withLogs ? ` (${MEMORY_LOGS_MB} MiB logs)` : ''}`, `${mib(d.first)} → ${mib(d.last)} MiB`, ratio(d.last, p.last), `max ${mib(d.max)}, growth ${d.growth >= 0 ? '+' : ''}${mib(d.growth)} MiB over ${MEMORY_MINUTES} min`],
	);
	stopPeer(peer);
	await server.killSession('memory');
}

// ---- main ------------------------------------------------------------------------------------------

async function main() {
	const unknownViews = VIEWS.filter(v => !(v in VIEW_KEYS));
	if (unknownViews.length > 0) {
		throw new Error(`BENCH_VIEWS: unknown view ${unknownViews.join(', ')} (use ${Object.keys(VIEW_KEYS).join(',')})`);
	}
	const unknown = ONLY.filter(p => !PHASES.includes(p));
	if (unknown.length > 0) {
		throw new Error(`BENCH_ONLY: unknown phase ${unknown.join(', ')} (use ${PHASES.join('|')})`);
	}
	const phases = ONLY.length > 0 ? PHASES.filter(p => ONLY.includes(p)) : DEFAULT_PHASES;
	if (!existsSync(CLI)) {
		throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` first (or use \`npm run bench\`).`);
	}
	// The statusline phase runs plain processes: no tmux needed for it alone.
	const tmuxVersion = phases.some(p => p !== 'statusline' && p !== 'logs') ? requireTmux() : 'no tmux';
	if ((phases.includes('idle') || phases.includes('memory') || phases.includes('frames')) && !existsSync('/proc/self/stat')) {
		throw new Error('idle and memory phases read /proc (Linux only); use BENCH_ONLY=startup elsewhere');
	}
	const ticksPerSecond = clockTicks();
	const home = mkdtempSync(join(tmpdir(), 'qt-bench-home-'));
	const env = {...process.env, QUOTA_TUI_HOME: home};
	if (ACCOUNTS > 0 && (phases.includes('idle') || phases.includes('memory'))) {
		await manualAccountsHome(home, ACCOUNTS);
	}
	// The frames phase has its own home: it runs jobs, which would change what the idle phase measures.
	const framesHome = phases.includes('frames') ? mkdtempSync(join(tmpdir(), 'qt-bench-frames-')) : undefined;
	if (framesHome !== undefined) {
		await manualAccountsHome(framesHome, ACCOUNTS || 10);
	}
	for (const key of ['QUOTA_TUI_NOW', 'NO_COLOR', 'FORCE_COLOR']) {
		delete env[key];
	}
	const server = new TmuxServer(`qt-bench-${process.pid}`);
	const cleanup = killOnExit(() => {
		for (const child of peers) {
			stopPeer(child);
		}
		server.kill();
		rmSync(home, {recursive: true, force: true});
		if (framesHome !== undefined) rmSync(framesHome, {recursive: true, force: true});
	});

	log(`quota-tui bench — node ${process.version} (${NODE}), ${tmuxVersion}, ${cpus().length} CPUs, CLK_TCK ${ticksPerSecond}, phases: ${phases.join(', ')}`);
	let ok = true;
	try {
		if (phases.includes('startup')) {
			await benchStartup(server, env);
		}
		if (phases.includes('idle')) {
			for (const view of VIEWS) {
				ok = (await benchIdle(server, env, ticksPerSecond, view)) && ok;
			}
		}
		if (phases.includes('memory')) {
			await benchMemory(server, env);
		}
		if (phases.includes('statusline')) {
			summary.push(...(await benchStatusline({log})));
		}
		if (phases.includes('logs')) {
			summary.push(...(await benchLogs({log, progress})));
		}
		if (framesHome !== undefined) {
			await benchFrames({server, env: {...env, QUOTA_TUI_HOME: framesHome}, node: NODE, cli: CLI, root: ROOT, cols: COLS, rows: ROWS, idleSeconds: IDLE_SECONDS, settleMs: SETTLE_MS, dashboardPid, log, summary, fmt});
		}
	} finally {
		cleanup();
	}

	const header = ['metric', 'value', 'vs peer', 'note'];
	const table = [header, ...summary];
	const widths = header.map((_, c) => Math.max(...table.map(row => row[c].length)));
	log('\nsummary');
	for (const [i, row] of table.entries()) {
		log(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}`);
		if (i === 0) {
			log(`  ${widths.map(w => '─'.repeat(w)).join('  ')}`);
		}
	}
	if (!ok) {
		log(`\nidle CPU above the ${IDLE_TARGET_PERCENT} % target`);
	}
}

main().catch(error => {
	console.error(`bench: ${error.message}`);
	process.exitCode = 1;
});
