import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {recordAt, type UsageBatch} from '../../source/engine/usage.js';
import {emptyStats, parseCodexChunk, initialCodexState, listCodexLogFiles} from '../../source/providers/logs/codex-logs.js';
import {dealBySize, readCold} from '../../source/providers/logs/parallel.js';
import {refreshFile, type FileState, type LogKind, type StatLike} from '../../source/providers/logs/reader.js';
import {UsageBuilder} from '../../source/engine/usage.js';
import {tempHome} from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
	dir = tempHome('qt-reader-');
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const statOf = (file: string): StatLike => {
	const s = fs.statSync(file);
	return {size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev};
};

let seq = 0;
function line(output: number, id = `msg_${++seq}`, ts = '2026-03-01T10:00:00.000Z'): string {
	return JSON.stringify({type: 'assistant', sessionId: 's', requestId: `req_${id}`, timestamp: ts, message: {id, model: 'claude-sonnet-4-6', content: [{type: 'text', text: 'x'.repeat(200)}], usage: {input_tokens: 1, output_tokens: output}}}) + '\n';
}

const outputs = (b: UsageBatch) => Array.from({length: b.length}, (_, i) => recordAt(b, i).output);

function refresh(file: string, prev: FileState | undefined, kind: LogKind = 'claude') {
	return refreshFile(file, kind, prev, statOf(file));
}

describe('incremental reading of one file', () => {
	it('reads a new file, then nothing while it is unchanged, then only the appended bytes', () => {
		const file = path.join(dir, 's.jsonl');
		fs.writeFileSync(file, line(10) + line(20));
		const first = refresh(file, undefined);
		expect(first.action).toBe('new');
		expect(first.bytesRead).toBe(fs.statSync(file).size);
		expect(outputs(first.state.batch)).toEqual([10, 20]);

		const again = refresh(file, first.state);
		expect(again).toMatchObject({action: 'unchanged', bytesRead: 0});

		const appended = line(30);
		fs.appendFileSync(file, appended);
		const third = refresh(file, again.state);
		expect(third.action).toBe('appended');
		expect(third.bytesRead).toBe(Buffer.byteLength(appended));
		expect(outputs(third.state.batch)).toEqual([10, 20, 30]);
		expect(third.state.offset).toBe(fs.statSync(file).size);
	});

	it('a streaming duplicate completed in the appended part replaces the partial record (within-file dedupe)', () => {
		const file = path.join(dir, 's.jsonl');
		fs.writeFileSync(file, line(1, 'msg_stream'));
		const first = refresh(file, undefined);
		fs.appendFileSync(file, line(300, 'msg_stream'));
		const second = refresh(file, first.state);
		expect(outputs(second.state.batch)).toEqual([300]);
	});

	it('a half-written last line is not consumed; once finished it is read (and only its bytes are read again)', () => {
		const file = path.join(dir, 's.jsonl');
		const full = line(42, 'msg_half');
		fs.writeFileSync(file, line(5) + full.slice(0, 80));
		const first = refresh(file, undefined);
		expect(outputs(first.state.batch)).toEqual([5]);
		expect(first.state.pending).toBe(80);
		fs.appendFileSync(file, full.slice(80));
		const second = refresh(file, first.state);
		expect(outputs(second.state.batch)).toEqual([5, 42]);
		expect(second.state.pending).toBe(0);
		expect(second.bytesRead).toBe(Buffer.byteLength(full));
	});

	it('re-reads a file that shrank, and one rewritten in place with different first bytes', () => {
		const file = path.join(dir, 's.jsonl');
		fs.writeFileSync(file, line(1) + line(2) + line(3));
		const first = refresh(file, undefined);
		fs.writeFileSync(file, line(4));
		const shrunk = refresh(file, first.state);
		expect(shrunk.action).toBe('reread');
		expect(shrunk.reason).toMatch(/shrank/);
		expect(outputs(shrunk.state.batch)).toEqual([4]);

		// Same inode, longer, other content at the start (truncated and rewritten).
		const fd = fs.openSync(file, 'r+');
		fs.writeSync(fd, line(7) + line(8) + line(9), 0);
		fs.closeSync(fd);
		const rewritten = refresh(file, shrunk.state);
		expect(rewritten.action).toBe('reread');
		expect(rewritten.reason).toMatch(/first bytes/);
		expect(outputs(rewritten.state.batch)).toEqual([7, 8, 9]);
	});

	it('re-reads a file replaced by another (new inode)', () => {
		const file = path.join(dir, 's.jsonl');
		fs.writeFileSync(file, line(1));
		const first = refresh(file, undefined);
		const other = path.join(dir, 'other.tmp');
		fs.writeFileSync(other, line(1) + line(2));
		fs.renameSync(other, file);
		const second = refresh(file, first.state);
		expect(second.action).toBe('reread');
		expect(second.reason).toMatch(/inode/);
		expect(outputs(second.state.batch)).toEqual([1, 2]);
	});

	it('reads a file larger than the read buffer with lines longer than it, across chunk boundaries', () => {
		const file = path.join(dir, 'big.jsonl');
		const huge = JSON.stringify({type: 'user', message: {role: 'user', content: 'y'.repeat(9 * 1024 * 1024)}});
		const parts: string[] = [];
		for (let i = 0; i < 3000; i++) parts.push(line(i + 1));
		fs.writeFileSync(file, parts.slice(0, 1500).join('') + huge + '\n' + parts.slice(1500).join(''));
		const first = refresh(file, undefined);
		expect(first.state.batch.length).toBe(3000);
		expect(first.state.corrupt).toBe(0);
		expect(outputs(first.state.batch).reduce((a, b) => a + b, 0)).toBe((3000 * 3001) / 2);
	});
});

describe('cold reads in parallel', () => {
	it('deals files to lanes by size and returns the same results as reading them here', async () => {
		const jobs = [];
		for (let i = 0; i < 6; i++) {
			const file = path.join(dir, `f${i}.jsonl`);
			fs.writeFileSync(file, Array.from({length: i + 1}, (_, k) => line(k + 1)).join(''));
			jobs.push({path: file, kind: 'claude' as const, stat: statOf(file), size: statOf(file).size});
		}
		const lanes = dealBySize(jobs, 2);
		expect(lanes.flat().length).toBe(6);
		const load = lanes.map(lane => lane.reduce((sum, job) => sum + job.size, 0));
		expect(Math.abs(load[0]! - load[1]!)).toBeLessThanOrEqual(Math.max(...jobs.map(j => j.size)));
		const results = await readCold(jobs, 2, 'scan');
		expect(results.map(r => r.outcome?.state.batch.length)).toEqual([1, 2, 3, 4, 5, 6]);
	});
});

describe('Codex rollout logs', () => {
	const event = (ts: string, total: number[] | null, last: number[] | null) => JSON.stringify({
		timestamp: ts,
		type: 'event_msg',
		payload: {
			type: 'token_count',
			info: total || last ? {
				...(total ? {total_token_usage: {input_tokens: total[0], cached_input_tokens: total[1], output_tokens: total[2], reasoning_output_tokens: total[3], total_tokens: total[0]! + total[2]!}} : {}),
				...(last ? {last_token_usage: {input_tokens: last[0], cached_input_tokens: last[1], output_tokens: last[2], reasoning_output_tokens: last[3], total_tokens: last[0]! + last[2]!}} : {}),
			} : null,
			rate_limits: null,
		},
	});
	const context = (model: string) => JSON.stringify({timestamp: '2026-03-01T09:00:00Z', type: 'turn_context', payload: {cwd: '/w', model}});

	it('takes last_token_usage per turn, deltas of totals when it is missing, the model from turn_context; skips repeats and empty turns', () => {
		const text = [
			JSON.stringify({timestamp: '2026-03-01T09:00:00Z', type: 'session_meta', payload: {id: 'x'}}),
			context('gpt-5.1-codex'),
			event('2026-03-01T09:01:00Z', [1000, 200, 50, 10], [1000, 200, 50, 10]),
			event('2026-03-01T09:01:00Z', [1000, 200, 50, 10], [1000, 200, 50, 10]), // the same event again
			event('2026-03-01T09:02:00Z', null, null), // rate limits only
			context('gpt-5.2-codex'),
			event('2026-03-01T09:03:00Z', [2500, 1200, 90, 20], null), // no last: delta of totals
			'{"timestamp":"2026-03-01T09:04:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_tok',
		].join('\n') + '\n';
		const buf = Buffer.from(text);
		const out = new UsageBuilder();
		const stats = emptyStats();
		const state = initialCodexState();
		parseCodexChunk(buf, 0, buf.length, 0, state, out, stats);
		expect(out.length).toBe(2);
		expect(recordAt(out, 0)).toMatchObject({input: 800, cacheRead: 200, output: 50, model: 'gpt-5.1-codex'});
		expect(recordAt(out, 1)).toMatchObject({input: 500, cacheRead: 1000, output: 40, model: 'gpt-5.2-codex'});
		expect(stats.corrupt).toBe(1);
		expect(state.model).toBe('gpt-5.2-codex');
	});

	it('keeps the model and totals across appended reads of the same file', () => {
		const file = path.join(dir, 'sessions', '2026', '03', '01', 'rollout-2026-03-01T09-00-00-abc.jsonl');
		fs.mkdirSync(path.dirname(file), {recursive: true});
		fs.writeFileSync(file, [context('gpt-5.2'), event('2026-03-01T09:01:00Z', [100, 0, 10, 0], null)].join('\n') + '\n');
		expect(listCodexLogFiles(dir)).toEqual([file]);
		const first = refresh(file, undefined, 'codex');
		fs.appendFileSync(file, event('2026-03-01T09:05:00Z', [300, 50, 30, 0], null) + '\n');
		const second = refresh(file, first.state, 'codex');
		const b = second.state.batch;
		expect(b.length).toBe(2);
		expect(recordAt(b, 1)).toMatchObject({input: 150, cacheRead: 50, output: 20, model: 'gpt-5.2'});
	});
});
