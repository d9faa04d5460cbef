/**
 * `report daily|blocks`: tokens, API-equivalent cost and 5-hour blocks from the local Claude and Codex
 * logs, with ccusage's JSON field names (DESIGN §5) so scripts written for ccusage keep working.
 */
import {PRICE_TABLE_DATE} from '../../engine/pricing.js';
import {dailyReport, filterBlocks, identifyBlocks, type Block, type DailyRow, type DailyTotals} from '../../engine/usage.js';
import type {Calibration} from '../../engine/local-usage.js';
import {dateFormatter, IMPLICIT_CLAUDE, IMPLICIT_CODEX, indexOptionsFromEnv, LocalLogIndex, logSources, processTimeZone, type AccountRefresh, type LogSource} from '../../runtime/local-logs.js';
import {localUsageOf} from '../../runtime/local-usage.js';
import {parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';

const HELP = `Usage:
  quota-tui report daily  [--json] [--account A] [--since YYYYMMDD] [--until YYYYMMDD] [--timezone TZ] [--breakdown]
  quota-tui report blocks [--json] [--account A] [--since YYYYMMDD] [--until YYYYMMDD] [--timezone TZ] [--recent] [--active]

Tokens, API-equivalent cost and 5-hour blocks from the local logs: Claude Code's
<configDir>/projects/**/*.jsonl (subagents included) of every Claude account, Codex's
<home>/sessions/**/rollout-*.jsonl of every Codex account. With no account of a provider
configured, its default location is read (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude;
CODEX_HOME, ~/.codex). Only what changed since the last run is read.

  daily            one row per day (in TZ, or --timezone) with models and per-model breakdowns
  blocks           ccusage's 5-hour blocks: a block opens at the hour of its first request and
                   lasts 5 h; a pause longer than 5 h shows as a gap
  --json           ccusage's JSON (daily[]/totals, blocks[]) plus accounts, scan and warnings
  --account A      one account (a configured name, or @claude / @codex for the default dirs)
  --since/--until  inclusive dates, YYYYMMDD
  --timezone TZ    the time zone of the dates (default: the system's)
  --breakdown      daily: a line per model under each day
  --recent         blocks: only those of the last 3 days (and the active one)
  --active         blocks: only the active block

Costs are API-equivalent (what the tokens would cost on the pay-as-you-go API), from a price
table dated ${PRICE_TABLE_DATE}; change or add prices under "pricing.models" in config. Models
without a price are listed, not counted as $0.`;

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

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toFixed(2)}`;
const shortModel = (m: string): string => m.replace(/^claude-/, '').replace(/-\d{8}$/, '');

function bytesText(n: number): string {
	if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
	if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
	if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
	return `${n} B`;
}

function table(header: string[], rows: string[][], right: ReadonlySet<number>): string[] {
	const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => (r[c] ?? '').length)));
	const line = (cells: string[]) => cells.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
	return [line(header), widths.map(w => '─'.repeat(w)).join('  '), ...rows.map(line)];
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

async function run(kind: 'daily' | 'blocks', argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {
		json: {type: 'boolean'},
		account: {type: 'string'},
		since: {type: 'string'},
		until: {type: 'string'},
		timezone: {type: 'string'},
		breakdown: {type: 'boolean'},
		recent: {type: 'boolean'},
		active: {type: 'boolean'},
	}, `report ${kind}`);
	if (positionals.length > 0) throw new UsageError(`report ${kind}: unexpected argument "${positionals[0]}"`);
	if (kind === 'daily' && (values.recent || values.active)) throw new UsageError(`--${values.recent ? 'recent' : 'active'}: only with "report blocks"`);
	if (kind === 'blocks' && values.breakdown) throw new UsageError('--breakdown: only with "report daily"');
	const since = checkDate(values.since, '--since');
	const until = checkDate(values.until, '--until');
	if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
	const timeZone = checkTimeZone(values.timezone) ?? processTimeZone();

	return withContext(io, {demo: values.demo}, async ctx => {
		const now = ctx.clock.now();
		const all = ctx.demo ? [] : logSources(ctx.accounts, ctx.env);
		const sources = pickSources(all, ctx.accounts, values.account);
		const index = new LocalLogIndex(ctx, {...indexOptionsFromEnv(ctx.env), timeZone});
		const refreshed = await index.refresh(sources, now);
		const dateOf = dateFormatter(timeZone);
		const batches = sources.map(s => index.usage(s.account));
		const unpriced = [...new Set(batches.flatMap(b => b.unpriced))].sort();
		const warnings = warningsOf(refreshed, unpriced);
		if (ctx.demo) warnings.push('demo accounts keep no local logs: nothing to report');
		else if (sources.length === 0) {
			warnings.push('no local logs found: Claude Code logs are read from each Claude account\'s --config-dir (or CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude), Codex logs from each Codex account\'s --home (or CODEX_HOME, ~/.codex)');
		}
		const offset = -new Date(now).getTimezoneOffset();
		// Calibration needs official observations: only configured accounts have them.
		const locals = localUsageOf(ctx, sources.filter(s => !s.implicit).map(s => ({name: s.account})), now, offset);
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
		if (kind === 'daily') {
			// The index computed this very report for its stored rows when the refresh changed something.
			const cached = sources.length === 1 && !since && !until && timeZone === index.timeZone ? index.cachedDaily(sources[0]!.account) : null;
			const report = cached ?? dailyReport(batches, {dateOf, since, until});
			if (values.json) {
				printJson(io, {...report, accounts, scan, warnings, priceTable: PRICE_TABLE_DATE, timeZone});
				return 0;
			}
			printDaily(io, report.daily, report.totals, values.breakdown === true);
		} else {
			const several = sources.length > 1;
			let blocks: Block[] = sources.flatMap(s => {
				const list = identifyBlocks(index.usage(s.account), {now, resets: index.resets(s.account)});
				return several ? list.map(b => ({...b, account: s.account})) : list;
			});
			blocks = filterBlocks(blocks, dateOf, since, until);
			if (values.recent) blocks = blocks.filter(b => b.isActive || Date.parse(b.startTime) >= now - 3 * 86_400_000);
			if (values.active) blocks = blocks.filter(b => b.isActive);
			if (several) blocks.sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
			if (values.json) {
				printJson(io, {blocks, accounts, scan, warnings, priceTable: PRICE_TABLE_DATE, timeZone});
				return 0;
			}
			printBlocks(io, blocks, now, several);
		}
		printFooter(io, scan, accounts);
		for (const warning of warnings) printError(io, `warning: ${warning}`);
		return 0;
	});
}

function printDaily(io: Io, daily: readonly DailyRow[], totals: DailyTotals, breakdown: boolean): void {
	if (daily.length === 0) {
		print(io, 'No usage in the local logs for this period.');
		return;
	}
	const rows: string[][] = [];
	for (const d of daily) {
		rows.push([d.date, d.modelsUsed.map(shortModel).join(', '), int(d.inputTokens), int(d.outputTokens), int(d.cacheCreationTokens), int(d.cacheReadTokens), int(d.totalTokens), usd(d.totalCost)]);
		if (breakdown) {
			for (const m of d.modelBreakdowns) {
				rows.push(['', `└ ${shortModel(m.modelName)}`, int(m.inputTokens), int(m.outputTokens), int(m.cacheCreationTokens), int(m.cacheReadTokens), int(m.inputTokens + m.outputTokens + m.cacheCreationTokens + m.cacheReadTokens), m.missingPricing ? 'no price' : usd(m.cost)]);
			}
		}
	}
	rows.push(['Total', '', int(totals.inputTokens), int(totals.outputTokens), int(totals.cacheCreationTokens), int(totals.cacheReadTokens), int(totals.totalTokens), usd(totals.totalCost)]);
	for (const line of table(['Date', 'Models', 'Input', 'Output', 'Cache write', 'Cache read', 'Total tokens', 'Cost (API)'], rows, new Set([2, 3, 4, 5, 6, 7]))) print(io, line);
}

function printBlocks(io: Io, blocks: readonly Block[], now: number, several: boolean): void {
	if (blocks.length === 0) {
		print(io, 'No 5-hour blocks in the local logs for this period.');
		return;
	}
	const local = (iso: string) => {
		const d = new Date(iso);
		const pad = (n: number) => String(n).padStart(2, '0');
		return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
	};
	const rows = blocks.map(b => {
		if (b.isGap) return [...(several ? [b.account ?? ''] : []), local(b.startTime), `gap ${Math.round((Date.parse(b.endTime) - Date.parse(b.startTime)) / 3_600_000)} h`, '', '', ''];
		const minutes = Math.round((Date.parse(b.actualEndTime ?? b.startTime) - Date.parse(b.startTime)) / 60_000);
		const status = b.isActive ? `ACTIVE, ${Math.max(0, Math.round((Date.parse(b.endTime) - now) / 60_000))} min left` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
		const projected = b.projection ? ` → ${int(b.projection.totalTokens)}` : '';
		return [...(several ? [b.account ?? ''] : []), local(b.startTime), status, b.models.map(shortModel).join(', '), `${int(b.totalTokens)}${projected}`, `${usd(b.costUSD)}${b.usageLimitResetTime ? ' (limit hit)' : ''}`];
	});
	const header = [...(several ? ['Account'] : []), 'Block start', 'Duration / status', 'Models', 'Tokens', 'Cost (API)'];
	const right = new Set(several ? [4, 5] : [3, 4]);
	for (const line of table(header, rows, right)) print(io, line);
}

function printFooter(io: Io, scan: ReturnType<typeof scanOf>, accounts: ReadonlyArray<{name: string; calibration: Calibration[]}>): void {
	print(io, '');
	const parts = [`${int(scan.files)} log files (${bytesText(scan.bytes)})`, `read ${bytesText(scan.bytesRead)} in ${(scan.ms / 1000).toFixed(2)} s`];
	if (scan.filesAdded + scan.filesAppended + scan.filesReread > 0) parts.push(`${scan.filesAdded} new, ${scan.filesAppended} grown, ${scan.filesReread} re-read`);
	if (scan.filesRemoved > 0) parts.push(`${scan.filesRemoved} gone`);
	print(io, parts.join('; '));
	print(io, `Costs are API-equivalent, prices of ${PRICE_TABLE_DATE} (pricing.models in config overrides them).`);
	for (const account of accounts) {
		for (const c of account.calibration) {
			print(io, `${account.name}: ~${int(c.tokensPerPercent)} tokens (~${usd(c.usdPerPercent)}) per 1% of the ${c.kind === 'five_hour' ? '5-hour' : '7-day'} window (measured over ${c.windows} window${c.windows === 1 ? '' : 's'})`);
		}
	}
}

export const reportCommand: Command = {
	name: 'report',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'daily' || sub === 'blocks') return run(sub, rest, io);
		if (sub === undefined || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`report: unknown report "${sub}" (expected daily or blocks)`);
	},
};
