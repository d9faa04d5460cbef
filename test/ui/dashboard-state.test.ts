process.env.TZ = 'UTC';
/** The dashboard's pure state machine: keys in order, scopes, y/n questions, notices. */
import {describe, expect, test} from 'vitest';
import {
	INITIAL_UI,
	addToast,
	pressAll,
	previewResolved,
	scopesOf,
	selectedAccountIndex,
	selectedJobIndex,
	switchWarning,
	visibleToasts,
	type UiContext,
	type UiState,
} from '../../source/ui/dashboard-state.js';
import type {QueueRow} from '../../source/runtime/types.js';
import {HOUR, MINUTE, NOW, demoAccounts, makeAccount, makeWindow, manyAccountsReport} from './fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();

function job(id: string, state: QueueRow['state'] = 'queued'): QueueRow {
	return {id, title: `Job ${id}`, severity: 'info', createdAt: iso(NOW - HOUR), state, account: null, estimateUsd: 1, estimatePct: 0.05, startedAt: null, finishedAt: null, autoUtilization: false, message: null, costUsd: null, utilizationBefore: null, utilizationAfter: null};
}

function context(extra: Partial<UiContext> = {}): UiContext {
	const report = manyAccountsReport(10);
	return {
		accounts: report.accounts,
		active: 'acct-01',
		recommended: 'acct-01',
		jobs: undefined,
		canCycleAuto: false,
		canDispatch: true,
		now: NOW,
		noticeMs: 8000,
		help: {lines: 60, page: 20},
		...extra,
	};
}

const keys = (text: string) => [...text];

describe('keys that arrive together count once each (D2)', () => {
	test('5 j move 5 rows; jj, kk and Down Down as well; the ends hold', () => {
		const ctx = context();
		expect(selectedAccountIndex(pressAll(INITIAL_UI, keys('jjjjj'), ctx).state, ctx)).toBe(5);
		expect(selectedAccountIndex(pressAll(INITIAL_UI, ['down', 'down'], ctx).state, ctx)).toBe(2);
		const down3 = pressAll(INITIAL_UI, keys('jjj'), ctx).state;
		expect(selectedAccountIndex(pressAll(down3, keys('kk'), ctx).state, ctx)).toBe(1);
		expect(selectedAccountIndex(pressAll(INITIAL_UI, keys('j'.repeat(40)), ctx).state, ctx)).toBe(9);
	});

	test('each key sees the state the previous one left: ? then j scrolls the help, Tab then j moves the job', () => {
		const ctx = context({jobs: [job('a'), job('b'), job('c')]});
		const help = pressAll(INITIAL_UI, ['?', 'j', 'j'], ctx).state;
		expect(help.help).toBe(2);
		expect(selectedAccountIndex(help, ctx)).toBe(0);
		const queue = pressAll(INITIAL_UI, ['tab', 'j', 'j'], ctx).state;
		expect(queue.queueFocus).toBe(true);
		expect(selectedJobIndex(queue, ctx)).toBe(2);
		expect(selectedAccountIndex(queue, ctx)).toBe(0);
	});

	test('a repeated refresh runs once; nothing after quit', () => {
		const ctx = context();
		expect(pressAll(INITIAL_UI, keys('rrr'), ctx).effects).toEqual([{type: 'refresh'}]);
		const quit = pressAll(INITIAL_UI, keys('qj'), ctx);
		expect(quit.effects).toEqual([{type: 'quit'}]);
		expect(selectedAccountIndex(quit.state, ctx)).toBe(0);
	});
});

describe('switch (D22)', () => {
	const accounts = demoAccounts();
	const ctx = context({accounts, active: 'work', recommended: 'work'});

	test('a healthy account switches at once; the active one says so and does not switch', () => {
		expect(pressAll(INITIAL_UI, ['j', 's'], ctx).effects).toEqual([{type: 'switch', account: 'personal'}]);
		const same = pressAll(INITIAL_UI, ['s'], ctx);
		expect(same.effects).toEqual([]);
		expect(same.state.toasts[0]?.text).toBe('work is already the active account');
	});

	test('an exhausted account asks y/n with the window, its reset and the recommendation; y switches, n does not', () => {
		const asked = pressAll(INITIAL_UI, ['j', 'j', 's'], ctx);
		expect(asked.effects).toEqual([]);
		expect(asked.state.confirm).toEqual({kind: 'switch', account: 'team', message: 'team is exhausted: 5h window at 100%, resets 17:05 (in 3h5m); the recommendation is work'});
		expect(scopesOf(asked.state, ctx)).toEqual(['global', 'confirm']);
		expect(pressAll(asked.state, ['y'], ctx).effects).toEqual([{type: 'switch', account: 'team'}]);
		expect(pressAll(asked.state, ['n'], ctx)).toEqual({state: {...asked.state, confirm: null}, effects: []});
		expect(pressAll(asked.state, ['escape'], ctx).state.confirm).toBeNull();
	});

	test('the last resort and unusable accounts ask too', () => {
		expect(switchWarning(accounts[3]!, NOW, 'work')).toBe('spare is the last-resort account, kept for when nothing else is usable; the recommendation is work');
		expect(switchWarning(makeAccount('x', {status: 'token_expired', message: 'token expired at 12:00'}), NOW, null)).toBe('x is expired: token expired at 12:00');
		expect(switchWarning(makeAccount('y', {disabled: true}), NOW, null)).toBe('y is disabled in the config');
		expect(switchWarning(makeAccount('z', {windows: [makeWindow('five_hour', 0.5, HOUR)]}), NOW, 'z')).toBeNull();
	});
});

describe('the queue', () => {
	test('Tab on an empty queue keeps the focus and says why (D17)', () => {
		const ctx = context({jobs: []});
		const step = pressAll(INITIAL_UI, ['tab'], ctx);
		expect(step.state.queueFocus).toBe(false);
		expect(step.state.toasts[0]?.text).toContain('the queue is empty');
	});

	test('d asks the gate; y dispatches only once the verdict is go', () => {
		const ctx = context({jobs: [job('a', 'running'), job('b')]});
		const asked = pressAll(INITIAL_UI, ['tab', 'd'], ctx);
		expect(asked.effects).toEqual([{type: 'preview-dispatch', jobId: 'b'}]);
		expect(pressAll(asked.state, ['y'], ctx).effects).toEqual([]);
		const ready = previewResolved(asked.state, 'b', {jobId: 'b', title: 'Job b', account: 'acct-02', go: true, message: 'on acct-02: Go'});
		expect(pressAll(ready, ['y'], ctx).effects).toEqual([{type: 'dispatch', jobId: 'b', account: 'acct-02'}]);
	});
});

describe('help scrolls (D16)', () => {
	test('j/k one line, PgDn/Space a page, clamped to the end', () => {
		const ctx = context();
		const open = pressAll(INITIAL_UI, ['?'], ctx).state;
		expect(pressAll(open, ['pagedown'], ctx).state.help).toBe(19);
		expect(pressAll(open, [' ', ' ', ' ', ' '], ctx).state.help).toBe(40);
		expect(pressAll(open, ['k'], ctx).state.help).toBe(0);
		expect(pressAll(open, ['escape'], ctx).state.help).toBeNull();
	});
});

describe('notices (D6)', () => {
	const notice = (text: string, tone: 'info' | 'error', at: number) => ({text, tone, at});

	test('they stack newest first and expire; errors stay until Esc', () => {
		let state: UiState = INITIAL_UI;
		state = addToast(state, notice('refreshed', 'info', NOW), 8000);
		state = addToast(state, notice('dispatch failed: boom', 'error', NOW + 1000), 8000);
		state = addToast(state, notice('Switched to b', 'info', NOW + 2000), 8000);
		expect(visibleToasts(state.toasts, NOW + 3000, 8000).map(t => t.text)).toEqual(['Switched to b', 'dispatch failed: boom', 'refreshed']);
		expect(visibleToasts(state.toasts, NOW + 9000, 8000).map(t => t.text)).toEqual(['Switched to b', 'dispatch failed: boom']);
		expect(visibleToasts(state.toasts, NOW + 60 * MINUTE, 8000).map(t => t.text)).toEqual(['dispatch failed: boom']);
		const ctx = context({now: NOW + 60 * MINUTE});
		expect(scopesOf(state, ctx)).toContain('notices');
		const dismissed = pressAll(state, ['escape'], ctx).state;
		expect(visibleToasts(dismissed.toasts, NOW + 60 * MINUTE, 8000)).toEqual([]);
		expect(scopesOf(dismissed, ctx)).not.toContain('notices');
	});

	test('the same text again replaces the older copy', () => {
		const state = addToast(addToast(INITIAL_UI, notice('refreshed', 'info', NOW), 8000), notice('refreshed', 'info', NOW + 5000), 8000);
		expect(state.toasts).toHaveLength(1);
		expect(state.toasts[0]?.at).toBe(NOW + 5000);
	});
});
