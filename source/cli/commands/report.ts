/**
 * `report daily|weekly|monthly|session|blocks`: tokens, API-equivalent cost and 5-hour blocks from the
 * local Claude and Codex logs, with ccusage's flags and JSON field names (DESIGN §5) so scripts written
 * for ccusage keep working.
 */
import {PRICE_TABLE_DATE} from '../../engine/pricing.js';
import {dailyReport, filterBlocks, FLAG_FALLBACK, identifyBlocks, type Block} from '../../engine/usage.js';
import {flaggedCount, instancesReport, periodReport, sessionReport, WEEKDAYS, withCostMode} from '../../engine/usage-reports.js';
import {CODEX_FALLBACK_MODEL} from '../../providers/logs/codex-logs.js';
import {dateFormatter, IMPLICIT_CLAUDE, IMPLICIT_CODEX, indexOptionsFromEnv, LocalLogIndex, logSources, processTimeZone, type AccountRefresh, type LogSource} from '../../runtime/local-logs.js';
import type {localUsageOf as LocalUsageOf} from '../../runtime/local-usage.js';
import {parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';
import {int, printBlocks, printFooter, printInstances, printRows, printSessions, type TextOptions} from './report-print.js';

const HELP = `Usage:
  quota-tui report daily   [options] [--breakdown] [-i|--instances] [-p|--project P]
  quota-tui report weekly  [options] [--breakdown] [-w|--start-of-week DAY] [-p|--project P]
  quota-tui report monthly [options] [--breakdown] [-p|--project P]
  quota-tui report session [options] [--breakdown] [-i|--id SESSION] [-p|--project P]
  quota-tui report blocks  [options] [-r|--recent] [-a|--active]

Tokens, API-equivalent cost and 5-hour blocks from the local logs: Claude Code's
<configDir>/projects/**/*.jsonl (subagents included) of every Claude account, Codex's
<home>/sessions/**/*.jsonl and <home>/archived_sessions/ of every Codex account. With no account of a
provider configured, its default location is read (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude;
CODEX_HOME, ~/.codex). Only what changed since the last run is read.

  daily              one row per day (in TZ, or --timezone) with models and per-model breakdowns
  weekly             one row per week (starting on --start-of-week, default sunday)
  monthly            one row per month
  session            one row per session (a Claude transcript with its subagents; a Codex rollout),
                     highest cost first
  blocks             ccusage's 5-hour blocks: a block opens at the hour of its first request and
                     lasts 5 h; a pause longer than 5 h shows as a gap

Options (ccusage's, with the same meaning):
  -j, --json         ccusage's JSON (daily[]/weekly[]/monthly[]/sessions[]/projects{}/blocks[] and
                     totals) plus accounts, scan and warnings
  -s, --since DATE   from this date (YYYYMMDD or YYYY-MM-DD), inclusive
  -u, --until DATE   until this date, inclusive
  -z, --timezone TZ  the time zone of the dates (default: the system's)
  -o, --order ORDER  asc (default) or desc: oldest or newest first
  -m, --mode MODE    auto (default): a line that logged its cost (costUSD) shows that cost, others are
                     priced; calculate: always priced from tokens; display: only logged costs
  -O, --offline      accepted, changes nothing: prices are always the embedded table
  -b, --breakdown    a line per model under each row
      --compact      fewer columns (no cache or total-token columns)
  -p, --project P    only the project P (Claude: the directory under projects/; Codex: the home)
  -i, --instances    daily: per project, then per day (JSON: projects{name: rows})
  -w, --start-of-week DAY   weekly: sunday (default) … saturday
  -i, --id SESSION   session: only this session
  -r, --recent       blocks: only those of the last 3 days (and the active one)
  -a, --active       blocks: only the active block
      --account A    one account (a configured name, or @claude / @codex for the default dirs)
      --all-machines daily|blocks, team mode: the whole team's totals from the daily aggregates
                     every machine pushed to the hub, or its 5-hour blocks merged per account, with
                     the cost per machine (--json, --account, --since, --until apply)

Costs are API-equivalent (what the tokens would cost on the pay-as-you-go API), from a price
table dated ${PRICE_TABLE_DATE}; change or add prices under "pricing.models" in config. Models
without a price are listed, not counted as $0. Codex turns whose log names no model are priced
as ${CODEX_FALLBACK_MODEL} (as ccusage does) and a warning says how many.`;

const DATE = /^\d{8}$/;

function checkDate(value: string | undefined, flag: string): string | undefined {
	if (value === undefined) return undefined;
	const compact = value.replaceAll('-', '');
	if (!DATE.test(compact)) throw new UsageError(`${flag}: expected a date as YYYYMMDD, got "${value}"`);
	const ms = Date.UTC(Number(compact.slice(0, 4)), Number(compact.slice(4, 6)) - 1, Number(compact.slice(6, 8)));
	if (new Date(ms).toISOString().slice(0, 10).replaceAll('-', '') !== compact) throw new UsageError(`${flag}: "${value}" is not a calendar date`);
	return compact;
}

function checkTimeZone(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	try {
		new Intl.DateTimeFormat('en', {timeZone: value});
	} catch {
		throw new UsageError(`--timezone: unknown time zone "${value}" (expected an IANA name such as Europe/Berlin or UTC)`);
	}
	return value;
}

/** Warnings a user should see: corrupt lines, half-written files, unpriced models, unreadable files. */
function warningsOf(refreshed: readonly AccountRefresh[], unpriced: readonly string[]): string[] {
	const warnings: string[] = [];
	for (const r of refreshed) {
		const who = r.account.startsWith('@') ? r.dirs.join(', ') : r.account;
		if (r.corrupt > 0) {
			const first = r.corruptSamples[0];
			warnings.push(`${who}: ${r.corrupt} corrupt usage line${r.corrupt === 1 ? '' : 's'} skipped (not JSON or cut short)${first ? `; first in ${first.path} at byte ${first.offset}` : ''}`);
		}
		if (r.pending.length > 0) {
			const first = r.pending[0]!;
			warnings.push(`${who}: ${r.pending.length} file${r.pending.length === 1 ? ' ends' : 's end'} with an unfinished line (not counted until complete)${r.pending.length === 1 ? `: ${first.path} (${first.bytes} bytes)` : `, e.g. ${first.path}`}`);
		}
		warnings.push(...r.warnings);
	}
	if (unpriced.length > 0) {
		warnings.push(`no price for ${unpriced.join(', ')}: ${unpriced.length === 1 ? 'its' : 'their'} tokens are counted, ${unpriced.length === 1 ? 'its' : 'their'} cost is not (add prices under "pricing.models" in config)`);
	}
	return warnings;
}

function scanOf(refreshed: readonly AccountRefresh[]) {
	const sum = (f: (r: AccountRefresh) => number) => refreshed.reduce((total, r) => total + f(r), 0);
	return {
		files: sum(r => r.files),
		bytes: sum(r => r.bytes),
		bytesRead: sum(r => r.bytesRead),
		filesAdded: sum(r => r.added),
		filesAppended: sum(r => r.appended),
		filesReread: sum(r => r.reread),
		filesRemoved: sum(r => r.removed),
		records: sum(r => r.records),
		corruptLines: sum(r => r.corrupt),
		pendingFiles: sum(r => r.pending.length),
		ms: Math.round(sum(r => r.ms)),
	};
}

function pickSources(all: LogSource[], accounts: ReadonlyArray<{name: string; provider: string}>, wanted: string | undefined): LogSource[] {
	if (wanted === undefined) return all;
	const source = all.find(s => s.account === wanted);
	if (source) return [source];
	const account = accounts.find(a => a.name === wanted);
	if (account) {
		const why = account.provider === 'claude' ? 'it has no --config-dir' : account.provider === 'codex' ? 'it has no --home' : `${account.provider} accounts keep no local logs`;
		throw new UsageError(`--account: ${wanted} has no local logs (${why})`);
	}
	const known = [...accounts.map(a => a.name), ...all.filter(s => s.implicit).map(s => s.account)].join(', ') || 'none';
	throw new UsageError(`--account: no account named "${wanted}" (accounts: ${known}${wanted === IMPLICIT_CLAUDE || wanted === IMPLICIT_CODEX ? '; the default directory holds no logs' : ''})`);
}

type Kind = 'daily' | 'weekly' | 'monthly' | 'session' | 'blocks';
const KINDS: readonly Kind[] = ['daily', 'weekly', 'monthly', 'session', 'blocks'];

/** ccusage's flags (and short forms); a flag that does not fit a report is refused by name below. */
const FLAGS = {
	json: {type: 'boolean', short: 'j'},
	account: {type: 'string'},
	since: {type: 'string', short: 's'},
	until: {type: 'string', short: 'u'},
	timezone: {type: 'string', short: 'z'},
	order: {type: 'string', short: 'o'},
	mode: {type: 'string', short: 'm'},
	offline: {type: 'boolean', short: 'O'},
	'no-offline': {type: 'boolean'},
	breakdown: {type: 'boolean', short: 'b'},
	compact: {type: 'boolean'},
	project: {type: 'string', short: 'p'},
	instances: {type: 'boolean'},
	'start-of-week': {type: 'string', short: 'w'},
	id: {type: 'string'},
	recent: {type: 'boolean', short: 'r'},
	active: {type: 'boolean', short: 'a'},
} as const;

/** Flags that only some reports take (ccusage's own split). */
const ONLY: Record<string, readonly Kind[]> = {
	instances: ['daily'],
	'start-of-week': ['weekly'],
	id: ['session'],
	recent: ['blocks'],
	active: ['blocks'],
	breakdown: ['daily', 'weekly', 'monthly', 'session'],
	project: ['daily', 'weekly', 'monthly', 'session'],
};

function choice<T extends string>(value: string | undefined, flag: string, choices: readonly T[]): T | undefined {
	if (value === undefined) return undefined;
	if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag}: expected ${choices.join(' | ')}, got "${value}"`);
	return value as T;
}

async function run(kind: Kind, argv: readonly string[], io: Io): Promise<number> {
	// ccusage's -i is --instances in daily and --id in session.
	const args = argv.map(arg => (arg === '-i' ? (kind === 'session' ? '--id' : '--instances') : arg));
	const {values, positionals} = parse(args, FLAGS, `report ${kind}`);
	if (positionals.length > 0) throw new UsageError(`report ${kind}: unexpected argument "${positionals[0]}"`);
	for (const [flag, kinds] of Object.entries(ONLY)) {
		if (values[flag as keyof typeof values] !== undefined && !kinds.includes(kind)) throw new UsageError(`--${flag}: only with "report ${kinds.join('|')}"`);
	}
	const since = checkDate(values.since, '--since');
	const until = checkDate(values.until, '--until');
	if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
	const timeZone = checkTimeZone(values.timezone) ?? processTimeZone();
	const order = choice(values.order, '--order', ['asc', 'desc'] as const) ?? 'asc';
	const mode = choice(values.mode, '--mode', ['auto', 'calculate', 'display'] as const) ?? 'auto';
	const startOfWeek = choice(values['start-of-week'], '--start-of-week', WEEKDAYS) ?? 'sunday';
	const text: TextOptions = {breakdown: values.breakdown === true, compact: values.compact === true};

	return withContext(io, {demo: values.demo}, async ctx => {
		const now = ctx.clock.now();
		const all = ctx.demo ? [] : logSources(ctx.accounts, ctx.env);
		const sources = pickSources(all, ctx.accounts, values.account);
		const index = new LocalLogIndex(ctx, {...indexOptionsFromEnv(ctx.env), timeZone});
		const refreshed = await index.refresh(sources, now);
		const dateOf = dateFormatter(timeZone);
		const stored = sources.map(s => index.usage(s.account));
		const batches = stored.map(b => withCostMode(b, mode));
		const logged = batches.some((b, k) => b !== stored[k]);
		const unpriced = [...new Set(batches.flatMap(b => b.unpriced))].sort();
		const warnings = warningsOf(refreshed, unpriced);
		const fallback = batches.reduce((sum, b) => sum + flaggedCount(b, FLAG_FALLBACK), 0);
		if (fallback > 0) warnings.push(`${int(fallback)} Codex turn${fallback === 1 ? '' : 's'} without a model in the log: priced as ${CODEX_FALLBACK_MODEL}, as ccusage prices them`);
		if (ctx.demo) warnings.push('demo accounts keep no local logs: nothing to report');
		else if (sources.length === 0) {
			warnings.push('no local logs found: Claude Code logs are read from each Claude account\'s --config-dir (or CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude), Codex logs from each Codex account\'s --home (or CODEX_HOME, ~/.codex)');
		}
		const offset = -new Date(now).getTimezoneOffset();
		// Calibration needs official observations: only configured accounts have them.
		const configured = sources.filter(s => !s.implicit).map(s => ({name: s.account}));
		// Loaded only when there is something to calibrate (the default directories have no official observations).
		const locals: ReturnType<typeof LocalUsageOf> = configured.length > 0 ? (await import('../../runtime/local-usage.js')).localUsageOf(ctx, configured, now, offset) : new Map();
		const accounts = refreshed.map(r => ({
			name: r.account,
			provider: r.provider,
			dirs: r.dirs,
			files: r.files,
			bytes: r.bytes,
			records: r.records,
			calibration: locals.get(r.account)?.report.calibration ?? [],
		}));
		const scan = scanOf(refreshed);
		const extra = {accounts, scan, warnings, priceTable: PRICE_TABLE_DATE, timeZone, costMode: mode};
		const origins = kind === 'session' || values.instances || values.project !== undefined ? sources.map(s => index.origins(s)) : [];
		const project = values.project;
		const keep = project === undefined ? undefined : (k: number, i: number) => origins[k]!.origins[origins[k]!.fileOf[i]!]?.project === project;
		const options = {dateOf, since, until, keep, order};
		if (kind === 'daily' && values.instances) {
			const report = instancesReport(batches.map((batch, k) => ({batch, origins: origins[k]!})), options);
			if (values.json) return done(io, {...report, ...extra});
			printInstances(io, report.projects, report.totals, text);
		} else if (kind === 'daily') {
			// The index computed this very report for its stored rows when the refresh changed something.
			const plain = sources.length === 1 && !since && !until && !keep && !logged && timeZone === index.timeZone;
			const cached = plain ? index.cachedDaily(sources[0]!.account) : null;
			// With --project, ccusage names the project on every row.
			const report = keep ? (({rows, totals}) => ({daily: rows.map(row => ({...row, project})), totals}))(periodReport('date', batches, options)) : (cached ?? dailyReport(batches, {dateOf, since, until}));
			const daily = order === 'desc' ? [...report.daily].reverse() : report.daily;
			if (values.json) return done(io, {daily, totals: report.totals, ...extra});
			printRows(io, 'Date', daily.map(d => ({...d, key: d.date})), report.totals, text);
		} else if (kind === 'weekly' || kind === 'monthly') {
			const period = kind === 'weekly' ? 'week' : 'month';
			const report = periodReport(period, batches, {...options, startOfWeek});
			if (values.json) return done(io, {[kind]: report.rows, totals: report.totals, ...extra});
			printRows(io, kind === 'weekly' ? `Week (${startOfWeek})` : 'Month', report.rows.map(r => ({...r, key: r[period]})), report.totals, text);
		} else if (kind === 'session') {
			const report = sessionReport(batches.map((batch, k) => ({batch, origins: origins[k]!})), {...options, id: values.id});
			if (values.json) return done(io, {...report, ...extra});
			printSessions(io, report.sessions, report.totals, text);
		} else {
			const several = sources.length > 1;
			let blocks: Block[] = sources.flatMap((s, k) => {
				const list = identifyBlocks(batches[k]!, {now, resets: index.resets(s.account)});
				return several ? list.map(b => ({...b, account: s.account})) : list;
			});
			blocks = filterBlocks(blocks, dateOf, since, until);
			if (values.recent) blocks = blocks.filter(b => b.isActive || Date.parse(b.startTime) >= now - 3 * 86_400_000);
			if (values.active) blocks = blocks.filter(b => b.isActive);
			if (several) blocks.sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
			if (order === 'desc') blocks.reverse();
			if (values.json) return done(io, {blocks, ...extra});
			printBlocks(io, blocks, now, several);
		}
		const costNote = mode === 'display' ? 'With --mode display a cost is what the log recorded (costUSD), $0 where it recorded none.' : logged ? 'Lines that recorded their cost (costUSD) show that cost (--mode auto; --mode calculate prices them).' : null;
		printFooter(io, scan, accounts, costNote);
		for (const warning of warnings) printError(io, `warning: ${warning}`);
		return 0;
	});
}

function done(io: Io, value: unknown): number {
	printJson(io, value);
	return 0;
}

export const reportCommand: Command = {
	name: 'report',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		// Team mode: the team's totals from the hub (cli/commands/team-report.ts, loaded only then).
		if (sub === 'daily' && rest.includes('--all-machines')) return (await import('./team-report.js')).teamReportDaily(rest.filter(arg => arg !== '--all-machines'), io);
		if (sub === 'blocks' && rest.includes('--all-machines')) return (await import('./team-report.js')).teamReportBlocks(rest.filter(arg => arg !== '--all-machines'), io);
		if (sub !== undefined && sub !== 'daily' && sub !== 'blocks' && rest.includes('--all-machines')) throw new UsageError('--all-machines: only with "report daily" or "report blocks" (the team hub holds per-day sums and 5-hour blocks per machine)');
		if ((KINDS as readonly string[]).includes(sub ?? '')) return run(sub as Kind, rest, io);
		if (sub === undefined || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`report: unknown report "${sub}" (expected ${KINDS.join(', ')})`);
	},
};
