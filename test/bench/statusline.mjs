// The status-line hook's cold start: `quota-tui statusline` runs on every Claude Code status-line
// refresh (and `hook claude`, the in-agent gate, before every prompt and tool call), so its wall time is measured against a bare `node -e 0` in the same run (interleaved, so
// both see the same machine load). Median of BENCH_STATUSLINE_RUNS (20) runs after one warm-up each.
//
//   node test/bench/statusline.mjs          (after npm run build)
//   BENCH_ONLY=statusline npm run bench
//
// The measured run is the real path: a configured Claude account whose CLAUDE_CONFIG_DIR matches, the
// status-line JSON on stdin, the snapshot written to a real quota.db, the compact line printed.
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {median, timeRun} from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'build', 'cli.js');



/** Run the benchmark; returns rows for the summary table of run.mjs. */
export async function benchStatusline({runs = Number(process.env.BENCH_STATUSLINE_RUNS ?? 20), log = console.log} = {}) {
	if (!existsSync(CLI)) throw new Error('build/cli.js is missing: run `npm run build` first');
	const home = mkdtempSync(join(tmpdir(), 'qt-bench-statusline-'));
	try {
		const claude = join(home, 'claude-work');
		mkdirSync(claude);
		writeFileSync(join(home, 'config.json'), JSON.stringify({accounts: [{name: 'work', provider: 'claude', configDir: claude}]}));
		const now = Math.floor(Date.now() / 1000);
		const input = JSON.stringify({
			session_id: 'bench', model: {id: 'claude-opus-4-6', display_name: 'Opus'}, workspace: {current_dir: home},
			rate_limits: {five_hour: {used_percentage: 23, resets_at: now + 4320}, seven_day: {used_percentage: 41.2, resets_at: now + 274_000}},
		});
		const env = {...process.env, QUOTA_TUI_HOME: home, CLAUDE_CONFIG_DIR: claude};
		for (const key of ['QUOTA_TUI_NOW', 'NO_COLOR', 'FORCE_COLOR']) delete env[key];

		const check = await timeRun([CLI, 'statusline'], env, input);
		if (!/^5h 23% ↺1h1[12]m · 7d 41% ↺3d4h\n$/.test(check.stdout)) throw new Error(`unexpected status line: ${JSON.stringify(check.stdout)}`);
		await timeRun(['-e', '0'], env);

		const peer = [];
		const hook = [];
		const idle = [];
		const gateHook = [];
		// `quota-tui hook claude` (the in-agent gate) runs before every prompt and tool call: same budget.
		const prompt = JSON.stringify({session_id: 'bench', hook_event_name: 'UserPromptSubmit', cwd: home, prompt: 'go on'});
		const gateCheck = await timeRun([CLI, 'hook', 'claude'], env, prompt);
		if (gateCheck.stdout !== '') throw new Error(`unexpected hook answer at 41%: ${JSON.stringify(gateCheck.stdout)}`);
		for (let i = 0; i < runs; i++) {
			peer.push((await timeRun(['-e', '0'], env)).ms);
			hook.push((await timeRun([CLI, 'statusline'], env, input)).ms);
			idle.push((await timeRun([CLI, 'statusline'], env, '{"rate_limits":null}')).ms);
			gateHook.push((await timeRun([CLI, 'hook', 'claude'], env, prompt)).ms);
		}
		const p = median(peer);
		const rows = [
			['node -e 0 (peer)', p, peer],
			['statusline (records + prints)', median(hook), hook],
			['statusline (no rate_limits yet)', median(idle), idle],
			['hook claude (gate, continue)', median(gateHook), gateHook],
		];
		log(`\nstatusline — median of ${runs} runs each, interleaved, wall-clock ms`);
		for (const [label, value, values] of rows) {
			log(`  ${label.padEnd(34)} ${value.toFixed(1).padStart(7)} ms  ${(value / p).toFixed(2).padStart(5)}× node -e 0   (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`);
		}
		log(`  statusline overhead over node -e 0: ${(median(hook) - p).toFixed(1)} ms`);
		return [
			['statusline: node -e 0', `${p.toFixed(1)} ms`, '1.00×', `median of ${runs}`],
			['statusline: record + print', `${median(hook).toFixed(1)} ms`, `${(median(hook) / p).toFixed(2)}×`, `+${(median(hook) - p).toFixed(1)} ms; target ≤ 1.5× ${median(hook) <= 1.5 * p ? 'PASS' : 'FAIL'}`],
			['statusline: no rate_limits', `${median(idle).toFixed(1)} ms`, `${(median(idle) / p).toFixed(2)}×`, ''],
			['hook claude: gate (target ≤ 2×)', `${median(gateHook).toFixed(1)} ms`, `${(median(gateHook) / p).toFixed(2)}×`, `+${(median(gateHook) - p).toFixed(1)} ms`],
		];
	} finally {
		rmSync(home, {recursive: true, force: true});
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	benchStatusline().catch(error => {
		console.error(`bench statusline: ${error.message}`);
		process.exitCode = 1;
	});
}
