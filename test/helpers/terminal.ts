/**
 * A terminal for tests: a fake TTY stdout/stdin pair whose output feeds a real terminal emulator
 * (@xterm/headless), so a test asserts what is on the screen after every escape sequence, including
 * what the terminal re-wraps on a resize, and not only the frames Ink meant to draw.
 */
import {EventEmitter} from 'node:events';
import {setTimeout as sleep} from 'node:timers/promises';
import xterm from '@xterm/headless';

const {Terminal} = xterm;

class TtyStdout extends EventEmitter {
	readonly isTTY = true;
	/** Every byte written, in order. */
	readonly written: string[] = [];
	constructor(private readonly terminal: InstanceType<typeof Terminal>, public columns: number, public rows: number) {
		super();
	}

	write = (data: string | Uint8Array, ...rest: unknown[]): boolean => {
		const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
		if (text !== '') {
			this.written.push(text);
			this.terminal.write(text);
		}

		const callback = rest.find(argument => typeof argument === 'function') as (() => void) | undefined;
		callback?.();
		return true;
	};
}

class TtyStdin extends EventEmitter {
	readonly isTTY = true;
	isRaw = false;
	private readonly chunks: string[] = [];
	write(data: string): void {
		this.chunks.push(data);
		this.emit('readable');
	}

	read = (): string | null => this.chunks.shift() ?? null;
	setEncoding(): void {}
	setRawMode(mode: boolean): void {
		this.isRaw = mode;
	}

	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

export class VirtualTerminal {
	readonly terminal: InstanceType<typeof Terminal>;
	readonly stdout: TtyStdout;
	readonly stdin = new TtyStdin();

	constructor(columns: number, rows: number) {
		// convertEol: a TTY's line discipline turns \n into \r\n (onlcr); the emulator must too.
		this.terminal = new Terminal({cols: columns, rows, allowProposedApi: true, scrollback: 0, convertEol: true});
		this.stdout = new TtyStdout(this.terminal, columns, rows);
	}

	/** Resize as a terminal does: the emulator first (it re-wraps what it shows), then SIGWINCH. */
	resize(columns: number, rows: number): void {
		this.terminal.resize(columns, rows);
		this.stdout.columns = columns;
		this.stdout.rows = rows;
		this.stdout.emit('resize');
	}

	/** Wait until the emulator has parsed everything written so far. */
	async flush(): Promise<void> {
		await new Promise<void>(resolve => {
			this.terminal.write('', resolve);
		});
	}

	/** The visible screen, one string per row, trailing spaces removed. */
	screen(): string[] {
		const buffer = this.terminal.buffer.active;
		const lines: string[] = [];
		for (let row = 0; row < this.terminal.rows; row++) {
			lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
		}

		return lines;
	}

	/** The screen as text without the empty rows at the bottom. */
	text(): string {
		return this.screen().join('\n').replace(/\n+$/, '');
	}

	/** True while the alternate screen is active. */
	isAlternate(): boolean {
		return this.terminal.buffer.active.type === 'alternate';
	}

	/** Poll until `accept(screen text)` holds (rendering is throttled and asynchronous). */
	async waitFor(accept: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			await this.flush();
			const text = this.text();
			if (accept(text)) {
				return text;
			}

			if (Date.now() > deadline) {
				throw new Error(`the screen never matched; last screen:\n${text}`);
			}

			await sleep(20);
		}
	}

	/** Wait until the screen stops changing for `quietMs`. */
	async settle(quietMs = 150, timeoutMs = 5000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let last = '';
		let since = Date.now();
		for (;;) {
			await this.flush();
			const text = this.text();
			if (text !== last) {
				last = text;
				since = Date.now();
			} else if (Date.now() - since >= quietMs) {
				return text;
			}

			if (Date.now() > deadline) {
				return text;
			}

			await sleep(20);
		}
	}

	dispose(): void {
		this.terminal.dispose();
	}
}
