/**
 * `utilization [--days N] [--json]`: averages, waste, auto-spend and pending totals (DESIGN §7.5), then
 * per account: the weekly value, each closed week with its final value and waste, the open week's
 * projection, and anything that makes a number less certain (a large gap before a reset, a missing week).
 */
import {DateTime} from 'luxon';
import {pct} from '../../engine/status.js';
import {instantMs} from '../../engine/time.js';
import {exhaustionText, spanText, summaryLines, usd, useItOrLoseItText, type AccountUtilization, type UtilizationReport} from '../../engine/waste.js';
import {pruneHistory} from '../../runtime/history.js';
import {collectUtilization} from '../../runtime/utilization.js';
import {numberFlag, parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';
import {attributionByMachine} from '../../runtime/hub-attribution.js';

async function byMachine(io: Io, demo: boolean | undefined, asJson: boolean): Promise<number> {
	return withContext(io, {demo, requireAccounts: true}, async ctx => {
		if (ctx.demo) throw new UsageError('utilization --by-machine: the demo has no team');
		const result = await attributionByMachine(ctx, ctx.clock.now());
		if ('error' in result) {
			printError(io, result.error);
			return 1;
		}
		if (asJson) {
			printJson(io, {accounts: result});
			return 0;
		}
		if (result.length === 0) print(io, 'No account has a known weekly window yet.');
		for (const a of result) {
			const parts = [...a.machines.map(m => `${m.machine} ${pct(m.share)}`), `unattributed ${pct(a.unattributed)}`];
			print(io, `${a.account} 7d: ${parts.join(', ')}  (now ${pct(a.total)}, ${a.days} day${a.days === 1 ? '' : 's'} observed)`);
		}
		return 0;
	});
}

const HELP = `Usage: quota-tui utilization [--days N] [--json] [--demo]

How much of the paid-for quota was used, and what the unused part was worth, under the header
"Quota Utilization (last N days)", each average with a ten-cell █░ bar:

  78% average 5h utilization        mean final use of the 5-hour windows opened in the last N days
  61% average 7d utilization        mean final use of the weekly windows closed in the last 4 weeks
                                    (or the last N days when N is larger)
  Estimated waste: ~$12.40/week     per account the mean waste of those weeks, summed; an account
                                    with no closed week yet counts its open week's projection
  Auto-spend this week: 3 jobs ($4.00)   automatic jobs of the last 7 days
  Pending follow-ups: 5 (est. $8.50)     queued jobs and their estimates

Then per account: its weekly value (plan value × 12 / 52, or --value-usd), each closed week with the
last value seen before its reset and its waste ((1 − final) × weekly value, never below $0), and
the open week: now, projected at the reset at the current burn rate, projected waste.

A week's final value is the last one observed before its reset; when that observation was long
before the reset the week is flagged (its use may be higher, its waste lower). Weeks without any
observation are counted as missing, never priced.

  --days N   the period for 5-hour windows (default 7); weekly figures use max(N, 28) days
  --json     the same numbers as JSON (fractions 0–1, dollars rounded to cents)
  --by-machine  team mode: each account's current weekly window split among the team's machines,
             "max 7d: laptop 31 %, ci-runner 12 %, unattributed 4 %" — each day's rise of the window
             (observed by any machine) split by each machine's local-log cost of the account that day;
             a rise on a day no machine's logs show use is unattributed (web app, phone, outsiders)`;

function localTime(iso: string | null): string {
	const ms = instantMs(iso);
	return ms === undefined ? '?' : DateTime.fromMillis(ms).toFormat('ccc d LLL HH:mm');
}

function accountBlock(account: AccountUtilization, report: UtilizationReport): string[] {
	const lines: string[] = [];
	const value = account.weeklyValueUsd === null ? 'no plan value (set --plan or --value-usd)' : `${usd(account.weeklyValueUsd)}/week`;
	lines.push(`${account.name}  ${account.provider}${account.plan ? ` ${account.plan}` : ''} · ${value}`);
	const five = account.fiveHour.value === null ? `no 5-hour window closed in the last ${report.days} days` : `${pct(account.fiveHour.value)} average over ${account.fiveHour.windows} window${account.fiveHour.windows === 1 ? '' : 's'}`;
	const seven = account.sevenDay.value === null ? 'no weekly window closed yet' : `${pct(account.sevenDay.value)} average over ${account.sevenDay.windows} week${account.sevenDay.windows === 1 ? '' : 's'}`;
	lines.push(`  5h    ${five}`, `  7d    ${seven}`);
	if (account.pool) lines.push(`  pool  ${account.pool}: one quota with its other members${account.countedInTotals === false ? ' (its waste is counted once, under the first member)' : ' (its waste counted once, here)'}`);
	for (const week of account.closedWeeks) {
		const waste = week.wasteUsd === null ? '' : `  ~${usd(week.wasteUsd)} unused`;
		const flags = [week.userEntered ? 'entered by hand' : '', week.largeGap ? `last seen ${spanText(week.gapBeforeResetMs)} before the reset: use may be higher` : '']
			.filter(Boolean)
			.join('; ');
		lines.push(`  week ending ${localTime(week.resetsAt).padEnd(16)} ${pct(week.final).padStart(4)} used${waste}${flags ? `  (${flags})` : ''}`);
	}
	if (account.missingWeeks > 0) lines.push(`  ${account.missingWeeks} week${account.missingWeeks === 1 ? '' : 's'} without any observation (not counted)`);
	const open = account.openWeek;
	if (open && open.utilization !== null) {
		const projection = open.projectedAtReset === null ? '' : ` → ${pct(open.projectedAtReset)} at reset`;
		const resets = open.resetsInMs === null ? '' : ` (resets in ${spanText(Math.max(0, open.resetsInMs))})`;
		const waste = open.projectedWasteUsd === null ? '' : ` · ~${usd(open.projectedWasteUsd)} projected unused`;
		lines.push(`  this week  ${pct(open.utilization)} now${projection}${resets}${waste}`);
	}
	const ledger = account.resetCredits;
	if (ledger?.lapsing) lines.push(`  resets     ${ledger.lapsing.sentence}`);
	if (ledger && ledger.lapsedCount > 0) lines.push(`  resets     ${ledger.lapsedCount} lapsed unused in the last 7 days${ledger.lapsedUsd === null ? ' (value unknown)' : ` ≈ ${usd(ledger.lapsedUsd)} (counted as waste)`}`);
	const empty = exhaustionText(account);
	if (empty) lines.push(`  forecast   ${empty} (before its reset)`);
	if (account.wasteUsdPerWeek !== null) {
		const basis = account.estimateBasis === 'closed-weeks'
			? `mean of ${account.closedWeeks.length} closed week${account.closedWeeks.length === 1 ? '' : 's'}`
			: 'projection of this week';
		lines.push(`  waste      ~${usd(account.wasteUsdPerWeek)}/week (${basis})`);
	}
	return lines;
}

/** A ten-cell bar of `fraction` (0–1): `████████░░` for 78 %. */
export function meter(fraction: number): string {
	const filled = Math.max(0, Math.min(10, Math.round(fraction * 10)));
	return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

/** The text report: the §7.5 lines, alerts, then one block per account and the notes. */
export function formatUtilization(report: UtilizationReport, demo = false): string {
	const summary = summaryLines(report);
	const lines: string[] = [];
	if (demo) lines.push('DEMO — simulated accounts and history.', '');
	// Seed 000-20: "Quota Utilization (last 7 days)", the averages with █░ bars, then the totals.
	const bar = (value: number | null) => (value === null ? ' '.repeat(10) : meter(value));
	lines.push(
		`Quota Utilization (last ${report.days} day${report.days === 1 ? '' : 's'})`,
		`  ${bar(report.averageFiveHour.value)}  ${summary.fiveHour}`,
		`  ${bar(report.averageSevenDay.value)}  ${summary.sevenDay}`,
		`  ${summary.waste}`,
		'',
		`  ${summary.autoSpend}`,
		`  ${summary.pending}`,
	);
	if (report.projectedWasteUsd !== null) lines.push(`Projected waste of the open weeks: ~${usd(report.projectedWasteUsd)}`);
	for (const sentence of report.resetCredits?.lapsing ?? []) lines.push(`Reset credits: ${sentence}`);
	if (report.useItOrLoseIt.length > 0) {
		lines.push('');
		for (const alert of report.useItOrLoseIt) lines.push(useItOrLoseItText(alert));
	}
	for (const account of report.accounts) lines.push('', ...accountBlock(account, report));
	if (report.notes.length > 0) {
		lines.push('', 'Notes:');
		for (const note of report.notes) lines.push(`  ! ${note}`);
	}
	return lines.join('\n');
}

export const utilizationCommand: Command = {
	name: 'utilization',
	help: HELP,
	async run(argv, io) {
		const {values} = parse(argv, {days: {type: 'string'}, json: {type: 'boolean'}, 'by-machine': {type: 'boolean'}}, 'utilization');
		const days = numberFlag(values.days, '--days', {min: 1, max: 3650});
		if (values['by-machine']) return byMachine(io, values.demo, values.json === true);
		return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
			const now = ctx.clock.now();
			if (!ctx.demo) pruneHistory(ctx, now);
			const report = collectUtilization(ctx, now, {days: days === undefined ? undefined : Math.floor(days), syncQueue: true});
			if (values.json) printJson(io, {demo: ctx.demo, ...report});
			else print(io, formatUtilization(report, ctx.demo));
			return 0;
		});
	},
};
