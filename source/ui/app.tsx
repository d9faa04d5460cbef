/**
 * The dashboard root: reads the runtime's store with useSyncExternalStore, lays the frame out from the
 * terminal size (never taller than rows − 1), and maps keys through the keymap in one root `useInput`.
 * The clock is read only by the leaves that show time.
 */
import {useMemo, useRef, useState} from 'react';
import {Box, Text, render, renderToString, useApp, useInput, useStdin, useWindowSize, type Instance, type RenderOptions} from 'ink';
import type {AppRuntime, AppSnapshot} from '../runtime/types.js';
import {parseInstant} from './format.js';
import {ClockContext, frozenClock} from './hooks/use-now.js';
import {useAppSnapshot} from './hooks/use-app-snapshot.js';
import {useQueue} from './hooks/use-queue.js';
import {QueuePanel} from './components/queue-panel.js';
import {commandFor, keyNameOf, type Command, type Scope} from './keymap.js';
import {computeLayout, type Size} from './layout.js';
import {ThemeContext, themeFromEnv, type Theme} from './theme.js';
import {longestName} from './view-model.js';
import {
	AccountsPanel,
	DecisionsPanel,
	Footer,
	Header,
	HelpOverlay,
	NoticePanel,
	PanelBoundary,
	TooSmall,
	WastePanel,
	noticeLines,
} from './components/index.js';

export type DashboardProps = {
	readonly runtime: AppRuntime;
	/** A fixed terminal size (one-shot frames, screenshots); by default the terminal's, following resizes. */
	readonly size?: Size;
	/** @default themeFromEnv() (colourless under NO_COLOR) */
	readonly theme?: Theme;
};

export function Dashboard({runtime, size, theme}: DashboardProps) {
	const resolvedTheme = useMemo(() => theme ?? themeFromEnv(), [theme]);
	return (
		<ThemeContext.Provider value={resolvedTheme}>
			<ClockContext.Provider value={runtime.clock}>
				{size === undefined ? <TerminalSizedScreen runtime={runtime}/> : <DashboardScreen runtime={runtime} size={size}/>}
			</ClockContext.Provider>
		</ThemeContext.Provider>
	);
}

function TerminalSizedScreen({runtime}: {readonly runtime: AppRuntime}) {
	const size = useWindowSize();
	return <DashboardScreen runtime={runtime} size={size}/>;
}

const ACCOUNT_SCOPES: readonly Scope[] = ['global', 'accounts'];
const OVERLAY_SCOPES: readonly Scope[] = ['global', 'overlay'];
const QUEUE_SCOPES: readonly Scope[] = ['global', 'queue'];
const CONFIRM_SCOPES: readonly Scope[] = ['global', 'confirm'];
// With a queue, Tab (focus) and a (auto mode) work from the accounts and the queue, and say so in the footer.
const ACCOUNT_PANEL_SCOPES: readonly Scope[] = [...ACCOUNT_SCOPES, 'panels'];
const QUEUE_PANEL_SCOPES: readonly Scope[] = [...QUEUE_SCOPES, 'panels'];

function DashboardScreen({runtime, size}: {readonly runtime: AppRuntime; readonly size: Size}) {
	const snapshot = useAppSnapshot(runtime);
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const [selectedName, setSelectedName] = useState<string | null>(null);
	const [isHelpOpen, setIsHelpOpen] = useState(false);
	const queueUi = useQueue(runtime, snapshot.queue);
	const isQuitting = useRef(false);
	const {report} = snapshot;
	const {accounts} = report;

	// Selection follows the account's name, so a re-ordered report keeps it; it starts on the active one.
	const byName = accounts.findIndex(account => account.name === (selectedName ?? report.active));
	const selected = byName === -1 ? 0 : byName;
	const hasQueue = snapshot.queue !== undefined;
	const scopes = isHelpOpen ? OVERLAY_SCOPES
		: queueUi.scope === 'confirm' ? CONFIRM_SCOPES
			: queueUi.scope === 'queue' ? (hasQueue ? QUEUE_PANEL_SCOPES : QUEUE_SCOPES)
				: hasQueue ? ACCOUNT_PANEL_SCOPES : ACCOUNT_SCOPES;

	const wantedNotices = noticeLines(snapshot.notice, report.warnings).length;
	const layout = useMemo(
		() => computeLayout(size, accounts.length, {
			longestName: longestName(report),
			noticeLines: wantedNotices,
			decisionCount: report.decisions.length,
			waste: snapshot.utilization ? {accounts: snapshot.utilization.accounts.length, alerts: snapshot.utilization.useItOrLoseIt.length} : undefined,
			queue: snapshot.queue ? {rows: snapshot.queue.rows.length, focused: queueUi.isFocused} : undefined,
		}),
		[size, accounts.length, report, wantedNotices, snapshot.utilization, snapshot.queue, queueUi.isFocused],
	);
	const generatedAt = useMemo(() => parseInstant(report.generatedAt) ?? 0, [report.generatedAt]);

	const run = (command: Command): void => {
		if (queueUi.run(command)) {
			return;
		}

		switch (command) {
			case 'up':
			case 'down': {
				const next = Math.min(accounts.length - 1, Math.max(0, selected + (command === 'up' ? -1 : 1)));
				const account = accounts[next];
				if (account) {
					setSelectedName(account.name);
				}

				break;
			}

			case 'switch': {
				const account = accounts[selected];
				if (account) {
					runtime.switchTo(account.name);
				}

				break;
			}

			case 'refresh': {
				runtime.refresh();
				break;
			}

			case 'help': {
				setIsHelpOpen(open => !open);
				break;
			}

			case 'close': {
				setIsHelpOpen(false);
				break;
			}

			case 'quit': {
				if (!isQuitting.current) {
					isQuitting.current = true;
					runtime.dispose();
					exit();
				}

				break;
			}
		}
	};

	useInput((input, key) => {
		const name = keyNameOf(input, key);
		const command = name === undefined ? undefined : commandFor(name, scopes);
		if (command !== undefined) {
			run(command);
		}
	}, {isActive: isRawModeSupported});

	if (layout.kind === 'too-small') {
		return <TooSmall need={layout.need} have={layout.have}/>;
	}

	const isCompact = layout.kind === 'compact';
	return (
		<Box flexDirection="column" width={layout.size.columns}>
			<PanelBoundary name="header" resetKey={report}>
				<Header report={report} isRefreshing={snapshot.refreshing} lines={layout.headerLines} isCompact={isCompact}/>
			</PanelBoundary>
			{layout.spacerAfterHeader ? <Text> </Text> : null}
			{isHelpOpen ? (
				<PanelBoundary name="help">
					<HelpOverlay lines={layout.bodyLines - (layout.spacerAfterHeader ? 1 : 0)}/>
				</PanelBoundary>
			) : (
				<>
					<PanelBoundary name="accounts" resetKey={report}>
						<AccountsPanel
							accounts={accounts}
							layout={layout}
							selected={selected}
							generatedAt={generatedAt}
							showSelection={isRawModeSupported && !queueUi.isFocused}
						/>
					</PanelBoundary>
					{layout.spacerAfterList ? <Text> </Text> : null}
					<PanelBoundary name="notice" resetKey={snapshot}>
						<NoticePanel notice={snapshot.notice} warnings={report.warnings} lines={layout.noticeLines}/>
					</PanelBoundary>
					{snapshot.utilization ? (
						<PanelBoundary name="waste" resetKey={snapshot.utilization}>
							<WastePanel report={snapshot.utilization} layout={layout.waste} columns={layout.size.columns} nameWidth={layout.row.name}/>
						</PanelBoundary>
					) : null}
					{snapshot.queue ? (
						<PanelBoundary name="queue" resetKey={snapshot.queue}>
							<QueuePanel
								queue={snapshot.queue}
								lines={layout.queueLines}
								width={layout.size.columns}
								mode={report.mode}
								isFocused={queueUi.isFocused}
								selected={queueUi.selected}
								confirm={queueUi.confirm}
								isInteractive={isRawModeSupported}
							/>
						</PanelBoundary>
					) : null}
					<PanelBoundary name="decisions" resetKey={report}>
						<DecisionsPanel decisions={report.decisions} lines={layout.decisionLines} generatedAt={generatedAt}/>
					</PanelBoundary>
				</>
			)}
			<Footer scopes={scopes} width={layout.size.columns} isInteractive={isRawModeSupported}/>
		</Box>
	);
}

export type RenderDashboardOptions = {
	/** Frame-rate cap (config `ui.maxFps`). @default 15 */
	readonly maxFps?: number;
	readonly theme?: Theme;
	readonly stdout?: RenderOptions['stdout'];
	readonly stdin?: RenderOptions['stdin'];
	readonly stderr?: RenderOptions['stderr'];
};

/**
 * Mount the live dashboard. Ctrl+C is a key of the keymap (quit → `runtime.dispose()` → `exit()`), so
 * Ink's own Ctrl+C exit is off; nothing logs to the console, so Ink does not patch it.
 */
export function renderDashboard(runtime: AppRuntime, options: RenderDashboardOptions = {}): Instance {
	return render(<Dashboard runtime={runtime} theme={options.theme}/>, {
		exitOnCtrlC: false,
		patchConsole: false,
		maxFps: options.maxFps ?? 15,
		...(options.stdout === undefined ? {} : {stdout: options.stdout}),
		...(options.stdin === undefined ? {} : {stdin: options.stdin}),
		...(options.stderr === undefined ? {} : {stderr: options.stderr}),
	});
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
