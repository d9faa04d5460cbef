/**
 * The vocabulary of `autoUtilization.sources` (seed 000-9): which queued jobs auto-utilization may run.
 * quota-tui's own names are the job sources — `fleet` (every Fleet follow-up), `backlog` (`queue add`),
 * `team` (jobs another machine queued) —; the seed's names are accepted too and select part of Fleet by
 * the entry's `kind`:
 *   fleet_long_tail   long-tail items promoted when three or more point at one module (kind long_tail)
 *   deviation_checks  officer findings — deviations an officer checked and reported (kind finding)
 *   fleet_follow_ups  the crew's explicit follow-ups: recommendations and any other Fleet kind
 * The three together are `fleet`. An unknown name matches nothing and is warned about, never silently.
 * Pure.
 */
import type {JobSource} from './jobs.js';

type Selectable = {source: JobSource | string; kind: string};

const NAMES: Record<string, {describe: string; matches: (job: Selectable) => boolean}> = {
	fleet: {describe: 'every Fleet follow-up', matches: job => job.source === 'fleet'},
	backlog: {describe: 'jobs added with quota-tui queue add', matches: job => job.source === 'backlog'},
	team: {describe: "jobs another machine of the team queued", matches: job => job.source === 'team'},
	fleet_long_tail: {describe: 'Fleet long-tail items (kind long_tail)', matches: job => job.source === 'fleet' && job.kind === 'long_tail'},
	deviation_checks: {describe: 'Fleet officer findings (kind finding)', matches: job => job.source === 'fleet' && job.kind === 'finding'},
	fleet_follow_ups: {describe: 'Fleet recommendations and other explicit follow-ups (kinds other than finding and long_tail)', matches: job => job.source === 'fleet' && job.kind !== 'finding' && job.kind !== 'long_tail'},
};

export const SOURCE_NAMES: readonly string[] = Object.keys(NAMES);

/** The configured names normalised (case, `-` and spaces as `_`). */
function normalise(name: string): string {
	return name.trim().toLowerCase().replaceAll(/[\s-]+/g, '_');
}

/** Names that select nothing (typos, vocabularies quota-tui does not know). */
export function unknownSources(names: readonly string[]): string[] {
	return names.filter(name => !(normalise(name) in NAMES));
}

/** One warning for the unknown names of `autoUtilization.sources`, or null. */
export function sourcesWarning(names: readonly string[]): string | null {
	const unknown = unknownSources(names);
	if (unknown.length === 0) return null;
	return `autoUtilization.sources: ${unknown.map(name => `"${name}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a known source and select${unknown.length === 1 ? 's' : ''} no job (known: ${SOURCE_NAMES.join(', ')})`;
}

/** Does one of the configured names select this job? */
export function sourceSelects(names: readonly string[], job: Selectable): boolean {
	return names.some(name => NAMES[normalise(name)]?.matches(job) === true);
}

/** Why the configured names leave this job out (for the plan's exclusions). */
export function sourceExclusion(names: readonly string[], job: Selectable): string {
	const would = SOURCE_NAMES.filter(name => NAMES[name]!.matches(job) && name !== 'fleet');
	const kind = job.source === 'fleet' ? ` (kind ${job.kind})` : '';
	return `its source "${job.source}"${kind} is not in autoUtilization.sources (${names.join(', ') || 'none'})${would.length > 0 ? `; ${[...would, ...(job.source === 'fleet' ? ['fleet'] : [])].join(' or ')} would include it` : ''}`;
}
