import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// CLI and provider tests run real processes; on a loaded 2-core CI machine one test can take
		// several seconds. Speed is measured in test/bench, never asserted by a timeout.
		testTimeout: 30_000,
		hookTimeout: 30_000,
		include: ['test/**/*.test.{ts,tsx,mjs}'],
		globalSetup: ['test/global-setup.ts'],
		// Two files at a time on a 2-core machine (vitest's default, cores − 1, runs one): most CLI runs are
		// in-process now (test/helpers/cli.ts), and the slow files (tmux, dispatch, team) mostly wait.
		maxWorkers: 2,
		// One worker process runs many files: no ~1–2 s process start and module load per file, and the
		// in-process CLI of test/helpers/cli.ts stays loaded. Files share module state, so a test never
		// relies on a fresh module (time and home are injected; TZ is UTC everywhere, see global-setup).
		isolate: false,
	},
});
