/**
 * One request/response exchange with a CLI that speaks JSON lines on stdin/stdout (`claude -p
 * --input-format stream-json`, `codex app-server`): spawn it, send, read lines until an answer, and
 * always settle exactly once — on the answer, a timeout, a spawn error or the process closing.
 *
 * The timeout bounds the whole process tree (audit D3): the CLI starts as the leader of its own process
 * group (wrappers such as npm's `codex.js` or shell scripts without `exec` leave the real binary as a
 * grandchild), the group is signalled, and once settled the pipes are destroyed and the child unref'd,
 * so a grandchild that keeps them open can never keep quota-tui alive.
 */
import {spawn} from 'node:child_process';
import os from 'node:os';
import {oneLine, stripControl} from '../engine/sanitize.js';

export type JsonLinesSession<T> = {
	/** Write one message as a JSON line (ignored once stdin is closed). */
	send(message: Record<string, unknown>): void;
	/** Settle with `outcome`; later calls are ignored. */
	finish(outcome: T): void;
};

export type JsonLinesOptions<T> = {
	executable: string;
	args: readonly string[];
	env: NodeJS.ProcessEnv;
	signal?: AbortSignal | undefined;
	timeoutMs: number;
	/** Sends the first message(s). */
	start(session: JsonLinesSession<T>): void;
	/** Each non-empty stdout line; call `session.finish` when it is the answer. */
	onLine(line: string, session: JsonLinesSession<T>): void;
	/** The outcome when nothing answered within `timeoutMs` (the child is then killed). */
	onTimeout(): T;
	/** The outcome when the executable could not be started. */
	onSpawnError(error: NodeJS.ErrnoException): T;
	/** The outcome when the process closed without an answer; `rest` is stdout after the last newline. */
	onClose(info: {code: number | null; signal: NodeJS.Signals | null; stderrTail: string; rest: string}, session: JsonLinesSession<T>): T;
};

export function exchangeJsonLines<T>(options: JsonLinesOptions<T>): Promise<T> {
	return new Promise(resolve => {
		let settled = false;
		let buffer = '';
		let stderr = '';
		const child = spawn(options.executable, [...options.args], {
			env: options.env,
			stdio: ['pipe', 'pipe', 'pipe'],
			cwd: os.tmpdir(),
			detached: true,
		});
		/** Signal the child's whole process group (it leads one), else the child. */
		const signalTree = (name: NodeJS.Signals) => {
			if (child.pid === undefined) return;
			try {
				process.kill(-child.pid, name);
			} catch {
				try {
					child.kill(name);
				} catch {
					// Already gone.
				}
			}
		};
		const release = () => {
			child.stdout.destroy();
			child.stderr.destroy();
			child.stdin.destroy();
			child.unref();
		};
		const session: JsonLinesSession<T> = {
			send(message) {
				if (!child.stdin.destroyed) child.stdin.write(`${JSON.stringify(message)}\n`);
			},
			finish(outcome) {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				options.signal?.removeEventListener('abort', abort);
				child.stdin.end();
				// Give it a moment to exit on its own after stdin closes, then stop its process group; its
				// pipes are let go at once, and the timers do not keep this process alive.
				const stop = setTimeout(() => {
					signalTree('SIGTERM');
					const kill = setTimeout(() => signalTree('SIGKILL'), 1000);
					kill.unref();
				}, 500);
				stop.unref();
				child.once('exit', () => {
					clearTimeout(stop);
					// Grandchildren of a wrapper that exited are still in its group.
					signalTree('SIGKILL');
				});
				child.stdout.removeAllListeners('data');
				release();
				resolve(outcome);
			},
		};
		const timer = setTimeout(() => {
			session.finish(options.onTimeout());
			signalTree('SIGKILL');
		}, options.timeoutMs);
		const abort = () => {
			session.finish(options.onTimeout());
			signalTree('SIGKILL');
		};
		if (options.signal?.aborted) queueMicrotask(abort);
		else options.signal?.addEventListener('abort', abort, {once: true});

		child.on('error', error => session.finish(options.onSpawnError(error as NodeJS.ErrnoException)));
		child.stdin.on('error', () => undefined); // EPIPE when the CLI exits early: reported on close
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-2000);
		});
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => {
			buffer += chunk;
			let newline: number;
			while (!settled && (newline = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, newline).trim();
				buffer = buffer.slice(newline + 1);
				if (line) options.onLine(line, session);
			}
		});
		child.on('close', (code, signal) => {
			if (settled) return;
			// Escape sequences out before anything else (real Codex stderr is full of colour codes; D14).
			const stderrTail = oneLine(stripControl(stderr).trim().split('\n').at(-1) ?? '').trim().slice(0, 200);
			session.finish(options.onClose({code, signal, stderrTail, rest: buffer.trim()}, session));
		});

		options.start(session);
	});
}
