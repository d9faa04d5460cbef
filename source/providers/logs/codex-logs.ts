/**
 * Codex rollout logs (`<home>/sessions/**\/rollout-*.jsonl`, `<home>/archived_sessions/rollout-*.jsonl`):
 * token usage per turn.
 *
 * A `turn_context` line names the model of the turns that follow; an `event_msg` / `token_count` line
 * carries `info.last_token_usage` (this turn) and `info.total_token_usage` (the session so far). A turn
 * is `last_token_usage`, or, when it is missing, the difference of `total_token_usage` from the
 * previous event. An event repeating the previous totals exactly is a duplicate and adds nothing; a
 * turn of zero tokens is skipped. Codex counts cached input inside `input_tokens`: it becomes a cache
 * read, the rest plain input; `cache_write_input_tokens` (2026 builds) a cache write.
 *
 * The model and the previous totals carry over between reads of the same file (parser state).
 */
import path from 'node:path';
import type {CodexState, UsageBuilder} from '../../engine/usage.js';
import {emptyStats, parseTimestamp, type LineStats} from './claude-logs.js';
import {listFiles, type DirCache} from './files.js';

export {emptyStats};

const TOKEN_COUNT = Buffer.from('"token_count"');
const TURN_CONTEXT = Buffer.from('"turn_context"');

export type {CodexState};

export function initialCodexState(): CodexState {
	return {model: null, totals: null};
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

function usageOf(x: unknown): [number, number, number, number, number, number] | null {
	if (!isObject(x)) return null;
	return [num(x['input_tokens']), num(x['cached_input_tokens']), num(x['output_tokens']), num(x['reasoning_output_tokens']), num(x['total_tokens']), num(x['cache_write_input_tokens'])];
}

function modelOf(x: unknown): string | null {
	if (!isObject(x)) return null;
	for (const key of ['model', 'model_slug', 'model_name']) {
		const value = x[key];
		if (typeof value === 'string' && value.trim() !== '') return value.trim();
	}
	return null;
}

/** Apply one parsed line to the state; appends a record for a token_count turn. */
export function codexLine(line: Json, fileOffset: number, state: CodexState, out: UsageBuilder, stats: LineStats): void {
	const payload = line['payload'];
	if (!isObject(payload)) return;
	if (line['type'] === 'turn_context') {
		const model = modelOf(payload);
		if (model) state.model = model;
		return;
	}
	if (line['type'] !== 'event_msg' || payload['type'] !== 'token_count') return;
	const info = payload['info'];
	if (!isObject(info)) return;
	const total = usageOf(info['total_token_usage']);
	const last = usageOf(info['last_token_usage']);
	const previous = state.totals;
	let turn: number[] | null = last;
	if (total) {
		const same = previous !== null && previous.every((value, k) => value === total[k]);
		state.totals = [...total];
		if (same) return;
		turn ??= total.map((value, k) => Math.max(0, value - (previous?.[k] ?? 0)));
	}
	if (!turn) return;
	const [input, cached0, output, reasoning, , cacheWrite] = turn as [number, number, number, number, number, number];
	if (input === 0 && cached0 === 0 && output === 0 && reasoning === 0) return;
	const ts = typeof line['timestamp'] === 'string' ? parseTimestamp(line['timestamp']) : Number.NaN;
	if (Number.isNaN(ts)) return;
	const cached = Math.min(cached0, input);
	const write = Math.min(cacheWrite, input - cached);
	out.push({
		offset: fileOffset,
		ts,
		input: input - cached - write,
		output,
		cacheWrite5m: write,
		cacheWrite1h: 0,
		cacheRead: cached,
		key: Number.NaN,
		mkey: Number.NaN,
		model: modelOf(info) ?? modelOf(payload) ?? state.model ?? 'unknown',
		flags: 0,
	});
	stats.records++;
}

function handleLine(buf: Buffer, s: number, e: number, base: number, state: CodexState, out: UsageBuilder, stats: LineStats): void {
	stats.candidates++;
	let line: unknown;
	try {
		line = JSON.parse(buf.toString('utf8', s, e));
	} catch {
		stats.corrupt++;
		if (stats.corruptOffsets.length < 5) stats.corruptOffsets.push(base);
		return;
	}
	if (isObject(line)) codexLine(line, base, state, out, stats);
}

/** Parse the complete lines of buf[start, end); returns the index past the last newline. */
export function parseCodexChunk(buf: Buffer, start: number, end: number, base: number, state: CodexState, out: UsageBuilder, stats: LineStats): number {
	const view = buf.subarray(start, end);
	const lastNewline = view.lastIndexOf(0x0a);
	if (lastNewline < 0) return start;
	let p = 0;
	let nextCount = view.indexOf(TOKEN_COUNT, p);
	let nextContext = view.indexOf(TURN_CONTEXT, p);
	for (;;) {
		const m = nextCount < 0 ? nextContext : nextContext < 0 ? nextCount : Math.min(nextCount, nextContext);
		if (m < 0 || m > lastNewline) break;
		const ls = view.lastIndexOf(0x0a, m) + 1;
		const le = view.indexOf(0x0a, m);
		handleLine(buf, start + ls, start + le, base + ls, state, out, stats);
		p = le + 1;
		if (nextCount >= 0 && nextCount < p) nextCount = view.indexOf(TOKEN_COUNT, p);
		if (nextContext >= 0 && nextContext < p) nextContext = view.indexOf(TURN_CONTEXT, p);
	}
	return start + lastNewline + 1;
}

/** A final line without newline: parsed when complete (returns true), left for later when not. */
export function parseCodexTail(buf: Buffer, start: number, end: number, base: number, state: CodexState, out: UsageBuilder, stats: LineStats): boolean {
	let line: unknown;
	try {
		line = JSON.parse(buf.toString('utf8', start, end));
	} catch {
		return false;
	}
	if (isObject(line)) {
		stats.candidates++;
		codexLine(line, base, state, out, stats);
	}
	return true;
}

/** Rollout files of a Codex home (`sessions/` and `archived_sessions/`), sorted by path. */
export function listCodexLogFiles(home: string, cache?: DirCache): string[] {
	const accept = (name: string) => name.startsWith('rollout-') && name.endsWith('.jsonl');
	return [...listFiles(path.join(home, 'sessions'), accept, cache), ...listFiles(path.join(home, 'archived_sessions'), accept, cache)].sort();
}
