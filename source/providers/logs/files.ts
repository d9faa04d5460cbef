/**
 * Finding log files without re-listing what did not change: a directory is read again only when its
 * mtime or inode moved (a file created, removed or renamed in it); appends to files do not touch it.
 * One stat per directory replaces one readdir per directory on every refresh.
 */
import fs from 'node:fs';
import path from 'node:path';

type CachedDir = {mtimeMs: number; ino: number; files: string[]; dirs: string[]};

/** A listing cache (keep one per index; a fresh one lists everything). */
export type DirCache = Map<string, CachedDir>;

export function createDirCache(): DirCache {
	return new Map();
}

/**
 * Every file under `root` (recursively) whose name `accept`s, sorted by path. A missing or unreadable
 * directory contributes nothing.
 */
export function listFiles(root: string, accept: (name: string) => boolean, cache: DirCache = createDirCache()): string[] {
	const out: string[] = [];
	const walk = (dir: string) => {
		let stat: fs.Stats | undefined;
		try {
			stat = fs.statSync(dir, {throwIfNoEntry: false});
		} catch {
			stat = undefined;
		}
		if (!stat?.isDirectory()) {
			cache.delete(dir);
			return;
		}
		let entry = cache.get(dir);
		if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.ino !== stat.ino) {
			let dirents: fs.Dirent[];
			try {
				dirents = fs.readdirSync(dir, {withFileTypes: true});
			} catch {
				cache.delete(dir);
				return;
			}
			const files: string[] = [];
			const dirs: string[] = [];
			for (const dirent of dirents) {
				const full = path.join(dir, dirent.name);
				if (dirent.isDirectory()) dirs.push(full);
				else if ((dirent.isFile() || dirent.isSymbolicLink()) && accept(dirent.name)) files.push(full);
			}
			entry = {mtimeMs: stat.mtimeMs, ino: stat.ino, files, dirs};
			cache.set(dir, entry);
		}
		for (const file of entry.files) out.push(file);
		for (const sub of entry.dirs) walk(sub);
	};
	walk(root);
	return out.sort();
}
