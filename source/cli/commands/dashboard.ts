/**
 * The dashboard: live on a TTY; one printed frame without one (pipes, CI, cron). Ink and React are
 * loaded here only, so one-shot commands never pay for them.
 */
import {createAppRuntime} from '../../runtime/app-store.js';
import {parse, print} from '../io.js';
import {open, type Command} from '../shared.js';

export const dashboardCommand: Command = {
	name: 'dashboard',
	summary: 'the live dashboard (default command)',
	help: `Usage: quota-tui [dashboard] [--demo]

The live dashboard: every account's 5-hour and 7-day windows with bars, percentages, reset
countdowns and projections; the active and recommended account; recent decisions. Press ? inside
for the keys. With no accounts configured it opens on the built-in DEMO accounts.

Without a TTY (a pipe, CI, cron) it prints one frame and exits 0.`,
	async run(argv, io) {
		const {values} = parse(argv, {}, 'dashboard');
		let ctx = open(io, {demo: values.demo});
		if (!ctx.demo && ctx.accounts.length === 0) {
			ctx.close();
			ctx = open(io, {demo: true});
		}
		const runtime = createAppRuntime(ctx);
		const ui = await import('../../ui/app.js');
		const interactive = Boolean(io.stdout.isTTY && io.stdin.isTTY);
		if (!interactive) {
			const frame = ui.renderStaticFrame(runtime.getSnapshot(), runtime.clock.now(), {
				columns: io.stdout.columns ?? 100,
				rows: io.stdout.rows ?? 30,
			});
			runtime.dispose();
			print(io, frame);
			return 0;
		}
		const instance = ui.renderDashboard(runtime, {maxFps: ctx.config.ui.maxFps, stdout: io.stdout, stdin: io.stdin});
		await instance.waitUntilExit();
		runtime.dispose();
		return 0;
	},
};
