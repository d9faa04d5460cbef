/**
 * Claude Code session logs (`<configDir>/projects/**\/*.jsonl`, subagents included): the usage of every
 * API response, read at the byte level.
 *
 * Only lines holding `"usage":{` can carry usage; everything else (user prompts, tool results,
 * summaries, snapshots) is skipped without being decoded. A candidate line is walked structurally:
 * the top-level keys are read, `message.{id,model,usage}` decoded, and every other value — the large
 * `content` arrays above all — skipped by jumping from quote to quote (a native byte search), so the
 * text of a line is never turned into JS strings. A line that does not hold together (truncated,
 * half-written, unbalanced) is counted as corrupt and skipped; one that parses but is not a usage
 * record (a Task result's `toolUseResult.usage` on a user line) is skipped silently.
 *
 * What counts, as in ccusage: `timestamp` plus `message.usage` with integer `input_tokens` and
 * `output_tokens`; agent-progress lines (`data.message.message.usage`) too. What does not: the
 * `<synthetic>` model and API-error lines (`isApiErrorMessage`), whose "Claude AI usage limit
 * reached|<epoch>" text is kept as an observed reset; records with an empty id, model, session or
 * request id, or a version that is not `x.y.z…`.
 *
 * `parseClaudeJsonLine` does the same from JSON.parse; the benchmark measures both, tests check they agree.
 */
import path from 'node:path';
import {FLAG_FAST, FLAG_SIDECHAIN, FLAG_SPEED, type UsageBuilder} from '../../engine/usage.js';
import {listFiles, type DirCache} from './files.js';
import {hashByte, hashBytes, hashStart, hashString, hashValue, SEP_NO_REQUEST, SEP_REQUEST, type HashState} from './hash.js';

export const USAGE_MARKER = Buffer.from('"usage":{');
const LIMIT_MARKER = Buffer.from('Claude AI usage limit reached');

/** What one pass over a chunk found besides the records. */
export type LineStats = {
	/** Lines holding the usage marker that were examined. */
	candidates: number;
	/** Usage records emitted. */
	records: number;
	/** Candidate lines that do not hold together (truncated, half-written, not JSON). */
	corrupt: number;
	/** Byte offsets (in the file) of the first few corrupt lines, for messages. */
	corruptOffsets: number[];
	/** Observed usage-limit markers: [observedAtMs, resetAtMs]. */
	resets: Array<[number, number]>;
};

export function emptyStats(): LineStats {
	return {candidates: 0, records: 0, corrupt: 0, corruptOffsets: [], resets: []};
}

export function addStats(into: LineStats, from: LineStats): void {
	into.candidates += from.candidates;
	into.records += from.records;
	into.corrupt += from.corrupt;
	for (const offset of from.corruptOffsets) if (into.corruptOffsets.length < 5) into.corruptOffsets.push(offset);
	into.resets.push(...from.resets);
}

// ---------------------------------------------------------------------------------------------------
// The structural scanner. Module-level state keeps the hot loop free of allocations.

let B: Buffer = Buffer.alloc(0);
/** End of the current line (index of its newline, or of the chunk end). */
let E = 0;
const BAD = -1;

const Q = 0x22; // "
const BS = 0x5c; // \
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function ws(i: number): number {
	while (i < E) {
		const c = B[i]!;
		if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return i;
		i++;
	}
	return i;
}

/** `i` at an opening quote; returns the index after the closing quote, or BAD. */
function skipString(i: number): number {
	let j = i + 1;
	// Keys and short values end within a few bytes: a byte loop beats a native call for them.
	const shortEnd = Math.min(E, j + 24);
	for (; j < shortEnd; j++) {
		const c = B[j]!;
		if (c === Q) return j + 1;
		if (c === BS) {
			j++;
			continue;
		}
	}
	for (;;) {
		const q = B.indexOf(Q, j);
		if (q < 0 || q >= E) return BAD;
		if (B[q - 1] !== BS) return q + 1;
		// Count the backslashes before the quote: an odd run escapes it.
		let k = q - 1;
		while (B[k] === BS) k--;
		if ((q - 1 - k) % 2 === 0) return q + 1;
		j = q + 1;
	}
}

function skipContainer(i: number): number {
	let depth = 0;
	let j = i;
	while (j < E) {
		const c = B[j]!;
		if (c === Q) {
			j = skipString(j);
			if (j === BAD) return BAD;
			continue;
		}
		if (c === LBRACE || c === LBRACK) depth++;
		else if (c === RBRACE || c === RBRACK) {
			depth--;
			if (depth === 0) return j + 1;
			if (depth < 0) return BAD;
		}
		j++;
	}
	return BAD;
}

function skipScalar(i: number): number {
	let j = i;
	while (j < E) {
		const c = B[j]!;
		if (c === COMMA || c === RBRACE || c === RBRACK || c === 0x20 || c === 0x09 || c === 0x0d) break;
		j++;
	}
	return j > i ? j : BAD;
}

function skipValue(i: number): number {
	const c = B[i];
	if (c === Q) return skipString(i);
	if (c === LBRACE || c === LBRACK) return skipContainer(i);
	return skipScalar(i);
}

/** A non-negative integer at i; sets NUM_END; NaN when the value is not one (null, float, negative). */
let NUM_END = 0;
function readUint(i: number): number {
	let j = i;
	let n = 0;
	while (j < E) {
		const c = B[j]!;
		if (c < 0x30 || c > 0x39) break;
		n = n * 10 + (c - 0x30);
		j++;
	}
	if (j === i) {
		NUM_END = skipScalar(i);
		return Number.NaN;
	}
	const c = B[j];
	if (c === 0x2e || c === 0x65 || c === 0x45) {
		NUM_END = skipScalar(i);
		return Number.NaN;
	}
	NUM_END = j;
	return n;
}

/** Key at [ks, ke) equals the ASCII `name`. */
function keyIs(ks: number, ke: number, name: string): boolean {
	if (ke - ks !== name.length) return false;
	for (let k = 0; k < name.length; k++) if (B[ks + k] !== name.charCodeAt(k)) return false;
	return true;
}

function hasEscape(s: number, e: number): boolean {
	const k = B.indexOf(BS, s);
	return k >= 0 && k < e;
}

/** The decoded text of the string whose quotes are at s-1 and e. */
function stringText(s: number, e: number): string {
	return hasEscape(s, e) ? (JSON.parse(B.toString('utf8', s - 1, e + 1)) as string) : B.toString('utf8', s, e);
}

// What a line yields (reset per line).
type Usage = {input: number; output: number; cc: number; cc5m: number; cc1h: number; hasBreakdown: boolean; read: number; speed: 0 | 1 | 2};
const usage: Usage = {input: NaN, output: NaN, cc: 0, cc5m: 0, cc1h: 0, hasBreakdown: false, read: 0, speed: 0};
type Msg = {found: boolean; idStart: number; idEnd: number; modelStart: number; modelEnd: number; hasUsage: boolean; usageBad: boolean};
const msg: Msg = {found: false, idStart: -1, idEnd: -1, modelStart: -1, modelEnd: -1, hasUsage: false, usageBad: false};

function resetMsg(): void {
	msg.found = false;
	msg.idStart = msg.idEnd = msg.modelStart = msg.modelEnd = -1;
	msg.hasUsage = false;
	msg.usageBad = false;
	usage.input = usage.output = NaN;
	usage.cc = usage.cc5m = usage.cc1h = usage.read = 0;
	usage.hasBreakdown = false;
	usage.speed = 0;
}

/** Generic object walk: calls `onKey(ks, ke, valueStart)` which returns the value's end (or BAD). */
function walkObject(i: number, onKey: (ks: number, ke: number, v: number) => number): number {
	if (B[i] !== LBRACE) return BAD;
	let j = ws(i + 1);
	if (B[j] === RBRACE) return j + 1;
	for (;;) {
		if (B[j] !== Q) return BAD;
		const ke = skipString(j);
		if (ke === BAD) return BAD;
		let v = ws(ke);
		if (B[v] !== COLON) return BAD;
		v = ws(v + 1);
		const end = onKey(j + 1, ke - 1, v);
		if (end === BAD) return BAD;
		j = ws(end);
		const c = B[j];
		if (c === COMMA) {
			j = ws(j + 1);
			continue;
		}
		if (c === RBRACE) return j + 1;
		return BAD;
	}
}

const onCacheCreationKey = (ks: number, ke: number, v: number): number => {
	if (keyIs(ks, ke, 'ephemeral_5m_input_tokens') || keyIs(ks, ke, 'ephemeral_1h_input_tokens')) {
		const n = readUint(v);
		if (NUM_END === BAD) return BAD;
		// ccusage: serde default for absent, but a null or a float fails the line.
		if (Number.isNaN(n)) msg.usageBad = true;
		else if (B[ks + 10] === 0x35) usage.cc5m = n;
		else usage.cc1h = n;
		return NUM_END;
	}
	return skipValue(v);
};

const onUsageKey = (ks: number, ke: number, v: number): number => {
	const len = ke - ks;
	if (len === 12 && keyIs(ks, ke, 'input_tokens')) {
		usage.input = readUint(v);
		return NUM_END;
	}
	if (len === 13 && keyIs(ks, ke, 'output_tokens')) {
		usage.output = readUint(v);
		return NUM_END;
	}
	if (len === 27 && keyIs(ks, ke, 'cache_creation_input_tokens')) {
		usage.cc = readUint(v);
		if (Number.isNaN(usage.cc)) msg.usageBad = true;
		return NUM_END;
	}
	if (len === 23 && keyIs(ks, ke, 'cache_read_input_tokens')) {
		usage.read = readUint(v);
		if (Number.isNaN(usage.read)) msg.usageBad = true;
		return NUM_END;
	}
	if (len === 14 && keyIs(ks, ke, 'cache_creation')) {
		if (B[v] === LBRACE) {
			usage.hasBreakdown = true;
			return walkObject(v, onCacheCreationKey);
		}
		return skipValue(v);
	}
	if (len === 5 && keyIs(ks, ke, 'speed')) {
		if (B[v] === Q) {
			const end = skipString(v);
			usage.speed = end - v - 2 === 4 && B[v + 1] === 0x66 ? 2 : 1;
			return end;
		}
		// speed: null fails the line in ccusage.
		msg.usageBad = true;
		return skipValue(v);
	}
	return skipValue(v);
};

const onMessageKey = (ks: number, ke: number, v: number): number => {
	const len = ke - ks;
	if (len === 5 && keyIs(ks, ke, 'usage')) {
		if (B[v] !== LBRACE) return skipValue(v);
		msg.hasUsage = true;
		return walkObject(v, onUsageKey);
	}
	if (len === 2 && keyIs(ks, ke, 'id')) {
		if (B[v] !== Q) return skipValue(v);
		const end = skipString(v);
		msg.idStart = v + 1;
		msg.idEnd = end - 1;
		return end;
	}
	if (len === 5 && keyIs(ks, ke, 'model')) {
		if (B[v] !== Q) return skipValue(v);
		const end = skipString(v);
		msg.modelStart = v + 1;
		msg.modelEnd = end - 1;
		return end;
	}
	return skipValue(v);
};

// Top-level fields of the current line.
type Top = {tsStart: number; tsEnd: number; reqStart: number; reqEnd: number; sidechain: boolean; apiError: boolean; versionStart: number; versionEnd: number; sessionEmpty: boolean; dataStart: number; costStart: number; costEnd: number};
const top: Top = {tsStart: -1, tsEnd: -1, reqStart: -1, reqEnd: -1, sidechain: false, apiError: false, versionStart: -1, versionEnd: -1, sessionEmpty: false, dataStart: -1, costStart: -1, costEnd: -1};

function resetTop(): void {
	top.tsStart = top.tsEnd = top.reqStart = top.reqEnd = top.versionStart = top.versionEnd = top.dataStart = top.costStart = top.costEnd = -1;
	top.sidechain = top.apiError = top.sessionEmpty = false;
}

/** The end of the literal at v; BOOL is set to whether it was `true`. */
let BOOL = false;
function readBool(v: number): number {
	BOOL = B[v] === 0x74;
	return BOOL ? skipScalar(v) : skipValue(v);
}

const onTopKey = (ks: number, ke: number, v: number): number => {
	const len = ke - ks;
	if (len === 7 && keyIs(ks, ke, 'message')) {
		if (B[v] !== LBRACE) return skipValue(v);
		msg.found = true;
		return walkObject(v, onMessageKey);
	}
	if (len === 9) {
		if (keyIs(ks, ke, 'timestamp')) {
			if (B[v] !== Q) return skipValue(v);
			const end = skipString(v);
			top.tsStart = v + 1;
			top.tsEnd = end - 1;
			return end;
		}
		if (keyIs(ks, ke, 'requestId')) {
			if (B[v] !== Q) return skipValue(v);
			const end = skipString(v);
			top.reqStart = v + 1;
			top.reqEnd = end - 1;
			return end;
		}
		if (keyIs(ks, ke, 'sessionId')) {
			const end = skipValue(v);
			if (end - v === 2 && B[v] === Q) top.sessionEmpty = true;
			return end;
		}
	}
	if (len === 11 && keyIs(ks, ke, 'isSidechain')) {
		const end = readBool(v);
		top.sidechain = BOOL;
		return end;
	}
	if (len === 17 && keyIs(ks, ke, 'isApiErrorMessage')) {
		const end = readBool(v);
		top.apiError = BOOL;
		return end;
	}
	if (len === 7 && keyIs(ks, ke, 'costUSD')) {
		const end = skipValue(v);
		top.costStart = v;
		top.costEnd = end;
		return end;
	}
	if (len === 7 && keyIs(ks, ke, 'version')) {
		if (B[v] !== Q) return skipValue(v);
		const end = skipString(v);
		top.versionStart = v + 1;
		top.versionEnd = end - 1;
		return end;
	}
	if (len === 4 && keyIs(ks, ke, 'data')) {
		top.dataStart = v;
		return skipValue(v);
	}
	return skipValue(v);
};

// Agent-progress lines: data.message = {timestamp, message, requestId, isSidechain}.
const onProgressKey = (ks: number, ke: number, v: number): number => {
	const len = ke - ks;
	if (len === 7 && keyIs(ks, ke, 'message')) {
		if (B[v] !== LBRACE) return skipValue(v);
		msg.found = true;
		return walkObject(v, onMessageKey);
	}
	return onTopKey(ks, ke, v);
};
const onDataKey = (ks: number, ke: number, v: number): number => {
	if (ke - ks === 7 && keyIs(ks, ke, 'message') && B[v] === LBRACE) return walkObject(v, onProgressKey);
	return skipValue(v);
};

// ---------------------------------------------------------------------------------------------------
// Shared record building

/** Parse `YYYY-MM-DDTHH:MM:SS(.fff…)Z` quickly; anything else through Date.parse. */
export function parseTimestamp(text: string): number {
	if (text.length >= 20 && text.charCodeAt(10) === 0x54 && text.charCodeAt(text.length - 1) === 0x5a) {
		const d = (k: number) => text.charCodeAt(k) - 0x30;
		const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
		const month = d(5) * 10 + d(6);
		const day = d(8) * 10 + d(9);
		const hour = d(11) * 10 + d(12);
		const minute = d(14) * 10 + d(15);
		const second = d(17) * 10 + d(18);
		let ms = 0;
		if (text.length > 20 && text.charCodeAt(19) === 0x2e) {
			let scale = 100;
			for (let k = 20; k < text.length - 1 && scale >= 1; k++, scale /= 10) ms += d(k) * scale;
		}
		const value = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(ms));
		if (Number.isFinite(value) && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 61) return value;
	}
	const value = Date.parse(text);
	return Number.isFinite(value) ? value : Number.NaN;
}

function timestampAt(s: number, e: number): number {
	// Fast path straight from the bytes for the canonical form.
	const n = e - s;
	if (n >= 20 && n <= 30 && B[s + 10] === 0x54 && B[e - 1] === 0x5a && B[s + 4] === 0x2d && B[s + 13] === 0x3a) {
		const d = (k: number) => B[s + k]! - 0x30;
		const month = d(5) * 10 + d(6);
		const day = d(8) * 10 + d(9);
		const hour = d(11) * 10 + d(12);
		const minute = d(14) * 10 + d(15);
		const second = d(17) * 10 + d(18);
		let ms = 0;
		if (n > 20 && B[s + 19] === 0x2e) {
			let scale = 100;
			for (let k = 20; k < n - 1 && scale >= 1; k++, scale /= 10) ms += d(k) * scale;
		}
		if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 61) {
			const value = Date.UTC(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), month - 1, day, hour, minute, second, Math.floor(ms));
			if (Number.isFinite(value)) return value;
		}
	}
	return parseTimestamp(stringText(s, e));
}

/** ccusage's version check: `digits.digits.digit…`. */
export function isSemverPrefix(v: string): boolean {
	return /^\d+\.\d+\.\d/.test(v);
}

const modelNames = new Map<number, string>();

function modelAt(s: number, e: number): string {
	const h = hashValue(hashBytes(hashStart(), B, s, e));
	let name = modelNames.get(h);
	if (name === undefined) {
		name = stringText(s, e);
		modelNames.set(h, name);
	}
	return name;
}

/** The reset epoch after "Claude AI usage limit reached|" in [s, e), or NaN. */
function limitResetIn(s: number, e: number): number {
	const at = B.indexOf(LIMIT_MARKER, s);
	if (at < 0 || at >= e) return Number.NaN;
	const bar = B.indexOf(0x7c, at);
	if (bar < 0 || bar >= e) return Number.NaN;
	let n = 0;
	let j = bar + 1;
	while (j < e && B[j]! >= 0x30 && B[j]! <= 0x39) n = n * 10 + (B[j++]! - 0x30);
	return j > bar + 1 && n > 0 ? n * 1000 : Number.NaN;
}

const idHash: HashState = hashStart();

/** A logged `costUSD`: a finite number ≥ 0, else none (NaN). */
function loggedCost(text: string | number | unknown): number {
	const n = typeof text === 'number' ? text : typeof text === 'string' && /^[0-9.eE+-]+$/.test(text) ? Number(text) : Number.NaN;
	return Number.isFinite(n) && n >= 0 ? n : Number.NaN;
}

/** Parse one candidate line [s, e) of B by scanning; appends to `out`. */
function scanLine(s: number, e: number, fileOffset: number, out: UsageBuilder, stats: LineStats): void {
	E = e;
	resetTop();
	resetMsg();
	const start = ws(s);
	let end = walkObject(start, onTopKey);
	if (end !== BAD && ws(end) !== e) end = BAD;
	if (end === BAD) {
		stats.corrupt++;
		if (stats.corruptOffsets.length < 5) stats.corruptOffsets.push(fileOffset);
		return;
	}
	if (!msg.hasUsage && top.dataStart >= 0) {
		// An agent-progress line: its own timestamp/requestId/isSidechain live under data.message.
		const data = top.dataStart;
		resetTop();
		resetMsg();
		if (B[data] !== LBRACE || walkObject(data, onDataKey) === BAD) return;
	}
	if (!msg.hasUsage || top.tsStart < 0) return;
	if (top.apiError) {
		const reset = limitResetIn(s, e);
		const ts = timestampAt(top.tsStart, top.tsEnd);
		if (!Number.isNaN(reset) && !Number.isNaN(ts)) stats.resets.push([ts, reset]);
		return;
	}
	if (msg.usageBad || Number.isNaN(usage.input) || Number.isNaN(usage.output)) return;
	if (msg.modelStart >= 0) {
		const len = msg.modelEnd - msg.modelStart;
		if (len === 0) return;
		if (len === 11 && B[msg.modelStart] === 0x3c && keyIs(msg.modelStart, msg.modelEnd, '<synthetic>')) return;
	}
	if (top.sessionEmpty || top.reqStart === top.reqEnd && top.reqStart >= 0 || (msg.idStart >= 0 && msg.idStart === msg.idEnd)) return;
	if (top.versionStart >= 0 && !isSemverPrefix(B.toString('latin1', top.versionStart, Math.min(top.versionEnd, top.versionStart + 16)))) return;
	const ts = timestampAt(top.tsStart, top.tsEnd);
	if (Number.isNaN(ts)) return;
	let key = Number.NaN;
	let mkey = Number.NaN;
	if (msg.idStart >= 0) {
		idHash.a = 0x811c9dc5;
		idHash.b = 0x01000193 ^ 0x5bd1e995;
		hashBytes(idHash, B, msg.idStart, msg.idEnd);
		mkey = hashValue(idHash);
		if (top.reqStart >= 0) hashBytes(hashByte(idHash, SEP_REQUEST), B, top.reqStart, top.reqEnd);
		else hashByte(idHash, SEP_NO_REQUEST);
		key = hashValue(idHash);
	}
	const cc5m = usage.hasBreakdown ? usage.cc5m : usage.cc;
	const cc1h = usage.hasBreakdown ? usage.cc1h : 0;
	out.pushFields(
		fileOffset, ts, usage.input, usage.output, cc5m, cc1h, usage.read, key, mkey,
		msg.modelStart >= 0 ? modelAt(msg.modelStart, msg.modelEnd) : 'unknown',
		(top.sidechain ? FLAG_SIDECHAIN : 0) | (usage.speed === 2 ? FLAG_FAST | FLAG_SPEED : usage.speed === 1 ? FLAG_SPEED : 0),
		top.costStart >= 0 ? loggedCost(B.toString('latin1', top.costStart, top.costEnd)) : Number.NaN,
	);
	stats.records++;
}

// ---------------------------------------------------------------------------------------------------
// The JSON.parse path (reference implementation; the benchmark's comparison)

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Build the record of one parsed line (the same rules as the scanner). */
export function recordFromJson(line: Json, fileOffset: number, text: string, out: UsageBuilder, stats: LineStats): void {
	let holder: Json = line;
	let message = line['message'];
	if (!(isObject(message) && isObject(message['usage'])) && isObject(line['data']) && isObject((line['data'] as Json)['message'])) {
		holder = (line['data'] as Json)['message'] as Json;
		message = holder['message'];
	}
	if (!isObject(message) || !isObject(message['usage']) || typeof holder['timestamp'] !== 'string') return;
	const u = message['usage'];
	if (holder['isApiErrorMessage'] === true) {
		const match = /Claude AI usage limit reached[^|]*\|(\d+)/.exec(text);
		const ts = parseTimestamp(holder['timestamp']);
		if (match && Number(match[1]) > 0 && !Number.isNaN(ts)) stats.resets.push([ts, Number(match[1]) * 1000]);
		return;
	}
	if (!isUint(u['input_tokens']) || !isUint(u['output_tokens'])) return;
	for (const field of ['cache_creation_input_tokens', 'cache_read_input_tokens'] as const) if (field in u && !isUint(u[field])) return;
	const breakdown = isObject(u['cache_creation']) ? u['cache_creation'] : null;
	if (breakdown) for (const field of ['ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens'] as const) if (field in breakdown && !isUint(breakdown[field])) return;
	if ('speed' in u && typeof u['speed'] !== 'string') return;
	const model = message['model'];
	const id = message['id'];
	const requestId = holder['requestId'];
	if (model === '' || model === '<synthetic>' || id === '' || requestId === '' || holder['sessionId'] === '') return;
	if (typeof holder['version'] === 'string' && !isSemverPrefix(holder['version'])) return;
	const ts = parseTimestamp(holder['timestamp']);
	if (Number.isNaN(ts)) return;
	let key = Number.NaN;
	let mkey = Number.NaN;
	if (typeof id === 'string') {
		const h = hashString(hashStart(), id);
		mkey = hashValue(h);
		if (typeof requestId === 'string') hashString(hashByte(h, SEP_REQUEST), requestId);
		else hashByte(h, SEP_NO_REQUEST);
		key = hashValue(h);
	}
	const speed = u['speed'];
	out.push({
		offset: fileOffset,
		ts,
		input: u['input_tokens'],
		output: u['output_tokens'],
		cacheWrite5m: breakdown ? ((breakdown['ephemeral_5m_input_tokens'] as number | undefined) ?? 0) : ((u['cache_creation_input_tokens'] as number | undefined) ?? 0),
		cacheWrite1h: breakdown ? ((breakdown['ephemeral_1h_input_tokens'] as number | undefined) ?? 0) : 0,
		cacheRead: (u['cache_read_input_tokens'] as number | undefined) ?? 0,
		key,
		mkey,
		model: typeof model === 'string' ? model : 'unknown',
		flags: (holder['isSidechain'] === true ? FLAG_SIDECHAIN : 0) | (speed === 'fast' ? FLAG_FAST | FLAG_SPEED : typeof speed === 'string' ? FLAG_SPEED : 0),
		costUsd: loggedCost(holder['costUSD']),
	});
	stats.records++;
}

function jsonLine(buf: Buffer, s: number, e: number, fileOffset: number, out: UsageBuilder, stats: LineStats): void {
	const text = buf.toString('utf8', s, e);
	let line: unknown;
	try {
		line = JSON.parse(text);
	} catch {
		stats.corrupt++;
		if (stats.corruptOffsets.length < 5) stats.corruptOffsets.push(fileOffset);
		return;
	}
	if (isObject(line)) recordFromJson(line, fileOffset, text, out, stats);
}

/** Parse one line of text the JSON.parse way (tests). */
export function parseClaudeJsonLine(text: string, out: UsageBuilder, stats: LineStats = emptyStats()): LineStats {
	const buf = Buffer.from(text);
	jsonLine(buf, 0, buf.length, 0, out, stats);
	return stats;
}

export type ParseMode = 'scan' | 'json';

/**
 * Parse the complete lines of `buf[start, end)` (a chunk of the file starting at file offset `base`).
 * Returns the index just past the last newline: bytes after it are an incomplete line for the caller.
 */
export function parseClaudeChunk(buf: Buffer, start: number, end: number, base: number, out: UsageBuilder, stats: LineStats, mode: ParseMode = 'scan'): number {
	const view = buf.subarray(start, end);
	const lastNewline = view.lastIndexOf(0x0a);
	if (lastNewline < 0) return start;
	const limit = lastNewline; // only complete lines
	let p = 0;
	B = buf;
	for (;;) {
		const m = view.indexOf(USAGE_MARKER, p);
		if (m < 0 || m > limit) break;
		const ls = m === 0 ? 0 : view.lastIndexOf(0x0a, m) + 1;
		const le = view.indexOf(0x0a, m);
		stats.candidates++;
		if (mode === 'scan') scanLine(start + ls, start + le, base + ls, out, stats);
		else jsonLine(buf, start + ls, start + le, base + ls, out, stats);
		p = le + 1;
	}
	return start + lastNewline + 1;
}

/**
 * The final bytes of a file that do not end with a newline: a record when they form a complete line
 * (consumed), or null when the line is still being written (left for the next read).
 */
export function parseClaudeTail(buf: Buffer, start: number, end: number, base: number, out: UsageBuilder, stats: LineStats, mode: ParseMode = 'scan'): boolean {
	const text = buf.toString('utf8', start, end);
	try {
		JSON.parse(text);
	} catch {
		return false;
	}
	if (buf.subarray(start, end).indexOf(USAGE_MARKER) >= 0) {
		stats.candidates++;
		B = buf;
		if (mode === 'scan') scanLine(start, end, base, out, stats);
		else jsonLine(buf, start, end, base, out, stats);
	}
	return true;
}

// ---------------------------------------------------------------------------------------------------
// Files

/** Every `.jsonl` under `<configDir>/projects` (subagent transcripts included), sorted by path. */
export function listClaudeLogFiles(configDir: string, cache?: DirCache): string[] {
	return listFiles(path.join(configDir, 'projects'), name => name.endsWith('.jsonl'), cache);
}

/**
 * The project (the directory under `projects/`, Claude Code's encoded working directory) and session
 * (the transcript's name; a subagent transcript belongs to its parent session's directory) of a file.
 */
export function claudeFileIdentity(configDir: string, file: string): {project: string; session: string} {
	const parts = path.relative(path.join(configDir, 'projects'), file).split(path.sep);
	if (parts.length < 2 || parts[0] === '..') return {project: 'unknown', session: path.basename(file, '.jsonl')};
	return {project: parts[0]!, session: parts.length === 2 ? parts[1]!.replace(/\.jsonl$/, '') : parts[1]!};
}
