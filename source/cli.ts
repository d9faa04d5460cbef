#!/usr/bin/env node
import module from 'node:module';
import {nodeFloorProblem, quietExperimentalWarnings} from './node-floor.js';

// V8's code cache on disk (Node ≥ 22.1; in the OS temp dir, keyed by file contents): every later run
// loads the commands' chunks compiled instead of parsing and compiling them again (start-up, issue 15).
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

const argv = process.argv.slice(2);

// `quota-tui status | head -3`: the reader went away; that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
	stream.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
		throw error;
	});
}

/**
 * `quota-tui statusline` runs on every Claude Code status-line refresh: it takes a light path that
 * never loads the CLI (zod, conf, luxon, Ink, React). `statusline install|uninstall` and `--help` go
 * through the normal CLI.
 */
const isCapture = argv[0] === 'statusline' && argv[1] !== 'install' && argv[1] !== 'uninstall' && !argv.includes('--help') && !argv.includes('-h');

/** `quota-tui hook claude` runs before every prompt or tool call of Claude Code: light as well. */
const isClaudeHook = argv[0] === 'hook' && argv[1] === 'claude' && !argv.includes('--help') && !argv.includes('-h');

// Below the floor nothing that needs node:sqlite is loaded: one line and exit 1, except the status-line
// hook and the Claude Code hook, which print nothing and exit 0 so they can never break Claude Code.
const tooOld = nodeFloorProblem(process.version);
const isHook = isCapture || isClaudeHook;

if (tooOld !== null) {
	if (!isHook) process.stderr.write(`${tooOld}\n`);
	process.exitCode = isHook ? 0 : 1;
} else if (isClaudeHook) {
	quietExperimentalWarnings();
	const {runClaudeHook} = await import('./cli/hook-claude.js');
	process.exitCode = await runClaudeHook({stdin: process.stdin, stdout: process.stdout, env: process.env});
} else if (isCapture) {
	quietExperimentalWarnings();
	const {runStatuslineCapture} = await import('./cli/statusline-capture.js');
	process.exitCode = await runStatuslineCapture(argv.slice(1), {stdin: process.stdin, stdout: process.stdout, env: process.env});
} else {
	quietExperimentalWarnings();
	const {main} = await import('./cli/main.js');
	process.exitCode = await main(argv, {
		stdout: process.stdout,
		stderr: process.stderr,
		// Read on use: process.stdin builds a stream (~3 ms of start-up) that most commands never touch.
		get stdin() {
			return process.stdin;
		},
		env: process.env,
	});
}
