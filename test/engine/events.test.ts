/**
 * Transitions between two looks (engine/events.ts): what is announced, what is not, and the keys that
 * make two processes announce the same happening once.
 */
import {describe, expect, it} from 'vitest';
import {watchTransitions, type WatchInput, type WatchState} from '../../source/engine/events.js';
import type {Job} from '../../source/engine/jobs.js';
import {HOUR} from '../../source/engine/time.js';
import {inHours, NOW, state, win} from './fixtures.js';

const REC = {account: 'a', emergency: false, reason: 'a — first healthy account'};
const look = (previous: WatchState | null, input: Partial<WatchInput>) =>
	watchTransitions(previous, {states: [], recommendation: REC, jobs: [], warnThreshold: 0.8, switchThreshold: 0.9, now: NOW, ...input});
type JobRow = WatchInput['jobs'][number];
const job = (id: string, state: Job['state'], extra: Partial<JobRow> = {}): JobRow =>
	({id, title: `job ${id}`, state, account: 'a', exitCode: null, message: null, costUsd: null, autoUtilization: false, startedAt: null, finishedAt: null, ...extra});

describe('watchTransitions', () => {
	it('the first look announces nothing (not even exhausted accounts or running jobs) but all-exhausted', () => {
		const first = look(null, {states: [state('a', [win('seven_day', 0.95)])], jobs: [job('1', 'running', {startedAt: inHours(-1)})]});
		expect(first.events).toEqual([]);
		const none = look(null, {states: [state('a', [win('seven_day', 1)])], recommendation: {account: null, emergency: false, reason: 'a is exhausted'}});
		expect(none.events.map(e => e.event)).toEqual(['all-exhausted']);
		// …and not twice.
		expect(look(none.next, {states: [state('a', [win('seven_day', 1)])], recommendation: {account: null, emergency: false, reason: 'a is exhausted'}, now: NOW + 60_000}).events).toEqual([]);
	});

	it('a threshold is announced once per window period; a reset instant that moves by seconds is the same period', () => {
		const reset = '2026-12-05T09:00:00Z';
		const one = look(null, {states: [state('a', [win('seven_day', 0.5, reset)])]});
		const two = look(one.next, {states: [state('a', [win('seven_day', 0.82, '2026-12-05T09:00:01Z')])], now: NOW + 60_000});
		expect(two.events).toMatchObject([{event: 'threshold-crossed', account: 'a', data: {threshold: 'warn', window: 'seven_day'}}]);
		const three = look(two.next, {states: [state('a', [win('seven_day', 0.85, '2026-12-05T08:59:59Z')])], now: NOW + 120_000});
		expect(three.events).toEqual([]);
		const four = look(three.next, {states: [state('a', [win('seven_day', 0.93, reset)])], now: NOW + 180_000});
		expect(four.events).toMatchObject([{event: 'threshold-crossed', data: {threshold: 'switch'}}]);
		// Same key whichever process sees it: the key names the account, window, threshold and period.
		expect(two.events[0]!.key).toBe('threshold-crossed:a:seven_day:warn:2026-12-05T09:00:00Z');
	});

	it('a passed reset is announced once, with what the window ended at; the band starts again', () => {
		const one = look(null, {states: [state('a', [win('five_hour', 0.85, inHours(1))])]});
		const later = NOW + 2 * HOUR;
		const two = look(one.next, {states: [state('a', [win('five_hour', 0.1, inHours(5))])], now: later});
		expect(two.events).toMatchObject([{event: 'window-reset', account: 'a', data: {window: 'five_hour', endedAt: 0.85, utilization: 0.1}}]);
		expect(look(two.next, {states: [state('a', [win('five_hour', 0.1, inHours(5))])], now: later + 60_000}).events).toEqual([]);
	});

	it('an account that becomes unusable, and the recommendation that moves, are announced', () => {
		const one = look(null, {states: [state('a', [win('seven_day', 0.5)]), state('b', [win('seven_day', 0.2)])]});
		const two = look(one.next, {
			states: [state('a', [win('seven_day', 0.5)], {status: 'invalid_key'}), state('b', [win('seven_day', 0.2)])],
			recommendation: {account: 'b', emergency: false, reason: 'b — a is not usable'},
			now: NOW + 60_000,
		});
		expect(two.events.map(e => e.event).sort()).toEqual(['account-unusable', 'recommendation-changed']);
		expect(two.events.find(e => e.event === 'recommendation-changed')).toMatchObject({data: {from: 'a', to: 'b'}});
	});

	it('jobs: started and finished between looks are both announced; a job first seen long finished is not', () => {
		const one = look(null, {jobs: [job('1', 'queued'), job('old', 'succeeded', {startedAt: inHours(-5), finishedAt: inHours(-4)})]});
		const two = look(one.next, {
			jobs: [job('1', 'succeeded', {startedAt: inHours(0.01), finishedAt: inHours(0.02)}), job('old', 'succeeded', {startedAt: inHours(-5), finishedAt: inHours(-4)})],
			now: NOW + HOUR,
		});
		expect(two.events.map(e => `${e.event}:${e.data['jobId']}`)).toEqual(['job-started:1', 'job-finished:1']);
		const fast = look(two.next, {jobs: [job('2', 'failed', {startedAt: inHours(1.1), finishedAt: inHours(1.2), message: 'runner exited with 1'})], now: NOW + 2 * HOUR});
		expect(fast.events.map(e => e.event)).toEqual(['job-started', 'job-failed']);
		expect(fast.events[1]!.message).toBe('Job 2 "job 2" failed: runner exited with 1');
		// A queued job cancelled before it ran is nobody's news.
		const three = look(null, {jobs: [job('3', 'queued')]});
		expect(look(three.next, {jobs: [job('3', 'cancelled')], now: NOW + 1000}).events).toEqual([]);
	});
});
