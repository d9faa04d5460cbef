/**
 * Editing a Claude account's settings.json safely (for `hook install|uninstall`):
 * - symlink-safe: a settings.json that is a symlink (dotfiles) is written at its target, the link kept;
 * - one backup per file and purpose (`<file>.quota-tui-<purpose>.bak`, or `.absent` when there was no
 *   file), written on the first install only, never one per call;
 * - exact restore: uninstall writes the backed-up bytes back when nothing else changed since, removes
 *   the file it created, and otherwise removes only our entries (keeping the user's later edits);
 * - all or nothing: every file is read and checked before the first one is written, and a failed write
 *   puts back the files already written.
 */
import fs from 'node:fs';
import path from 'node:path';
import {isRecord} from '../providers/util.js';
import {UsageError} from './io.js';

export type Settings = Record<string, unknown>;

export type SettingsFile = {
	/** The path as configured (<configDir>/settings.json). */
	file: string;
	/** Where the bytes live (the symlink's target, else `file`). */
	real: string;
	/** The bytes now, or null when there is no file. */
	bytes: string | null;
	settings: Settings;
};

export function readSettingsFile(file: string): SettingsFile {
	let real: string;
	try {
		real = fs.realpathSync(file);
	} catch {
		// No file yet (or a dangling link: written where it points, below).
		try {
			const target = fs.readlinkSync(file);
			real = path.resolve(path.dirname(file), target);
		} catch {
			real = file;
		}
	}
	let bytes: string | null = null;
	try {
		bytes = fs.readFileSync(real, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${file}: cannot read (${(error as Error).message}); nothing changed`, 1);
	}
	if (bytes === null || bytes.trim() === '') return {file, real, bytes, settings: {}};
	let parsed: unknown;
	try {
		parsed = JSON.parse(bytes);
	} catch (error) {
		throw new UsageError(`${file}: not valid JSON (${(error as Error).message}); fix it first, nothing changed`);
	}
	if (!isRecord(parsed)) throw new UsageError(`${file}: expected a JSON object; nothing changed`);
	return {file, real, bytes, settings: parsed};
}

const backupPaths = (real: string, purpose: string) => ({bak: `${real}.quota-tui-${purpose}.bak`, absent: `${real}.quota-tui-${purpose}.absent`});

/** Replace `real` atomically with `bytes` (same mode; a new file 0644), or remove it when bytes is null. */
function put(real: string, bytes: string | null): void {
	if (bytes === null) {
		fs.rmSync(real, {force: true});
		return;
	}
	const mode = fs.existsSync(real) ? fs.statSync(real).mode & 0o777 : 0o644;
	fs.mkdirSync(path.dirname(real), {recursive: true});
	const temporary = `${real}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, bytes, {mode});
	fs.renameSync(temporary, real);
}

const serialise = (settings: Settings) => `${JSON.stringify(settings, null, 2)}\n`;

export type Plan = {target: SettingsFile; next: string | null; backup: 'keep' | 'create' | 'drop'};

/** What install writes: the new settings, and a backup of the original on the first install. */
export function planInstall(target: SettingsFile, next: Settings, purpose: string): Plan {
	const {bak, absent} = backupPaths(target.real, purpose);
	const hasBackup = fs.existsSync(bak) || fs.existsSync(absent);
	return {target, next: serialise(next), backup: hasBackup ? 'keep' : 'create'};
}

/**
 * What uninstall writes: the original bytes when the settings without our entries equal the backup, no
 * file when there was none before and nothing else is left, else the settings without our entries.
 */
export function planUninstall(target: SettingsFile, withoutOurs: Settings, purpose: string): Plan {
	const {bak, absent} = backupPaths(target.real, purpose);
	const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
	if (fs.existsSync(absent) && Object.keys(withoutOurs).length === 0) return {target, next: null, backup: 'drop'};
	if (fs.existsSync(bak)) {
		const original = fs.readFileSync(bak, 'utf8');
		let parsed: unknown;
		try {
			parsed = original.trim() === '' ? {} : JSON.parse(original);
		} catch {
			parsed = undefined;
		}
		if (sameJson(parsed, withoutOurs)) return {target, next: original, backup: 'drop'};
	}
	return {target, next: serialise(withoutOurs), backup: 'drop'};
}

/** Carry out the plans, all or nothing. */
export function applyPlans(plans: readonly Plan[], purpose: string): void {
	const done: Plan[] = [];
	try {
		for (const plan of plans) {
			const {bak, absent} = backupPaths(plan.target.real, purpose);
			if (plan.backup === 'create') {
				if (plan.target.bytes === null) fs.writeFileSync(absent, '');
				else fs.writeFileSync(bak, plan.target.bytes, {mode: fs.statSync(plan.target.real).mode & 0o777});
			}
			put(plan.target.real, plan.next);
			done.push(plan);
			if (plan.backup === 'drop') {
				fs.rmSync(bak, {force: true});
				fs.rmSync(absent, {force: true});
			}
		}
	} catch (error) {
		for (const plan of done.reverse()) {
			try {
				put(plan.target.real, plan.target.bytes);
			} catch {
				// Best effort: the message below names the file.
			}
		}
		throw new UsageError(`could not write ${plans[done.length]?.target.file ?? 'settings.json'}: ${(error as Error).message}; ${done.length > 0 ? 'the files already written were put back, ' : ''}nothing changed`, 1);
	}
}
