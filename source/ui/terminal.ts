/**
 * The terminal the live dashboard owns.
 *
 * Why the alternate screen: Ink's log-update erases its last frame by moving the cursor up as many
 * lines as it wrote. When a pane gets narrower (a dragged tmux split, `prefix z`), the terminal
 * re-wraps the lines already on screen, the old frame then takes more rows than Ink counted, and the
 * rows it misses stay on screen for good (audit Part 2, D1). Full-screen TUIs (vim, htop, btop,
 * lazygit) draw on the alternate screen instead: it has no scrollback, tmux does not re-wrap it, and
 * it can be cleared whole without touching the user's shell history, which comes back untouched when
 * the dashboard exits. So the dashboard renders with Ink's `alternateScreen`, and on every resize (width
 * or height) and on Ctrl+L it erases the whole screen and has Ink draw the frame again from the top.
 *
 * The terminal is given back (primary screen, cursor shown, raw mode off, mouse reporting off) on quit,
 * on SIGTERM/SIGHUP, and on an uncaught exception, whose message is printed after the terminal is restored so it stays
 * readable.
 */
import {once} from 'node:events';
import {writeSync} from 'node:fs';
import type {Instance} from 'ink';
import type {Size} from './layout.js';

/** Cursor home, then erase the whole screen (on the alternate screen: nothing else is lost). */
export const CLEAR_SCREEN = '\u001B[H\u001B[2J';

type SizedStream = NodeJS.EventEmitter & {columns?: number; rows?: number; isTTY?: boolean; write(data: string): unknown};

/** The terminal's size as an external store, plus the full redraw (Ctrl+L). */
export type Screen = {
	/** The current size: the same object until the size changes or a redraw is asked for. */
	size(): Size;
	subscribe(listener: () => void): () => void;
	/** Erase the whole screen and draw the frame again. */
	redraw(): void;
	/** Hand the Ink instance over (after render): from then on resizes clear the screen. */
	attach(instance: Pick<Instance, 'clear'>): void;
	dispose(): void;
};

const DEFAULT_SIZE: Size = {columns: 80, rows: 24};

function sizeOf(stream: SizedStream): Size {
	const {columns, rows} = stream;
	return {
		columns: typeof columns === 'number' && columns > 0 ? columns : DEFAULT_SIZE.columns,
		rows: typeof rows === 'number' && rows > 0 ? rows : DEFAULT_SIZE.rows,
	};
}

/**
 * The screen of `stdout`. With `canClear` (a live TTY on the alternate screen) a resize or a redraw
 * first makes Ink forget its frame and erases the screen, then publishes the new size: React renders
 * the new frame at once (the update is synchronous), and Ink writes it whole, from the top.
 */
export function createScreen(stdout: SizedStream, {canClear = Boolean(stdout.isTTY)}: {canClear?: boolean} = {}): Screen {
	const listeners = new Set<() => void>();
	let current = sizeOf(stdout);
	let instance: Pick<Instance, 'clear'> | undefined;

	const publish = (next: Size) => {
		current = next;
		for (const listener of [...listeners]) {
			listener();
		}
	};

	const clear = () => {
		if (!canClear || instance === undefined) {
			return;
		}

		// Ink forgets the frame it drew (its own relative erase may miss rows the terminal re-wrapped),
		// then the whole screen goes: the next frame is written in full from the top-left corner.
		instance.clear();
		stdout.write(CLEAR_SCREEN);
	};

	// Registered ahead of Ink's own resize listener, so Ink's redraw already sees the new tree.
	const onResize = () => {
		clear();
		publish(sizeOf(stdout));
	};

	stdout.prependListener('resize', onResize);
	return {
		size: () => current,
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		redraw() {
			clear();
			publish({...current});
		},
		attach(next) {
			instance = next;
		},
		dispose() {
			stdout.off('resize', onResize);
			listeners.clear();
			instance = undefined;
		},
	};
}

/** Signals that end the dashboard like `q` does, with their conventional exit codes. */
const SIGNALS = {SIGTERM: 143, SIGHUP: 129} as const;

export type GuardOptions = {
	/** Stop the runtime and unmount Ink (the same path as `q`). */
	readonly quit: () => void;
	/** Unmount Ink at once (restores the primary screen and the cursor). */
	readonly restore: () => void;
	readonly stderr: {write(data: string): unknown};
	/** Ends the process (process.exit). */
	readonly exit: (code: number) => void;
	readonly proc?: NodeJS.Process;
};

/**
 * Give the terminal back however the process ends: SIGTERM and SIGHUP quit like `q` (then exit with
 * 143/129); an uncaught exception or unhandled rejection restores the terminal first and then prints
 * its stack, so the message does not vanish with the alternate screen. Returns the unregister function
 * and the exit code a signal asked for (null when none came).
 */
export function guardTerminal({quit, restore, stderr, exit, proc = process}: GuardOptions): {dispose(): void; signalExitCode(): number | null} {
	let code: number | null = null;
	const handlers: Array<[string, (...args: unknown[]) => void]> = [];
	for (const [signal, exitCode] of Object.entries(SIGNALS)) {
		handlers.push([signal, () => {
			code = exitCode;
			quit();
			// Running jobs keep running (own supervisors); if something still holds the loop, leave anyway.
			setTimeout(() => exit(exitCode), 2000).unref();
		}]);
	}

	const crash = (error: unknown) => {
		try {
			restore();
		} finally {
			const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
			stderr.write(`quota-tui: the dashboard crashed: ${text}\n`);
			exit(1);
		}
	};

	handlers.push(['uncaughtException', crash], ['unhandledRejection', crash]);
	for (const [event, handler] of handlers) {
		proc.on(event, handler);
	}

	return {
		dispose() {
			for (const [event, handler] of handlers) {
				proc.off(event, handler);
			}
		},
		signalExitCode: () => code,
	};
}

/** Mouse button reporting (1000) in SGR encoding (1006): the wheel arrives as `ESC[<64;x;yM` / `ESC[<65;x;yM`. */
export const MOUSE_ON = '\u001B[?1000h\u001B[?1006h';
export const MOUSE_OFF = '\u001B[?1006l\u001B[?1000l';

/**
 * Whether to ask the terminal for mouse reports: only a TTY, not TERM=dumb, and not GNU screen outside
 * tmux (screen answers mode 1000 in the old X10 encoding, whose bytes would read as keys).
 */
export function wantsMouse(stdout: {isTTY?: boolean}, env: NodeJS.ProcessEnv, enabled = true): boolean {
	const term = env['TERM'] ?? '';
	return enabled && Boolean(stdout.isTTY) && term !== '' && term !== 'dumb' && !(term.startsWith('screen') && !env['TMUX']);
}

/** Super+↑ and Super+↓ (xterm modifier 9): what a wheel report becomes, a key no terminal sends for itself in practice. */
export const WHEEL_UP_KEY = '\u001B[1;9A';
export const WHEEL_DOWN_KEY = '\u001B[1;9B';

// eslint-disable-next-line no-control-regex -- SGR mouse reports start with ESC.
const SGR_MOUSE = /\u001B\[<(\d+);\d+;\d+([Mm])/g;

/**
 * Rewrite the SGR mouse reports of a chunk of terminal input: a wheel step (button 64 up, 65 down;
 * Shift/Alt/Ctrl add 4/8/16) becomes Super+↑/↓, which Ink hands to useInput as an arrow with `super`
 * (keymap keyNamesOf: `wheelup`, `wheeldown`); clicks and releases are dropped. Ink itself drops every
 * mouse report before useInput, so the wheel must be renamed before Ink reads it.
 */
export function translateMouse(chunk: string): string {
	return chunk.replaceAll(SGR_MOUSE, (_, code: string, end: string) => {
		const base = Number(code) & ~(4 | 8 | 16);
		if (end !== 'M' || (base !== 64 && base !== 65)) {
			return '';
		}

		return base === 64 ? WHEEL_UP_KEY : WHEEL_DOWN_KEY;
	});
}

/** `stdin` as Ink sees it with mouse reporting on: what read() returns has its wheel reports renamed (translateMouse). */
export function wheelAsKeys<T extends NodeJS.ReadableStream>(stdin: T): T {
	return new Proxy(stdin, {
		get(target, property) {
			if (property === 'read') {
				return (size?: number) => {
					const chunk: unknown = target.read(size);
					return typeof chunk === 'string' ? translateMouse(chunk) : chunk;
				};
			}

			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
		},
	});
}

/** What is on while the dashboard runs and must be off while it is suspended (Ctrl+Z) or gone. */
const suspendHooks = new Set<{readonly pause: () => void; readonly resume: () => void}>();

export type MouseReporting = {dispose(): void};

/**
 * Turn mouse reporting on for `stdout` until dispose: off again on dispose, on Ctrl+Z (and back on
 * `fg`), and on any process exit (a crash, process.exit) by a synchronous write, so a shell never
 * receives mouse reports after the dashboard is gone.
 */
export function enableMouse(stdout: {write(data: string): unknown; fd?: number}, proc: NodeJS.Process = process): MouseReporting {
	const write = (data: string) => {
		try {
			if (typeof stdout.fd === 'number') {
				writeSync(stdout.fd, data);
			} else {
				stdout.write(data);
			}
		} catch {
			// The terminal is gone: nothing to switch off.
		}
	};

	let on = true;
	const hook = {pause: () => on && write(MOUSE_OFF), resume: () => on && write(MOUSE_ON)};
	const onExit = () => {
		if (on) {
			on = false;
			write(MOUSE_OFF);
		}
	};

	write(MOUSE_ON);
	suspendHooks.add(hook);
	proc.on('exit', onExit);
	return {
		dispose() {
			onExit();
			suspendHooks.delete(hook);
			proc.off('exit', onExit);
		},
	};
}

/**
 * Suspend to the shell (Ctrl+Z): `suspendTerminal` leaves the alternate screen and raw mode, mouse
 * reporting goes off, the whole process group stops as a shell's job control expects, and on `fg`
 * (SIGCONT) Ink takes the terminal back and draws the frame again.
 */
export async function suspendToShell(suspendTerminal: (callback: () => Promise<void>) => Promise<void>, proc: NodeJS.Process = process): Promise<void> {
	await suspendTerminal(async () => {
		for (const hook of suspendHooks) hook.pause();
		const resumed = once(proc, 'SIGCONT');
		proc.kill(0, 'SIGTSTP');
		await resumed;
		for (const hook of suspendHooks) hook.resume();
	});
}
