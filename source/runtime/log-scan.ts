/**
 * One refresh's look at an account's log files: list them (directories re-read only when they
 * changed), stat each, read what was appended, read new and rewritten files from the start (on worker
 * threads when there is much to read), and say which files vanished. Updates the account's file states;
 * merging the records is the caller's (runtime/local-logs.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type {UsageBatch} from '../engine/usage.js';
import {listClaudeLogFiles, type ParseMode} from '../providers/logs/claude-logs.js';
import {listCodexLogFiles} from '../providers/logs/codex-logs.js';
import type {DirCache} from '../providers/logs/files.js';
import {readCold, workerCount, type ReadJob} from '../providers/logs/parallel.js';
import {refreshFile, type FileState, type LogKind, type StatLike} from '../providers/logs/reader.js';
import {sameCursor} from '../store/log-index.js';
import {fileOrder, isDir, type LogSource} from './log-sources.js';

/** What one refresh did for one account. */
export type AccountRefresh = {
	account: string;
	provider: LogKind;
	dirs: string[];
	files: number;
	/** Total size of the account's log files. */
	bytes: number;
	/** Usage records after deduplication. */
	records: number;
	added: number;
	appended: number;
	reread: number;
	removed: number;
	/** Bytes read by this refresh (appended bytes only for a warm refresh). */
	bytesRead: number;
	/** Corrupt usage lines skipped, over all files. */
	corrupt: number;
	corruptSamples: Array<{path: string; offset: number}>;
	/** Files whose last line is still being written. */
	pending: Array<{path: string; bytes: number}>;
	unpricedModels: string[];
	/** Non-fatal problems: unreadable files, missing directories, re-read files. */
	warnings: string[];
	/** Time spent, ms. */
	ms: number;
};

/** What a scan works on: the account's files, those whose records were let go (by path), the listing cache. */
export type ScanState = {files: Map<string, FileState>; offloaded: Map<string, number>; dirs: DirCache};

export type Scan = {
	/** New states of new, appended and re-read files (to store). */
	changed: FileState[];
	/** The records each changed file added (a new or re-read file: all of them). */
	addedBatches: Array<{path: string; added: UsageBatch}>;
	/** Files indexed before that are gone. */
	removed: string[];
	bytes: number;
	bytesRead: number;
	added: number;
	appended: number;
	reread: number;
	/** Files that grew (read from where the last read stopped). */
	appendedPaths: string[];
	/**
	 * A let-go file's records were not in quota.db any more (it is read again), or another process had
	 * stored a further read of it: merge everything again.
	 */
	lost: boolean;
	warnings: string[];
};

export async function scanSource(
	source: LogSource,
	state: ScanState,
	options: {mode: ParseMode; workers: number | 'auto'; loadFile: (file: string) => FileState | undefined},
): Promise<Scan> {
	const order = fileOrder(source);
	const warnings: string[] = [];
	const list = source.provider === 'claude' ? listClaudeLogFiles : listCodexLogFiles;
	const paths: string[] = [];
	for (const dir of source.dirs) {
		const where = source.provider === 'claude' ? path.join(dir, 'projects') : path.join(dir, 'sessions');
		if (!isDir(where) && !(source.provider === 'codex' && isDir(path.join(dir, 'archived_sessions')))) {
			warnings.push(`${source.account}: no ${source.provider === 'claude' ? 'Claude' : 'Codex'} logs at ${where}`);
			continue;
		}
		paths.push(...list(dir, state.dirs));
	}
	if (source.dirs.length > 1) paths.sort(order);
	const seen = new Set(paths);
	const changed: FileState[] = [];
	const addedBatches: Array<{path: string; added: UsageBatch}> = [];
	const cold: ReadJob[] = [];
	let bytes = 0;
	let bytesRead = 0;
	let added = 0;
	let appended = 0;
	let reread = 0;
	const appendedPaths: string[] = [];
	// A file whose records were let go but are not in quota.db any more: merge everything again.
	// A file whose records were let go but are not in quota.db any more: merge everything again.
	let lost = false;
	for (const file of paths) {
		let stat: StatLike;
		try {
			const s = fs.statSync(file);
			stat = {size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev};
		} catch (error) {
			warnings.push(`cannot read ${file}: ${(error as Error).message}`);
			seen.delete(file);
			continue;
		}
		bytes += stat.size;
		let prev = state.files.get(file);
		if (prev && state.offloaded.has(file) && !(prev.size === stat.size && prev.mtimeMs === stat.mtimeMs && prev.ino === stat.ino && prev.dev === stat.dev)) {
			// It changed: its records back from quota.db (an append merges them with the new lines).
			state.offloaded.delete(file);
			const stored = options.loadFile(file);
			if (stored) {
				// Another process read it further (or again) since we let it go: go on from what it stored, and
				// merge everything again (the merged records are those of our older read).
				if (!sameCursor(stored, prev)) lost = true;
				state.files.set(file, (prev = stored));
			} else {
				state.files.delete(file);
				prev = undefined;
				lost = true;
			}
		}
		if (!prev) {
			cold.push({path: file, kind: source.provider, stat, size: stat.size});
			continue;
		}
		try {
			const outcome = refreshFile(file, source.provider, prev, stat, options.mode);
			if (outcome.action === 'unchanged') continue;
			bytesRead += outcome.bytesRead;
			if (outcome.added.length > 0) addedBatches.push({path: file, added: outcome.added});
			if (outcome.action === 'reread') {
				reread++;
				warnings.push(`${file} was ${outcome.reason}: read again from the start`);
			} else {
				appended++;
				appendedPaths.push(file);
			}
			changed.push(outcome.state);
			state.files.set(file, outcome.state);
		} catch (error) {
			// Keep what was read before; say which file could not be read.
			warnings.push(`cannot read ${file}: ${(error as Error).message} (kept the records read before)`);
		}
	}
	if (cold.length > 0) {
		const coldBytes = cold.reduce((sum, job) => sum + job.size, 0);
		const results = await readCold(cold, workerCount(coldBytes, options.workers), options.mode);
		for (const result of results) {
			if (!result.outcome) {
				warnings.push(`cannot read ${result.path}: ${result.error ?? 'unknown error'}`);
				seen.delete(result.path);
				continue;
			}
			added++;
			bytesRead += result.outcome.bytesRead;
			addedBatches.push({path: result.path, added: result.outcome.state.batch});
			changed.push(result.outcome.state);
			state.files.set(result.path, result.outcome.state);
		}
	}
	const removed = [...state.files.keys()].filter(file => !seen.has(file));
	for (const file of removed) {
		state.files.delete(file);
		state.offloaded.delete(file);
	}
	return {changed, addedBatches, removed, bytes, bytesRead, added, appended, reread, appendedPaths, lost, warnings};
}
