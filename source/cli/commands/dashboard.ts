/**
 * The dashboard: live on a TTY; one printed frame without one (pipes, CI, cron). Ink and React are
 * loaded here only, so one-shot commands never pay for them.
 */
import {discoverAccounts} from '../../providers/discover.js';
import {createAppRuntime} from '../../runtime/app-store.js';
import {startHubSession} from '../../runtime/hub-sync.js';
import {refreshStale} from '../../runtime/refresh.js';
import {parse, print, printError} from '../io.js';
import {open, type Command} from '../shared.js';

export const dashboardCommand: Command = {
	name: 'dashboard',
	help: `Usage: quota-tui [dashboard] [--demo]

The live dashboard: every account's 5-hour and 7-day windows with bars, percentages, reset
countdowns and projections; the active and recommended account; recent decisions. Press ? inside
for the keys. With no accounts configured it looks for the accounts on this machine (like
"quota-tui accounts discover", without writing anything), says what it found, and opens on the
built-in DEMO accounts.

The live dashboard draws on the alternate screen (your shell comes back untouched when it quits),
redraws itself whole on every resize and on Ctrl+L, and suspends with Ctrl+Z.

Without a TTY (a pipe, CI, cron), or in a terminal that cannot move the cursor (TERM=dumb), it
prints one frame and exits 0: 100×30, or COLUMNS×LINES when they are set. NO_COLOR=1 turns colour off.`,
	async run(argv, io) {
		const {values} = parse(argv, {}, 'dashboard');
		let ctx = open(io, {demo: values.demo});
		if (!ctx.demo && ctx.accounts.length === 0) {
			ctx.close();
			const found = discoverAccounts({env: io.env});
			ctx = open(io, {demo: true});
			if (found.length > 0) {
				const names = found.map(a => a.name).join(', ');
				// The command first: a narrow pane cuts the end of the line, not the way out.
				ctx.hints = [`run "quota-tui accounts discover --yes" to add the ${found.length === 1 ? 'account' : `${found.length} accounts`} found here: ${names}`];
			}
		}
		// A dumb terminal (Emacs shell-mode, some CI PTYs) cannot take cursor movement: one frame, as for a pipe.
		const interactive = Boolean(io.stdout.isTTY && io.stdin.isTTY) && io.env['TERM'] !== 'dumb';
		// Team mode: a frame syncs first like a one-shot command; the live dashboard syncs in the background.
		const hub = await startHubSession(ctx, interactive ? {live: true} : {onWarning: line => printError(io, line)});
		try {
			// One printed frame answers now, like the other one-shot commands: read stale sources first.
			if (!interactive) await refreshStale(ctx);
			const runtime = createAppRuntime(ctx, {planFirst: !(interactive && ctx.demo)});
			// React's development build re-checks every render and keeps more memory: the dashboard runs on
			// the production build unless NODE_ENV asks otherwise (React reads it when it is first loaded,
			// which is here: one-shot commands never load it).
			process.env['NODE_ENV'] ??= 'production';
			const ui = await import('../../ui/app.js');
			if (!interactive) {
				// A pipe has no size: COLUMNS/LINES when the shell exports them (`COLUMNS=160 quota-tui | less`), else 100×30.
				const sized = (name: string) => {
					const value = Number(io.env[name]);
					return Number.isInteger(value) && value >= 20 && value <= 1000 ? value : undefined;
				};
				const frame = ui.renderStaticFrame(runtime.getSnapshot(), runtime.clock.now(), {
					columns: io.stdout.columns ?? sized('COLUMNS') ?? 100,
					rows: io.stdout.rows ?? sized('LINES') ?? 30,
				});
				runtime.dispose();
				print(io, frame);
				return 0;
			}

			return await ui.runDashboard(runtime, {
				maxFps: ctx.config.ui.maxFps,
				noticeSeconds: ctx.config.ui.noticeSeconds,
				mouse: ctx.config.ui.mouse,
				env: io.env,
				stdout: io.stdout as NodeJS.WriteStream,
				stdin: io.stdin as NodeJS.ReadStream,
			});
		} finally {
			await hub?.close();
		}
	},
};
