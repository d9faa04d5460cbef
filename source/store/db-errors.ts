/**
 * A database that cannot be used, as one line naming the file and what to do (issue 10 D10): a corrupt,
 * truncated, unreadable, read-only, locked or directory `quota.db`, or a folder it cannot be created in.
 * No node:sqlite import here, so the light command runner can recognise these errors.
 */

/** SQLite primary result codes (https://sqlite.org/rescode.html). */
const SQLITE = {PERM: 3, BUSY: 5, LOCKED: 6, READONLY: 8, IOERR: 10, CORRUPT: 11, FULL: 13, CANTOPEN: 14, NOTADB: 26} as const;

export class DatabaseError extends Error {
	override name = 'DatabaseError';
	readonly file: string;
	/** 1 for a lock that outlasted the busy timeout (try again), 2 for a file that needs the user. */
	readonly exitCode: number;

	constructor(file: string, message: string, exitCode: number, cause?: unknown) {
		super(`${file}: ${message}`, {cause});
		this.file = file;
		this.exitCode = exitCode;
	}
}

type SqliteLike = {code?: unknown; errcode?: unknown; errstr?: unknown; message?: unknown};

/** True for an error thrown by node:sqlite (or a file-system error on the way to it). */
export function isSqliteError(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as SqliteLike).code === 'ERR_SQLITE_ERROR';
}

/** `error` (from opening or using the database at `file`) as a DatabaseError; other errors unchanged. */
export function databaseError(file: string, error: unknown, busyTimeoutMs = 5000): unknown {
	if (error instanceof DatabaseError) return error;
	const e = (typeof error === 'object' && error !== null ? error : {}) as SqliteLike & {code?: unknown};
	const reason = typeof e.errstr === 'string' ? e.errstr : typeof e.message === 'string' ? e.message : String(error);
	const aside = `move it aside (mv '${file}' '${file}.broken') to start a fresh history`;
	if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
		switch (e.errcode & 0xff) {
			case SQLITE.NOTADB:
			case SQLITE.CORRUPT:
				return new DatabaseError(file, `not a usable quota-tui database (${reason}); ${aside}`, 2, error);
			case SQLITE.BUSY:
			case SQLITE.LOCKED:
				return new DatabaseError(file, `locked by another process for more than ${Math.round(busyTimeoutMs / 100) / 10} s (${reason}); try again, or find the process holding it (fuser '${file}')`, 1, error);
			case SQLITE.READONLY:
				return new DatabaseError(file, `read-only (${reason}); make it and its folder writable by you (chmod u+w)`, 2, error);
			case SQLITE.CANTOPEN:
			case SQLITE.PERM:
			case SQLITE.IOERR:
				return new DatabaseError(file, `cannot open it (${reason}); it must be a file you can read and write, in a folder you can write — or set QUOTA_TUI_HOME to another folder`, 2, error);
			case SQLITE.FULL:
				return new DatabaseError(file, `the disk is full (${reason}); free some space`, 2, error);
			default:
				return new DatabaseError(file, `${reason}; if this repeats, ${aside}`, 2, error);
		}
	}
	const code = typeof e.code === 'string' ? e.code : undefined;
	if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR') {
		return new DatabaseError(file, `cannot create it (${code}); make its folder writable by you, or set QUOTA_TUI_HOME to a folder that is`, 2, error);
	}
	return error;
}
