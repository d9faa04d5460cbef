process.env.TZ = 'UTC';
import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, test} from 'vitest';
import type {ResetCreditReport} from '../../source/engine/report.js';
import {Dashboard} from '../../source/ui/app.js';
import {createTheme} from '../../source/ui/theme.js';
import {frameWidth, renderInTerminal, type RenderResult} from '../helpers/render.js';
import {DAY, createTestRuntime, demoReport, makeAccount, makeWindow} from './fixtures.js';

const mounted: RenderResult[] = [];
afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

describe('a weekly-only account on the dashboard', () => {
	test.each([[80, 24], [120, 40], [60, 20]])('%d×%d: "weekly only" instead of a 5-hour bar, the weekly bar kept, inside the terminal', async (columns, rows) => {
		const report = demoReport({accounts: [
			makeAccount('ultra', {plan: 'ultra', weeklyOnly: true, windows: [makeWindow('seven_day', 0.3, 3 * DAY)]}),
			makeAccount('pro', {windows: [makeWindow('five_hour', 0.2, 2 * 3_600_000), makeWindow('seven_day', 0.4, 3 * DAY)]}),
		]});
		const result = await renderInTerminal(<Dashboard runtime={createTestRuntime(report)} theme={createTheme({isColor: false})}/>, {columns, rows});
		mounted.push(result);
		const frame = stripVTControlCharacters(result.lastFrame());
		const lines = frame.split('\n');
		const index = lines.findIndex(line => line.slice(3).startsWith('ultra '));
		const rowText = lines.slice(index, index + 2).join('\n');
		expect(rowText).toContain('weekly only');
		expect(rowText).toContain('30%');
		expect(frame.split('\n').find(line => line.slice(3).startsWith('pro '))).not.toContain('weekly only');
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
	});
});

describe('banked resets and shared pools on the dashboard (issue 11)', () => {
	test('a row names its open resets and its pool', async () => {
		const reset = (id: string, status: ResetCreditReport['status'], lapsed = false): ResetCreditReport => ({id, kind: 'seven_day', model: null, count: 1, expiresAt: '2026-12-04T18:00:00Z', expiresInMs: DAY, startsAt: null, source: 'codex-app-server', status, usableNow: status === 'available', lapsed, redeemable: true, title: null, note: null, valueIfLapsedUsd: 4.6, valueBasis: '', observedAt: '2026-12-03T12:00:00Z'});
		const report = demoReport({accounts: [
			makeAccount('cx-a', {provider: 'codex', pool: 'shared:cx-a', resets: [reset('c1', 'available'), reset('c2', 'available'), reset('c3', 'redeemed'), reset('c4', 'expired', true)], windows: [makeWindow('five_hour', 0.2, 2 * 3_600_000), makeWindow('seven_day', 0.4, 3 * DAY)]}),
			makeAccount('cx-b', {provider: 'codex', pool: 'shared:cx-a', windows: [makeWindow('five_hour', 0.2, 2 * 3_600_000), makeWindow('seven_day', 0.4, 3 * DAY)]}),
		]});
		const result = await renderInTerminal(<Dashboard runtime={createTestRuntime(report)} theme={createTheme({isColor: false})}/>, {columns: 160, rows: 30});
		mounted.push(result);
		const lines = stripVTControlCharacters(result.lastFrame()).split('\n');
		expect(lines.find(line => line.slice(3).startsWith('cx-a '))).toContain('2 resets · pool shared:cx-a');
		expect(lines.find(line => line.slice(3).startsWith('cx-b '))).toContain('pool shared:cx-a');
	});
});
