// Shared by the benchmark phases: a wall clock, a median and a timed run of the pinned node.
import {spawn} from 'node:child_process';

export const NODE = process.execPath;

/** Milliseconds from a monotonic clock. */
export const hr = () => Number(process.hrtime.bigint()) / 1e6;

export const median = values => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Run `node ARGS` to completion with `input` on stdin; resolves to {ms, stdout}, rejects on a non-zero exit. */
export function timeRun(args, env, input) {
	return new Promise((resolve, reject) => {
		const start = hr();
		const child = spawn(NODE, args, {env, stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => {
			const ms = hr() - start;
			if (code === 0) resolve({ms, stdout});
			else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
		});
		child.stdin.on('error', () => undefined);
		child.stdin.end(input ?? '');
	});
}
