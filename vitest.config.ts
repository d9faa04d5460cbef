import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// CLI and provider tests run real processes; on a loaded 2-core CI machine one test can take
		// several seconds. Speed is measured in test/bench, never asserted by a timeout.
		testTimeout: 30_000,
		hookTimeout: 30_000,
		include: ['test/**/*.test.{ts,tsx,mjs}'],
		globalSetup: ['test/global-setup.ts'],
	},
});
