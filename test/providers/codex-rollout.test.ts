process.env.TZ = 'UTC';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {accountState} from '../../source/engine/assemble.js';
import {DEFAULT_POLICY} from '../../source/engine/types.js';
import {rolloutFamily} from '../../source/providers/codex-limits.js';
import {MAX_TAIL_BYTES, readCodexRollout, scanRollouts} from '../../source/providers/codex-rollout.js';
import {fixtureText, tempDir, writeRollout} from '../helpers/providers.js';

const [V1, V2, V3] = fixtureText('rollout-lines.jsonl').trim().split('\n') as [string, string, string];
const other = (line: string) => JSON.stringify({timestamp: JSON.parse(line).timestamp, type: 'response_item', payload: {type: 'message', role: 'assistant', content: [{type: 'output_text', text: 'hé — ünïcode ✓'}]}});

const kinds = (outcome: ReturnType<typeof readCodexRollout>) => (outcome.ok ? Object.fromEntries(outcome.windows.map(w => [w.kind, w])) : {});

describe('Codex rollout logs: the three shapes of rate_limits', () => {
	it('v1 (flat): classified by minutes, no reset known', () => {
		const home = tempDir();
		writeRollout(home, '2025-09-20', 'a', [V1]);
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0.125, resetsAt: null, origin: 'codex-rollout', observedAt: '2025-09-20T10:00:00Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.4, resetsAt: null});
	});

	it('v2 (resets_in_seconds, 299/10079 minutes): resets from the line\'s own timestamp, 299 → five_hour', () => {
		const home = tempDir();
		writeRollout(home, '2025-10-29', 'b', [V2]);
		const outcome = readCodexRollout(home);
		const w = kinds(outcome);
		// 2025-10-29T12:00:00Z + 17388 s = 16:49:48; + 491245 s = 2025-11-04T04:27:25
		expect(w['five_hour']).toMatchObject({utilization: 0, resetsAt: '2025-10-29T16:49:48Z', durationMs: 5 * 3_600_000});
		expect(w['seven_day']).toMatchObject({utilization: 0.07, resetsAt: '2025-11-04T04:27:25Z', durationMs: 7 * 86_400_000});
		expect(outcome).toMatchObject({ok: true, partial: true, requested: false});
	});

	it('v3 (resets_at epoch s, limit_id codex)', () => {
		const home = tempDir();
		writeRollout(home, '2026-09-29', 'c', [V3]);
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0.125, resetsAt: '2026-09-29T15:54:31Z', observedAt: '2026-09-29T14:55:24.013Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.4, resetsAt: '2026-10-02T14:54:31Z'});
	});

	it('free plan: the only window is weekly, in the primary slot; a Team monthly window is monthly', () => {
		const family = rolloutFamily({primary: {used_percent: 64, window_minutes: 10080, resets_at: 1795622400}, secondary: null}, 0);
		expect(family?.windows).toEqual([{usedPercent: 64, minutes: 10080, resetMs: 1795622400000}]);
		const home = tempDir();
		writeRollout(home, '2026-11-22', 'free', [JSON.stringify({timestamp: '2026-11-22T11:00:00Z', type: 'event_msg', payload: {type: 'token_count', info: null, rate_limits: {primary: {used_percent: 64, window_minutes: 10080, resets_at: 1795622400}, secondary: {used_percent: 3, window_minutes: 43800, resets_at: 1796000000}}}})]);
		expect(Object.keys(kinds(readCodexRollout(home)))).toEqual(['seven_day', 'monthly']);
	});

	it('a v2 + v3 home: the newest line by timestamp wins across files (not by file name)', () => {
		const home = tempDir();
		writeRollout(home, '2025-10-29', 'old', [V2], '2025-10-29T12:00:01Z');
		writeRollout(home, '2026-09-29', 'new', [V3], '2026-09-29T14:55:25Z');
		expect(kinds(readCodexRollout(home))['five_hour']).toMatchObject({utilization: 0.125});
		// The older-named file written later (a long session) holds the newest line.
		const late = JSON.parse(V2);
		late.timestamp = '2026-09-30T08:00:00.000Z';
		writeRollout(home, '2025-10-29', 'long-session', [JSON.stringify(late)], '2026-09-30T08:00:01Z');
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0, resetsAt: '2026-09-30T12:49:48Z', observedAt: '2026-09-30T08:00:00Z'});
	});

	it('archived_sessions count too', () => {
		const home = tempDir();
		fs.mkdirSync(path.join(home, 'archived_sessions'), {recursive: true});
		fs.writeFileSync(path.join(home, 'archived_sessions', 'rollout-2026-09-29T10-00-00-x.jsonl'), `${V3}\n`);
		expect(kinds(readCodexRollout(home))['seven_day']).toMatchObject({utilization: 0.4});
	});

	it('corrupt and half-written lines, null rate_limits and non-token lines are skipped', () => {
		const home = tempDir();
		const nullLimits = JSON.stringify({timestamp: '2026-09-29T15:00:00Z', type: 'event_msg', payload: {type: 'token_count', info: null, rate_limits: null}});
		writeRollout(home, '2026-09-29', 'messy', [V3, '{"broken', other(V3), nullLimits, '{"timestamp":"2026-09-29T15:01:00Z","type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":{"used_per']);
		expect(kinds(readCodexRollout(home))['five_hour']).toMatchObject({utilization: 0.125, observedAt: '2026-09-29T14:55:24.013Z'});
	});

	it('other limit families become model windows; the main bucket is limit_id codex', () => {
		const home = tempDir();
		const spark = JSON.parse(V3);
		spark.timestamp = '2026-09-29T15:00:00.000Z';
		spark.payload.rate_limits = {...spark.payload.rate_limits, limit_id: 'codex_bengalfox', limit_name: 'GPT-5.3-Codex-Spark', primary: {used_percent: 30, window_minutes: 300, resets_at: 1790697271}, secondary: {used_percent: 100, window_minutes: 10080, resets_at: 1790952871}};
		writeRollout(home, '2026-09-29', 'fam', [V3, JSON.stringify(spark)]);
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0.125});
		expect(w['weekly:gpt-5.3-codex-spark']).toMatchObject({utilization: 1, resetsAt: '2026-10-02T14:54:31Z'});
		expect(w['custom:gpt-5.3-codex-spark-5h']).toMatchObject({utilization: 0.3});
	});

	it('reads only the tail: a 20 MB history costs one chunk, a huge tail is capped', () => {
		const home = tempDir();
		const filler = other(V2);
		const lines = Array.from({length: Math.ceil(20e6 / filler.length)}, () => filler);
		writeRollout(home, '2026-09-29', 'big', [V2, ...lines, V3]);
		writeRollout(home, '2026-09-28', 'older', [V2, ...lines.slice(0, 1000)], '2026-09-28T12:00:00Z');
		const scan = scanRollouts(home);
		expect(scan.found?.observedAt).toBe('2026-09-29T14:55:24.013Z');
		expect(scan.filesRead).toBe(1); // the older file was last written before the line found: not read
		expect(scan.bytesRead).toBeLessThanOrEqual(64 * 1024);

		const noLimits = tempDir();
		writeRollout(noLimits, '2026-09-29', 'none', [V3, ...lines]);
		const capped = scanRollouts(noLimits);
		expect(capped.bytesRead).toBeLessThanOrEqual(MAX_TAIL_BYTES);
		expect(capped.found).toBeUndefined();
		expect(readCodexRollout(noLimits)).toMatchObject({ok: false, message: expect.stringContaining('no token_count line with usable rate_limits in the last 4 MB')});
	});

	it('no sessions folder → a message naming it', () => {
		const home = tempDir();
		expect(readCodexRollout(home)).toMatchObject({ok: false, requested: false, message: `${path.join(home, 'sessions')} does not exist (run codex once with CODEX_HOME=${home})`});
	});

	it('a reset that already passed is shown as a fresh window', () => {
		const home = tempDir();
		writeRollout(home, '2025-10-29', 'b', [V2]);
		const outcome = readCodexRollout(home);
		if (!outcome.ok) throw new Error(outcome.message);
		const now = Date.parse('2025-10-29T18:00:00Z'); // after the 5-hour reset (16:49:48), before the weekly one
		const state = accountState({account: {name: 'c', provider: 'codex'}, snapshot: {account: 'c', observedAt: outcome.observedAt, status: 'unknown', windows: outcome.windows}}, DEFAULT_POLICY, now);
		const five = state.windows.find(w => w.kind === 'five_hour');
		expect(five).toMatchObject({utilization: 0, source: 'estimated', resetPassed: true, resetsAt: '2025-10-29T21:49:48Z'});
		expect(state.windows.find(w => w.kind === 'seven_day')).toMatchObject({utilization: 0.07, resetPassed: false});
	});

	it('one unclassifiable newest line (no usable length or reset) does not hide an older good line (D15)', () => {
		const home = tempDir();
		const garbage = JSON.stringify({timestamp: '2026-09-29T14:56:04Z', type: 'event_msg', payload: {type: 'token_count', rate_limits: {limit_id: 'codex', primary: {used_percent: 50, window_minutes: -300, resets_at: -5}}}});
		writeRollout(home, '2026-09-29', 'g', [V3, garbage]);
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0.125, observedAt: '2026-09-29T14:55:24.013Z'});
		expect(w['seven_day']).toMatchObject({utilization: 0.4});
	});

	it('a 5 MB line after the last token_count is skipped over, not counted against the 4 MB tail (D16)', () => {
		const home = tempDir();
		const image = JSON.stringify({timestamp: '2026-09-29T14:56:00Z', type: 'response_item', payload: {type: 'message', content: [{type: 'input_image', image_url: `data:image/png;base64,${'A'.repeat(5 * 1024 * 1024)}`}]}});
		writeRollout(home, '2026-09-29', 'big', [V3, image, other(V3)]);
		const w = kinds(readCodexRollout(home));
		expect(w['five_hour']).toMatchObject({utilization: 0.125, observedAt: '2026-09-29T14:55:24.013Z'});
	});

	it('lines stamped more than 2 min ahead of now are ignored with a warning (D2)', () => {
		const home = tempDir();
		const ahead = JSON.parse(V3);
		ahead.timestamp = '2096-01-01T00:00:00Z';
		writeRollout(home, '2026-09-29', 'f', [V3, JSON.stringify(ahead)]);
		const outcome = readCodexRollout(home, Date.parse('2026-09-29T15:00:00Z'));
		expect(outcome).toMatchObject({ok: true, observedAt: '2026-09-29T14:55:24.013Z', warning: 'ignored 1 rollout line stamped ahead of now (latest 2096-01-01T00:00:00Z, more than 2 min ahead)'});
		// Only future lines: a failure that says why.
		const only = tempDir();
		writeRollout(only, '2026-09-29', 'f', [JSON.stringify(ahead)]);
		expect(readCodexRollout(only, Date.parse('2026-09-29T15:00:00Z'))).toMatchObject({ok: false, message: expect.stringContaining('; ignored 1 rollout line stamped ahead of now')});
	});
});
