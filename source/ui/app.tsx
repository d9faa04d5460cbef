/**
 * The dashboard root: reads the runtime's store with useSyncExternalStore, lays the frame out from the
 * terminal size (never taller than rows − 1), and maps keys through the keymap in one root `useInput`.
 * The clock is read only by the leaves that show time.
 */
import {useMemo, useRef, useSyncExternalStore} from 'react';
import {Box, Text, render, renderToString, useStdin, useWindowSize, type Instance, type RenderOptions} from 'ink';
import type {AppRuntime, AppSnapshot} from '../runtime/types.js';
import {parseInstant} from './format.js';
import {ClockContext, frozenClock} from './hooks/use-now.js';
import {useAppSnapshot} from './hooks/use-app-snapshot.js';
import {TerminalContext, useDashboard, type TerminalControls} from './hooks/use-dashboard.js';
import {QueuePanel} from './components/queue-panel.js';
import {DetailPane, type ViewMetrics} from './components/detail-pane.js';

import {helpLines} from './help-view.js';
import {noMatchText} from './list-view.js';
import {bodyLinesFor, computeLayout, type Size} from './layout.js';
import {essentialRows} from './queue-view.js';
import {createScreen, enableMouse, guardTerminal, wantsMouse, wheelAsKeys, type MouseReporting, type Screen} from './terminal.js';
import {createTheme, ThemeContext, themeFromEnv, type Theme} from './theme.js';
import {longestName} from './view-model.js';
import {
	AccountsPanel,
	DecisionsPanel,
	Footer,
	Header,
	HelpOverlay,
	ConfirmBox,
	NoticePanel,
	PanelBoundary,
	TooSmall,
	WastePanel,
	confirmLines,
	noticeLines,
} from './components/index.js';

/** How long a notice stays unless the config says otherwise (config `ui.noticeSeconds`). */
export const DEFAULT_NOTICE_SECONDS = 8;

export type DashboardProps = {
	readonly runtime: AppRuntime;
	/** A fixed terminal size (one-shot frames, screenshots); by default the terminal's, following resizes. */
	readonly size?: Size;
	/** The live screen (renderDashboard): its size, resizes and Ctrl+L redraws. */
	readonly screen?: Screen;
	/** @default themeFromEnv() (colourless under NO_COLOR) */
	readonly theme?: Theme;
	/** @default 8 */
	readonly noticeSeconds?: number;
};

export function Dashboard({runtime, size, screen, theme, noticeSeconds = DEFAULT_NOTICE_SECONDS}: DashboardProps) {
	// Bars and badges colour by the configured thresholds (policy warn/switch), not fixed constants.
	const thresholds = useAppSnapshot(runtime).thresholds;
	const warnAt = thresholds?.warnAt;
	const criticalAt = thresholds?.criticalAt;
	const resolvedTheme = useMemo(() => {
		const base = theme ?? themeFromEnv();
		return warnAt === undefined || criticalAt === undefined ? base : createTheme({isColor: base.isColor, warnAt, criticalAt});
	}, [theme, warnAt, criticalAt]);
	const controls = useMemo<TerminalControls>(() => ({redraw: () => screen?.redraw()}), [screen]);
	const noticeMs = noticeSeconds * 1000;
	return (
		<ThemeContext.Provider value={resolvedTheme}>
			<ClockContext.Provider value={runtime.clock}>
				<TerminalContext.Provider value={controls}>
					{size !== undefined
						? <DashboardScreen runtime={runtime} size={size} noticeMs={noticeMs}/>
						: screen === undefined
							? <WindowSizedScreen runtime={runtime} noticeMs={noticeMs}/>
							: <ScreenSizedScreen runtime={runtime} screen={screen} noticeMs={noticeMs}/>}
				</TerminalContext.Provider>
			</ClockContext.Provider>
		</ThemeContext.Provider>
	);
}

type ScreenProps = {readonly runtime: AppRuntime; readonly noticeMs: number};

function WindowSizedScreen({runtime, noticeMs}: ScreenProps) {
	const size = useWindowSize();
	return <DashboardScreen runtime={runtime} size={size} noticeMs={noticeMs}/>;
}

function ScreenSizedScreen({runtime, screen, noticeMs}: ScreenProps & {readonly screen: Screen}) {
	const size = useSyncExternalStore(screen.subscribe, screen.size, screen.size);
	return <DashboardScreen runtime={runtime} size={size} noticeMs={noticeMs}/>;
}

function DashboardScreen({runtime, size, noticeMs}: ScreenProps & {readonly size: Size}) {
	const snapshot = useAppSnapshot(runtime);
	const {isRawModeSupported} = useStdin();
	const {report} = snapshot;
	// Built when first read (the overlay open, a scroll key), not for every first frame: it measures
	// every line of the help (~90 ms of the dashboard's start-up before the list could draw).
	const help = useMemo(() => {
		let lines: ReturnType<typeof helpLines> | undefined;
		return () => (lines ??= helpLines(size.columns, {demo: report.demo, noticeSeconds: noticeMs / 1000}));
	}, [size.columns, report.demo, noticeMs]);
	// The help's page: the body between header and footer minus the help's title line.
	const helpPage = Math.max(1, bodyLinesFor(size) - 1);
	// The open detail view's size as last drawn: its scrolling keys clamp to it.
	const viewMetrics = useRef<ViewMetrics>({lines: 0, page: 1});
	const dashboard = useDashboard(runtime, snapshot, {noticeMs, help: {get lines() { return help().length; }, page: helpPage}, isActive: isRawModeSupported, view: viewMetrics});
	const {ui, accounts} = dashboard;
	const notices = useMemo(() => noticeLines(dashboard.toasts, report.warnings, report.demo, report.budgets), [dashboard.toasts, report.warnings, report.demo, report.budgets]);
	const confirm = ui.confirm;
	const wantedConfirm = confirm === null ? 0 : confirmLines(confirm, size.columns).length;

	const layout = useMemo(
		() => computeLayout(size, accounts.length, {
			longestName: longestName(report),
			noticeLines: notices.length,
			decisionCount: report.decisions.length,
			waste: snapshot.utilization ? {accounts: snapshot.utilization.accounts.length, alerts: snapshot.utilization.useItOrLoseIt.length} : undefined,
			queue: snapshot.queue ? {rows: snapshot.queue.rows.length, focused: dashboard.isQueueFocused, essential: essentialRows(snapshot.queue)} : undefined,
			confirmLines: wantedConfirm,
			clockTimes: ui.list.times === 'clock',
		}),
		[size, accounts.length, report, notices.length, snapshot.utilization, snapshot.queue, dashboard.isQueueFocused, wantedConfirm, ui.list.times],
	);
	const generatedAt = useMemo(() => parseInstant(report.generatedAt) ?? 0, [report.generatedAt]);

	if (layout.kind === 'too-small') {
		return <TooSmall need={layout.need} have={layout.have}/>;
	}

	const isCompact = layout.kind === 'compact';
	const selectedName = accounts[dashboard.selectedAccount]?.name ?? null;
	const viewConfirmLines = ui.view === null || confirm === null ? 0 : Math.min(wantedConfirm, Math.max(0, layout.bodyLines - 2));
	// Under a detail view: the command notices only (at most 2 lines), not the list's warnings.
	const viewNotices = ui.view === null ? [] : noticeLines(dashboard.toasts, [], false, [], true);
	const viewNoticeLines = Math.min(viewNotices.length, 2, Math.max(0, layout.bodyLines - viewConfirmLines - 2));
	return (
		<Box flexDirection="column">
			<PanelBoundary name="header" resetKey={report}>
				<Header report={report} isRefreshing={snapshot.refreshing} lines={layout.headerLines} isCompact={isCompact}/>
			</PanelBoundary>
			{ui.help === null && ui.view !== null ? (
				<>
					<PanelBoundary name="detail" resetKey={snapshot}>
						<DetailPane view={ui.view} snapshot={snapshot} width={layout.size.columns} height={layout.bodyLines - viewConfirmLines - viewNoticeLines} metrics={viewMetrics}/>
					</PanelBoundary>
					<NoticePanel lines={viewNotices} height={viewNoticeLines}/>
					{confirm !== null && viewConfirmLines > 0 ? <ConfirmBox confirm={confirm} width={layout.size.columns} lines={viewConfirmLines}/> : null}
				</>
			) : ui.help === null ? (
				<>
					{layout.spacerAfterHeader ? <Text> </Text> : null}
					<PanelBoundary name="accounts" resetKey={report}>
						<AccountsPanel
							accounts={accounts}
							layout={layout}
							selected={dashboard.selectedAccount}
							generatedAt={generatedAt}
							showSelection={isRawModeSupported && !dashboard.isQueueFocused}
							times={ui.list.times}
							emptyText={ui.list.filter === '' ? undefined : noMatchText(ui.list)}
						/>
					</PanelBoundary>
					{layout.spacerAfterList ? <Text> </Text> : null}
					<PanelBoundary name="notice" resetKey={snapshot}>
						<NoticePanel lines={notices} height={layout.noticeLines}/>
					</PanelBoundary>
					{snapshot.utilization ? (
						<PanelBoundary name="waste" resetKey={snapshot.utilization}>
							<WastePanel report={snapshot.utilization} layout={layout.waste} columns={layout.size.columns} nameWidth={layout.row.name} selected={selectedName}/>
						</PanelBoundary>
					) : null}
					{snapshot.queue ? (
						<PanelBoundary name="queue" resetKey={snapshot.queue}>
							<QueuePanel
								queue={snapshot.queue}
								lines={layout.queueLines}
								width={layout.size.columns}
								mode={report.mode}
								isFocused={dashboard.isQueueFocused}
								selected={dashboard.selectedJob}
								isInteractive={isRawModeSupported}
							/>
						</PanelBoundary>
					) : null}
					<PanelBoundary name="decisions" resetKey={report}>
						<DecisionsPanel decisions={report.decisions} lines={layout.decisionLines} generatedAt={generatedAt}/>
					</PanelBoundary>
					{confirm !== null && layout.confirmLines > 0 ? <ConfirmBox confirm={confirm} width={layout.size.columns} lines={layout.confirmLines}/> : null}
				</>
			) : (
				<PanelBoundary name="help">
					<HelpOverlay lines={help()} scroll={ui.help} height={layout.bodyLines}/>
				</PanelBoundary>
			)}
			<Footer scopes={dashboard.scopes} width={layout.size.columns} isInteractive={isRawModeSupported} list={ui.list} listed={accounts.length} total={report.accounts.length}/>
		</Box>
	);
}

export type RenderDashboardOptions = {
	/** Frame-rate cap (config `ui.maxFps`). @default 15 */
	readonly maxFps?: number;
	/** How long notices stay (config `ui.noticeSeconds`). @default 8 */
	readonly noticeSeconds?: number;
	readonly theme?: Theme;
	readonly stdout?: NodeJS.WriteStream;
	readonly stdin?: RenderOptions['stdin'];
	readonly stderr?: NodeJS.WriteStream;
	/** Process hooks (signals, uncaught exceptions). @default process */
	readonly proc?: NodeJS.Process;
	/** Ask the terminal for mouse-wheel reports (config `ui.mouse`; only on a TTY, not TERM=dumb). @default true */
	readonly mouse?: boolean;
	/** @default process.env */
	readonly env?: NodeJS.ProcessEnv;
};

/**
 * Run the live dashboard until it quits; resolves to the exit code (0, or 143/129 after SIGTERM/SIGHUP).
 * It owns the terminal (terminal.ts): the alternate screen, a full redraw on every resize and Ctrl+L,
 * and the terminal given back on quit, on a signal and on a crash. Ctrl+C is a key of the keymap
 * (quit → `runtime.dispose()` → `exit()`), so Ink's own Ctrl+C exit is off; nothing logs to the
 * console, so Ink does not patch it. Ink's CI detection is overridden: the caller decided this is a
 * live terminal (a TTY on both ends, not TERM=dumb), and CI=true in the environment does not change that.
 */
export async function runDashboard(runtime: AppRuntime, options: RenderDashboardOptions = {}): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const stderr = options.stderr ?? process.stderr;
	const proc = options.proc ?? process;
	const screen = createScreen(stdout);
	const stdin = options.stdin ?? process.stdin;
	const withMouse = wantsMouse(stdout, options.env ?? process.env, options.mouse ?? true);
	let instance: Instance | undefined;
	let mouse: MouseReporting | undefined;
	const quit = () => {
		runtime.dispose();
		instance?.unmount();
	};

	const guard = guardTerminal({quit, restore: () => instance?.unmount(), stderr, exit: code => proc.exit(code), proc});
	try {
		instance = render(<Dashboard runtime={runtime} screen={screen} theme={options.theme} noticeSeconds={options.noticeSeconds}/>, {
			exitOnCtrlC: false,
			patchConsole: false,
			maxFps: options.maxFps ?? 15,
			interactive: Boolean(stdout.isTTY),
			alternateScreen: true,
			// Only the lines that changed are written (a running job's `running 12s`: one line, not the
			// whole 4 KB frame). A resize or Ctrl+L still clears and redraws everything (terminal.ts).
			incrementalRendering: true,
			stdout,
			stderr,
			stdin: withMouse ? wheelAsKeys(stdin) : stdin,
		});
		screen.attach(instance);
		if (withMouse) {
			mouse = enableMouse(stdout, proc);
		}

		await instance.waitUntilExit();
	} finally {
		mouse?.dispose();
		guard.dispose();
		screen.dispose();
		runtime.dispose();
	}

	return guard.signalExitCode() ?? 0;
}

/** A read-only runtime over one snapshot and a frozen clock (for one-shot frames). */
export function staticRuntime(snapshot: AppSnapshot, now: number): AppRuntime {
	return {
		subscribe: () => () => undefined,
		getSnapshot: () => snapshot,
		clock: frozenClock(now),
		switchTo: () => undefined,
		refresh: () => undefined,
		dispose: () => undefined,
	};
}

export type StaticFrameOptions = {
	/** @default themeFromEnv() */
	readonly theme?: Theme;
};

/**
 * One frame of the dashboard as a string, at `now`, for a terminal of `size`: the non-TTY print and
 * screenshots. No selection marker and no key hints, since no keys are read.
 */
export function renderStaticFrame(snapshot: AppSnapshot, now: number, size: Size, options: StaticFrameOptions = {}): string {
	return renderToString(
		<Dashboard runtime={staticRuntime(snapshot, now)} size={size} theme={options.theme}/>,
		{columns: size.columns},
	);
}
