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
 * The terminal is given back (primary screen, cursor shown, raw mode off) on quit, on SIGTERM/SIGHUP,
 * and on an uncaught exception, whose message is printed after the terminal is restored so it stays
 * readable.
 */
import {once} from 'node:events';
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

/**
 * Suspend to the shell (Ctrl+Z): `suspendTerminal` leaves the alternate screen and raw mode, the whole
 * process group stops as a shell's job control expects, and on `fg` (SIGCONT) Ink takes the terminal
 * back and draws the frame again.
 */
export async function suspendToShell(suspendTerminal: (callback: () => Promise<void>) => Promise<void>, proc: NodeJS.Process = process): Promise<void> {
	await suspendTerminal(async () => {
		const resumed = once(proc, 'SIGCONT');
		proc.kill(0, 'SIGTSTP');
		await resumed;
	});
}
