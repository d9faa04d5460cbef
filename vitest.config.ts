import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// CLI and provider tests run real processes; on a loaded 2-core CI machine one test can take
		// several seconds. Speed is measured in test/bench, never asserted by a timeout.
		testTimeout: 30_000,
		hookTimeout: 30_000,
		include: ['test/**/*.test.{ts,tsx,mjs}'],
		globalSetup: ['test/global-setup.ts'],
		// Three files at a time on a 2-core machine (vitest's default, cores − 1, runs one): most CLI runs
		// are in-process (test/helpers/cli.ts), and the slow files (tmux, dispatch, team, serve) mostly wait
		// for real time to pass (leases, timeouts, ticks), so a third file uses the CPU they leave idle.
		// Measured on the 2-core machine: 2 workers 178 s, 3 workers 141 s, 4 workers 143 s (and timing
		// assertions start to feel the contention).
		maxWorkers: 3,
		// One worker process runs many files: no ~1–2 s process start and module load per file, and the
		// in-process CLI of test/helpers/cli.ts stays loaded. Files share module state, so a test never
		// relies on a fresh module (time and home are injected; TZ is UTC everywhere, see global-setup).
		isolate: false,
	},
});
