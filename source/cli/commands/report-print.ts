/**
 * The text tables of `report`: per period (day, week, month), per session, per project and day, and
 * the 5-hour blocks. `--compact` leaves out the cache and total-token columns (ccusage's narrow layout).
 */
import {PRICE_TABLE_DATE} from '../../engine/pricing.js';
import type {Calibration} from '../../engine/local-usage.js';
import type {Block, DailyTotals} from '../../engine/usage.js';
import type {ProjectDailyRow, SessionRow, UsageRow} from '../../engine/usage-reports.js';
import {print, type Io} from '../io.js';

export type TextOptions = {breakdown: boolean; compact: boolean};

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
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

type Tokens = Pick<UsageRow, 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens'>;

/** The number cells of a row: input, output, (cache write, cache read, total), cost. */
function numbers(t: Tokens, cost: string, compact: boolean): string[] {
	const total = t.inputTokens + t.outputTokens + t.cacheCreationTokens + t.cacheReadTokens;
	return compact ? [int(t.inputTokens), int(t.outputTokens), cost] : [int(t.inputTokens), int(t.outputTokens), int(t.cacheCreationTokens), int(t.cacheReadTokens), int(total), cost];
}

function numberHeader(compact: boolean): string[] {
	return compact ? ['Input', 'Output', 'Cost (API)'] : ['Input', 'Output', 'Cache write', 'Cache read', 'Total tokens', 'Cost (API)'];
}

function rowsOf(lead: string[], row: UsageRow, options: TextOptions): string[][] {
	const out = [[...lead, row.modelsUsed.map(shortModel).join(', '), ...numbers(row, usd(row.totalCost), options.compact)]];
	if (options.breakdown) {
		for (const m of row.modelBreakdowns) out.push([...lead.map(() => ''), `└ ${shortModel(m.modelName)}`, ...numbers(m, m.missingPricing ? 'no price' : usd(m.cost), options.compact)]);
	}
	return out;
}

function printTable(io: Io, lead: string[], rows: string[][], totals: DailyTotals, options: TextOptions): void {
	rows.push(['Total', ...lead.slice(1).map(() => ''), '', ...numbers(totals, usd(totals.totalCost), options.compact)]);
	const header = [...lead, 'Models', ...numberHeader(options.compact)];
	const right = new Set(header.map((_, c) => c).filter(c => c > lead.length));
	for (const line of table(header, rows, right)) print(io, line);
}

/** Day, week or month rows (`key` is the period). */
export function printRows(io: Io, label: string, rows: ReadonlyArray<UsageRow & {key: string}>, totals: DailyTotals, options: TextOptions): void {
	if (rows.length === 0) {
		print(io, 'No usage in the local logs for this period.');
		return;
	}
	printTable(io, [label], rows.flatMap(row => rowsOf([row.key], row, options)), totals, options);
}

export function printSessions(io: Io, sessions: readonly SessionRow[], totals: DailyTotals, options: TextOptions): void {
	if (sessions.length === 0) {
		print(io, 'No sessions in the local logs for this period.');
		return;
	}
	const rows = sessions.flatMap(s => rowsOf([s.sessionId, s.projectPath, s.lastActivity.slice(0, 10)], s, options));
	printTable(io, ['Session', 'Project', 'Last activity'], rows, totals, options);
}

export function printInstances(io: Io, projects: Record<string, ProjectDailyRow[]>, totals: DailyTotals, options: TextOptions): void {
	const rows = Object.values(projects).flat().flatMap(row => rowsOf([row.project, row.date], row, options));
	if (rows.length === 0) {
		print(io, 'No usage in the local logs for this period.');
		return;
	}
	printTable(io, ['Project', 'Date'], rows, totals, options);
}

export function printBlocks(io: Io, blocks: readonly Block[], now: number, several: boolean): void {
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

export type ScanSummary = {files: number; bytes: number; bytesRead: number; ms: number; filesAdded: number; filesAppended: number; filesReread: number; filesRemoved: number};

export function printFooter(io: Io, scan: ScanSummary, accounts: ReadonlyArray<{name: string; calibration: Calibration[]}>, costNote: string | null): void {
	print(io, '');
	const parts = [`${int(scan.files)} log files (${bytesText(scan.bytes)})`, `read ${bytesText(scan.bytesRead)} in ${(scan.ms / 1000).toFixed(2)} s`];
	if (scan.filesAdded + scan.filesAppended + scan.filesReread > 0) parts.push(`${scan.filesAdded} new, ${scan.filesAppended} grown, ${scan.filesReread} re-read`);
	if (scan.filesRemoved > 0) parts.push(`${scan.filesRemoved} gone`);
	print(io, parts.join('; '));
	print(io, `Costs are API-equivalent, prices of ${PRICE_TABLE_DATE} (pricing.models in config overrides them).${costNote ? ` ${costNote}` : ''}`);
	for (const account of accounts) {
		for (const c of account.calibration) {
			print(io, `${account.name}: ~${int(c.tokensPerPercent)} tokens (~${usd(c.usdPerPercent)}) per 1% of the ${c.kind === 'five_hour' ? '5-hour' : '7-day'} window (measured over ${c.windows} window${c.windows === 1 ? '' : 's'})`);
		}
	}
}
