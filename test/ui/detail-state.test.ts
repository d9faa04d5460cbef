process.env.TZ = 'UTC';
/** The detail views in the pure state machine: Enter/D open, Esc returns, scrolling clamps, x/R. */
import {describe, expect, test} from 'vitest';
import {INITIAL_UI, addToast, listedAccounts, pressAll, scopesOf, selectedAccountIndex, type UiContext} from '../../source/ui/dashboard-state.js';
import type {QueueRow} from '../../source/runtime/types.js';
import {HOUR, NOW, manyAccountsReport} from './fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();

function job(id: string, state: QueueRow['state'] = 'queued'): QueueRow {
	return {id, title: `Job ${id}`, severity: 'info', createdAt: iso(NOW - HOUR), state, account: null, estimateUsd: 1, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null};
}

function context(extra: Partial<UiContext> = {}): UiContext {
	return {
		accounts: manyAccountsReport(5).accounts, active: 'acct-01', recommended: 'acct-01', jobs: [job('q-a', 'running'), job('q-b'), job('q-c', 'failed')],
		canCycleAuto: false, canDispatch: true, now: NOW, noticeMs: 8000, help: {lines: 60, page: 20}, view: {lines: 50, page: 20}, ...extra,
	};
}

describe('detail views in the state machine', () => {
	const ctx = context();

	test('Enter opens the selected account (no switch); the scopes are the view\'s; Esc returns', () => {
		const open = pressAll(INITIAL_UI, ['j', 'return'], ctx);
		expect(open.state.view).toEqual({kind: 'account', name: 'acct-02', scroll: 0});
		expect(open.effects).toEqual([{type: 'open-detail', subject: {kind: 'account', name: 'acct-02'}}]);
		expect(scopesOf(open.state, ctx)).toEqual(['global', 'detail', 'views']);
		// List keys do nothing in a view: s does not switch, j scrolls.
		const inView = pressAll(open.state, ['s', 'j', 'j'], ctx);
		expect(inView.effects).toEqual([]);
		expect(inView.state.view?.scroll).toBe(2);
		const back = pressAll(inView.state, ['escape'], ctx);
		expect(back.state.view).toBeNull();
		expect(back.effects).toEqual([{type: 'open-detail', subject: null}]);
		expect(back.state.selectedAccount).toBe('acct-02');
	});

	test('sorted or filtered, Enter opens the account the list highlights', () => {
		for (const keys of [['o', 'j', 'j'], ['o', 'o', 'j'], ['/', '3', 'return']]) {
			const moved = pressAll(INITIAL_UI, keys, ctx).state;
			const highlighted = listedAccounts(moved, ctx)[selectedAccountIndex(moved, ctx)]!.name;
			expect(pressAll(moved, ['return'], ctx).state.view).toEqual({kind: 'account', name: highlighted, scroll: 0});
		}
	});

	test('Esc in a view with notices goes back (the notices stay: the list dismisses them)', () => {
		const withToast = addToast({...INITIAL_UI, view: {kind: 'decisions', scroll: 0}}, {text: 'hello', tone: 'info', at: NOW});
		expect(scopesOf(withToast, ctx)).not.toContain('notices');
		const step = pressAll(withToast, ['escape'], ctx);
		expect(step.state.view).toBeNull();
		expect(step.state.toasts).toHaveLength(1);
	});

	test('scrolling clamps to the view\'s lines; PgDn moves a page less one line', () => {
		const open = pressAll(INITIAL_UI, ['D'], ctx).state;
		expect(pressAll(open, ['k'], ctx).state.view?.scroll).toBe(0);
		expect(pressAll(open, ['pagedown'], ctx).state.view?.scroll).toBe(19);
		expect(pressAll(open, ['pagedown', 'pagedown', 'pagedown'], ctx).state.view?.scroll).toBe(30);
		expect(pressAll(open, ['pagedown', 'pageup'], ctx).state.view?.scroll).toBe(0);
		// The mouse wheel scrolls a view as it scrolls the help.
		expect(pressAll(open, ['wheeldown', 'wheeldown', 'wheeldown', 'wheelup'], ctx).state.view?.scroll).toBe(2);
	});

	test('Tab, Enter opens the selected job; x asks y/n (y cancels), R requeues only an ended job', () => {
		const open = pressAll(INITIAL_UI, ['tab', 'k', 'return'], ctx);
		expect(open.state.view).toEqual({kind: 'job', id: 'q-a', scroll: 0});
		expect(scopesOf(open.state, ctx)).toEqual(['global', 'detail', 'views', 'job']);
		const asked = pressAll(open.state, ['x'], ctx);
		expect(asked.state.confirm).toMatchObject({kind: 'cancel-job', jobId: 'q-a'});
		expect(pressAll(asked.state, ['y'], ctx).effects).toEqual([{type: 'cancel-job', jobId: 'q-a'}]);
		expect(pressAll(asked.state, ['n'], ctx).state.confirm).toBeNull();
		const refused = pressAll(open.state, ['R'], ctx);
		expect(refused.effects).toEqual([]);
		expect(refused.state.toasts[0]?.text).toContain('only a failed, interrupted or cancelled job can be requeued');
		const failed = pressAll(INITIAL_UI, ['tab', 'j', 'return', 'R'], ctx);
		expect(failed.effects.at(-1)).toEqual({type: 'requeue', jobId: 'q-c'});
		expect(pressAll(failed.state, ['x'], ctx).state.confirm).toBeNull();
	});

	test('after d, the selection stays on the dispatched job: Enter opens it once it runs', () => {
		const queued = context({jobs: [job('q-a'), job('q-b')]});
		const asked = pressAll(INITIAL_UI, ['tab', 'd'], queued).state;
		expect(asked.selectedJob).toBe('q-a');
		const running = context({jobs: [job('q-a', 'running'), job('q-b')]});
		expect(pressAll({...asked, confirm: null}, ['return'], running).state.view).toEqual({kind: 'job', id: 'q-a', scroll: 0});
	});

	test('u in the account view uses a banked reset of the account shown (when it has one usable now)', () => {
		const reset = {id: 'c1', kind: 'seven_day' as const, model: null, count: 1, expiresAt: iso(NOW + 24 * HOUR), expiresInMs: 24 * HOUR, startsAt: null, source: 'codex-app-server' as const, status: 'available' as const, usableNow: true, lapsed: false, redeemable: true, title: null, note: null, valueIfLapsedUsd: null, valueBasis: '', observedAt: iso(NOW)};
		const accounts = ctx.accounts.map(account => (account.name === 'acct-03' ? {...account, resets: [reset]} : account));
		const withReset = context({accounts});
		const open = pressAll(INITIAL_UI, ['j', 'j', 'return'], withReset);
		expect(scopesOf(open.state, withReset)).toContain('resets');
		expect(pressAll(open.state, ['u'], withReset).effects).toEqual([{type: 'plan-reset', account: 'acct-03'}]);
		const other = pressAll(INITIAL_UI, ['j', 'return'], withReset);
		expect(scopesOf(other.state, withReset)).not.toContain('resets');
		expect(pressAll(other.state, ['u'], withReset).effects).toEqual([]);
	});

	test('D opens the decision log from the list, the queue and another view, not while a question is open', () => {
		expect(pressAll(INITIAL_UI, ['D'], ctx).state.view).toEqual({kind: 'decisions', scroll: 0});
		expect(pressAll(INITIAL_UI, ['tab', 'D'], ctx).state.view?.kind).toBe('decisions');
		expect(pressAll(INITIAL_UI, ['return', 'D'], ctx).state.view?.kind).toBe('decisions');
		const asking = pressAll(INITIAL_UI, ['j', 'return', 'escape'], ctx).state;
		expect(pressAll({...asking, confirm: {kind: 'switch', account: 'acct-02', message: 'm'}}, ['D'], ctx).state.view).toBeNull();
	});
});
