/**
 * The plain-text lines of `status` for the December 2026 quota currencies of one account: weekly-only,
 * reset credits and the shared pool (issue 11).
 */
import type {AccountReport} from '../engine/report.js';
import {instantMs} from '../engine/time.js';
import {formatCountdown, formatLocalTime} from '../ui/format.js';

/** `weekly only: plan ultra …`, `resets: 2 usable, next expires Fri 18:00 (in 2d3h) ≈ $9.20 if unused`, `pool: shared:a (a, b)`. */
export function currencyLines(account: AccountReport, now: number, pools: ReadonlyArray<{id: string; members: string[]}> = []): string[] {
	const lines: string[] = [];
	if (account.weeklyOnly) lines.push(`weekly only: ${account.weeklyOnlyReason ?? 'no 5-hour window'}`);
	const open = (account.resets ?? []).filter(r => r.status === 'available' && !r.lapsed);
	if (open.length > 0) {
		const count = open.reduce((n, r) => n + r.count, 0);
		const usable = open.filter(r => r.usableNow).reduce((n, r) => n + r.count, 0);
		const next = open.filter(r => r.expiresAt !== null).toSorted((a, b) => (a.expiresInMs ?? 0) - (b.expiresInMs ?? 0))[0];
		const values = open.map(r => r.valueIfLapsedUsd);
		const value = values.every(v => v !== null) ? ` ≈ $${values.reduce<number>((sum, v) => sum + v!, 0).toFixed(2)} if unused` : '';
		const expiry = next ? `, next expires ${formatLocalTime(instantMs(next.expiresAt)!, now)} (in ${formatCountdown(instantMs(next.expiresAt)!, now)})` : '';
		lines.push(`resets: ${count} (${usable} usable now)${expiry}${value}${open.some(r => r.redeemable) ? ' — quota-tui resets use' : ''}`);
	}
	const lapsed = (account.resets ?? []).filter(r => r.lapsed);
	if (lapsed.length > 0) lines.push(`resets lapsed unused in the last 7 days: ${lapsed.reduce((n, r) => n + r.count, 0)}`);
	if (account.pool) {
		const members = pools.find(p => p.id === account.pool)?.members.filter(m => m !== account.name) ?? [];
		lines.push(`pool: ${account.pool}${members.length > 0 ? ` (shared with ${members.join(', ')})` : ''}`);
	}
	return lines;
}
