/**
 * The detail views' part of the dashboard state machine (issue 13 item 3): Enter opens the selected
 * account (or, while the queue has focus, the selected job), `D` the decision log, Esc returns to the
 * list; ↑↓/PgUp/PgDn scroll; in the job view `x` asks y/n before cancelling and `R` requeues. Pure: the
 * runtime is reached only through the effects (open-detail, cancel-job, requeue).
 */
import type {DetailSubject} from '../runtime/types.js';
import type {Command} from './keymap.js';
import type {Step, UiContext, UiState} from './dashboard-state.js';

/** The open detail view and its first shown line. */
export type DetailView =
	| {readonly kind: 'account'; readonly name: string; readonly scroll: number}
	| {readonly kind: 'job'; readonly id: string; readonly scroll: number}
	| {readonly kind: 'decisions'; readonly scroll: number};

/** The y/n question of `x` in the job view. */
export type CancelJobConfirm = {
	readonly kind: 'cancel-job';
	readonly jobId: string;
	readonly title: string;
	/** What cancelling does to a job in its state. */
	readonly message: string;
};

/** What the runtime should read for `view` (the subject of runtime.openDetail). */
export function detailSubject(view: DetailView): DetailSubject {
	switch (view.kind) {
		case 'account': {
			return {kind: 'account', name: view.name};
		}

		case 'job': {
			return {kind: 'job', id: view.id};
		}

		case 'decisions': {
			return {kind: 'decisions'};
		}
	}
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

function open(state: UiState, view: DetailView): Step {
	return {state: {...state, view}, effects: [{type: 'open-detail', subject: detailSubject(view)}]};
}

function scroll(state: UiState, context: UiContext, delta: number): Step {
	const {view} = state;
	if (view === null) {
		return {state, effects: []};
	}

	const metrics = context.view ?? {lines: 0, page: 1};
	const max = Math.max(0, metrics.lines - metrics.page);
	return {state: {...state, view: {...view, scroll: clamp(view.scroll + delta, 0, max)}}, effects: []};
}

const CANCEL_WHAT: Readonly<Record<string, string>> = {
	queued: 'it has not started: it leaves the queue',
	paused_quota: 'it waits for a reset: it leaves the queue',
	claimed: 'it is starting: its runner is stopped before it runs',
	running: 'it is running: its process group gets SIGTERM, then SIGKILL after 10 s',
};

/** A step, plus an info notice to raise (the caller owns the notices). */
export type DetailStep = Step & {readonly note?: string};

/**
 * Run a detail-view command. `selectedAccount` and `selectedJob` are the list's selections (the
 * caller resolves them, since it owns the list's defaults).
 */
export function runDetailCommand(state: UiState, command: Command, context: UiContext, selected: {account: string | null; job: string | null}): DetailStep {
	const none: DetailStep = {state, effects: []};
	switch (command) {
		case 'open': {
			return selected.account === null ? none : open(state, {kind: 'account', name: selected.account, scroll: 0});
		}

		case 'open-job': {
			return selected.job === null ? none : open(state, {kind: 'job', id: selected.job, scroll: 0});
		}

		case 'decisions': {
			return state.view?.kind === 'decisions' ? none : open(state, {kind: 'decisions', scroll: 0});
		}

		case 'back': {
			return {state: {...state, view: null}, effects: [{type: 'open-detail', subject: null}]};
		}

		case 'view-up':
		case 'view-down': {
			return scroll(state, context, command === 'view-up' ? -1 : 1);
		}

		case 'view-page-up':
		case 'view-page-down': {
			const page = Math.max(1, (context.view?.page ?? 1) - 1);
			return scroll(state, context, command === 'view-page-up' ? -page : page);
		}

		case 'cancel-job': {
			const {view} = state;
			if (view?.kind !== 'job') {
				return none;
			}

			const row = context.jobs?.find(job => job.id === view.id);
			const what = row ? CANCEL_WHAT[row.state] : undefined;
			if (row === undefined || what === undefined) {
				return {state, effects: [], note: `${view.id} ${row ? `has already ended (${row.state})` : 'is not in the queue'}: nothing to cancel`};
			}

			return {state: {...state, confirm: {kind: 'cancel-job', jobId: row.id, title: row.title, message: what}}, effects: []};
		}

		case 'requeue': {
			const {view} = state;
			if (view?.kind !== 'job') {
				return none;
			}

			const row = context.jobs?.find(job => job.id === view.id);
			if (row && !['failed', 'interrupted', 'cancelled'].includes(row.state)) {
				return {state, effects: [], note: `${view.id} is ${row.state}: only a failed, interrupted or cancelled job can be requeued`};
			}

			return {state, effects: [{type: 'requeue', jobId: view.id}]};
		}

		default: {
			return none;
		}
	}
}

