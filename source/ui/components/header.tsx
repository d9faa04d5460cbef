/**
 * The header: local clock, active account, auto mode, a `[DEMO]` badge on simulated data, a refresh
 * marker, and the recommended account with its reason (on a second line when there is room).
 */
import {memo} from 'react';
import {Box, Text} from 'ink';
import type {StatusReport} from '../../engine/report.js';
import {useTheme} from '../theme.js';
import {recommendationView} from '../view-model.js';
import {ACTIVE_MARKER} from './account-row.js';
import {ClockText} from './time-text.js';

export type HeaderProps = {
	readonly report: StatusReport;
	readonly isRefreshing: boolean;
	/** 2: title line + recommendation line; 1: everything on one line. */
	readonly lines: 1 | 2;
	/** Compact: no title, shorter labels. */
	readonly isCompact: boolean;
};

export const DEMO_BADGE = '[DEMO]';

export const Header = memo(function Header({report, isRefreshing, lines, isCompact}: HeaderProps) {
	const theme = useTheme();
	const recommendation = recommendationView(report.recommendation);
	const active = report.active ?? 'none';
	const next = (
		<>
			<Text {...theme.tone('muted')}>{isCompact ? '→ ' : 'recommended '}</Text>
			<Text {...theme.strong(recommendation.tone)}>{recommendation.account}</Text>
			<Text {...theme.tone('muted')}>{recommendation.reason === '' ? '' : ` — ${recommendation.reason}`}</Text>
		</>
	);
	const title = (
		<Text wrap="truncate">
			{isCompact ? null : <Text {...theme.strong('accent')}>quota-tui  </Text>}
			<ClockText/>
			{report.demo ? <><Text>  </Text><Text {...theme.badge('warn')}>{DEMO_BADGE}</Text></> : null}
			<Text {...theme.tone('muted')}>{isCompact ? '  ' : '  active '}</Text>
			<Text {...theme.tone('accent')}>{ACTIVE_MARKER} </Text>
			<Text {...theme.strong()}>{active}</Text>
			{isCompact ? null : <Text {...theme.tone('muted')}>{`  mode: ${report.mode}`}</Text>}
			{isRefreshing ? <Text {...theme.tone('muted')}>  refreshing…</Text> : null}
			{lines === 1 ? <><Text>  </Text>{next}</> : null}
		</Text>
	);

	if (lines === 1) {
		return title;
	}

	return (
		<Box flexDirection="column">
			{title}
			<Text wrap="truncate">{next}</Text>
		</Box>
	);
});
