/**
 * The dashboard's keys and notices: one `useInput` that splits what arrives into keys (keymap
 * keyNamesOf), runs them through the pure state machine (dashboard-state.ts) one after another, and
 * performs the effects in one place (the only code here that calls the runtime). Notices from the
 * runtime and jobs that ended become stacked toasts that expire on the shared clock.
 */
import {createContext, useCallback, useContext, useEffect, useRef, useState} from 'react';
import {useApp, useInput} from 'ink';
import type {AccountReport} from '../../engine/report.js';
import type {AppRuntime, AppSnapshot, QueueRow} from '../../runtime/types.js';
import {
	INITIAL_UI,
	addToast,
	isQueueFocused,
	listedAccounts,
	pressAll,
	previewFailed,
	previewResolved,
	resetPlanned,
	scopesOf,
	selectedAccountIndex,
	selectedJobIndex,
	visibleToasts,
	type Effect,
	type Toast,
	type UiContext,
	type UiState,
} from '../dashboard-state.js';
import {keyNamesOf, type Scope} from '../keymap.js';
import {jobEndedNotice, newlyEnded} from '../queue-view.js';
import {suspendToShell} from '../terminal.js';
import {ClockContext, useClockValue} from './use-now.js';

/** What the terminal can do beyond drawing frames (the live screen provides it; tests and one-shot frames do not). */
export type TerminalControls = {
	/** Erase the whole screen and draw the frame again (Ctrl+L). */
	readonly redraw: () => void;
};

export const TerminalContext = createContext<TerminalControls>({redraw: () => undefined});

export type DashboardUi = {
	readonly ui: UiState;
	readonly scopes: readonly Scope[];
	/** The notices on screen now, newest first. */
	readonly toasts: readonly Toast[];
	/** The accounts as listed (sorted and filtered by `o` and `/`); selectedAccount indexes them. */
	readonly accounts: readonly AccountReport[];
	readonly selectedAccount: number;
	readonly isQueueFocused: boolean;
	readonly selectedJob: number;
};

export type DashboardUiOptions = {
	/** How long a notice stays (ms). */
	readonly noticeMs: number;
	/** The help overlay's lines and how many fit at once. */
	readonly help: {readonly lines: number; readonly page: number};
	/** False when keys cannot be read (no raw mode). */
	readonly isActive: boolean;
	/** The open detail view's lines and page, as last drawn (read when a key arrives). */
	readonly view?: {readonly current: {readonly lines: number; readonly page: number}} | undefined;
};

export function useDashboard(runtime: AppRuntime, snapshot: AppSnapshot, options: DashboardUiOptions): DashboardUi {
	const {exit, suspendTerminal} = useApp();
	const clock = useContext(ClockContext);
	const terminal = useContext(TerminalContext);
	const [ui, setUi] = useState<UiState>(INITIAL_UI);
	// The state the next key sees: updated synchronously, so keys that arrive together each see the
	// state the previous one left (React state would give them all the same stale render's value).
	const uiRef = useRef(ui);
	const isQuitting = useRef(false);
	const update = useCallback((change: (state: UiState) => UiState) => {
		uiRef.current = change(uiRef.current);
		setUi(uiRef.current);
	}, []);

	const {report, queue} = snapshot;
	const context = (now: number): UiContext => ({
		accounts: report.accounts,
		active: report.active,
		recommended: report.recommendation.account,
		jobs: queue?.rows,
		canCycleAuto: runtime.cycleAutoMode !== undefined && queue !== undefined,
		canDispatch: runtime.previewDispatch !== undefined,
		now,
		noticeMs: options.noticeMs,
		help: options.help,
		view: options.view?.current,
	});

	const run = (effect: Effect): void => {
		switch (effect.type) {
			case 'switch': {
				runtime.switchTo(effect.account);
				break;
			}

			case 'refresh': {
				runtime.refresh();
				break;
			}

			case 'preview-dispatch': {
				const {jobId} = effect;
				if (!runtime.previewDispatch) {
					break;
				}

				runtime.previewDispatch(jobId).then(
					preview => update(state => previewResolved(state, jobId, preview)),
					(error: unknown) => update(state => previewFailed(state, jobId, (error as Error).message)),
				);
				break;
			}

			case 'dispatch': {
				runtime.dispatch?.(effect.jobId, effect.account);
				break;
			}

			case 'cycle-auto': {
				runtime.cycleAutoMode?.();
				break;
			}

			case 'plan-reset': {
				const {account} = effect;
				const preview = runtime.planReset?.(account) ?? {ok: false as const, message: 'this view cannot redeem reset credits'};
				update(state => resetPlanned(state, account, preview, {now: runtime.clock.now(), noticeMs: options.noticeMs}));
				break;
			}

			case 'use-reset': {
				runtime.useReset?.(effect.account, effect.creditId);
				break;
			}

			case 'open-detail': {
				runtime.openDetail?.(effect.subject);
				break;
			}

			case 'cancel-job': {
				runtime.cancelJob?.(effect.jobId);
				break;
			}

			case 'requeue': {
				runtime.requeueJob?.(effect.jobId);
				break;
			}

			case 'redraw': {
				terminal.redraw();
				break;
			}

			case 'suspend': {
				void suspendToShell(suspendTerminal).then(() => terminal.redraw(), () => undefined);
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
		const keys = keyNamesOf(input, key);
		if (keys.length === 0) {
			return;
		}

		const step = pressAll(uiRef.current, keys, context(clock.now()));
		update(() => step.state);
		for (const effect of step.effects) {
			run(effect);
		}
	}, {isActive: options.isActive});

	// A command's outcome from the runtime becomes a toast.
	const {notice} = snapshot;
	useEffect(() => {
		if (notice !== null) {
			update(state => addToast(state, notice, options.noticeMs));
		}
	}, [notice, update, options.noticeMs]);

	// A job that ended since the last snapshot raises a toast (and its row says how it ended).
	const lastStates = useRef<Map<string, QueueRow['state']> | null>(null);
	useEffect(() => {
		const rows = queue?.rows ?? [];
		const before = lastStates.current;
		lastStates.current = new Map(rows.map(row => [row.id, row.state]));
		if (before === null) {
			return;
		}

		const ended = newlyEnded(before, rows);
		// A job that was running and then left the snapshot altogether is not reported (nothing to say).
		if (ended.length > 0) {
			const at = clock.now();
			update(state => ended.reduce((next, row) => addToast(next, {...jobEndedNotice(row), at}, options.noticeMs), state));
		}
	}, [queue, clock, update, options.noticeMs]);

	// The toasts on screen change when one expires: re-render only then (a key derived from the clock).
	const visibleKey = useClockValue(now => visibleToasts(ui.toasts, now, options.noticeMs).map(toast => toast.id).join(','));
	const now = clock.now();
	const shown = new Set(visibleKey.split(','));
	const toasts = ui.toasts.filter(toast => shown.has(String(toast.id)));
	const frameContext = context(now);
	return {
		ui,
		scopes: scopesOf(ui, frameContext),
		toasts,
		accounts: listedAccounts(ui, frameContext),
		selectedAccount: selectedAccountIndex(ui, frameContext),
		isQueueFocused: isQueueFocused(ui, frameContext),
		selectedJob: selectedJobIndex(ui, frameContext),
	};
}
