// The `frames` phase of `npm run bench` (BENCH_ONLY=frames): the bytes the dashboard writes to the
// terminal per second while a job runs (a runner that prints a line a second), with the list open and
// with that job's view open, counted by tmux pipe-pane, in a 100×30 pane of BENCH_ACCOUNTS (default
// 10) manual accounts. (Idle CPU and RSS per view: the idle phase with BENCH_VIEWS.)
import {spawnSync} from 'node:child_process';
import {statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';

/**
 * @param {object} bench what run.mjs shares: server, env (QUOTA_TUI_HOME with the accounts), node, cli,
 *   root, cols, rows, idleSeconds, settleMs, dashboardPid, log, summary, fmt
 */
export async function benchFrames(bench) {
	const {server, env, node, cli, root, cols, rows, idleSeconds, settleMs, dashboardPid, log, summary, fmt} = bench;
	const home = env.QUOTA_TUI_HOME;
	const quota = (...args) => {
		const result = spawnSync(node, [cli, ...args], {env, encoding: 'utf8'});
		if (result.status !== 0) throw new Error(`quota-tui ${args.join(' ')} (exit ${result.status}): ${result.stderr}`);
		return result.stdout;
	};

	// A runner that prints a line a second for `seconds` (its log grows, as an agent's does), then answers.
	const runner = join(home, 'runner.mjs');
	writeFileSync(runner, [
		'const seconds = Number(/seconds=(\\d+)/.exec(process.argv.at(-1))?.[1] ?? 0);',
		'let n = 0;',
		'const timer = setInterval(() => {',
		'\tconsole.log(`step ${++n}: working on it`);',
		'\tif (n >= seconds) { clearInterval(timer); console.log(JSON.stringify({type: "result", is_error: false, result: "done", total_cost_usd: 0.01})); }',
		'}, 1000);',
	].join('\n'));
	quota('config', 'set', 'runners.claude', JSON.stringify([node, runner, '--', '{prompt}']));
	quota('config', 'set', 'autoUtilization.notify', 'none');
	// Only the running job in the queue (the shared home comes with queued ones).
	for (const job of JSON.parse(quota('queue', 'list', '--json')).jobs) quota('queue', 'remove', job.id);

	const paneEnv = {QUOTA_TUI_HOME: home, HOME: home, TZ: 'UTC', LANG: 'C.UTF-8'};
	const open = async (session, view) => {
		await server.start(session, {cols, rows, cwd: root, env: paneEnv, argv: [node, cli]});
		await server.waitStable(session, {accept: screen => screen.includes('q quit'), timeoutMs: 30_000});
		for (const key of view.keys) {
			await server.sendKeys(session, key);
			await sleep(300);
		}
		const screen = await server.waitStable(session, {accept: s => s.includes(view.marker), timeoutMs: 30_000});
		return {pid: dashboardPid((await server.paneInfo(session)).pid), screen};
	};

	// A running job: frames per second the dashboard writes, in the list and in the job's own view.
	const runSeconds = Math.max(30, Math.round(idleSeconds / 2));
	log(`\nframe bytes while a job runs — ${runSeconds} s per view, the runner printing a line a second`);
	for (const view of [{name: 'list', keys: [], marker: 'running'}, {name: 'job', keys: ['Tab', 'Enter'], marker: 'step '}]) {
		const id = JSON.parse(quota('queue', 'add', '--title', `Running job (${view.name})`, '--prompt', `seconds=${runSeconds + 30}`, '--cwd', home, '--json')).id;
		quota('dispatch', id, '--account', 'acct-01');
		const session = `run-${view.name}`;
		// The running job is the only one left: Tab selects it.
		await open(session, view);
		const file = join(home, `${session}.bytes`);
		await sleep(settleMs);
		await server.run(['pipe-pane', '-t', `${session}:0.0`, '-o', `cat > '${file}'`]);
		const start = performance.now();
		await sleep(runSeconds * 1000);
		await server.run(['pipe-pane', '-t', `${session}:0.0`]);
		const seconds = (performance.now() - start) / 1000;
		const bytes = statSync(file).size;
		log(`  ${view.name.padEnd(10)} ${fmt(bytes / seconds, 0).padStart(7)} bytes/s (${bytes} bytes in ${fmt(seconds, 0)} s)`);
		summary.push([`frame bytes/s, job running: ${view.name}`, `${fmt(bytes / seconds, 0)} B/s`, '', `${bytes} bytes over ${fmt(seconds, 0)} s`]);
		await server.killSession(session);
		quota('queue', 'cancel', id, '--grace', '1');
		// Gone from the queue once it has stopped (remove refuses a running job).
		for (let i = 0; i < 50 && spawnSync(node, [cli, 'queue', 'remove', id], {env}).status !== 0; i++) await sleep(200);
	}
}
