import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {emptyStats, listClaudeLogFiles, parseClaudeChunk, parseClaudeJsonLine, parseClaudeTail, type LineStats, type ParseMode} from '../../source/providers/logs/claude-logs.js';
import {FLAG_FAST, FLAG_SIDECHAIN, mergeBatches, priceBatch, recordAt, UsageBuilder, type UsageBatch} from '../../source/engine/usage.js';
import {generateClaudeLogs} from '../bench/generate-claude-logs.mjs';
import {tempHome} from '../helpers/cli.js';

type Line = Record<string, unknown>;

function assistant(overrides: {id?: string | null; req?: string | null; ts?: string; model?: string; usage?: Record<string, unknown>; sidechain?: boolean; extra?: Line} = {}): string {
	const message: Line = {model: overrides.model ?? 'claude-opus-4-6', type: 'message', role: 'assistant', content: [{type: 'text', text: 'hello "world" \\ {not json}'}], usage: overrides.usage ?? {input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 50}};
	if (overrides.id !== null) message['id'] = overrides.id ?? 'msg_1';
	const line: Line = {parentUuid: null, isSidechain: overrides.sidechain ?? false, sessionId: 's1', version: '2.1.63', message, type: 'assistant', timestamp: overrides.ts ?? '2026-03-01T10:00:00.000Z', ...overrides.extra};
	if (overrides.req !== null) line['requestId'] = overrides.req ?? 'req_1';
	return JSON.stringify(line);
}

/** Parse text (lines joined by \n) both ways; the two must agree. */
function parseBoth(text: string): {batch: UsageBatch; stats: LineStats} {
	const results = (['scan', 'json'] as ParseMode[]).map(mode => {
		const buf = Buffer.from(text);
		const out = new UsageBuilder();
		const stats = emptyStats();
		const consumed = parseClaudeChunk(buf, 0, buf.length, 0, out, stats, mode);
		if (consumed < buf.length) parseClaudeTail(buf, consumed, buf.length, consumed, out, stats, mode);
		return {batch: out.toBatch(), stats};
	});
	expect(results[0]!.stats).toEqual(results[1]!.stats);
	expect(Array.from(results[0]!.batch.data)).toEqual(Array.from(results[1]!.batch.data));
	expect(results[0]!.batch.models).toEqual(results[1]!.batch.models);
	return results[0]!;
}

describe('Claude log lines', () => {
	it('reads message.usage with the 5-minute/1-hour cache split, model, ids, sidechain and fast flags', () => {
		const {batch} = parseBoth(
			assistant({usage: {input_tokens: 3, cache_creation_input_tokens: 3117, cache_read_input_tokens: 14723, cache_creation: {ephemeral_5m_input_tokens: 117, ephemeral_1h_input_tokens: 3000}, output_tokens: 250, speed: 'fast'}, sidechain: true}) + '\n',
		);
		expect(batch.length).toBe(1);
		const r = recordAt(batch, 0);
		expect(r).toMatchObject({offset: 0, ts: Date.parse('2026-03-01T10:00:00.000Z'), input: 3, output: 250, cacheWrite5m: 117, cacheWrite1h: 3000, cacheRead: 14723, model: 'claude-opus-4-6'});
		expect(r.flags & FLAG_SIDECHAIN).toBeTruthy();
		expect(r.flags & FLAG_FAST).toBeTruthy();
		expect(Number.isFinite(r.key) && Number.isFinite(r.mkey)).toBe(true);
	});

	it('skips non-usage lines, <synthetic> models, API-error lines (keeping their usage-limit reset) and tool results carrying usage', () => {
		const lines = [
			JSON.stringify({type: 'user', message: {role: 'user', content: 'the text "usage":{"input_tokens":5} inside a string'}, timestamp: '2026-03-01T10:00:00Z'}),
			JSON.stringify({type: 'user', message: {role: 'user', content: [{type: 'tool_result', content: 'done'}]}, toolUseResult: {usage: {input_tokens: 9, output_tokens: 9}}, timestamp: '2026-03-01T10:00:00Z'}),
			assistant({model: '<synthetic>', id: 'msg_syn', usage: {input_tokens: 0, output_tokens: 0}}),
			assistant({id: 'msg_err', usage: {input_tokens: 0, output_tokens: 0}, extra: {isApiErrorMessage: true, message: {id: 'msg_err', model: '<synthetic>', content: [{type: 'text', text: 'Claude AI usage limit reached|1772427600'}], usage: {input_tokens: 0, output_tokens: 0}}}}),
			JSON.stringify({type: 'summary', summary: 'x', leafUuid: 'u'}),
		];
		const {batch, stats} = parseBoth(lines.join('\n') + '\n');
		expect(batch.length).toBe(0);
		expect(stats.corrupt).toBe(0);
		expect(stats.resets).toEqual([[Date.parse('2026-03-01T10:00:00.000Z'), 1_772_427_600_000]]);
	});

	it('counts corrupt usage lines (truncated, not JSON) and skips them without losing the rest', () => {
		const good = assistant({id: 'msg_ok', req: 'req_ok'});
		const cut = assistant({id: 'msg_cut'}).slice(0, 260);
		const {batch, stats} = parseBoth([cut, good, `${cut}${good}`].join('\n') + '\n');
		expect(batch.length).toBe(1);
		expect(stats.corrupt).toBe(2);
		expect(stats.corruptOffsets[0]).toBe(0);
	});

	it('a half-written last line is left for later; a complete last line without newline is read', () => {
		const good = assistant({id: 'msg_a'});
		const half = assistant({id: 'msg_b'}).slice(0, 200);
		const buf = Buffer.from(`${good}\n${half}`);
		const out = new UsageBuilder();
		const stats = emptyStats();
		const consumed = parseClaudeChunk(buf, 0, buf.length, 0, out, stats);
		expect(consumed).toBe(good.length + 1);
		expect(parseClaudeTail(buf, consumed, buf.length, consumed, out, stats)).toBe(false);
		expect(out.length).toBe(1);
		const whole = Buffer.from(`${good}\n${assistant({id: 'msg_c'})}`);
		const out2 = new UsageBuilder();
		const at = parseClaudeChunk(whole, 0, whole.length, 0, out2, stats);
		expect(parseClaudeTail(whole, at, whole.length, at, out2, stats)).toBe(true);
		expect(out2.length).toBe(2);
	});

	it('rejects what ccusage rejects: non-integer or null token counts, empty ids, bad versions, bad timestamps', () => {
		const lines = [
			assistant({id: 'a1', usage: {input_tokens: 1.5, output_tokens: 2}}),
			assistant({id: 'a2', usage: {input_tokens: null, output_tokens: 2}}),
			assistant({id: 'a3', usage: {input_tokens: 1, output_tokens: 2, cache_read_input_tokens: null}}),
			assistant({id: 'a4', usage: {output_tokens: 2}}),
			assistant({id: ''}),
			assistant({id: 'a6', req: ''}),
			assistant({id: 'a7', extra: {version: 'dev'}}),
			assistant({id: 'a8', ts: 'yesterday'}),
			assistant({id: 'a9', model: ''}),
			assistant({id: 'ok', ts: '2026-03-01T10:00:00+02:00'}),
		];
		const {batch} = parseBoth(lines.join('\n') + '\n');
		expect(batch.length).toBe(1);
		expect(recordAt(batch, 0).ts).toBe(Date.parse('2026-03-01T08:00:00Z'));
	});

	it('reads agent-progress lines (data.message.message.usage) like ccusage daily', () => {
		const nested = {type: 'progress', timestamp: '2026-03-01T11:00:00Z', data: {message: {timestamp: '2026-03-01T10:30:00.000Z', requestId: 'req_p', isSidechain: true, message: {id: 'msg_p', model: 'claude-haiku-4-5-20251001', usage: {input_tokens: 7, output_tokens: 11}}}}};
		const {batch} = parseBoth(JSON.stringify(nested) + '\n');
		expect(batch.length).toBe(1);
		expect(recordAt(batch, 0)).toMatchObject({ts: Date.parse('2026-03-01T10:30:00Z'), input: 7, output: 11, model: 'claude-haiku-4-5-20251001'});
	});

	it('handles CRLF line endings and escaped quotes in content', () => {
		const line = assistant({id: 'msg_crlf'});
		const {batch, stats} = parseBoth(`${line}\r\n${line.replace('msg_crlf', 'msg_2')}\r\n`);
		expect(stats.corrupt).toBe(0);
		expect(batch.length).toBe(2);
	});
});

describe('deduplication (ccusage rules)', () => {
	const usage = (output: number, read = 1000) => ({input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: read, output_tokens: output});
	const dedupe = (lines: string[]): UsageBatch => mergeBatches([parseBoth(lines.join('\n') + '\n').batch]);

	it('keeps the streaming line with the largest total (the final output count), not the first', () => {
		const merged = dedupe([assistant({usage: usage(1), ts: '2026-03-01T10:00:00Z'}), assistant({usage: usage(9), ts: '2026-03-01T10:00:01Z'}), assistant({usage: usage(250), ts: '2026-03-01T10:00:02Z'})]);
		expect(merged.length).toBe(1);
		expect(recordAt(merged, 0)).toMatchObject({output: 250, ts: Date.parse('2026-03-01T10:00:02Z')});
	});

	it('prefers the non-sidechain line over a /btw sidechain replay under a new requestId, in either order', () => {
		const parent = assistant({usage: usage(10, 20), req: 'req_parent'});
		const replay = assistant({usage: usage(10, 50_000), req: 'req_replay', sidechain: true});
		for (const lines of [[parent, replay], [replay, parent]]) {
			const merged = dedupe(lines);
			expect(merged.length).toBe(1);
			expect(recordAt(merged, 0).cacheRead).toBe(20);
		}
	});

	it('keys by message id alone when the request id is missing; never dedupes lines without a message id', () => {
		const merged = dedupe([
			assistant({id: 'msg_n', req: null, usage: usage(1)}),
			assistant({id: 'msg_n', req: null, usage: usage(5)}),
			assistant({id: null, usage: usage(7)}),
			assistant({id: null, usage: usage(7)}),
		]);
		expect(Array.from({length: merged.length}, (_, i) => recordAt(merged, i).output).sort()).toEqual([5, 7, 7]);
	});

	it('different request ids of two non-sidechain lines are different requests', () => {
		expect(dedupe([assistant({req: 'r1'}), assistant({req: 'r2'})]).length).toBe(2);
	});
});

describe('generated history', () => {
	let dir: string;
	beforeAll(() => {
		dir = tempHome('qt-claude-logs-');
		generateClaudeLogs(dir, {mb: 2, seed: 7});
	});
	afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

	it('scan and JSON.parse agree on every file; subagent transcripts are found', () => {
		const files = listClaudeLogFiles(dir);
		expect(files.some(f => f.includes(`${path.sep}subagents${path.sep}`))).toBe(true);
		expect(files).toEqual([...files].sort());
		let records = 0;
		for (const file of files) records += parseBoth(fs.readFileSync(file, 'utf8')).batch.length;
		expect(records).toBeGreaterThan(100);
	});

	it('prices every known model; the unknown one is reported, not silently $0', () => {
		const batches = listClaudeLogFiles(dir).map(f => parseBoth(fs.readFileSync(f, 'utf8')).batch);
		const priced = priceBatch(mergeBatches(batches));
		for (const model of priced.models) {
			if (model === 'claude-nova-9-preview') continue;
			expect(priced.unpriced).not.toContain(model);
		}
		expect(priced.cost.some(c => c > 0)).toBe(true);
	});

	it('a JSON line parsed alone equals the chunk parse', () => {
		const out = new UsageBuilder();
		parseClaudeJsonLine(assistant({id: 'msg_single'}), out);
		expect(out.length).toBe(1);
	});
});
