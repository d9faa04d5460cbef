/**
 * Render an Ink tree into a fake terminal of a given size (ink-testing-library's stdout is always
 * 100 columns and has no rows). Frames are recorded as Ink writes them (`debug: true`, every frame).
 * Assert frames before `unmount()`: under CI=true, Ink writes a bare "\n" on unmount.
 */
import {EventEmitter} from 'node:events';
import type {ReactElement} from 'react';
import {render as inkRender, type Instance} from 'ink';

class FakeStdout extends EventEmitter {
	readonly frames: string[] = [];
	// Not a TTY: keeps Ink from probing the terminal (kitty keyboard query) in tests.
	readonly isTTY = false;
	constructor(public columns: number, public rows: number) {
		super();
	}

	write = (frame: string, ...rest: unknown[]): boolean => {
		// Ink writes '' with a callback as a barrier before resolving waitUntilExit().
		if (frame !== '') {
			this.frames.push(frame);
		}

		const callback = rest.find(argument => typeof argument === 'function') as (() => void) | undefined;
		callback?.();
		return true;
	};

	resize(columns: number, rows: number): void {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;
	write = (data: string): void => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};

	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

/** Let React flush effects (and re-register input handlers) before the next key (Shopify's helper). */
export async function tick(ms = 0): Promise<void> {
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	await new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

export const KEYS = {
	up: '\u001B[A',
	down: '\u001B[B',
	enter: '\r',
	escape: '\u001B',
	ctrlC: '\u0003',
	ctrlL: '\u000C',
	tab: '\t',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
} as const;

export type RenderResult = {
	lastFrame(): string;
	frames: string[];
	stdout: FakeStdout;
	stdin: FakeStdin;
	/** Type keys one after another, letting React settle after each. */
	press(...keys: string[]): Promise<void>;
	rerender: Instance['rerender'];
	unmount(): void;
	waitUntilExit: Instance['waitUntilExit'];
};

export type RenderOptions = {
	readonly columns?: number;
	readonly rows?: number;
};

export async function renderInTerminal(tree: ReactElement, {columns = 100, rows = 30}: RenderOptions = {}): Promise<RenderResult> {
	const stdout = new FakeStdout(columns, rows);
	const stderr = new FakeStdout(columns, rows);
	const stdin = new FakeStdin();
	const instance = inkRender(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	// The first write must wait for useInput to attach (style.md §2, flaky input tests).
	await tick(10);
	return {
		lastFrame: () => stdout.frames.at(-1) ?? '',
		frames: stdout.frames,
		stdout,
		stdin,
		async press(...keys) {
			for (const key of keys) {
				stdin.write(key);
				// A lone Esc waits ~20 ms in Ink's parser for the rest of an escape sequence.
				await tick(key === KEYS.escape ? 40 : 0);
			}
		},
		rerender: instance.rerender,
		unmount: instance.unmount,
		waitUntilExit: instance.waitUntilExit,
	};
}

/** The number of lines of a frame. */
export function frameHeight(frame: string): number {
	return frame.replace(/\n$/, '').split('\n').length;
}

/** The widest line of a frame (plain text, one cell per character). */
export function frameWidth(frame: string): number {
	return Math.max(...frame.split('\n').map(line => [...line].length));
}
