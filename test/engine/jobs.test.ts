process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {budgetSentence, budgetStandings} from '../../source/engine/budget-state.js';
import type {Budget} from '../../source/engine/types.js';
import {
	compareJobs,
	learnEstimates,
	parseRunnerOutput,
	parseSeverity,
	jobScopes,
	planSentence,
	promoteLongTail,
	providerFits,
	resolveEstimate,
	utilizationDelta,
	type FollowUp,
	type UtilizationPoint,
} from '../../source/engine/jobs.js';

const defaults = {usd: 1, pct: 0.05, durationMs: 15 * 60_000};

function followUp(id: string, extra: Partial<FollowUp> = {}): FollowUp {
	return {id, title: `title ${id}`, prompt: `prompt ${id}`, severity: 'info', createdAt: '2026-11-20T10:00:00Z', kind: 'finding', module: null, estimateUsd: null, cwd: '/p', ref: `/p/f.yaml#${id}`, ...extra};
}

describe('queue order: severity, then age (oldest first)', () => {
	it('sorts critical before warning before info, then oldest first, then by id', () => {
		const jobs = [
			{id: 'a', severity: 'info' as const, createdAt: '2026-11-01T00:00:00Z'},
			{id: 'b', severity: 'warning' as const, createdAt: '2026-11-05T00:00:00Z'},
			{id: 'c', severity: 'critical' as const, createdAt: '2026-11-09T00:00:00Z'},
			{id: 'd', severity: 'warning' as const, createdAt: '2026-11-02T00:00:00Z'},
			{id: 'e', severity: 'warning' as const, createdAt: '2026-11-02T00:00:00+00:00'},
		];
		expect(jobs.toSorted(compareJobs).map(j => j.id)).toEqual(['c', 'd', 'e', 'b', 'a']);
	});

	it.each([
		['critical', 'critical'], ['HIGH', 'critical'], ['error', 'critical'],
		['warning', 'warning'], ['medium', 'warning'], ['warn', 'warning'],
		['info', 'info'], ['low', 'info'], ['nit', 'info'],
		['urgent', undefined], ['', undefined], [3, undefined],
	] as const)('severity %j → %s', (input, expected) => {
		expect(parseSeverity(input)).toBe(expected);
	});

	it('a job without provider runs anywhere; manual and demo accounts take any job', () => {
		expect(providerFits(null, 'codex')).toBe(true);
		expect(providerFits('claude', 'claude')).toBe(true);
		expect(providerFits('claude', 'codex')).toBe(false);
		expect(providerFits('codex', 'manual')).toBe(true);
	});
});

describe('long-tail promotion', () => {
	const idOf = (cwd: string, module: string, members: readonly string[]) => `lt:${module}:${members.join('+')}`;

	it('three long-tail items on one module become one job; two on another are held', () => {
		const items = [
			followUp('x1', {kind: 'long_tail', module: 'src/parser', severity: 'info', createdAt: '2026-11-03T00:00:00Z', estimateUsd: 0.5}),
			followUp('x2', {kind: 'long_tail', module: 'src/parser', severity: 'warning', createdAt: '2026-11-01T00:00:00Z', estimateUsd: 0.25}),
			followUp('x3', {kind: 'long_tail', module: 'src/parser', severity: 'info', createdAt: '2026-11-02T00:00:00Z', estimateUsd: 1}),
			followUp('y1', {kind: 'long_tail', module: 'src/ui'}),
			followUp('y2', {kind: 'long_tail', module: 'src/ui'}),
			followUp('f1'),
		];
		const {jobs, held} = promoteLongTail(items, idOf);
		expect(jobs.map(j => j.id)).toEqual(['f1', 'lt:src/parser:x2+x3+x1']);
		const promoted = jobs[1]!;
		expect(promoted.title).toBe('Long tail: 3 follow-ups in src/parser');
		expect(promoted.severity).toBe('warning');
		expect(promoted.createdAt).toBe('2026-11-01T00:00:00Z');
		expect(promoted.estimateUsd).toBe(1.75);
		expect(promoted.members).toEqual(['x2', 'x3', 'x1']);
		expect(promoted.prompt).toContain('1. title x2');
		expect(promoted.prompt).toContain('3. title x1');
		expect(held).toEqual([{module: 'src/ui', cwd: '/p', ids: ['y1', 'y2']}]);
	});

	it('the same module in two projects is two groups', () => {
		const items = ['a', 'b', 'c'].flatMap(id => [followUp(`${id}1`, {kind: 'long_tail', module: 'm', cwd: '/one'}), followUp(`${id}2`, {kind: 'long_tail', module: 'm', cwd: '/two'})]);
		expect(promoteLongTail(items, idOf).jobs).toHaveLength(2);
	});

	it('an unknown estimate in the group leaves the sum unknown', () => {
		const items = [followUp('a', {kind: 'long_tail', module: 'm', estimateUsd: 1}), followUp('b', {kind: 'long_tail', module: 'm'}), followUp('c', {kind: 'long_tail', module: 'm', estimateUsd: 2})];
		expect(promoteLongTail(items, idOf).jobs[0]!.estimateUsd).toBeNull();
	});
});

describe('estimates: explicit, else learned from the same kind, else defaults', () => {
	const point = (five: number | null, seven: number | null, reset = '2026-11-22T15:00:00Z'): UtilizationPoint =>
		({at: '2026-11-22T12:00:00Z', fiveHour: five, fiveHourResetsAt: reset, sevenDay: seven, sevenDayResetsAt: '2026-11-25T00:00:00Z'});

	it('utilization delta: the larger window delta, only within one window (no reset in between)', () => {
		expect(utilizationDelta(point(0.5, 0.4), point(0.58, 0.41))).toBeCloseTo(0.08);
		expect(utilizationDelta(point(0.5, 0.4), point(0.1, 0.41, '2026-11-22T20:00:00Z'))).toBeCloseTo(0.01);
		expect(utilizationDelta(point(null, null), point(0.5, 0.4))).toBeNull();
		expect(utilizationDelta(null, point(0.5, 0.4))).toBeNull();
		expect(utilizationDelta(point(0.5, 0.4), point(0.49, 0.4))).toBe(0);
	});

	it('learns mean dollars, mean delta and mean run time per kind from succeeded jobs only', () => {
		const finished = (kind: string, state: 'succeeded' | 'failed', costUsd: number | null, delta: number, minutes: number) => ({
			kind, state, costUsd,
			utilizationBefore: point(0.5, 0.4),
			utilizationAfter: point(0.5 + delta, 0.4),
			startedAt: '2026-11-22T12:00:00Z',
			finishedAt: new Date(Date.parse('2026-11-22T12:00:00Z') + minutes * 60_000).toISOString(),
		});
		const learned = learnEstimates([
			finished('finding', 'succeeded', 0.3, 0.04, 10),
			finished('finding', 'succeeded', 0.5, 0.06, 20),
			finished('finding', 'succeeded', 0.7, 0, 30),
			finished('finding', 'failed', 9, 0.5, 90),
			finished('task', 'succeeded', null, 0.1, 5),
		]);
		const finding = learned.get('finding')!;
		expect(finding.usdSamples).toBe(3);
		expect(finding.meanUsd).toBeCloseTo(0.5);
		expect(finding.pctSamples).toBe(2);
		expect(finding.meanPct).toBeCloseTo(0.05);
		expect(finding.meanDurationMs).toBe(20 * 60_000);
		expect(learned.get('task')).toMatchObject({usdSamples: 0, meanUsd: null, pctSamples: 1});

		const explicit = resolveEstimate({estimateUsd: 2, estimatePct: 0.1, kind: 'finding'}, finding, defaults);
		expect(explicit).toMatchObject({usd: 2, pct: 0.1, usdSource: 'explicit', pctSource: 'explicit', durationMs: 20 * 60_000});
		const fromHistory = resolveEstimate({estimateUsd: null, estimatePct: null, kind: 'finding'}, finding, defaults);
		expect(fromHistory).toMatchObject({usdSource: 'learned', pctSource: 'learned', samples: 3});
		expect(fromHistory.usd).toBeCloseTo(0.5);
		expect(fromHistory.detail).toBe('$0.50 and 5% learned from 3 finished finding jobs');
		const none = resolveEstimate({estimateUsd: null, estimatePct: null, kind: 'other'}, undefined, defaults);
		expect(none).toMatchObject({usd: 1, pct: 0.05, usdSource: 'default', pctSource: 'default', durationMs: 15 * 60_000});
		expect(none.detail).toBe('$1.00 and 5% from the defaults');
		const mixed = resolveEstimate({estimateUsd: null, estimatePct: 0.2, kind: 'task'}, learned.get('task'), defaults);
		expect(mixed.detail).toBe('$1.00 from the defaults; 20% given');
	});

	it('the plan sentence of DESIGN §5', () => {
		expect(planSentence(12, 3.5, 8.2)).toBe('This plan has 12 tasks, estimated cost ~$3.50, remaining quota ~$8.20');
		expect(planSentence(1, 0.5, null)).toBe('This plan has 1 task, estimated cost ~$0.50, remaining quota unknown');
	});
});

describe('runner output', () => {
	it('reads total_cost_usd from Claude JSON among other lines', () => {
		const output = 'warming up\n{"type":"result","subtype":"success","is_error":false,"result":"Done.","total_cost_usd":0.4213}\n';
		expect(parseRunnerOutput(output)).toEqual({costUsd: 0.4213, isError: false, text: 'Done.'});
	});

	it('an error result and Codex error events say isError', () => {
		expect(parseRunnerOutput('{"type":"result","is_error":true,"result":"boom","total_cost_usd":0}').isError).toBe(true);
		expect(parseRunnerOutput('{"type":"turn.started"}\n{"type":"error","message":"stream error"}')).toEqual({costUsd: null, isError: true, text: 'stream error'});
		expect(parseRunnerOutput('not json at all\n{broken')).toEqual({costUsd: null, isError: false, text: null});
	});
});

describe('jobScopes (seed 003)', () => {
	it('the scopes a job was queued with, and project:<folder> for a Fleet follow-up', () => {
		expect(jobScopes({source: 'backlog', cwd: '/home/dev/api', scopes: ['role:ci']})).toEqual(['role:ci']);
		expect(jobScopes({source: 'backlog', cwd: '/home/dev/api'})).toEqual([]);
		expect(jobScopes({source: 'fleet', cwd: '/home/dev/api/'})).toEqual(['project:api']);
		expect(jobScopes({source: 'fleet', cwd: '/home/dev/api', scopes: ['project:api', 'role:r']})).toEqual(['project:api', 'role:r']);
	});
});

describe('budgetStandings (seed 003 mission status)', () => {
	const b = (scope: string, used: number, limit: number, extra: Partial<Budget> = {}): Budget => ({scope, limit, unit: 'messages', used, resetAt: null, recurrence: null, source: 'user-entered', checkedAt: '2026-11-20T00:00:00Z', ...extra});
	it('fullest first, with a level; manual windows are not budgets; a passed reset counts from 0', () => {
		const now = Date.parse('2026-11-20T10:00:00Z');
		const standings = budgetStandings([b('project:a', 10, 100), b('project:b', 50, 50), b('role:c', 85, 100), b('account:x', 90, 100, {window: 'seven_day'}), b('project:d', 99, 100, {resetAt: '2026-11-19T00:00:00Z', recurrence: 'daily'})], now, 0.8);
		expect(standings.map(s => [s.scope, s.level])).toEqual([['project:b', 'over'], ['role:c', 'near'], ['project:a', 'ok'], ['project:d', 'ok']]);
		expect(standings[3]).toMatchObject({used: 0, resetAt: '2026-11-21T00:00:00Z', resetPassed: true});
		expect(budgetSentence(standings[0]!)).toBe('project:b at 50 of 50 messages (100%, over)');
	});
});
