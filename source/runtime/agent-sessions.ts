/**
 * Agent sessions on disk, for `quota-tui run --resume`: find the session a run left behind, copy its
 * transcript into another account's directory, and build the command that resumes it there.
 *
 * Claude Code keeps a session as `<CLAUDE_CONFIG_DIR>/projects/<project slug>/<session id>.jsonl`;
 * `claude --resume ID` continues it under whichever config dir holds that file. Codex keeps
 * `<CODEX_HOME>/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`; `codex resume ID` (and
 * `codex exec resume ID`) continue it. Only paths and ids are handled here; the files are copied as
 * they are (never parsed, never changed), and nothing from them reaches a command line but the id,
 * which must look like an id.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A session id as the agents write them: a UUID-like token (no option, no path, no shell word). */
export const SESSION_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{7,127}$/;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The session id an agent printed (Claude `session_id` in its JSON; Codex `thread_id`/`session_id`), the last one. */
export function sessionIdFromOutput(output: string): string | undefined {
	let found: string | undefined;
	for (const match of output.matchAll(/"(?:session_id|sessionId|thread_id|conversation_id)"\s*:\s*"([^"]{8,128})"/g)) {
		if (SESSION_ID.test(match[1]!)) found = match[1];
	}
	return found;
}

function walk(dir: string, depth: number, out: string[]): void {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(dir, {withFileTypes: true});
	} catch {
		return;
	}
	for (const entry of entries) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory() && depth > 0) walk(full, depth - 1, out);
		else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(full);
	}
}

/** Session files of an account directory: Claude projects/*\/*.jsonl, Codex sessions/**\/*.jsonl. */
function sessionFiles(provider: 'claude' | 'codex', dir: string): string[] {
	const files: string[] = [];
	if (provider === 'claude') walk(path.join(dir, 'projects'), 1, files);
	else walk(path.join(dir, 'sessions'), 4, files);
	return files;
}

const idOfFile = (provider: 'claude' | 'codex', file: string): string | undefined => {
	const base = path.basename(file, '.jsonl');
	const id = provider === 'claude' ? base : (UUID.exec(base)?.[0] ?? undefined);
	return id && SESSION_ID.test(id) ? id : undefined;
};

/** The newest session written in `dir` since `sinceMs` (the run's start), if any. */
export function newestSession(provider: 'claude' | 'codex', dir: string, sinceMs: number): string | undefined {
	let best: {id: string; mtime: number} | undefined;
	for (const file of sessionFiles(provider, dir)) {
		let mtime: number;
		try {
			mtime = fs.statSync(file).mtimeMs;
		} catch {
			continue;
		}
		const id = idOfFile(provider, file);
		if (id && mtime >= sinceMs - 1000 && (!best || mtime > best.mtime)) best = {id, mtime};
	}
	return best?.id;
}

/**
 * Copy session `id` from account directory `from` to `to` (same relative path), unless it is there
 * already. Returns the copy's path, or undefined when `from` has no such session.
 */
export function copySession(provider: 'claude' | 'codex', id: string, from: string, to: string): string | undefined {
	const source = sessionFiles(provider, from).find(file => idOfFile(provider, file) === id);
	if (!source) return undefined;
	const target = path.join(to, path.relative(from, source));
	if (!fs.existsSync(target)) {
		fs.mkdirSync(path.dirname(target), {recursive: true, mode: 0o700});
		fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
	}
	return target;
}

/**
 * The command that resumes session `id`: Claude `claude --resume ID …the rest`, Codex
 * `codex exec resume ID …` or `codex resume ID …`. The user's own words stay as they were.
 */
export function resumeCommand(provider: 'claude' | 'codex', command: readonly string[], id: string): string[] {
	if (!SESSION_ID.test(id)) throw new Error(`not a session id: ${JSON.stringify(id)}`);
	const [file, ...args] = command;
	const withoutOld = (list: readonly string[]) => {
		const out: string[] = [];
		for (let i = 0; i < list.length; i++) {
			if (list[i] === '--resume' || list[i] === '-r') {
				i++;
				continue;
			}
			if (list[i]!.startsWith('--resume=')) continue;
			out.push(list[i]!);
		}
		return out;
	};
	if (provider === 'claude') return [file!, '--resume', id, ...withoutOld(args)];
	if (args[0] === 'exec') {
		const rest = args[1] === 'resume' ? args.slice(3) : args.slice(1);
		return [file!, 'exec', 'resume', id, ...rest];
	}
	const rest = args[0] === 'resume' ? args.slice(2) : args;
	return [file!, 'resume', id, ...rest];
}

/** True when the account's Claude settings turn on Claude Code's own continue-at-limit. */
export function nativeAutoContinue(dir: string): boolean {
	for (const name of ['settings.json', '.claude.json']) {
		try {
			const text = fs.readFileSync(path.join(dir, name), 'utf8');
			if (/"[A-Za-z]*auto[-_]?continue[A-Za-z]*"\s*:\s*true/i.test(text)) return true;
		} catch {
			// Not there.
		}
	}
	return false;
}
