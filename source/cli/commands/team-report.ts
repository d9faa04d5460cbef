/**
 * `report daily|blocks --all-machines`: the team's daily totals from the per-machine aggregates on the
 * hub, and its 5-hour blocks merged per account (runtime/hub-report.ts), with ccusage's field names
 * plus the cost per machine.
 */
import {teamBlocks, teamDaily} from '../../runtime/hub-report.js';
import {parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {withContext} from '../shared.js';

const DATE = /^\d{8}$/;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toFixed(2)}`;

function date(value: string | undefined, flag: string): string | undefined {
	if (value === undefined) return undefined;
	const compact = value.replaceAll('-', '');
	if (!DATE.test(compact)) throw new UsageError(`${flag}: expected a date as YYYYMMDD, got "${value}"`);
	return compact;
}

/** `report daily --all-machines [--json] [--account A] [--since D] [--until D]` (argv without the flag). */
export async function teamReportDaily(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {json: {type: 'boolean'}, account: {type: 'string'}, since: {type: 'string'}, until: {type: 'string'}}, 'report daily --all-machines');
	if (positionals.length > 0) throw new UsageError(`report daily --all-machines: unexpected argument "${positionals[0]}"`);
	const since = date(values.since, '--since');
	const until = date(values.until, '--until');
	return withContext(io, {demo: values.demo}, async ctx => {
		if (ctx.demo) throw new UsageError('report daily --all-machines: the demo has no team');
		const team = await teamDaily(ctx, {account: values.account, since, until});
		if ('error' in team) {
			printError(io, team.error);
			return 1;
		}
		if (values.json) {
			printJson(io, {
				daily: team.daily.map(d => ({date: d.date, inputTokens: d.inputTokens, outputTokens: d.outputTokens, cacheCreationTokens: d.cacheCreationTokens, cacheReadTokens: d.cacheReadTokens, totalTokens: d.inputTokens + d.outputTokens + d.cacheCreationTokens + d.cacheReadTokens, totalCost: d.totalCost, modelsUsed: d.modelsUsed, machines: d.machines, unpriced: d.unpriced})),
				totals: {...team.totals, totalTokens: team.totals.inputTokens + team.totals.outputTokens + team.totals.cacheCreationTokens + team.totals.cacheReadTokens},
				machines: team.machines,
			});
			return 0;
		}
		if (team.daily.length === 0) {
			print(io, 'No usage on the team hub yet (each machine pushes its daily aggregates when it reads its logs: quota-tui report daily).');
			return 0;
		}
		const header = ['Date', 'Input', 'Output', 'Cache create', 'Cache read', 'Cost', ...team.machines];
		const rows = team.daily.map(d => [d.date, int(d.inputTokens), int(d.outputTokens), int(d.cacheCreationTokens), int(d.cacheReadTokens), `${usd(d.totalCost)}${d.unpriced ? '*' : ''}`, ...team.machines.map(m => (d.machines[m] === undefined ? '' : usd(d.machines[m]!)))]);
		rows.push(['Total', int(team.totals.inputTokens), int(team.totals.outputTokens), int(team.totals.cacheCreationTokens), int(team.totals.cacheReadTokens), usd(team.totals.totalCost), ...team.machines.map(m => usd(team.totals.machines[m] ?? 0))]);
		const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => (r[c] ?? '').length)));
		const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
		print(io, `Team usage from the hub (${team.machines.length} machine${team.machines.length === 1 ? '' : 's'}; API-equivalent cost)`);
		print(io, [line(header), widths.map(w => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
		if (team.daily.some(d => d.unpriced)) print(io, '* some models have no price: their tokens are counted, their cost is not');
		return 0;
	});
}

const dayStartMs = (compact: string | undefined, plusDays = 0): number | undefined =>
	compact === undefined ? undefined : Date.UTC(Number(compact.slice(0, 4)), Number(compact.slice(4, 6)) - 1, Number(compact.slice(6, 8)) + plusDays);

/** `report blocks --all-machines [--json] [--account A] [--since D] [--until D]` (argv without the flag). */
export async function teamReportBlocks(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {json: {type: 'boolean'}, account: {type: 'string'}, since: {type: 'string'}, until: {type: 'string'}}, 'report blocks --all-machines');
	if (positionals.length > 0) throw new UsageError(`report blocks --all-machines: unexpected argument "${positionals[0]}"`);
	const since = date(values.since, '--since');
	const until = date(values.until, '--until');
	return withContext(io, {demo: values.demo}, async ctx => {
		if (ctx.demo) throw new UsageError('report blocks --all-machines: the demo has no team');
		const now = ctx.clock.now();
		const team = await teamBlocks(ctx, {account: values.account, sinceMs: dayStartMs(since), untilMs: dayStartMs(until, 1), now});
		if ('error' in team) {
			printError(io, team.error);
			return 1;
		}
		if (values.json) {
			printJson(io, {blocks: team.blocks, machines: team.machines});
			return 0;
		}
		if (team.blocks.length === 0) {
			print(io, 'No 5-hour blocks on the team hub yet (each machine pushes its blocks when it reads its logs: quota-tui report blocks).');
			return 0;
		}
		const hhmm = (iso: string) => iso.slice(0, 16).replace('T', ' ');
		const header = ['Block start (UTC)', 'Account', 'Status', 'Tokens', 'Cost', ...team.machines];
		const rows = team.blocks.map(b => [hhmm(b.startTime), b.account, b.isActive ? 'ACTIVE' : `${Math.round((Date.parse(b.actualEndTime) - Date.parse(b.startTime)) / 60_000)}m`, int(b.totalTokens), usd(b.costUSD),
			...team.machines.map(m => (b.machines[m] === undefined ? '' : usd(b.machines[m]!)))]);
		const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => (r[c] ?? '').length)));
		const line = (cells: string[]) => cells.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
		print(io, `Team 5-hour blocks from the hub (${team.machines.length} machine${team.machines.length === 1 ? '' : 's'}; each account's blocks merged across machines; API-equivalent cost)`);
		print(io, [line(header), widths.map(w => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
		return 0;
	});
}
