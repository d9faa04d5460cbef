/**
 * The runtime floor, checked before anything that needs it is loaded: `DatabaseSync#isTransaction`
 * (nested transactions, rollback on failure) arrived in Node 22.16, and `node:sqlite` does not exist
 * before 22.5. This module imports nothing, so it runs on any Node that can parse it.
 */

export const NODE_FLOOR = [22, 16] as const;

/** The message for a Node older than the floor, or null when `version` (e.g. "v20.20.2") is enough. */
export function nodeFloorProblem(version: string): string | null {
	const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
	const [floorMajor, floorMinor] = NODE_FLOOR;
	if (major > floorMajor || (major === floorMajor && minor >= floorMinor)) return null;
	return `quota-tui needs Node ${floorMajor}.${floorMinor} or newer (found ${version})`;
}

/**
 * Drop Node 22's "SQLite is an experimental feature" (when `node:sqlite` is first loaded: every
 * command) and "globSync is an experimental feature" (Fleet roots; stable from 22.17) warnings: they
 * would reach stderr for features quota-tui relies on deliberately. Every other warning still prints.
 */
export function quietExperimentalWarnings(): void {
	const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
	process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
		const first = rest[0];
		const type = typeof first === 'string' ? first : (first as {type?: string} | undefined)?.type ?? (warning instanceof Error ? warning.name : undefined);
		const message = typeof warning === 'string' ? warning : warning.message;
		if (type === 'ExperimentalWarning' && /^(SQLite|globSync|glob) is an experimental feature/.test(message)) return;
		emit(warning, ...rest);
	}) as typeof process.emitWarning;
}
