/**
 * The waste panel (DESIGN §10): the four summary lines of `quota-tui utilization`, a "use it or lose
 * it" line per account whose week resets within a day with more than the configured headroom unused,
 * and per account its 7-day sparkline with the open week's forecast (`→ 81% at reset`, `~$8.97 unused`,
 * `5h empty in 1h12m`). Heights come from the layout; time-derived texts are clock leaves.
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import {pct} from '../../engine/status.js';
import {projectionText, spanText, summaryLines, usd, useItOrLoseItText, type AccountUtilization, type UseItOrLoseIt, type UtilizationReport} from '../../engine/waste.js';
import {windowShortLabel} from '../../engine/status.js';
import type {WindowKind} from '../../engine/types.js';
import {parseInstant} from '../format.js';
import {useMinuteValue} from '../hooks/use-now.js';
import {useTheme, utilizationTone} from '../theme.js';
import {cell, cellRight} from '../view-model.js';
import type {WasteLayout} from '../waste-layout.js';
import {windowList} from '../layout.js';
import {moreText} from './accounts-panel.js';
import {Sparkline} from './sparkline.js';

export type WastePanelProps = {
	readonly report: UtilizationReport;
	readonly layout: WasteLayout;
	readonly columns: number;
	/** Width of the account-name cell (the accounts panel's). */
	readonly nameWidth: number;
	/** The selected account: when not every account fits, the lines follow it. */
	readonly selected?: string | null;
};

/**
 * The summary lines as rows of the panel: 4 rows, or 2 rows of two columns; the pending follow-ups
 * (seed 000-20's fifth line) follow the auto-spend line — in full when it fits, else `· pending N`.
 */
export function summaryRows(report: UtilizationReport, rows: 2 | 4, columns: number): string[] {
	const lines = summaryLines(report);
	const withPending = (row: string): string => {
		if (report.pending === null) return row;
		for (const tail of [` · ${lines.pending}`, ` · pending ${report.pending.count}`]) if (row.length + tail.length <= columns) return `${row}${tail}`;
		return row;
	};
	if (rows === 4) return [lines.fiveHour, lines.sevenDay, lines.waste, withPending(lines.autoSpend)];
	const left = Math.max(lines.fiveHour.length, lines.sevenDay.length) + 3;
	const fits = left + Math.max(lines.waste.length, lines.autoSpend.length) <= columns;
	return fits
		? [`${lines.fiveHour.padEnd(left)}${lines.waste}`, withPending(`${lines.sevenDay.padEnd(left)}${lines.autoSpend}`)]
		: [`${lines.fiveHour} · ${lines.waste}`, withPending(`${lines.sevenDay} · ${lines.autoSpend}`)];
}

/** One compact line: `5h 55% · 7d 63% · waste ~$15.14/wk · auto 0 ($0.00)`. */
export function compactSummary(report: UtilizationReport): string {
	const five = report.averageFiveHour.value === null ? '--' : pct(report.averageFiveHour.value);
	const seven = report.averageSevenDay.value === null ? '--' : pct(report.averageSevenDay.value);
	const waste = report.estimatedWasteUsdPerWeek === null ? '--' : `~${usd(report.estimatedWasteUsdPerWeek)}/wk`;
	const auto = report.autoSpend === null ? '' : ` · auto ${report.autoSpend.jobs} (${usd(report.autoSpend.usd)})`;
	return `5h ${five} · 7d ${seven} · waste ${waste}${auto}`;
}

/** `empty in 1h12m` until `target`, from the shared clock. */
const EmptyInText = memo(function EmptyInText({kind, target}: {readonly kind: string; readonly target: number}) {
	const theme = useTheme();
	// Under a minute reads `<1m` (spanText would say `0m`).
	const text = useMinuteValue(target, now => {
		return (target > now ? `${windowShortLabel(kind as WindowKind)} empty in ${target - now < 60_000 ? '<1m' : spanText(target - now)}` : `${windowShortLabel(kind as WindowKind)} empty`);
	});
	return <Text {...theme.tone('critical')}>{text}</Text>;
});

/** `demo-spare: week resets in 14h18m, 81% unused (~$3.76)` — the alert for narrow panes. */
export function compactAlertText(alert: UseItOrLoseIt): string {
	const value = alert.valueUsd === null ? '' : ` (~${usd(alert.valueUsd)})`;
	return `${alert.account}: week resets in ${spanText(alert.resetsInMs)}, ${pct(alert.unusedAtReset)} unused${value}`;
}

/** The alert (shortened when the full sentence does not fit), its countdown from the shared clock. */
const AlertLine = memo(function AlertLine({alert, columns}: {readonly alert: UseItOrLoseIt; readonly columns: number}) {
	const theme = useTheme();
	const resetMs = parseInstant(alert.resetsAt) ?? 0;
	const text = useMinuteValue(resetMs, now => {
		const current = {...alert, resetsInMs: Math.max(0, resetMs - now)};
		const full = useItOrLoseItText(current);
		return full.length + 2 <= columns ? full : compactAlertText(current);
	});
	return <Text wrap="truncate" {...theme.tone('warn')}>⚠ {text}</Text>;
});

const AccountLine = memo(function AccountLine({account, nameWidth, sparkWidth}: {readonly account: AccountUtilization; readonly nameWidth: number; readonly sparkWidth: number}) {
	const theme = useTheme();
	const now = account.openWeek?.utilization ?? null;
	const projection = projectionText(account);
	const exhausts = account.exhausts ? parseInstant(account.exhausts.at) : null;
	const waste = account.openWeek?.projectedWasteUsd;
	return (
		<Text wrap="truncate">
			<Text>{'  '}{cell(account.name, nameWidth)} </Text>
			<Sparkline values={account.sparkline} width={sparkWidth}/>
			<Text {...theme.tone(utilizationTone(theme, now))}> {cellRight(now === null ? '--' : pct(now), 4)}</Text>
			{projection ? <Text {...theme.tone(utilizationTone(theme, account.openWeek?.projectedAtReset ?? null))}> {projection}</Text> : null}
			{exhausts !== null && account.exhausts
				? <><Text>  </Text><EmptyInText kind={account.exhausts.kind} target={exhausts}/></>
				: waste !== null && waste !== undefined && waste > 0 ? <Text {...theme.tone('muted')}>  ~{usd(waste)} unused</Text> : null}
		</Text>
	);
});

export const WastePanel = memo(function WastePanel({report, layout, columns, nameWidth, selected = null}: WastePanelProps) {
	const theme = useTheme();
	if (layout.lines === 0) return null;
	const alerts = report.useItOrLoseIt.slice(0, layout.alertLines);
	const count = report.accounts.length;
	const view = layout.accountLines === 0
		? {start: 0, end: 0, hiddenBefore: 0, hiddenAfter: count}
		: windowList(count, Math.max(0, report.accounts.findIndex(account => account.name === selected)), layout.accountLines + (layout.moreLine ? 1 : 0));
	const accounts = report.accounts.slice(view.start, view.end);
	const hidden = count - accounts.length;
	return (
		<Box flexDirection="column">
			{layout.spacerBefore ? <Text> </Text> : null}
			{layout.title ? <Text wrap="truncate" {...theme.tone('muted')}>{'waste & forecasts · 7d use over the last 7 days'}</Text> : null}
			{layout.summaryRows === 1 ? <Text wrap="truncate">{compactSummary(report)}</Text> : null}
			{layout.summaryRows === 2 || layout.summaryRows === 4
				? summaryRows(report, layout.summaryRows, columns).map(line => <Text key={line} wrap="truncate">{line}</Text>)
				: null}
			{alerts.map(alert => <AlertLine key={alert.account} alert={alert} columns={columns}/>)}
			{accounts.map(account => <AccountLine key={account.name} account={account} nameWidth={nameWidth} sparkWidth={layout.sparkWidth}/>)}
			{layout.moreLine && hidden > 0 ? <Text wrap="truncate" {...theme.tone('muted')}>{`  ${moreText(view.hiddenBefore, view.hiddenAfter)}`}</Text> : null}
			{layout.spacerAfter ? <Text> </Text> : null}
		</Box>
	);
});
