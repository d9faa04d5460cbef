// Deterministic generator of realistic Claude Code session logs (`<configDir>/projects/**/*.jsonl`) for
// the local-log benchmark and tests.
//
// What it writes, per the real format (reference/provider-formats.md §5):
// - many projects (`projects/-home-dev-work-<name>/`) and sessions (`<uuid>.jsonl`), bursts of work over
//   `days` days (heavy days, quiet weekends, idle days, overnight gaps that split 5-hour blocks);
// - streaming duplicates: one assistant line per content block (thinking, text, tool_use…), all with the
//   same message.id + requestId, partial output_tokens on the early lines and the final count on the last;
// - user lines with large tool results (file contents, command output), Task results whose
//   `toolUseResult.usage` must NOT be counted, summaries, file-history snapshots, system lines;
// - subagent transcripts (`<session>/subagents/agent-*.jsonl`, isSidechain: true) and /btw-style
//   sidechain replays of a parent message under a new requestId (the parent must win);
// - resumed sessions that copy earlier lines verbatim into a new file (exact duplicates);
// - `<synthetic>` usage-limit lines ("Claude AI usage limit reached|<epoch>"), unknown models, fast mode,
//   1-hour cache writes, long-context (> 200k input) requests;
// - corrupt lines (truncated fragments) in the middle of files and half-written last lines.
//
// It also computes the expected totals itself, from its own ground truth (the winning line of every
// message), not by reading the files: per UTC day and per 5-hour block (ccusage's rule).
//
//   node test/bench/generate-claude-logs.mjs DIR [--mb 200] [--seed 1] [--days 60]
//
// Options: `replays` — false for none, a number for the share of subagent runs that end with a /btw
// replay (default 0.05).
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const HOUR = 3_600_000;
const FIVE_HOURS = 5 * HOUR;
const DAY = 24 * HOUR;
/** The newest activity of a generated history (fixed, so every run is identical). */
export const DEFAULT_END = Date.parse('2026-10-31T20:00:00.000Z');

function mulberry32(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const WORDS = (
	'the a to of and in is that for it with as on this be are from by at or an was not but have you which one all ' +
	'function return const let import export class interface type async await promise error value result config ' +
	'file path string number boolean array object null undefined true false test expect describe render state ' +
	'update index query schema migration database table column row cursor offset buffer stream parse token usage ' +
	'cache model account window reset quota budget report daily block session project agent tool result output'
).split(' ');
const CODE_LINES = [
	'const value = await load("config.json");',
	'if (error instanceof TypeError) throw new Error(`bad input: ${error.message}`);',
	'export function parse(text: string): Result { return JSON.parse(text) as Result; }',
	'for (const [key, entry] of map.entries()) total += entry.tokens;',
	'\treturn {"ok": true, "path": "C:\\\\Users\\\\dev\\\\app", "items": [1, 2, 3]};',
	'SELECT id, size FROM log_files WHERE account = ? ORDER BY path;',
	'  ✓ renders the accounts panel (12 ms) — café naïve 日本語 🚀',
	'diff --git a/source/index.ts b/source/index.ts',
	'@@ -10,7 +10,9 @@ export default function main() {',
	'npm ERR! code ELIFECYCLE\tnpm ERR! errno 1',
];
const MODELS = [
	['claude-opus-4-6', 0.5],
	['claude-sonnet-4-5-20250929', 0.22],
	['claude-sonnet-4-6', 0.12],
	['claude-opus-4-5-20251101', 0.08],
	['claude-haiku-4-5-20251001', 0.08],
];
const SUBAGENT_MODEL = 'claude-haiku-4-5-20251001';
const UNKNOWN_MODEL = 'claude-nova-9-preview';
const TOOLS = ['Read', 'Edit', 'Bash', 'Grep', 'Glob', 'Write', 'TodoWrite', 'WebFetch'];

class Rng {
	constructor(seed) {
		this.next = mulberry32(seed);
	}
	float() {
		return this.next();
	}
	int(min, max) {
		return min + Math.floor(this.next() * (max - min + 1));
	}
	chance(p) {
		return this.next() < p;
	}
	pick(list) {
		return list[Math.floor(this.next() * list.length)];
	}
	weighted(pairs) {
		let r = this.next();
		for (const [value, weight] of pairs) {
			if ((r -= weight) < 0) return value;
		}
		return pairs.at(-1)[0];
	}
	/** Log-normal-ish positive integer around `median`. */
	lognormal(median, spread = 1) {
		const u = Math.max(1e-9, this.next());
		const v = this.next();
		const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
		return Math.max(1, Math.round(median * Math.exp(z * spread)));
	}
	id(length) {
		let s = '';
		for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(this.next() * ALPHABET.length)];
		return s;
	}
	uuid() {
		const hex = () => Math.floor(this.next() * 16).toString(16);
		let s = '';
		for (let i = 0; i < 32; i++) s += hex();
		return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
	}
}

/** A corpus of prose and code; text is taken as slices of it (fast, varied, needs JSON escaping). */
function buildCorpus(rng) {
	const parts = [];
	let size = 0;
	while (size < 400_000) {
		let piece;
		if (rng.chance(0.35)) {
			piece = rng.pick(CODE_LINES) + '\n';
		} else {
			const n = rng.int(6, 24);
			const words = [];
			for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
			piece = words.join(' ') + (rng.chance(0.3) ? '.\n' : '. ');
		}
		parts.push(piece);
		size += piece.length;
	}
	return parts.join('');
}

const isLowSurrogate = code => code >= 0xdc00 && code <= 0xdfff;
const iso = ms => new Date(ms).toISOString();

/** Everything one generation run needs: the PRNG, the corpus, the output and the ground truth. */
class Writer {
	constructor(root, rng) {
		this.root = root;
		this.rng = rng;
		this.corpus = buildCorpus(rng);
		this.bytes = 0;
		this.files = new Set();
		/** Winning line of every counted message: {ts, input, output, cacheCreation, cacheRead, model}. */
		this.truth = [];
		this.usageLimitResets = [];
		this.corruptLines = 0;
		/** Corrupt lines that hold the usage marker (what a reader can tell was a usage record). */
		this.corruptUsageLines = 0;
		this.halfWrittenFiles = 0;
		this.buffers = new Map();
		/** Share of subagent runs that end with a /btw-style replay of a parent message. */
		this.replayRate = 0.05;
		this.replaysWritten = 0;
	}

	text(min, max) {
		const length = this.rng.int(min, max);
		let start = this.rng.int(0, this.corpus.length - length - 2);
		let end = start + length;
		// Never split a surrogate pair: a lone surrogate is not valid UTF-8 (and real logs never hold one).
		if (isLowSurrogate(this.corpus.charCodeAt(start))) start++;
		if (isLowSurrogate(this.corpus.charCodeAt(end))) end++;
		return this.corpus.slice(start, end);
	}

	write(file, line) {
		let buffer = this.buffers.get(file);
		if (!buffer) {
			buffer = [];
			this.buffers.set(file, buffer);
			this.files.add(file);
		}
		buffer.push(line);
		this.bytes += Buffer.byteLength(line) + 1;
	}

	/** Write buffered lines to disk (appending); `halfWritten` leaves a truncated last line without newline. */
	flush(file, {halfWritten = null} = {}) {
		const lines = this.buffers.get(file) ?? [];
		this.buffers.delete(file);
		fs.mkdirSync(path.dirname(file), {recursive: true});
		let text = lines.length > 0 ? lines.join('\n') + '\n' : '';
		if (halfWritten) text += halfWritten;
		fs.appendFileSync(file, text);
	}
}

function usageObject(u) {
	return {
		input_tokens: u.input,
		cache_creation_input_tokens: u.cc5m + u.cc1h,
		cache_read_input_tokens: u.cacheRead,
		cache_creation: {ephemeral_5m_input_tokens: u.cc5m, ephemeral_1h_input_tokens: u.cc1h},
		output_tokens: u.output,
		service_tier: 'standard',
		...(u.fast ? {speed: 'fast'} : {}),
	};
}

/** One session file (and its subagent files) being written. */
class Session {
	constructor(w, project, startMs, options = {}) {
		this.w = w;
		this.project = project;
		this.id = w.rng.uuid();
		this.file = path.join(project.dir, `${this.id}.jsonl`);
		this.t = startMs;
		this.parent = null;
		this.model = options.model ?? w.rng.weighted(MODELS);
		this.oneHourCache = w.rng.chance(0.3);
		this.context = w.rng.int(8_000, 25_000);
		this.version = w.rng.pick(['2.0.76', '2.1.14', '2.1.63', '2.1.80']);
		this.branch = w.rng.pick(['main', 'HEAD', 'feat/logs', 'fix/cursor']);
		/** Recent assistant lines (for /btw replays and resumed copies). */
		this.recent = [];
		this.agents = 0;
	}

	common(sidechain, extra = {}) {
		const uuid = this.w.rng.uuid();
		const line = {
			parentUuid: this.parent,
			isSidechain: sidechain,
			userType: 'external',
			cwd: this.project.cwd,
			sessionId: this.id,
			version: this.version,
			gitBranch: this.branch,
			...extra,
		};
		this.parent = uuid;
		return {line, uuid};
	}

	tick(minMs, maxMs) {
		this.t += this.w.rng.int(minMs, maxMs);
		return this.t;
	}

	userPrompt(file = this.file, sidechain = false) {
		const {line, uuid} = this.common(sidechain);
		Object.assign(line, {type: 'user', message: {role: 'user', content: this.w.text(20, 600)}, uuid, timestamp: iso(this.tick(2_000, 90_000))});
		this.w.write(file, JSON.stringify(line));
	}

	/** One API response: one line per content block, same ids, partial output on all but the last. */
	assistant({file = this.file, sidechain = false, model = this.model, agentId} = {}) {
		const rng = this.w.rng;
		const messageId = `msg_01${rng.id(22)}`;
		const requestId = `req_011C${rng.id(20)}`;
		const fast = model === 'claude-opus-4-6' && rng.chance(0.01);
		const unknown = rng.chance(0.002);
		const finalModel = unknown ? UNKNOWN_MODEL : model;
		const created = rng.int(50, rng.chance(0.1) ? 30_000 : 4_000);
		const longContext = finalModel.startsWith('claude-sonnet-4-5') && rng.chance(0.04);
		this.context = longContext ? rng.int(205_000, 420_000) : Math.min(190_000, this.context + created);
		const usage = {
			input: rng.int(1, 40) + (rng.chance(0.05) ? rng.int(1_000, 20_000) : 0),
			cc5m: this.oneHourCache ? 0 : created,
			cc1h: this.oneHourCache ? created : 0,
			cacheRead: this.context,
			output: rng.lognormal(350, 1.1),
			fast,
		};
		const blocks = [];
		if (rng.chance(0.6)) blocks.push({type: 'thinking', thinking: this.w.text(100, 2_000), signature: rng.id(rng.int(200, 900))});
		if (rng.chance(0.7)) blocks.push({type: 'text', text: this.w.text(30, 1_500)});
		const tools = rng.chance(0.75) ? rng.int(1, 3) : 0;
		for (let i = 0; i < tools; i++) {
			const name = rng.pick(TOOLS);
			blocks.push({type: 'tool_use', id: `toolu_01${rng.id(22)}`, name, input: name === 'Edit' || name === 'Write'
				? {file_path: `${this.project.cwd}/source/${rng.pick(WORDS)}.ts`, old_string: this.w.text(20, 800), new_string: this.w.text(20, 1_500)}
				: name === 'Bash' ? {command: `npm test -- ${rng.pick(WORDS)}`, description: this.w.text(10, 60)} : {pattern: rng.pick(WORDS), path: this.project.cwd}});
		}
		if (blocks.length === 0) blocks.push({type: 'text', text: this.w.text(5, 200)});
		let winner;
		for (const [index, block] of blocks.entries()) {
			const last = index === blocks.length - 1;
			const output = last ? usage.output : Math.min(usage.output - 1, rng.int(1, 12) * (index + 1));
			const lineUsage = {...usage, output: Math.max(0, output)};
			const {line, uuid} = this.common(sidechain, agentId ? {agentId} : {});
			line.message = {
				model: finalModel, id: messageId, type: 'message', role: 'assistant', content: [block],
				stop_reason: last && tools === 0 ? 'end_turn' : null, stop_sequence: null, usage: usageObject(lineUsage),
			};
			line.requestId = requestId;
			line.type = 'assistant';
			line.uuid = uuid;
			line.timestamp = iso(this.tick(200, 4_000));
			const text = JSON.stringify(line);
			this.w.write(file, text);
			winner = {ts: this.t, input: lineUsage.input, output: lineUsage.output, cacheCreation: lineUsage.cc5m + lineUsage.cc1h, cacheRead: lineUsage.cacheRead, model: fast ? `${finalModel}-fast` : finalModel, text};
		}
		this.w.truth.push(winner);
		if (!sidechain) {
			this.recent.push({messageId, text: winner.text, usage, model: finalModel});
			if (this.recent.length > 8) this.recent.shift();
		}
		return {tools: blocks.filter(b => b.type === 'tool_use'), usage, messageId};
	}

	toolResult(tool, file = this.file, sidechain = false, extra = {}) {
		const {line, uuid} = this.common(sidechain);
		const big = this.w.rng.chance(0.1);
		const content = this.w.text(big ? 5_000 : 100, big ? 25_000 : 3_000);
		Object.assign(line, {
			type: 'user',
			message: {role: 'user', content: [{tool_use_id: tool.id, type: 'tool_result', content}]},
			uuid,
			timestamp: iso(this.tick(300, 20_000)),
			toolUseResult: {stdout: content.slice(0, 400), stderr: '', interrupted: false, isImage: false, ...extra},
		});
		this.w.write(file, JSON.stringify(line));
	}

	/** A Task tool: a subagent transcript in `<session>/subagents/`, and a result carrying `usage` (not to be counted). */
	subagent(tool) {
		const rng = this.w.rng;
		const agentId = rng.id(8).toLowerCase();
		const file = path.join(this.project.dir, this.id, 'subagents', `agent-${agentId}.jsonl`);
		const savedParent = this.parent;
		this.parent = null;
		const savedContext = this.context;
		this.context = rng.int(5_000, 15_000);
		this.userPrompt(file, true);
		const steps = rng.int(2, 8);
		let output = 0;
		for (let i = 0; i < steps; i++) {
			const {tools, usage} = this.assistant({file, sidechain: true, model: rng.chance(0.7) ? SUBAGENT_MODEL : this.model, agentId});
			output += usage.output;
			for (const t of tools) this.toolResult(t, file, true);
		}
		// /btw-style replay: a sidechain line repeating a parent message under a new requestId.
		if (this.recent.length > 0 && rng.chance(this.w.replayRate)) {
			const replay = JSON.parse(rng.pick(this.recent).text);
			replay.isSidechain = true;
			replay.requestId = `req_011C${rng.id(20)}`;
			replay.message.usage.cache_read_input_tokens += rng.int(1_000, 50_000);
			replay.timestamp = iso(this.tick(100, 2_000));
			this.w.write(file, JSON.stringify(replay));
			this.w.replaysWritten++;
		}
		this.w.flush(file);
		this.agents++;
		this.parent = savedParent;
		this.context = savedContext;
		this.toolResult(tool, this.file, false, {
			status: 'completed', agentId, totalDurationMs: rng.int(5_000, 300_000), totalTokens: output * 20, totalToolUseCount: steps,
			usage: {input_tokens: rng.int(1, 50), cache_creation_input_tokens: rng.int(100, 5_000), cache_read_input_tokens: rng.int(1_000, 90_000), output_tokens: output, service_tier: 'standard'},
		});
	}

	extraLine() {
		const rng = this.w.rng;
		const kind = rng.int(0, 2);
		if (kind === 0) this.w.write(this.file, JSON.stringify({type: 'summary', summary: this.w.text(20, 120), leafUuid: rng.uuid()}));
		else if (kind === 1) this.w.write(this.file, JSON.stringify({type: 'file-history-snapshot', messageId: rng.uuid(), snapshot: {messageId: rng.uuid(), trackedFileBackups: {}, timestamp: iso(this.t)}, isSnapshotUpdate: false}));
		else {
			const {line, uuid} = this.common(false);
			Object.assign(line, {type: 'system', subtype: 'local_command', content: this.w.text(10, 200), level: 'info', timestamp: iso(this.t), uuid, isMeta: false});
			this.w.write(this.file, JSON.stringify(line));
		}
	}

	/** The API refused with a usage limit: a `<synthetic>` error line (zero usage) carrying the reset epoch. */
	usageLimit() {
		const {line, uuid} = this.common(false);
		const reset = Math.ceil((this.t + this.w.rng.int(10, 280) * 60_000) / HOUR) * HOUR;
		Object.assign(line, {
			message: {id: `msg_01${this.w.rng.id(22)}`, model: '<synthetic>', role: 'assistant', stop_reason: 'stop_sequence', stop_sequence: '', type: 'message',
				usage: {input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, server_tool_use: {web_search_requests: 0}, service_tier: null},
				content: [{type: 'text', text: `Claude AI usage limit reached|${Math.floor(reset / 1000)}`}]},
			type: 'assistant', uuid, timestamp: iso(this.tick(500, 3_000)), isApiErrorMessage: true,
		});
		this.w.write(this.file, JSON.stringify(line));
		this.w.usageLimitResets.push(reset);
	}

	/** A crash left a truncated fragment of a line before the next write (the fragment is a corrupt line). */
	corruptFragment() {
		const source = this.recent.at(-1)?.text ?? JSON.stringify({type: 'user', message: {role: 'user', content: this.w.text(200, 400)}});
		// Claude Code writes usage near the end of a line: most crashes cut a line after it started.
		const marker = source.indexOf('"usage":{');
		const afterUsage = marker > 0 && this.w.rng.chance(0.6);
		const cut = afterUsage ? this.w.rng.int(marker + 10, source.length - 5) : this.w.rng.int(Math.floor(source.length * 0.3), source.length - 5);
		const fragment = source.slice(0, cut);
		this.w.write(this.file, fragment);
		this.w.corruptLines++;
		if (fragment.includes('"usage":{')) this.w.corruptUsageLines++;
	}

	/** One user turn: a prompt, then assistant messages and tool results until the model stops. */
	turn() {
		const rng = this.w.rng;
		this.userPrompt();
		const steps = rng.lognormal(4, 0.7);
		for (let i = 0; i < Math.min(steps, 30); i++) {
			const {tools} = this.assistant();
			if (tools.length === 0) break;
			for (const tool of tools) {
				if (tool.name === 'TodoWrite' && rng.chance(0.25)) this.subagent(tool);
				else this.toolResult(tool);
			}
			if (rng.chance(0.01)) this.usageLimit();
			if (rng.chance(0.004)) this.corruptFragment();
			if (rng.chance(0.03)) this.extraLine();
		}
	}
}

/** Per-day weights over `days` days: quiet weekends, idle days, heavy bursts. */
function dayWeights(rng, days, endMs) {
	const weights = [];
	for (let d = 0; d < days; d++) {
		const dayStart = endMs - (days - d) * DAY;
		const weekday = new Date(dayStart).getUTCDay();
		let weight = weekday === 0 || weekday === 6 ? 0.3 : 1;
		if (rng.chance(0.12)) weight = 0;
		if (rng.chance(0.15)) weight *= 3.5;
		weights.push(weight);
	}
	const sum = weights.reduce((a, b) => a + b, 0) || 1;
	return weights.map(w => w / sum);
}

/** ccusage's 5-hour blocks over the ground truth (entries sorted by time); gaps omitted. */
export function expectedBlocks(truth) {
	const sorted = [...truth].sort((a, b) => a.ts - b.ts);
	const blocks = [];
	let current = null;
	for (const e of sorted) {
		if (current) {
			const last = current.lastTs;
			if (e.ts - current.start > FIVE_HOURS || e.ts - last > FIVE_HOURS) current = null;
		}
		if (!current) {
			current = {start: Math.floor(e.ts / HOUR) * HOUR, lastTs: e.ts, entries: 0, inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0};
			blocks.push(current);
		}
		current.lastTs = e.ts;
		current.entries++;
		current.inputTokens += e.input;
		current.outputTokens += e.output;
		current.cacheCreationInputTokens += e.cacheCreation;
		current.cacheReadInputTokens += e.cacheRead;
	}
	return blocks.map(b => ({
		startTime: iso(b.start),
		actualEndTime: iso(b.lastTs),
		entries: b.entries,
		tokenCounts: {inputTokens: b.inputTokens, outputTokens: b.outputTokens, cacheCreationInputTokens: b.cacheCreationInputTokens, cacheReadInputTokens: b.cacheReadInputTokens},
		totalTokens: b.inputTokens + b.outputTokens + b.cacheCreationInputTokens + b.cacheReadInputTokens,
	}));
}

/** Per UTC day totals over the ground truth. */
export function expectedDaily(truth) {
	const days = new Map();
	for (const e of truth) {
		const date = iso(e.ts).slice(0, 10);
		let d = days.get(date);
		if (!d) days.set(date, (d = {date, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, models: new Set()}));
		d.inputTokens += e.input;
		d.outputTokens += e.output;
		d.cacheCreationTokens += e.cacheCreation;
		d.cacheReadTokens += e.cacheRead;
		d.totalTokens += e.input + e.output + e.cacheCreation + e.cacheRead;
		d.models.add(e.model);
	}
	return [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).map(d => ({...d, models: [...d.models].sort()}));
}

/**
 * Generate about `mb` megabytes of Claude logs under `root/projects/`. Returns what was written and the
 * expected totals. Deterministic for a given (seed, mb, days, end).
 */
export function generateClaudeLogs(root, {mb = 200, seed = 1, days = 60, end = DEFAULT_END, replays = true} = {}) {
	const rng = new Rng(seed);
	const w = new Writer(root, rng);
	w.replayRate = replays === false ? 0 : typeof replays === 'number' ? replays : 0.05;
	const target = mb * 1024 * 1024;
	const projectCount = Math.max(3, Math.min(80, Math.round(mb / 5)));
	const projects = [];
	for (let i = 0; i < projectCount; i++) {
		const name = `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${i}`;
		const cwd = `/home/dev/work/${name}`;
		projects.push({cwd, dir: path.join(root, 'projects', cwd.replaceAll('/', '-')), sessions: [], weight: 1 / (i + 1)});
	}
	const projectWeights = projects.map(p => [p, p.weight]);
	const totalWeight = projects.reduce((a, p) => a + p.weight, 0);
	for (const pair of projectWeights) pair[1] /= totalWeight;
	const weights = dayWeights(rng, days, end).map((wt, d) => [d, wt]);
	const firstDay = end - days * DAY;

	// Sessions are generated in time order per burst so the history reads like real work.
	const sessionCount = Math.max(20, Math.min(3_000, Math.round(target / 400_000)));
	const turnsMedian = Math.max(2, Math.round(target / sessionCount / 35_000));
	const sessionStarts = [];
	while (sessionStarts.length < sessionCount) {
		const day = rng.weighted(weights);
		const hour = Math.min(23, Math.max(0, Math.round(13 + (rng.float() - 0.5) * 14)));
		sessionStarts.push(firstDay + day * DAY + hour * HOUR + rng.int(0, 59) * 60_000);
	}
	sessionStarts.sort((a, b) => a - b);

	let index = 0;
	while (w.bytes < target) {
		const start = sessionStarts[index % sessionStarts.length] + Math.floor(index / sessionStarts.length) * 7 * 60_000;
		index++;
		const project = rng.weighted(projectWeights);
		const session = new Session(w, project, start);
		// A resumed session starts with a verbatim copy of earlier lines (exact duplicates).
		const previous = project.sessions.at(-1);
		if (previous && rng.chance(0.15)) {
			for (const line of previous.recent.slice(-3)) w.write(session.file, line.text);
		}
		const turns = rng.lognormal(turnsMedian, 0.9);
		for (let t = 0; t < Math.min(turns, 200) && w.bytes < target; t++) {
			session.turn();
			if (rng.chance(0.08)) session.tick(2 * HOUR, 7 * HOUR); // a long pause: often a new 5-hour block
			else session.tick(60_000, 20 * 60_000);
			if (session.t > end) break;
		}
		// A few files end with a half-written line (a message that never finished): not counted.
		let halfWritten = null;
		if (rng.chance(0.02)) {
			const {line} = session.common(false);
			line.message = {model: session.model, id: `msg_01${rng.id(22)}`, type: 'message', role: 'assistant', content: [{type: 'text', text: w.text(50, 400)}],
				usage: {input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 50}};
			const text = JSON.stringify({...line, requestId: `req_011C${rng.id(20)}`, type: 'assistant', timestamp: iso(session.t)});
			halfWritten = text.slice(0, rng.int(40, text.length - 2));
			w.halfWrittenFiles++;
		}
		w.flush(session.file, {halfWritten});
		project.sessions.push(session);
	}
	return summary(w);
}

function summary(w) {
	let bytes = 0;
	for (const file of w.files) bytes += fs.statSync(file).size;
	return {
		files: [...w.files],
		bytes,
		entries: w.truth.length,
		corruptLines: w.corruptLines,
		corruptUsageLines: w.corruptUsageLines,
		replays: w.replaysWritten,
		halfWrittenFiles: w.halfWrittenFiles,
		usageLimitResets: w.usageLimitResets,
		daily: expectedDaily(w.truth),
		blocks: expectedBlocks(w.truth),
		truth: w.truth,
	};
}

/**
 * Append about `mb` megabytes of new activity to an existing history: continues the newest sessions of a
 * few projects after `after` (ms). Returns the ground truth of what was appended.
 */
export function appendClaudeLogs(root, {mb = 1, seed = 2, after = DEFAULT_END} = {}) {
	const rng = new Rng(seed);
	const w = new Writer(root, rng);
	const target = mb * 1024 * 1024;
	const projectsDir = path.join(root, 'projects');
	const slugs = fs.readdirSync(projectsDir).sort();
	let t = after + 10 * 60_000;
	let k = 0;
	while (w.bytes < target) {
		const slug = slugs[k++ % slugs.length];
		const dir = path.join(projectsDir, slug);
		const files = fs.readdirSync(dir).filter(f => f.endsWith('.jsonl')).sort();
		const project = {cwd: `/${slug.slice(1).replaceAll('-', '/')}`, dir, sessions: []};
		const session = new Session(w, project, t);
		if (files.length > 0) {
			session.id = files[k % files.length].replace(/\.jsonl$/, '');
			session.file = path.join(dir, `${session.id}.jsonl`);
			// The existing file may end with a half-written line: start on a fresh line as Claude Code would after a crash.
			const content = fs.readFileSync(session.file);
			if (content.length > 0 && content[content.length - 1] !== 0x0a) fs.appendFileSync(session.file, '\n');
		}
		session.turn();
		t = session.t + 60_000;
		w.flush(session.file);
	}
	return {...summary(w), bytes: w.bytes};
}

async function cli() {
	const args = process.argv.slice(2);
	const dir = args.find(a => !a.startsWith('--'));
	const flag = (name, fallback) => {
		const i = args.indexOf(`--${name}`);
		return i >= 0 ? Number(args[i + 1]) : fallback;
	};
	if (!dir) {
		console.error('usage: node test/bench/generate-claude-logs.mjs DIR [--mb 200] [--seed 1] [--days 60]');
		process.exit(2);
	}
	const started = Date.now();
	const result = generateClaudeLogs(path.resolve(dir), {mb: flag('mb', 200), seed: flag('seed', 1), days: flag('days', 60)});
	console.log(`${result.files.length} files, ${(result.bytes / 1048576).toFixed(1)} MiB, ${result.entries} messages, ${result.daily.length} days, ${result.blocks.length} blocks, ${result.corruptLines} corrupt lines, ${result.halfWrittenFiles} half-written files (${Date.now() - started} ms)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	await cli();
}
