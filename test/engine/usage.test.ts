import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {createPriceBook, normalizeModel, PRICE_TABLE_DATE, requestCost} from '../../source/engine/pricing.js';
import {
	dailyReport,
	F64Map,
	FLAG_FAST,
	identifyBlocks,
	mergeBatches,
	minuteSeries,
	openBlockStart,
	priceBatch,
	seriesBetween,
	sumBetween,
	UsageBuilder,
	type UsageRecord,
} from '../../source/engine/usage.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T10:20:00Z');
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let n = 0;
function rec(ts: number, tokens: Partial<UsageRecord> = {}): UsageRecord {
	n++;
	return {offset: n, ts, input: 10, output: 100, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, key: n, mkey: n, model: 'claude-opus-4-6', flags: 0, ...tokens};
}

function batchOf(records: UsageRecord[]) {
	const b = new UsageBuilder();
	for (const r of records) b.push(r);
	return priceBatch(b);
}

describe('pricing', () => {
	it('is dated and prices Opus 4.6 with the cache tiers (5 min 1.25×, 1 h 2×, read 0.1×)', () => {
		expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		const price = createPriceBook().resolve('claude-opus-4-6')!.price;
		// 1M of each class: 5 + 25 + 6.25 + 10 + 0.5
		expect(requestCost(price, {input: 1e6, output: 1e6, cacheWrite5m: 1e6, cacheWrite1h: 1e6, cacheRead: 1e6})).toBeCloseTo(46.75, 6);
	});

	it('bills a whole Sonnet 4.5 request above 200k prompt tokens at the long-context rates', () => {
		const price = createPriceBook().resolve('claude-sonnet-4-5-20250929')!.price;
		const small = requestCost(price, {input: 1000, output: 1000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 199_000});
		const large = requestCost(price, {input: 1000, output: 1000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 200_000});
		expect(small).toBeCloseTo((1000 * 3 + 1000 * 15 + 199_000 * 0.3) / 1e6, 9);
		expect(large).toBeCloseTo((1000 * 6 + 1000 * 22.5 + 200_000 * 0.6) / 1e6, 9);
	});

	it('normalizes routing prefixes, dates and the fast suffix; unknown models resolve to nothing', () => {
		const book = createPriceBook();
		for (const id of ['anthropic/claude-opus-4-6', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-opus-4-1@20250805', 'openai/gpt-5-codex', 'gpt-5-2025-08-07', 'claude-opus-4-6-fast']) {
			expect(book.resolve(id), id).toBeDefined();
		}
		expect(normalizeModel('Claude-Opus-4-6-FAST')).toBe('claude-opus-4-6');
		expect(book.resolve('claude-nova-9-preview')).toBeUndefined();
	});

	it('config overrides win and fill cache rates from the input rate', () => {
		const book = createPriceBook({'claude-nova-9-preview': {input: 2, output: 8}, 'claude-opus-4-6': {input: 1, output: 1, cacheRead: 0}});
		const nova = book.resolve('claude-nova-9-preview-20270101')!;
		expect(nova.source).toBe('config');
		expect(nova.price).toMatchObject({cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2});
		expect(book.resolve('claude-opus-4-6')!.price.cacheRead).toBe(0);
	});

	it('fast requests use the model multiplier; unknown models cost 0 here but are listed', () => {
		const b = batchOf([rec(T0, {flags: FLAG_FAST}), rec(T0, {model: 'mystery-model'})]);
		expect(b.cost[0]).toBeCloseTo(6 * (10 * 5 + 100 * 25) / 1e6, 9);
		expect(b.cost[1]).toBe(0);
		expect(b.unpriced).toEqual(['mystery-model']);
	});
});

describe('5-hour blocks (ccusage rule)', () => {
	it('opens a block at the hour of its first request, splits after 5 h from the start or 5 h of silence, and shows gaps', () => {
		const b = batchOf([rec(T0), rec(T0 + 4.5 * H), rec(T0 + 5 * H), rec(T0 + 5.2 * H), rec(T0 + 11 * H)]);
		const blocks = identifyBlocks(b, {now: T0 + 100 * H});
		// 10:20 and 14:50 share the 10:00 block; 15:20 is more than 5 h after 10:00 and opens 15:00;
		// 21:20 comes 5 h 48 min after 15:32: a gap from 20:32, then the 21:00 block.
		expect(blocks.map(x => [x.id, x.entries, x.isGap])).toEqual([
			['2026-03-01T10:00:00.000Z', 2, false],
			['2026-03-01T15:00:00.000Z', 2, false],
			['gap-2026-03-01T20:32:00.000Z', 0, true],
			['2026-03-01T21:00:00.000Z', 1, false],
		]);
		expect(blocks[0]!.endTime).toBe('2026-03-01T15:00:00.000Z');
		expect(blocks[0]!.actualEndTime).toBe(new Date(T0 + 4.5 * H).toISOString());
		expect(blocks[2]!.endTime).toBe(new Date(T0 + 11 * H).toISOString());
	});

	it('lists blocks by start, as ccusage does: a gap opening after the next block’s hour comes after it', () => {
		const last = Date.parse('2026-03-01T14:41:27Z');
		const next = Date.parse('2026-03-01T19:50:00Z'); // 5 h 08 min later: a gap from 19:41:27
		const blocks = identifyBlocks(batchOf([rec(last), rec(next)]), {now: next + 100 * H});
		expect(blocks.map(b => b.id)).toEqual(['2026-03-01T14:00:00.000Z', '2026-03-01T19:00:00.000Z', 'gap-2026-03-01T19:41:27.000Z']);
	});

	it('an active block has ccusage burn rate and projection; inactive ones do not', () => {
		const b = batchOf([rec(T0), rec(T0 + 30 * 60_000)]);
		const [block] = identifyBlocks(b, {now: T0 + H});
		expect(block!.isActive).toBe(true);
		expect(block!.burnRate!.tokensPerMinute).toBeCloseTo(220 / 30, 9);
		expect(block!.burnRate!.tokensPerMinuteForIndicator).toBeCloseTo(220 / 30, 9);
		expect(block!.projection!.remainingMinutes).toBe(Math.round((Date.parse(block!.endTime) - (T0 + H)) / 60_000));
		expect(block!.projection!.totalTokens).toBe(Math.round(220 + (220 / 30) * block!.projection!.remainingMinutes));
		const [old] = identifyBlocks(b, {now: T0 + 10 * H});
		expect(old!.isActive).toBe(false);
		expect(old!.burnRate).toBeNull();
	});

	it('marks the block of a usage-limit marker', () => {
		const b = batchOf([rec(T0)]);
		const [block] = identifyBlocks(b, {now: T0 + 10 * H, resets: [[T0 + 60_000, T0 + 3 * H]]});
		expect(block!.usageLimitResetTime).toBe(new Date(T0 + 3 * H).toISOString());
	});

	it('property: blocks partition the records and never exceed 5 h from their start', () => {
		fc.assert(fc.property(fc.array(fc.integer({min: 0, max: 72 * 60}), {minLength: 1, maxLength: 60}), minutes => {
			const b = batchOf(minutes.map(m => rec(T0 + m * 60_000)));
			const blocks = identifyBlocks(b, {now: T0 + 1000 * H}).filter(x => !x.isGap);
			expect(blocks.reduce((s, x) => s + x.entries, 0)).toBe(minutes.length);
			for (const block of blocks) {
				expect(Date.parse(block.actualEndTime!) - Date.parse(block.startTime)).toBeLessThanOrEqual(5 * H);
				expect(Date.parse(block.startTime) % H).toBe(0);
			}
		}));
	});
});

describe('daily report', () => {
	it('groups by local date with per-model breakdowns (highest cost first) and ccusage totals', () => {
		const b = batchOf([rec(T0), rec(T0 + 20 * H, {model: 'claude-haiku-4-5-20251001'}), rec(T0 + 20 * H), rec(T0 + 20 * H, {model: 'unknown-x'})]);
		const {daily, totals} = dailyReport([b], {dateOf: utcDate});
		expect(daily.map(d => d.date)).toEqual(['2026-03-01', '2026-03-02']);
		expect(daily[1]!.modelsUsed).toEqual(['claude-haiku-4-5-20251001', 'claude-opus-4-6', 'unknown-x']);
		expect(daily[1]!.modelBreakdowns.map(m => m.modelName)).toEqual(['claude-opus-4-6', 'claude-haiku-4-5-20251001', 'unknown-x']);
		expect(daily[1]!.modelBreakdowns[2]!.missingPricing).toBe(true);
		expect(totals.totalTokens).toBe(4 * 110);
		expect(totals.unpricedModels).toEqual(['unknown-x']);
		expect(dailyReport([b], {dateOf: utcDate, since: '20260302'}).daily.map(d => d.date)).toEqual(['2026-03-02']);
		expect(dailyReport([b], {dateOf: utcDate, until: '20260301'}).daily.map(d => d.date)).toEqual(['2026-03-01']);
	});

	it('dates follow the given time zone (a day boundary at +05:30)', () => {
		const b = batchOf([rec(Date.parse('2026-03-01T18:20:00Z')), rec(Date.parse('2026-03-01T18:40:00Z'))]);
		const kolkata = new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Kolkata'});
		const {daily} = dailyReport([b], {dateOf: ms => kolkata.format(ms)});
		expect(daily.map(d => [d.date, d.inputTokens])).toEqual([['2026-03-01', 10], ['2026-03-02', 10]]);
	});
});

describe('sums and series', () => {
	it('sumBetween, the minute series and the open block agree', () => {
		const records = [rec(T0), rec(T0 + 60_000), rec(T0 + 2 * H)];
		const b = batchOf(records);
		const series = minuteSeries(b, 0);
		expect(sumBetween(b, T0, T0 + 3 * H).totalTokens).toBe(330);
		expect(seriesBetween(series, T0, T0 + 3 * H).tokens).toBe(330);
		expect(seriesBetween(series, T0 + 61_000, T0 + 3 * H).tokens).toBe(110);
		expect(openBlockStart(series, T0 + 3 * H)).toBe(Date.parse('2026-03-01T10:00:00Z'));
		expect(openBlockStart(series, T0 + 9 * H)).toBeNull();
	});

	it('F64Map stores 53-bit keys exactly and grows', () => {
		const map = new F64Map(4);
		const keys = Array.from({length: 5000}, (_, i) => 2 ** 52 + i * 7919);
		keys.forEach((k, i) => map.set(k, i));
		expect(map.size).toBe(5000);
		expect(keys.every((k, i) => map.get(k) === i)).toBe(true);
		expect(map.get(2 ** 52 + 1)).toBeUndefined();
	});

	it('mergeBatches keeps record order and dedupes across batches', () => {
		const a = new UsageBuilder();
		a.push(rec(T0, {key: 1, mkey: 1, output: 5}));
		const b = new UsageBuilder();
		b.push(rec(T0, {key: 1, mkey: 1, output: 9}));
		b.push(rec(T0, {key: 2, mkey: 2}));
		const merged = mergeBatches([a, b]);
		expect(merged.length).toBe(2);
	});
});
