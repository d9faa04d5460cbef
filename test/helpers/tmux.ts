/**
 * Whether the tmux tests (test/tmux/) can run: tmux on PATH. Where it is not, they are skipped and one
 * line says why (printed once per test process, however many tmux test files there are).
 */
import {spawnSync} from 'node:child_process';

export const hasTmux = spawnSync('tmux', ['-V'], {encoding: 'utf8'}).status === 0;
if (!hasTmux) {
	console.log('test/tmux: skipped, tmux is not installed (apt-get install tmux runs these tests)');
}
