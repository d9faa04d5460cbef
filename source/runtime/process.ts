/**
 * Process identity for job supervision: is the process with this pid still the one we started?
 * A pid alone can be reused by the system; on Linux the process's start time (field 22 of
 * /proc/<pid>/stat) tells a reused pid apart, and a zombie (exited, not yet reaped) counts as gone.
 */
import fs from 'node:fs';
import os from 'node:os';

function procStat(pid: number): {state: string; start: string} | undefined {
	try {
		const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) is in parentheses and may contain spaces: split after the last ")".
		const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
		// rest[0] is field 3 (state); field 22 (start time) is rest[19].
		const state = rest[0];
		const start = rest[19];
		return state && start ? {state, start} : undefined;
	} catch {
		return undefined;
	}
}

/** A token that identifies this incarnation of `pid` (Linux: its start time), or null when unknown. */
export function processStartToken(pid: number): string | null {
	return procStat(pid)?.start ?? null;
}

/**
 * True while `pid` runs and (when `token` is given and can be checked) is still the same process.
 * EPERM (it exists but belongs to someone else) counts as running.
 */
export function processAlive(pid: number | null | undefined, token?: string | null): boolean {
	if (!pid || pid <= 0) return false;
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}
	const stat = procStat(pid);
	if (stat === undefined) return process.platform !== 'linux';
	if (stat.state === 'Z' || stat.state === 'X') return false;
	return !token || stat.start === token;
}

/** `pid@host` of this process: who claimed a job. */
export function claimerId(pid = process.pid): string {
	return `${pid}@${os.hostname()}`;
}

/** The pid in a `pid@host` claimer id, when the host is this machine. */
export function localClaimerPid(claimedBy: string | null): number | undefined {
	if (!claimedBy) return undefined;
	const at = claimedBy.indexOf('@');
	if (at < 0 || claimedBy.slice(at + 1) !== os.hostname()) return undefined;
	const pid = Number(claimedBy.slice(0, at));
	return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Send `signal` to the process group led by `pid` (runners are group leaders), else to the process. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		try {
			process.kill(pid, signal);
			return true;
		} catch {
			return false;
		}
	}
}
