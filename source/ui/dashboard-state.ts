/**
 * The dashboard's own state (selection, focus, help scroll, y/n questions, notices) as a pure state
 * machine: `press(state, key, context)` returns the next state and the effects to run (switch,
 * dispatch, refresh…). Keys that arrive together (`jjjjj` in one read) are applied one after another,
 * each on the state the previous one left, so every keypress counts once. No React, no clock: `now`
 * comes in the context.
 */
import type {AccountReport} from '../engine/report.js';
import type {DetailSubject, QueueRow, ResetPreview} from '../runtime/types.js';
import {runDetailCommand, type DetailView} from './detail-state.js';
import {switchWarning, type Confirm} from './confirm-state.js';
import {visibleToasts, withToast, type Toast, type ToastNotice} from './toast-state.js';
import {resetQuestion} from './format.js';
import {commandFor, type Command, type KeyName, type Scope} from './keymap.js';
import {arrangeAccounts, INITIAL_LIST, runListCommand, typeIntoFilter, type ListState} from './list-view.js';

export {previewFailed, previewResolved, switchWarning, type Confirm, type DispatchConfirm, type ResetConfirm, type SwitchConfirm} from './confirm-state.js';
export {visibleToasts, type Toast} from './toast-state.js';

export type UiState = {
	/** The selected account's name; null = the active account. */
	readonly selectedAccount: string | null;
	/** Tab: the queue has the keys (only while it has jobs). */
	readonly queueFocus: boolean;
	/** The selected job's id; null = the first queued job. */
	readonly selectedJob: string | null;
	/** The help overlay's first shown line; null = closed. */
	readonly help: number | null;
	readonly confirm: Confirm | null;
	/** Newest first. */
	readonly toasts: readonly Toast[];
	readonly nextToast: number;
	/** The open detail view (detail-state.ts); null = the list. */
	readonly view: DetailView | null;
	/** The account list's order, name filter and time format (list-view.ts). */
	readonly list: ListState;
};

export const INITIAL_UI: UiState = {selectedAccount: null, queueFocus: false, selectedJob: null, help: null, confirm: null, toasts: [], nextToast: 1, view: null, list: INITIAL_LIST};

/** What the keys act on: the data of the current frame. */
export type UiContext = {
	readonly accounts: readonly AccountReport[];
	readonly active: string | null;
	readonly recommended: string | null;
	/** The queue's rows; undefined when this runtime has no queue. */
	readonly jobs?: readonly QueueRow[] | undefined;
	readonly canCycleAuto: boolean;
	readonly canDispatch: boolean;
	readonly now: number;
	/** How long a notice stays (ms). */
	readonly noticeMs: number;
	/** The help overlay: its lines and how many fit at once (for scrolling). */
	readonly help: {readonly lines: number; readonly page: number};
	/** The open detail view: its lines and how many fit at once (for scrolling). */
	readonly view?: {readonly lines: number; readonly page: number} | undefined;
};

export type Effect =
	| {readonly type: 'switch'; readonly account: string}
	| {readonly type: 'refresh'}
	| {readonly type: 'preview-dispatch'; readonly jobId: string}
	| {readonly type: 'dispatch'; readonly jobId: string; readonly account: string | null}
	| {readonly type: 'cycle-auto'}
	| {readonly type: 'plan-reset'; readonly account: string}
	| {readonly type: 'use-reset'; readonly account: string; readonly creditId: string}
	| {readonly type: 'open-detail'; readonly subject: DetailSubject | null}
	| {readonly type: 'cancel-job'; readonly jobId: string}
	| {readonly type: 'requeue'; readonly jobId: string}
	| {readonly type: 'redraw'}
	| {readonly type: 'suspend'}
	| {readonly type: 'quit'};

export type Step = {readonly state: UiState; readonly effects: readonly Effect[]};

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** The accounts as the list shows them: filtered and sorted by the list state (`o`, `/`). */
export function listedAccounts(state: UiState, context: Pick<UiContext, 'accounts' | 'now'>): readonly AccountReport[] {
	return arrangeAccounts(context.accounts, state.list, context.now);
}

/** Index of the selected account in listedAccounts (the active one until something was selected). */
export function selectedAccountIndex(state: UiState, context: Pick<UiContext, 'accounts' | 'active' | 'now'>): number {
	const index = listedAccounts(state, context).findIndex(account => account.name === (state.selectedAccount ?? context.active));
	return index === -1 ? 0 : index;
}

/** True while the queue has the keys: focused with Tab and holding at least one job. */
export function isQueueFocused(state: UiState, context: Pick<UiContext, 'jobs'>): boolean {
	return state.queueFocus && (context.jobs?.length ?? 0) > 0;
}

/** Index of the selected job (the first queued one until something was selected). */
export function selectedJobIndex(state: UiState, context: Pick<UiContext, 'jobs'>): number {
	const rows = context.jobs ?? [];
	const byId = rows.findIndex(row => row.id === state.selectedJob);
	if (byId !== -1) {
		return byId;
	}

	return Math.max(0, rows.findIndex(row => row.state === 'queued'));
}

/** The scopes whose keys work now (keymap.ts). */
export function scopesOf(state: UiState, context: UiContext): Scope[] {
	if (state.help !== null) {
		return ['global', 'overlay'];
	}

	if (state.confirm !== null) {
		return ['global', 'confirm'];
	}

	// A detail view: Esc goes back (notices are dismissed from the list); u works on the account shown.
	if (state.view !== null) {
		const {view} = state;
		const shown = view.kind === 'account' ? context.accounts.find(account => account.name === view.name) : undefined;
		return ['global', 'detail', 'views', ...(view.kind === 'job' ? ['job' as const] : []), ...(hasUsableReset(shown) ? ['resets' as const] : [])];
	}

	if (state.list.filtering) {
		return ['filter', 'global', 'accounts'];
	}

	const scopes: Scope[] = ['global', isQueueFocused(state, context) ? 'queue' : 'accounts', 'views'];
	if (state.list.filter !== '') {
		scopes.push('filtered');
	}

	if (context.jobs !== undefined) {
		scopes.push('panels');
	}

	if (context.canCycleAuto) {
		scopes.push('auto');
	}

	if (visibleToasts(state.toasts, context.now, context.noticeMs).length > 0) {
		scopes.push('notices');
	}

	if (!isQueueFocused(state, context) && hasUsableReset(listedAccounts(state, context)[selectedAccountIndex(state, context)])) {
		scopes.push('resets');
	}

	return scopes;
}

/** True when the account has a banked reset it can use now (the `u` key). */
export function hasUsableReset(account: AccountReport | undefined): boolean {
	return (account?.resets ?? []).some(reset => (reset.status === 'available' || reset.status === 'redeeming') && reset.usableNow && !reset.lapsed);
}

/** The runtime said which reset `u` would use on `account` (the y/n question), or why none. */
export function resetPlanned(state: UiState, account: string, preview: ResetPreview, context: Pick<UiContext, 'now' | 'noticeMs'>): UiState {
	if (state.confirm !== null) {
		return state;
	}

	return preview.ok
		? {...state, confirm: {kind: 'reset', account, creditId: preview.creditId, message: resetQuestion(preview, context.now)}}
		: addToast(state, {text: preview.message, tone: 'warning', at: context.now}, context.noticeMs);
}

/** Add a notice (newest first); the same text again replaces the older copy (toast-state.ts). */
export function addToast(state: UiState, notice: ToastNotice, noticeMs = Number.POSITIVE_INFINITY): UiState {
	return withToast(state, notice, noticeMs);
}

function moveAccount(state: UiState, context: UiContext, delta: number): UiState {
	const accounts = listedAccounts(state, context);
	if (accounts.length === 0) {
		return state;
	}

	const next = clamp(selectedAccountIndex(state, context) + delta, 0, accounts.length - 1);
	return {...state, selectedAccount: accounts[next]!.name};
}

function moveJob(state: UiState, context: UiContext, delta: number): UiState {
	const rows = context.jobs ?? [];
	if (rows.length === 0) {
		return state;
	}

	const next = clamp(selectedJobIndex(state, context) + delta, 0, rows.length - 1);
	return {...state, selectedJob: rows[next]!.id};
}

function scrollHelp(state: UiState, context: UiContext, delta: number): UiState {
	const max = Math.max(0, context.help.lines - context.help.page);
	return {...state, help: clamp((state.help ?? 0) + delta, 0, max)};
}

const none = (state: UiState): Step => ({state, effects: []});

/** Run one command on the state. */
export function runCommand(state: UiState, command: Command, context: UiContext): Step {
	switch (command) {
		case 'up':
		case 'down': {
			return none(moveAccount(state, context, command === 'up' ? -1 : 1));
		}

		case 'job-up':
		case 'job-down': {
			return none(moveJob(state, context, command === 'job-up' ? -1 : 1));
		}

		case 'switch': {
			const account = listedAccounts(state, context)[selectedAccountIndex(state, context)];
			if (!account) {
				return none(state);
			}

			if (account.name === context.active) {
				return none(addToast(state, {text: `${account.name} is already the active account`, tone: 'info', at: context.now}, context.noticeMs));
			}

			const warning = switchWarning(account, context.now, context.recommended);
			return warning === null
				? {state, effects: [{type: 'switch', account: account.name}]}
				: none({...state, confirm: {kind: 'switch', account: account.name, message: warning}});
		}

		case 'dispatch': {
			const row = context.jobs?.[selectedJobIndex(state, context)];
			if (!row) {
				return none(state);
			}

			const base = {kind: 'dispatch' as const, jobId: row.id, title: row.title, account: row.account};
			if (row.state !== 'queued') {
				return none({...state, confirm: {...base, state: 'refused', message: `it is ${row.state}; only queued jobs can be dispatched`}});
			}

			if (!context.canDispatch) {
				return none({...state, confirm: {...base, account: null, state: 'refused', message: 'this view cannot dispatch'}});
			}

			// The selection stays on the job (by id): once it runs, Enter opens it, not the next queued one.
			return {state: {...state, selectedJob: row.id, confirm: {...base, account: null, state: 'checking', message: ''}}, effects: [{type: 'preview-dispatch', jobId: row.id}]};
		}

		case 'confirm': {
			const {confirm} = state;
			if (confirm === null || (confirm.kind === 'dispatch' && confirm.state === 'checking')) {
				return none(state);
			}

			const closed = {...state, confirm: null};
			if (confirm.kind === 'switch') {
				return {state: closed, effects: [{type: 'switch', account: confirm.account}]};
			}

			if (confirm.kind === 'reset') {
				return {state: closed, effects: [{type: 'use-reset', account: confirm.account, creditId: confirm.creditId}]};
			}

			if (confirm.kind === 'cancel-job') {
				return {state: closed, effects: [{type: 'cancel-job', jobId: confirm.jobId}]};
			}

			return confirm.state === 'ready' ? {state: closed, effects: [{type: 'dispatch', jobId: confirm.jobId, account: confirm.account}]} : none(closed);
		}

		case 'cancel': {
			return none({...state, confirm: null});
		}

		case 'focus': {
			if ((context.jobs?.length ?? 0) === 0) {
				return none(addToast({...state, queueFocus: false}, {text: 'the queue is empty: nothing to focus (add jobs with quota-tui queue add)', tone: 'info', at: context.now}, context.noticeMs));
			}

			return none({...state, queueFocus: !isQueueFocused(state, context)});
		}

		case 'auto': {
			return {state, effects: [{type: 'cycle-auto'}]};
		}

		case 'use-reset': {
			const name = state.view?.kind === 'account' ? state.view.name : listedAccounts(state, context)[selectedAccountIndex(state, context)]?.name;
			return name === undefined ? none(state) : {state, effects: [{type: 'plan-reset', account: name}]};
		}

		case 'refresh': {
			return {state, effects: [{type: 'refresh'}]};
		}

		case 'dismiss': {
			return none({...state, toasts: []});
		}

		case 'help': {
			return none({...state, help: state.help === null ? 0 : null});
		}

		case 'close': {
			return none({...state, help: null});
		}

		case 'help-up':
		case 'help-down': {
			return none(scrollHelp(state, context, command === 'help-up' ? -1 : 1));
		}

		case 'page-up':
		case 'page-down': {
			const page = Math.max(1, context.help.page - 1);
			return none(scrollHelp(state, context, command === 'page-up' ? -page : page));
		}

		case 'sort':
		case 'filter':
		case 'times':
		case 'filter-done':
		case 'filter-clear':
		case 'filter-erase': {
			return none({...state, list: runListCommand(state.list, command)});
		}

		case 'redraw': {
			return {state, effects: [{type: 'redraw'}]};
		}

		case 'suspend': {
			return {state, effects: [{type: 'suspend'}]};
		}

		case 'quit': {
			return {state, effects: [{type: 'quit'}]};
		}

		default: {
			const step = runDetailCommand(state, command, context, {
				account: listedAccounts(state, context)[selectedAccountIndex(state, context)]?.name ?? null,
				job: context.jobs?.[selectedJobIndex(state, context)]?.id ?? null,
			});
			return step.note === undefined ? step : {state: addToast(step.state, {text: step.note, tone: 'info', at: context.now}, context.noticeMs), effects: step.effects};
		}
	}
}

/** One key: the command it maps to in the scopes of `state`, run on `state`. */
export function press(state: UiState, key: KeyName, context: UiContext): Step {
	// While the filter is typed, printable keys are its text (q, r, ? included); named keys still work.
	const typed = state.list.filtering ? typeIntoFilter(state.list, key) : undefined;
	if (typed !== undefined) {
		return none({...state, list: typed});
	}

	// The filter prompt's own keys (Enter, Esc, Backspace) come before the list's.
	const scopes = scopesOf(state, context);
	const command = (scopes.includes('filter') ? commandFor(key, ['filter']) : undefined) ?? commandFor(key, scopes);
	return command === undefined ? none(state) : runCommand(state, command, context);
}

/**
 * Several keys that arrived together, each applied to the state the previous one left. Effects keep
 * their order; a repeated refresh or redraw runs once, and nothing after quit runs.
 */
export function pressAll(state: UiState, keys: readonly KeyName[], context: UiContext): Step {
	let current = state;
	const effects: Effect[] = [];
	for (const key of keys) {
		const step = press(current, key, context);
		current = step.state;
		for (const effect of step.effects) {
			if ((effect.type === 'refresh' || effect.type === 'redraw') && effects.some(e => e.type === effect.type)) {
				continue;
			}

			effects.push(effect);
		}

		if (effects.some(effect => effect.type === 'quit' || effect.type === 'suspend')) {
			break;
		}
	}

	return {state: current, effects};
}
