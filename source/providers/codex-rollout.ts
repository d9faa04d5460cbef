/**
 * Codex rollout logs (provider-formats §4.2): the newest `event_msg` / `token_count` line with
 * `rate_limits` under `<home>/sessions/YYYY/MM/DD/rollout-*.jsonl` and `<home>/archived_sessions/`.
 *
 * Histories are large, so only the tails of the newest files are read, newest first: files are
 * ordered by modification time, each is read backwards in chunks until its newest rate-limit line is
 * found, and the scan stops at the first file last written before the best line found so far (it
 * cannot hold a newer one). Lines are compared by their own `timestamp`, not by file. Corrupt and
 * half-written lines are skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fromTheFuture, FUTURE_SLACK_MS} from '../engine/skew.js';
import {codexWindows, isMainFamily, rolloutFamily, type CodexFamily} from './codex-limits.js';
import type {Outcome} from './types.js';
import {isoUtc, isRecord} from './util.js';

const CHUNK = 64 * 1024;
/** Never read more than this from the end of one file. */
export const MAX_TAIL_BYTES = 4 * 1024 * 1024;
/** Day directories looked at (a session started days ago may still be written to). */
const DAY_DIRS = 14;
const ARCHIVED_FILES = 50;
/**
 * A line longer than this is skipped over (an inline image, tool schemas): it cannot be a token_count
 * line, and its bytes do not count against MAX_TAIL_BYTES (audit D16), only against MAX_SKIP_BYTES.
 */
export const MAX_LINE_BYTES = 256 * 1024;
const MAX_SKIP_BYTES = 64 * 1024 * 1024;
/** A line's timestamp may run slightly ahead of its file's mtime. */
const MTIME_SLACK_MS = 5_000;

type Candidate = {file: string; mtimeMs: number; size: number};

const ROLLOUT = /^rollout-.*\.jsonl$/;
const list = (dir: string): string[] => {
	try {
		return fs.readdirSync(dir);
	} catch {
		return [];
	}
};

function stat(file: string): Candidate | undefined {
	try {
		const s = fs.statSync(file);
		return s.isFile() ? {file, mtimeMs: s.mtimeMs, size: s.size} : undefined;
	} catch {
		return undefined;
	}
}

/** The rollout files worth looking at, newest write first. */
export function candidateFiles(home: string): Candidate[] {
	const sessions = path.join(home, 'sessions');
	const files: string[] = [];
	const desc = (names: string[], pattern: RegExp) => names.filter(n => pattern.test(n)).sort().reverse();
	let days = 0;
	outer: for (const year of desc(list(sessions), /^\d{4}$/)) {
		for (const month of desc(list(path.join(sessions, year)), /^\d{2}$/)) {
			for (const day of desc(list(path.join(sessions, year, month)), /^\d{2}$/)) {
				const dir = path.join(sessions, year, month, day);
				for (const name of list(dir)) if (ROLLOUT.test(name)) files.push(path.join(dir, name));
				if (++days >= DAY_DIRS) break outer;
			}
		}
	}
	// Flat files directly under sessions/ (older layouts) and the newest archived sessions (by name:
	// the name carries the session's start time).
	for (const name of list(sessions)) if (ROLLOUT.test(name)) files.push(path.join(sessions, name));
	const archived = path.join(home, 'archived_sessions');
	for (const name of desc(list(archived), ROLLOUT).slice(0, ARCHIVED_FILES)) files.push(path.join(archived, name));
	return files.map(stat).filter((c): c is Candidate => c !== undefined).sort((a, b) => b.mtimeMs - a.mtimeMs);
}

type Found = {atMs: number; observedAt: string; families: CodexFamily[]; bytesRead: number; future: number[]};

type Hit = {atMs: number; family: CodexFamily} | {futureMs: number};

function lineFamily(line: string, fallbackMs: number, now: number): Hit | undefined {
	if (!line.includes('token_count') || !line.includes('rate_limits')) return undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(line);
	} catch {
		return undefined; // corrupt or half-written
	}
	if (!isRecord(parsed) || parsed['type'] !== 'event_msg' || !isRecord(parsed['payload'])) return undefined;
	const payload = parsed['payload'];
	if (payload['type'] !== 'token_count') return undefined;
	const stamp = typeof parsed['timestamp'] === 'string' ? Date.parse(parsed['timestamp']) : Number.NaN;
	const atMs = Number.isFinite(stamp) ? stamp : fallbackMs;
	// A line stamped ahead of now (a clock that was wrong, a line dated 2096) is ignored (audit D2).
	if (fromTheFuture(atMs, now)) return {futureMs: atMs};
	const family = rolloutFamily(payload['rate_limits'], atMs);
	// Only a line with at least one classifiable window counts (audit D15): an unusable newest line must
	// not hide an older good one.
	return family && codexWindows([family], 'codex-rollout', isoUtc(atMs), atMs).length > 0 ? {atMs, family} : undefined;
}

/**
 * The newest main-bucket rate-limit line of one file (plus other limit families seen after it), read
 * backwards from the end in chunks, at most MAX_TAIL_BYTES.
 */
export function scanTail(candidate: Candidate, now: number = Date.now()): Found | undefined {
	let fd: number;
	try {
		fd = fs.openSync(candidate.file, 'r');
	} catch {
		return undefined;
	}
	try {
		const families = new Map<string, {atMs: number; family: CodexFamily}>();
		let end = candidate.size;
		// Bytes, not text: a chunk boundary may cut a multi-byte character (newlines never do).
		let carry = Buffer.alloc(0);
		// Inside a line longer than MAX_LINE_BYTES: its bytes are skipped, not kept.
		let skipping = false;
		let bytesRead = 0;
		let skipped = 0;
		const future: number[] = [];
		while (end > 0 && bytesRead - skipped < MAX_TAIL_BYTES && skipped < MAX_SKIP_BYTES) {
			const start = Math.max(0, end - CHUNK);
			const chunk = Buffer.alloc(end - start);
			fs.readSync(fd, chunk, 0, chunk.length, start);
			bytesRead += chunk.length;
			const buffer = skipping ? chunk : Buffer.concat([chunk, carry]);
			// The bytes before the first newline may be the end of a line that started earlier.
			const first = start > 0 ? buffer.indexOf(0x0a) : -1;
			if (start > 0 && first < 0) {
				if (skipping || buffer.length > MAX_LINE_BYTES) {
					if (!skipping) skipped += buffer.length - chunk.length;
					skipping = true;
					skipped += chunk.length;
					carry = Buffer.alloc(0);
				} else carry = buffer;
				end = start;
				continue;
			}
			// Skipping: the bytes after the chunk's last newline are the start of the long line.
			const last = buffer.lastIndexOf(0x0a);
			if (skipping) skipped += chunk.length - (last + 1);
			const tail = skipping ? buffer.subarray(0, last + 1) : buffer;
			skipping = false;
			carry = start > 0 ? tail.subarray(0, first) : Buffer.alloc(0);
			const lines = tail.subarray(first + 1).toString('utf8').split('\n');
			for (let i = lines.length - 1; i >= 0; i--) {
				if (lines[i]!.length > MAX_LINE_BYTES) continue;
				const hit = lineFamily(lines[i]!, candidate.mtimeMs, now);
				if (!hit) continue;
				if ('futureMs' in hit) {
					future.push(hit.futureMs);
					continue;
				}
				const id = hit.family.limitId ?? 'codex';
				if (!families.has(id)) families.set(id, hit);
				if (isMainFamily(hit.family.limitId)) {
					const main = hit;
					const others = [...families.values()].filter(f => !isMainFamily(f.family.limitId)).map(f => f.family);
					return {atMs: main.atMs, observedAt: isoUtc(main.atMs), families: [main.family, ...others], bytesRead, future};
				}
			}
			end = start;
		}
		// Only other families: still worth showing.
		const all = [...families.values()];
		if (all.length === 0) return future.length > 0 ? {atMs: Number.NaN, observedAt: '', families: [], bytesRead, future} : undefined;
		const newest = Math.max(...all.map(f => f.atMs));
		return {atMs: newest, observedAt: isoUtc(newest), families: all.map(f => f.family), bytesRead, future};
	} finally {
		fs.closeSync(fd);
	}
}

/** Per-process memo: an unchanged file is not read again. */
const memo = new Map<string, Found | null>();
const memoKey = (c: Candidate) => `${c.file}\0${c.size}\0${c.mtimeMs}`;

export type RolloutScan = {found?: Found | undefined; filesRead: number; bytesRead: number; candidates: number; future: number[]};

/** Find the newest rate-limit line across the candidate files. */
export function scanRollouts(home: string, now: number = Date.now()): RolloutScan {
	const candidates = candidateFiles(home);
	let best: Found | undefined;
	const future: number[] = [];
	let filesRead = 0;
	let bytesRead = 0;
	for (const candidate of candidates) {
		if (best && candidate.mtimeMs + MTIME_SLACK_MS < best.atMs) break;
		const key = memoKey(candidate);
		let found = memo.get(key);
		// A line ignored as "ahead of now" may be acceptable at a later now: such files are read again.
		if (found === undefined || (found && found.future.length > 0)) {
			found = scanTail(candidate, now) ?? null;
			filesRead += 1;
			bytesRead += found?.bytesRead ?? Math.min(candidate.size, MAX_TAIL_BYTES);
			if (memo.size > 256) memo.clear();
			memo.set(key, found);
		}
		if (found) future.push(...found.future);
		if (found && found.families.length === 0) continue;
		const hasMain = (f: Found) => f.families.some(x => isMainFamily(x.limitId));
		if (found && (!best || (hasMain(found) && !hasMain(best)) || (hasMain(found) === hasMain(best) && found.atMs > best.atMs))) best = found;
	}
	return {found: best, filesRead, bytesRead, candidates: candidates.length, future};
}

/** The newest rate limits of the Codex home, as an outcome. */
export function readCodexRollout(home: string, now: number = Date.now()): Outcome {
	const sessions = path.join(home, 'sessions');
	if (!fs.existsSync(sessions) && !fs.existsSync(path.join(home, 'archived_sessions'))) {
		return {ok: false, origin: 'codex-rollout', message: `${sessions} does not exist (run codex once with CODEX_HOME=${home})`, requested: false};
	}
	const {found, future} = scanRollouts(home, now);
	const ignored = future.length === 0
		? undefined
		: `ignored ${future.length} rollout line${future.length === 1 ? '' : 's'} stamped ahead of now (latest ${isoUtc(Math.max(...future))}, more than ${FUTURE_SLACK_MS / 60_000} min ahead)`;
	if (!found) {
		const base = `no token_count line with usable rate_limits in the last ${MAX_TAIL_BYTES / (1024 * 1024)} MB of the newest rollout files under ${sessions}`;
		return {ok: false, origin: 'codex-rollout', message: ignored ? `${base}; ${ignored}` : base, requested: false};
	}
	const windows = codexWindows(found.families, 'codex-rollout', found.observedAt, found.atMs);
	const plan = found.families.find(f => f.planType)?.planType;
	return {ok: true, origin: 'codex-rollout', observedAt: found.observedAt, windows, partial: true, plan, requested: false, ...(ignored ? {warning: ignored} : {})};
}
