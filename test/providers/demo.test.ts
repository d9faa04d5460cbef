process.env.TZ = 'UTC';
import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import {DEFAULT_POLICY} from '../../source/engine/types.js';
import {selectAccount} from '../../source/engine/select.js';
import {demoAccounts, demoHistory, demoSnapshot} from '../../source/providers/demo.js';

const NOW = Date.parse('2026-11-22T14:30:00Z');

function states(now: number) {
	return demoAccounts().map(account => accountState({account, snapshot: demoSnapshot(account.name, now), history: demoHistory(account.name, now)}, DEFAULT_POLICY, now));
}

describe('demo provider', () => {
	it('is deterministic: the same instant gives the same numbers', () => {
		expect(demoSnapshot('demo-main', NOW)).toEqual(demoSnapshot('demo-main', NOW));
		expect(demoSnapshot('nope', NOW)).toBeUndefined();
	});

	it('shows every state on a first run: healthy, near the threshold, exhausted, last resort', () => {
		const byName = new Map(states(NOW).map(s => [s.account.name, s]));
		expect(byName.get('demo-main')!.status).toBe('allowed');
		expect(byName.get('demo-team')!.status).toBe('allowed_warning');
		expect(byName.get('demo-codex')!.status).toBe('rejected');
		expect(byName.get('demo-spare')!.account.lastResort).toBe(true);
		const rec = selectAccount({accounts: states(NOW), active: null, policy: DEFAULT_POLICY, now: NOW});
		expect(rec.account).toBe('demo-main');
	});

	it('is driven by the clock: usage grows within a window and drops at its reset', () => {
		const at = (ms: number) => demoSnapshot('demo-main', ms)!.windows.find(w => w.kind === 'five_hour')!;
		const before = at(NOW);
		const later = at(NOW + 20 * 60_000);
		const resetMs = Date.parse(before.resetsAt!);
		expect(later.utilization!).toBeGreaterThan(before.utilization!);
		expect(at(resetMs + 60_000).utilization!).toBeLessThan(at(resetMs - 60_000).utilization!);
	});

	it('the exhausted account stays exhausted until its 5-hour reset, then recovers', () => {
		const w = demoSnapshot('demo-codex', NOW)!.windows.find(x => x.kind === 'five_hour')!;
		expect(w.utilization).toBe(1);
		const resetMs = Date.parse(w.resetsAt!);
		const after = demoSnapshot('demo-codex', resetMs + 60_000)!.windows.find(x => x.kind === 'five_hour')!;
		expect(after.utilization!).toBeLessThan(0.9);
	});
});
