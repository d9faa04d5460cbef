/**
 * Incremental reading of one log file: what changed since the last read, and only that.
 *
 * Per file we remember size, mtime, inode, the byte offset parsed so far (the end of the last complete
 * line) and a hash of its first bytes. A refresh:
 * - unchanged size and mtime → nothing is read;
 * - grown, same inode, same first bytes → only the bytes after the offset are read (appended lines);
 * - shrunk, a new inode, or different first bytes (truncated and rewritten, replaced) → read again
 *   from the start, the old records dropped;
 * - gone → the caller drops the file.
 * A last line without its newline is parsed when it is complete JSON; otherwise it is left (pending)
 * and read again once the writer finishes it. Lines are read in chunks through one reused buffer, so
 * memory stays flat however large a file is.
 */
import fs from 'node:fs';
import {compactBatch, emptyBatch, mergeBatches, UsageBuilder, type CodexState, type LogFileState, type LogKind, type UsageBatch} from '../../engine/usage.js';
import {addStats, emptyStats, parseClaudeChunk, parseClaudeTail, type LineStats, type ParseMode} from './claude-logs.js';
import {flushCodexHeld, initialCodexState, parseCodexChunk, parseCodexTail} from './codex-logs.js';
import {hashBytes, hashStart, hashValue} from './hash.js';

export type {LogKind};
/** A file's state as the readers keep it (the engine's LogFileState). */
export type FileState = LogFileState;

export type RefreshAction = 'unchanged' | 'appended' | 'reread' | 'new';

export type RefreshOutcome = {
	action: RefreshAction;
	state: FileState;
	/** The records this read added, in file order (for a new or re-read file: all of them). */
	added: UsageBatch;
	bytesRead: number;
	/** Why the file was read again from the start. */
	reason?: string | undefined;
};

export type StatLike = {size: number; mtimeMs: number; ino: number; dev: number};

const HEAD_BYTES = 4096;
const CHUNK = 4 * 1024 * 1024;
let shared: Buffer = Buffer.allocUnsafe(CHUNK);

function ensureCapacity(bytes: number): Buffer {
	if (shared.length < bytes) {
		const next = Buffer.allocUnsafe(Math.max(bytes, shared.length * 2));
		shared = next;
	}
	return shared;
}

function headHashOf(fd: number, length: number): number {
	const buf = Buffer.allocUnsafe(length);
	const n = fs.readSync(fd, buf, 0, length, 0);
	return hashValue(hashBytes(hashStart(), buf, 0, n));
}

type ReadResult = {batch: UsageBuilder; stats: LineStats; consumed: number; pending: number; bytesRead: number; headHash: number; headLength: number; state: CodexState | null};

/** Read [offset, size) of an open file and parse its lines. */
function readRange(fd: number, kind: LogKind, offset: number, size: number, codex: CodexState | null, mode: ParseMode): ReadResult {
	const out = new UsageBuilder(64);
	const stats = emptyStats();
	const state = kind === 'codex' ? (codex ? structuredClone(codex) : initialCodexState()) : null;
	let buf = ensureCapacity(CHUNK);
	let pos = offset;
	let carry = 0;
	let bytesRead = 0;
	let headHash = 0;
	let headLength = 0;
	while (pos < size) {
		if (carry >= buf.length - 1024) {
			// One line longer than the buffer: grow it, keeping the partial line.
			const bigger = Buffer.allocUnsafe(buf.length * 2);
			buf.copy(bigger, 0, 0, carry);
			shared = bigger;
			buf = bigger;
		}
		const want = Math.min(buf.length - carry, size - pos);
		const n = fs.readSync(fd, buf, carry, want, pos);
		if (n <= 0) break;
		if (offset === 0 && pos === 0) {
			headLength = Math.min(HEAD_BYTES, n);
			headHash = hashValue(hashBytes(hashStart(), buf, 0, headLength));
		}
		pos += n;
		bytesRead += n;
		const avail = carry + n;
		const base = pos - avail;
		const consumed = kind === 'claude'
			? parseClaudeChunk(buf, 0, avail, base, out, stats, mode)
			: parseCodexChunk(buf, 0, avail, base, state!, out, stats);
		carry = avail - consumed;
		if (carry > 0 && consumed > 0) buf.copyWithin(0, consumed, avail);
	}
	let pending = 0;
	if (carry > 0) {
		const base = pos - carry;
		const complete = kind === 'claude'
			? parseClaudeTail(buf, 0, carry, base, out, stats, mode)
			: parseCodexTail(buf, 0, carry, base, state!, out, stats);
		if (!complete) pending = carry;
	}
	if (state) flushCodexHeld(state, out, stats);
	return {batch: out, stats, consumed: pos - pending, pending, bytesRead, headHash, headLength, state};
}

function fresh(path: string, kind: LogKind, stat: StatLike, read: ReadResult): FileState {
	return {
		path,
		kind,
		size: stat.size,
		mtimeMs: stat.mtimeMs,
		ino: stat.ino,
		dev: stat.dev,
		offset: read.consumed,
		headLength: read.headLength,
		headHash: read.headHash,
		candidates: read.stats.candidates,
		corrupt: read.stats.corrupt,
		corruptOffsets: read.stats.corruptOffsets,
		pending: read.pending,
		parserState: read.state,
		batch: compactBatch(mergeBatches([read.batch])),
		resets: read.stats.resets,
	};
}

/**
 * Bring one file's state up to date. `stat` is the file's current stat (from the caller's walk).
 * Throws on I/O errors (the caller keeps the previous state and reports the file).
 */
export function refreshFile(path: string, kind: LogKind, prev: FileState | undefined, stat: StatLike, mode: ParseMode = 'scan'): RefreshOutcome {
	if (prev && prev.size === stat.size && prev.mtimeMs === stat.mtimeMs && prev.ino === stat.ino && prev.dev === stat.dev) {
		return {action: 'unchanged', state: prev, added: emptyBatch(), bytesRead: 0};
	}
	const fd = fs.openSync(path, 'r');
	try {
		let reason: string | undefined;
		if (prev) {
			if (prev.ino !== stat.ino || prev.dev !== stat.dev) reason = 'replaced (new inode)';
			else if (stat.size < prev.offset) reason = `shrank from ${prev.size} to ${stat.size} bytes`;
			else if (prev.headLength > 0 && headHashOf(fd, prev.headLength) !== prev.headHash) reason = 'rewritten (its first bytes changed)';
		}
		if (!prev || reason) {
			const read = readRange(fd, kind, 0, stat.size, null, mode);
			const state = fresh(path, kind, stat, read);
			return {action: prev ? 'reread' : 'new', state, added: state.batch, bytesRead: read.bytesRead, reason};
		}
		if (stat.size === prev.offset) {
			// Only the mtime moved (touched, or the pending tail was rewritten to the same length).
			return {action: 'appended', state: {...prev, size: stat.size, mtimeMs: stat.mtimeMs}, added: emptyBatch(), bytesRead: 0};
		}
		const read = readRange(fd, kind, prev.offset, stat.size, prev.parserState, mode);
		const stats = emptyStats();
		addStats(stats, {candidates: prev.candidates, records: 0, corrupt: prev.corrupt, corruptOffsets: prev.corruptOffsets, resets: prev.resets});
		addStats(stats, read.stats);
		let {headLength, headHash} = prev;
		if (headLength < HEAD_BYTES && stat.size > headLength) {
			headLength = Math.min(HEAD_BYTES, stat.size);
			headHash = headHashOf(fd, headLength);
		}
		const state: FileState = {
			...prev,
			size: stat.size,
			mtimeMs: stat.mtimeMs,
			offset: read.consumed,
			headLength,
			headHash,
			candidates: stats.candidates,
			corrupt: stats.corrupt,
			corruptOffsets: stats.corruptOffsets,
			pending: read.pending,
			parserState: read.state,
			batch: read.batch.length === 0 ? prev.batch : compactBatch(mergeBatches([prev.batch, read.batch])),
			resets: stats.resets,
		};
		return {action: 'appended', state, added: read.batch.length === 0 ? emptyBatch() : compactBatch(read.batch), bytesRead: read.bytesRead};
	} finally {
		fs.closeSync(fd);
	}
}
