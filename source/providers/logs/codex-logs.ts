/**
 * Codex rollout logs (`<home>/sessions/**\/*.jsonl`, `<home>/archived_sessions/*.jsonl`): token usage
 * per turn, by ccusage's rules so totals match `ccusage codex daily`.
 *
 * A `turn_context` line names the model of the turns that follow; an `event_msg` / `token_count` line
 * carries `info.last_token_usage` (this turn) and `info.total_token_usage` (the session so far). A turn
 * is `last_token_usage`, or, when it is missing, the difference of `total_token_usage` from the
 * previous event. An event repeating the previous totals exactly is a duplicate and adds nothing; a
 * turn of zero tokens is skipped. Codex counts cached input inside `input_tokens`: it becomes a cache
 * read, the rest plain input; `cache_write_input_tokens` (2026 builds) a cache write.
 *
 * The model is the event's own (`payload`, then `info`), else the latest `turn_context`'s; a turn with
 * no model anywhere (2025 logs) is priced as `gpt-5` and flagged (FLAG_FALLBACK), as ccusage does;
 * `codex-auto-review` is priced as the Codex model current at the turn's date.
 *
 * Copies of the same history are counted once (the record's key, see codexKey): a forked session
 * repeats its parent's events verbatim, and the same rollout can sit in `sessions/` and
 * `archived_sessions/`. A `thread_spawn` sub-agent file, and a fork (`forked_from_id`), can start by
 * replaying the parent's token history restamped at its creation: when its first two usage events share
 * their second, the events of that second are the parent's and are skipped (their totals still become
 * the baseline).
 *
 * The model, the previous totals and the replay detection carry over between reads of the same file
 * (parser state).
 */
import path from 'node:path';
import {FLAG_FALLBACK, type CodexState, type UsageBuilder} from '../../engine/usage.js';
import {emptyStats, parseTimestamp, type LineStats} from './claude-logs.js';
import {listFiles, type DirCache} from './files.js';
import {hashByte, hashStart, hashString, hashValue} from './hash.js';

export {emptyStats};

const TOKEN_COUNT = Buffer.from('"token_count"');
const TURN_CONTEXT = Buffer.from('"turn_context"');
const THREAD_SPAWN = Buffer.from('thread_spawn');
const FORKED_FROM = Buffer.from('"forked_from_id"');
/** How far into a file ccusage looks for `thread_spawn` (the session_meta line). */
const SUBAGENT_HEAD = 16 * 1024;

export type {CodexState};

export function initialCodexState(): CodexState {
	return {model: null, totals: null, fallback: false, replay: 'none', second: null, held: null};
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
	for (const key of ['model', 'model_name', 'model_slug']) {
		const value = x[key];
		if (typeof value === 'string' && value.trim() !== '') return value.trim();
	}
	const metadata = x['metadata'];
	if (isObject(metadata) && typeof metadata['model'] === 'string' && metadata['model'].trim() !== '') return metadata['model'].trim();
	return null;
}

/** The model ccusage prices when a log names none. */
export const CODEX_FALLBACK_MODEL = 'gpt-5';

/** `codex-auto-review` is priced as the Codex model released last before the turn (ccusage's table). */
const AUTO_REVIEW: ReadonlyArray<readonly [string, string]> = [
	['2026-04-23', 'gpt-5.5'],
	['2026-03-05', 'gpt-5.4'],
	['2026-02-05', 'gpt-5.3-codex'],
	['2025-12-11', 'gpt-5.2-codex'],
	['2025-11-13', 'gpt-5.1-codex'],
	['2025-09-15', 'gpt-5-codex'],
	['2025-08-07', 'gpt-5'],
];

function autoReviewModel(timestamp: string): string {
	const date = timestamp.slice(0, 10);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return CODEX_FALLBACK_MODEL;
	return AUTO_REVIEW.find(([released]) => date >= released)?.[1] ?? CODEX_FALLBACK_MODEL;
}

/** The deduplication key of a turn: its timestamp, model and raw token counts (ccusage's tuple). */
export function codexKey(ts: number, model: string, usage: readonly number[]): number {
	const h = hashString(hashStart(), model);
	hashByte(h, 0xff);
	hashString(h, `${ts}:${usage[0]}:${usage[1]}:${usage[2]}:${usage[3]}:${usage[4]}`);
	return hashValue(h);
}

type Turn = {ts: number; timestamp: string; model: string; fallback: boolean; usage: number[]};

/** Apply one parsed line to the state; returns the turn of a token_count event, if it is one. */
function turnOf(line: Json, state: CodexState): Turn | null {
	const payload = line['payload'];
	if (!isObject(payload)) return null;
	if (line['type'] === 'turn_context') {
		const model = modelOf(payload);
		if (model) {
			state.model = model;
			state.fallback = false;
		}
		return null;
	}
	if (line['type'] !== 'event_msg' || payload['type'] !== 'token_count') return null;
	const info = payload['info'];
	if (!isObject(info)) return null;
	const total = usageOf(info['total_token_usage']);
	const last = usageOf(info['last_token_usage']);
	const previous = state.totals;
	let turn: number[] | null = last;
	if (total) {
		const same = previous !== null && previous.every((value, k) => value === total[k]);
		state.totals = [...total];
		if (same) return null;
		turn ??= total.map((value, k) => Math.max(0, value - (previous?.[k] ?? 0)));
	}
	if (!turn) return null;
	if (turn[0] === 0 && turn[1] === 0 && turn[2] === 0 && turn[3] === 0) return null;
	const timestamp = typeof line['timestamp'] === 'string' ? line['timestamp'].trim() : '';
	const ts = timestamp === '' ? Number.NaN : parseTimestamp(timestamp);
	if (Number.isNaN(ts)) return null;
	const parsed = modelOf(payload) ?? modelOf(info);
	if (parsed) {
		state.model = parsed;
		state.fallback = false;
	}
	if (state.model === null) {
		state.model = CODEX_FALLBACK_MODEL;
		state.fallback = true;
	}
	let model = state.model;
	let fallback = state.fallback === true;
	if (model === 'codex-auto-review') {
		model = autoReviewModel(timestamp);
		fallback = true;
	}
	return {ts, timestamp, model, fallback, usage: turn};
}

function pushTurn(turn: Turn, fileOffset: number, out: UsageBuilder, stats: LineStats): void {
	const [input, cached0, output, , , cacheWrite] = turn.usage as [number, number, number, number, number, number];
	const cached = Math.min(cached0, input);
	const write = Math.min(cacheWrite, input - cached);
	const key = codexKey(turn.ts, turn.model, [input, cached, output, turn.usage[3]!, turn.usage[4]!]);
	out.pushFields(fileOffset, turn.ts, input - cached - write, output, write, 0, cached, key, key, turn.model, turn.fallback ? FLAG_FALLBACK : 0);
	stats.records++;
}

/** Seconds are compared as ccusage compares them: the first 19 characters of the timestamp. */
const secondOf = (timestamp: string): string => timestamp.slice(0, 19);

/** Apply one parsed line to the state; appends a record for a token_count turn. */
export function codexLine(line: Json, fileOffset: number, state: CodexState, out: UsageBuilder, stats: LineStats): void {
	const replay = state.replay ?? 'none';
	const isCount = line['type'] === 'event_msg' && isObject(line['payload']) && line['payload']['type'] === 'token_count';
	if (replay === 'skip' && isCount) {
		const timestamp = typeof line['timestamp'] === 'string' ? line['timestamp'].trim() : '';
		if (timestamp === '') return;
		if (secondOf(timestamp) === state.second) {
			// The parent's replayed history: its totals are the baseline, its turns are not this file's.
			const info = (line['payload'] as Json)['info'];
			const total = isObject(info) ? usageOf(info['total_token_usage']) : null;
			if (total) state.totals = [...total];
			return;
		}
		state.replay = 'done';
	}
	const turn = turnOf(line, state);
	if (!turn) return;
	if (replay === 'detect') {
		const held = state.held;
		if (!held) {
			// The first usage event of a sub-agent file: held until the second says whether it is a replay.
			state.held = {offset: fileOffset, ts: turn.ts, second: secondOf(turn.timestamp), model: turn.model, fallback: turn.fallback, usage: turn.usage};
			return;
		}
		state.held = null;
		if (held.second === secondOf(turn.timestamp)) {
			state.replay = 'skip';
			state.second = held.second;
			return;
		}
		state.replay = 'done';
		pushTurn({ts: held.ts, timestamp: '', model: held.model, fallback: held.fallback, usage: held.usage}, held.offset, out, stats);
	}
	pushTurn(turn, fileOffset, out, stats);
}

/**
 * At the start of a file: a `thread_spawn` sub-agent's or a fork's (`forked_from_id`) first usage
 * events are checked for a replay of the parent's history.
 */
function detectSubagent(buf: Buffer, start: number, end: number, state: CodexState): void {
	const head = buf.subarray(start, Math.min(end, start + SUBAGENT_HEAD));
	if (head.indexOf(THREAD_SPAWN) >= 0 || head.indexOf(FORKED_FROM) >= 0) state.replay = 'detect';
}

/**
 * The end of what a read saw: a sub-agent's first usage event still held (no second one came) is its
 * own turn (ccusage finds no replay in a file with one usage event).
 */
export function flushCodexHeld(state: CodexState, out: UsageBuilder, stats: LineStats): void {
	const held = state.held;
	if (!held) return;
	state.held = null;
	state.replay = 'done';
	pushTurn({ts: held.ts, timestamp: '', model: held.model, fallback: held.fallback, usage: held.usage}, held.offset, out, stats);
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
	if (base === 0) detectSubagent(buf, start, end, state);
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
		if (base === 0) detectSubagent(buf, start, end, state);
		stats.candidates++;
		codexLine(line, base, state, out, stats);
	}
	return true;
}

/**
 * Log files of a Codex home: every `.jsonl` under `sessions/`, then those under `archived_sessions/`
 * whose path relative to it is not also under `sessions/` (the active copy wins, as in ccusage). In that
 * order: the first copy of a repeated event is the one kept.
 */
export function listCodexLogFiles(home: string, cache?: DirCache): string[] {
	const accept = (name: string) => name.endsWith('.jsonl');
	const sessions = path.join(home, 'sessions');
	const archived = path.join(home, 'archived_sessions');
	const active = listFiles(sessions, accept, cache);
	const relative = new Set(active.map(file => path.relative(sessions, file)));
	return [...active, ...listFiles(archived, accept, cache).filter(file => !relative.has(path.relative(archived, file)))];
}

/** The session id (the path under `sessions/` or `archived_sessions/` without `.jsonl`, as ccusage names it) of a Codex log file. */
export function codexFileIdentity(home: string, file: string): {project: string; session: string} {
	for (const dir of ['sessions', 'archived_sessions']) {
		const relative = path.relative(path.join(home, dir), file);
		if (!relative.startsWith('..') && !path.isAbsolute(relative)) return {project: home, session: relative.replace(/\.jsonl$/, '').split(path.sep).join('/')};
	}
	return {project: home, session: path.basename(file, '.jsonl')};
}
