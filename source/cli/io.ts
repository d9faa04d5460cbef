/**
 * What a command needs from the process, passed in so commands can be run in-process by tests and
 * benchmarks, and the one place that prints.
 */
import os from 'node:os';
import {parseArgs, type ParseArgsConfig} from 'node:util';
import {jsonText} from '../engine/json.js';

export type Io = {
	stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number; rows?: number};
	stderr: NodeJS.WritableStream;
	stdin: NodeJS.ReadableStream & {isTTY?: boolean};
	env: NodeJS.ProcessEnv;
	/** The working directory relative paths are read against (default: the process's). */
	cwd?: string | undefined;
};

/** The run's working directory: the injected one, else the process's. */
export function cwdOf(io: Io): string {
	return io.cwd ?? process.cwd();
}

/** The user's home for `~` in paths: HOME of the run's environment, else the OS's idea of it. */
export function homeOf(io: Io): string {
	return io.env['HOME'] || os.homedir();
}

/** Bad usage or bad input: exit 2, the message names the flag, file or field. */
export class UsageError extends Error {
	readonly exitCode: number;
	constructor(message: string, exitCode = 2) {
		super(message);
		this.exitCode = exitCode;
	}
}

export function print(io: Io, text = ''): void {
	io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printError(io: Io, text: string): void {
	io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(io: Io, value: unknown): void {
	io.stdout.write(`${jsonText(value)}\n`);
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
	help: {type: 'boolean', short: 'h'},
	demo: {type: 'boolean'},
} as const satisfies Options;

/** parseArgs with our error wording (exit 2 naming the flag). */
export function parse<T extends Options>(argv: readonly string[], options: T, command: string) {
	try {
		return parseArgs({args: [...argv], options: {...COMMON_OPTIONS, ...options}, allowPositionals: true, strict: true});
	} catch (error) {
		const message = (error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '');
		throw new UsageError(`quota-tui ${command}: ${message}\nRun "quota-tui ${command} --help" for usage.`);
	}
}

/** A number flag, or UsageError naming it. */
export function numberFlag(value: string | undefined, flag: string, {min, max}: {min?: number; max?: number} = {}): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${value}"`);
	if (min !== undefined && n < min) throw new UsageError(`${flag}: expected a number ≥ ${min}, got ${value}`);
	if (max !== undefined && n > max) throw new UsageError(`${flag}: expected a number ≤ ${max}, got ${value}`);
	return n;
}

/**
 * A share of a window: a fraction (`0.05`) or a percent with its sign (`5%`). A bare number above 1 is
 * refused because it is ambiguous.
 */
export function fractionFlag(value: string | undefined, flag: string): number | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	if (text.endsWith('%')) {
		const n = numberFlag(text.slice(0, -1), flag, {min: 0});
		return n === undefined ? undefined : n / 100;
	}
	const n = numberFlag(text, flag, {min: 0});
	if (n !== undefined && n > 1) throw new UsageError(`${flag}: expected a fraction 0–1 (0.05) or a percent with its sign (5%), got "${value}"`);
	return n;
}
