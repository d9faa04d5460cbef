process.env.TZ = 'UTC';
/**
 * The waste panel: its height budget inside the pure layout, the sparkline, and the real dashboard
 * (the demo's report and utilization from the runtime) at 80×24, 60×20 and 40×12 — never taller than
 * rows − 1.
 */
import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, test} from 'vitest';
import type {AppSnapshot} from '../../source/runtime/types.js';
import {createAppRuntime} from '../../source/runtime/app-store.js';
import {openContext} from '../../source/runtime/context.js';
import {Dashboard} from '../../source/ui/app.js';
import {compactAlertText, compactSummary, sparkline, summaryRows} from '../../source/ui/components/index.js';
import {computeLayout, type FrameLayout} from '../../source/ui/layout.js';
import {createTheme} from '../../source/ui/theme.js';
import {computeWasteLayout, NO_WASTE, sparkWidthFor} from '../../source/ui/waste-layout.js';
import {frameHeight, frameWidth, renderInTerminal, tick, type RenderResult} from '../helpers/render.js';
import {tempHome} from '../helpers/cli.js';
import {createTestClock, createTestRuntime} from './fixtures.js';

const DEMO_NOW = Date.parse('2026-11-22T14:30:00Z');
const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];

afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

/** The demo's snapshot as the real runtime builds it (report + utilization). */
function demoSnapshot(): AppSnapshot {
	const runtime = createAppRuntime(openContext({env: {QUOTA_TUI_HOME: tempHome(), QUOTA_TUI_NOW: '2026-11-22T14:30:00Z'}, demo: true}));
	const snapshot = runtime.getSnapshot();
	runtime.dispose();
	return snapshot;
}

function plannedHeight(layout: FrameLayout): number {
	return layout.headerLines + (layout.spacerAfterHeader ? 1 : 0) + layout.listLines + (layout.spacerAfterList ? 1 : 0)
		+ layout.noticeLines + layout.waste.lines + layout.decisionLines + layout.footerLines;
}

describe('computeWasteLayout', () => {
	test('full: title, the summary (2 rows when wide, 4 when narrow), alerts, then accounts', () => {
		expect(computeWasteLayout(20, 80, {accounts: 4, alerts: 1})).toEqual({lines: 8, title: true, summaryRows: 2, alertLines: 1, accountLines: 4, moreLine: false, sparkWidth: 14, spacerAfter: false});
		expect(computeWasteLayout(20, 60, {accounts: 4, alerts: 1})).toMatchObject({lines: 10, summaryRows: 4, sparkWidth: 7});
		expect(computeWasteLayout(20, 120, {accounts: 4, alerts: 0})).toMatchObject({lines: 7, sparkWidth: 28});
	});

	test('less room: accounts are dropped first, then one compact line (plus alerts), then nothing', () => {
		// Not every account fits: the last line says how many are left out (D4).
		expect(computeWasteLayout(5, 80, {accounts: 4, alerts: 1})).toMatchObject({lines: 5, summaryRows: 2, alertLines: 1, accountLines: 0, moreLine: true});
		expect(computeWasteLayout(7, 80, {accounts: 4, alerts: 1})).toMatchObject({lines: 7, accountLines: 2, moreLine: true});
		expect(computeWasteLayout(2, 80, {accounts: 4, alerts: 3})).toMatchObject({lines: 2, title: false, summaryRows: 1, alertLines: 1, accountLines: 0});
		expect(computeWasteLayout(1, 80, {accounts: 4, alerts: 0})).toMatchObject({lines: 1, summaryRows: 1});
		expect(computeWasteLayout(0, 80, {accounts: 4, alerts: 1})).toBe(NO_WASTE);
	});

	test('sparkline width by terminal width', () => {
		expect([sparkWidthFor(40), sparkWidthFor(70), sparkWidthFor(100)]).toEqual([7, 14, 28]);
	});
});

describe('the layout with the waste panel', () => {
	test.each([[80, 24], [60, 20], [40, 12]] as const)('4 accounts + the panel at %d×%d never exceed rows − 1', (columns, rows) => {
		const layout = computeLayout({columns, rows}, 4, {longestName: 10, decisionCount: 3, waste: {accounts: 4, alerts: 1}});
		if (layout.kind === 'too-small') throw new Error('too small');
		expect(plannedHeight(layout)).toBeLessThanOrEqual(rows - 1);
		expect(layout.visibleAccounts).toBe(4);
		expect(layout.waste.lines).toBeGreaterThan(0);
	});

	test('80×24: the whole panel (every sparkline and the alert) fits beside all four accounts and decisions', () => {
		const layout = computeLayout({columns: 80, rows: 24}, 4, {longestName: 10, decisionCount: 3, waste: {accounts: 4, alerts: 1}});
		if (layout.kind === 'too-small') throw new Error('too small');
		expect(layout.waste).toMatchObject({title: true, summaryRows: 2, alertLines: 1, accountLines: 4});
		expect(layout.decisionLines).toBeGreaterThan(0);
	});

	test('without waste data the layout is what it was', () => {
		const before = computeLayout({columns: 80, rows: 24}, 4, {longestName: 10, decisionCount: 3});
		if (before.kind === 'too-small') throw new Error('too small');
		expect(before.waste).toBe(NO_WASTE);
	});
});

describe('sparkline', () => {
	test('levels from ▁ to █, gaps for no data, values above 100 % full', () => {
		expect(sparkline([0, 0.25, 0.5, 0.75, 1, 1.3, null], 7)).toBe('▁▃▅▇██ ');
	});

	test('more values than cells: each cell shows the highest of its share; fewer: right-aligned', () => {
		expect(sparkline([0, 0.9, 0.1, 0.2], 2)).toBe('█▂');
		expect(sparkline([null, null, 0.5, 0.1], 2)).toBe('·▅');
		// Days without history read as a dotted baseline before the first value (D25).
		expect(sparkline([0.5], 3)).toBe('··▅');
		expect(sparkline([null, 0.5, null, 0.2], 4)).toBe('·▅ ▂');
		expect(sparkline([0.5], 0)).toBe('');
	});
});

describe('summary texts', () => {
	const {utilization} = demoSnapshot();

	test('two columns when they fit, else joined; four rows when narrow', () => {
		expect(summaryRows(utilization!, 2, 80)).toEqual([
			'62% average 5h utilization   Estimated waste: ~$15.14/week',
			'63% average 7d utilization   Auto-spend this week: 0 jobs ($0.00) · pending 0',
		]);
		// Seed 000-20: the pending follow-ups follow the auto-spend line, in full where it fits.
		expect(summaryRows(utilization!, 2, 110)[1]).toBe('63% average 7d utilization   Auto-spend this week: 0 jobs ($0.00) · Pending follow-ups: 0 (est. $0.00)');
		expect(summaryRows(utilization!, 4, 60)).toEqual(['62% average 5h utilization', '63% average 7d utilization', 'Estimated waste: ~$15.14/week', 'Auto-spend this week: 0 jobs ($0.00) · pending 0']);
		expect(compactSummary(utilization!)).toBe('5h 62% · 7d 63% · waste ~$15.14/wk · auto 0 ($0.00)');
		expect(compactAlertText(utilization!.useItOrLoseIt[0]!)).toBe('demo-spare: week resets in 14h18m, 81% unused (~$3.76)');
	});
});

describe('the dashboard with the waste panel', () => {
	async function mount(columns: number, rows: number) {
		const snapshot = demoSnapshot();
		const runtime = createTestRuntime(snapshot.report, createTestClock(DEMO_NOW));
		runtime.update({utilization: snapshot.utilization});
		const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, {columns, rows});
		mounted.push(result);
		return {result, runtime};
	}

	const text = (result: RenderResult) => stripVTControlCharacters(result.lastFrame());

	test('80×24: summary, the alert, a sparkline and forecast per account, inside the terminal', async () => {
		const {result} = await mount(80, 24);
		const frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(23);
		expect(frameWidth(frame)).toBeLessThanOrEqual(80);
		expect(frame).toContain('waste & forecasts');
		expect(frame).toContain('62% average 5h utilization   Estimated waste: ~$15.14/week');
		expect(frame).toContain("⚠ Use it or lose it: demo-spare's week resets in 14h18m with 81% unused (~$3.76)");
		const lines = frame.split('\n');
		const line = (name: string) => lines.find(l => l.startsWith(`  ${name} `)) ?? '';
		expect(line('demo-main')).toMatch(/^ {2}demo-main {2}[▁▂▃▄▅▆▇█ ]{14} {2}17% → 81% at reset {2}~\$8\.97 unused$/);
		expect(line('demo-team')).toMatch(/88% → 89% at reset {2}5h empty in 1h12m$/);
		expect(line('demo-codex')).toMatch(/42% → 64% at reset/);
		expect(line('demo-spare')).toMatch(/18% → 19% at reset {2}~\$3\.76 unused/);
		// The accounts list is all there too.
		for (const name of ['demo-main', 'demo-team', 'demo-codex', 'demo-spare']) expect(lines.filter(l => l.includes(name)).length).toBeGreaterThanOrEqual(2);
	});

	test.each([[60, 20], [40, 12], [100, 30]] as const)('%d×%d stays inside the terminal', async (columns, rows) => {
		const {result} = await mount(columns, rows);
		const frame = text(result);
		expect(frameHeight(frame)).toBeLessThanOrEqual(rows - 1);
		expect(frameWidth(frame)).toBeLessThanOrEqual(columns);
		// At 40×12 the accounts, the demo line and the queue's line leave the panel no room (it shrinks first).
		if (rows > 12) expect(frame).toMatch(/average 5h utilization|5h 62% · 7d 63%/);
	});

	test('the countdowns of the panel follow the shared clock', async () => {
		const {result, runtime} = await mount(80, 24);
		expect(text(result)).toContain('5h empty in 1h12m');
		runtime.clock.tick(2 * 60_000);
		await tick();
		expect(text(result)).toContain('5h empty in 1h10m');
		expect(text(result)).toContain('resets in 14h16m');
	});
});
