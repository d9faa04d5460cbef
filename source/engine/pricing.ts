/**
 * API-equivalent prices of Claude and OpenAI models: what the tokens in the local logs would have cost
 * on the pay-as-you-go API. An embedded, dated table (works offline); users override or add models in
 * config (`pricing.models`). Unknown models are reported, never priced at $0 silently.
 *
 * Rates are USD per million tokens. Anthropic's cache tiers: a 5-minute cache write costs 1.25× the
 * input rate, a 1-hour write 2×, a cache read 0.1× (a few 2026 models read cheaper; listed explicitly).
 * Long context: when a request's prompt (input + cache writes + cache reads) passes the model's
 * threshold, every token of that request is billed at the long-context rates (Anthropic's rule for
 * Sonnet 4/4.5 above 200k; OpenAI's for GPT-5.4/5.5 above 272k).
 */

/** When the embedded table was last checked against the providers' published price pages. */
export const PRICE_TABLE_DATE = '2026-11-01';

export type Rates = {
	input: number;
	output: number;
	cacheWrite5m: number;
	cacheWrite1h: number;
	cacheRead: number;
};

export type ModelPrice = Rates & {
	/** Rates for a whole request whose prompt is above `thresholdTokens`. */
	longContext?: (Rates & {thresholdTokens: number}) | undefined;
	/** Multiplier for `speed: "fast"` requests. */
	fastMultiplier?: number | undefined;
};

/** A user's price for a model (config `pricing.models.<model>`); missing cache rates follow the usual multipliers. */
export type PriceOverride = {
	input: number;
	output: number;
	cacheWrite5m?: number | undefined;
	cacheWrite1h?: number | undefined;
	cacheRead?: number | undefined;
	longContext?: ({input: number; output: number; cacheWrite5m?: number | undefined; cacheWrite1h?: number | undefined; cacheRead?: number | undefined; thresholdTokens: number}) | undefined;
	fastMultiplier?: number | undefined;
};

/** Anthropic's tiers: 5-minute write 1.25×, 1-hour write 2×, read 0.1× (unless given). */
function claude(input: number, output: number, cacheRead = input * 0.1): Rates {
	return {input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead};
}

/** OpenAI: cached input is discounted; there is no separate cache-write price (writes bill as input). */
function openai(input: number, output: number, cachedInput: number | null): Rates {
	return {input, output, cacheWrite5m: input, cacheWrite1h: input, cacheRead: cachedInput ?? input};
}

const OPUS_4_5: ModelPrice = claude(5, 25);
const OPUS_4: ModelPrice = claude(15, 75);
const SONNET_4_LONG: ModelPrice = {...claude(3, 15), longContext: {...claude(6, 22.5), thresholdTokens: 200_000}};
const GPT_5: ModelPrice = openai(1.25, 10, 0.125);
const GPT_5_MINI: ModelPrice = openai(0.25, 2, 0.025);
const GPT_5_2: ModelPrice = openai(1.75, 14, 0.175);

/** The embedded table, keyed by normalized model id (see normalizeModel). */
export const PRICES: Readonly<Record<string, ModelPrice>> = {
	// Anthropic — platform.claude.com/docs/en/about-claude/pricing
	'claude-opus-4-8': OPUS_4_5,
	'claude-opus-4-7': OPUS_4_5,
	// Fast mode of Opus 4.6 bills 6× ($30 / $150 per MTok).
	'claude-opus-4-6': {...OPUS_4_5, fastMultiplier: 6},
	'claude-opus-4-5': OPUS_4_5,
	'claude-opus-4-1': OPUS_4,
	'claude-opus-4': OPUS_4,
	// Sonnet 4.6 bills its whole 1M context at the standard rate (since 2026-03-13).
	'claude-sonnet-4-6': claude(3, 15),
	'claude-sonnet-4-5': SONNET_4_LONG,
	'claude-sonnet-4': SONNET_4_LONG,
	'claude-haiku-4-5': claude(1, 5),
	'claude-3-7-sonnet': claude(3, 15),
	'claude-3-5-sonnet': claude(3, 15),
	'claude-3-5-haiku': claude(0.8, 4),
	'claude-3-opus': claude(15, 75),
	'claude-3-haiku': {input: 0.25, output: 1.25, cacheWrite5m: 0.3, cacheWrite1h: 0.5, cacheRead: 0.03},
	// 2026 models.
	'claude-opus-5': claude(5, 25),
	'claude-opus-5-5': claude(4, 20, 0.2),
	'claude-sonnet-5': claude(2, 10),
	'claude-fable-5': claude(10, 50),
	'claude-fable-5-1': claude(10, 50, 0.25),
	'claude-mythos-5': claude(10, 50),
	'claude-mythos-5-1': claude(10, 50, 0.25),
	// OpenAI — platform.openai.com/docs/pricing (Codex models).
	'gpt-5': GPT_5,
	'gpt-5-codex': GPT_5,
	'gpt-5-mini': GPT_5_MINI,
	'gpt-5-nano': openai(0.05, 0.4, 0.005),
	'gpt-5-pro': openai(15, 120, null),
	'gpt-5.1': GPT_5,
	'gpt-5.1-codex': GPT_5,
	'gpt-5.1-codex-max': GPT_5,
	'gpt-5.1-codex-mini': GPT_5_MINI,
	'gpt-5.2': GPT_5_2,
	'gpt-5.2-codex': GPT_5_2,
	'gpt-5.2-pro': openai(21, 168, null),
	'gpt-5.3-codex': GPT_5_2,
	// A research preview billed at nothing: a real $0, not an unknown model.
	'gpt-5.3-codex-spark': openai(0, 0, 0),
	'gpt-5.4': {...openai(2.5, 15, 0.25), longContext: {...openai(5, 22.5, 0.5), thresholdTokens: 272_000}},
	'gpt-5.4-mini': openai(0.75, 4.5, 0.075),
	'gpt-5.4-nano': openai(0.2, 1.25, 0.02),
	'gpt-5.4-pro': openai(30, 180, null),
	'gpt-5.5': {...openai(5, 30, 0.5), longContext: {...openai(10, 45, 1), thresholdTokens: 272_000}},
	'gpt-5.5-pro': openai(30, 180, null),
	'codex-mini-latest': openai(1.5, 6, 0.375),
	'o3': openai(2, 8, 0.5),
	'o4-mini': openai(1.1, 4.4, 0.275),
	'gpt-4.1': openai(2, 8, 0.5),
};

/**
 * The table key of a model id as logs and providers spell it: lower case, without routing prefixes
 * (`anthropic/`, `us.anthropic.`, `openai/`), version suffixes (`-v1:0`, `@20250805`) and the
 * `-fast` suffix; a date suffix (`-20250929`, `-2025-08-07`) is dropped when the dated id is not listed.
 */
export function normalizeModel(model: string): string {
	let id = model.trim().toLowerCase();
	id = id.replace(/^(?:[a-z]{2}\.)?anthropic[./]/, '').replace(/^openai\//, '');
	id = id.replace(/-v\d+:\d+$/, '').replace(/@.*$/, '').replace(/-fast$/, '');
	return id;
}

function lookup(id: string, table: Readonly<Record<string, ModelPrice>>): {key: string; price: ModelPrice} | undefined {
	const direct = table[id];
	if (direct) return {key: id, price: direct};
	const undated = id.replace(/-\d{8}$/, '').replace(/-\d{4}-\d{2}-\d{2}$/, '');
	const price = table[undated];
	return price ? {key: undated, price} : undefined;
}

function fromOverride(o: PriceOverride): ModelPrice {
	const fill = (r: {input: number; output: number; cacheWrite5m?: number | undefined; cacheWrite1h?: number | undefined; cacheRead?: number | undefined}): Rates => ({
		input: r.input,
		output: r.output,
		cacheWrite5m: r.cacheWrite5m ?? r.input * 1.25,
		cacheWrite1h: r.cacheWrite1h ?? r.input * 2,
		cacheRead: r.cacheRead ?? r.input * 0.1,
	});
	return {
		...fill(o),
		longContext: o.longContext ? {...fill(o.longContext), thresholdTokens: o.longContext.thresholdTokens} : undefined,
		fastMultiplier: o.fastMultiplier,
	};
}

export type PriceBook = {
	/** The price of a model (with its table key and where it came from), or undefined when unknown. */
	resolve(model: string): {key: string; price: ModelPrice; source: 'table' | 'config'} | undefined;
};

/** The embedded table with the user's overrides on top (an override wins for its model and its dated ids). */
export function createPriceBook(overrides: Readonly<Record<string, PriceOverride>> = {}): PriceBook {
	const custom: Record<string, ModelPrice> = {};
	for (const [model, override] of Object.entries(overrides)) custom[normalizeModel(model)] = fromOverride(override);
	const cache = new Map<string, ReturnType<PriceBook['resolve']>>();
	return {
		resolve(model) {
			if (cache.has(model)) return cache.get(model);
			const id = normalizeModel(model);
			const fromConfig = lookup(id, custom);
			const found = fromConfig ? {...fromConfig, source: 'config' as const} : (() => {
				const fromTable = lookup(id, PRICES);
				return fromTable ? {...fromTable, source: 'table' as const} : undefined;
			})();
			cache.set(model, found);
			return found;
		},
	};
}

/** Token counts of one request, split the way prices are. */
export type PricedTokens = {
	input: number;
	output: number;
	cacheWrite5m: number;
	cacheWrite1h: number;
	cacheRead: number;
	fast?: boolean | undefined;
};

/** API-equivalent cost in USD of one request. */
export function requestCost(price: ModelPrice, t: PricedTokens): number {
	const prompt = t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;
	const rates: Rates = price.longContext && prompt > price.longContext.thresholdTokens ? price.longContext : price;
	const usd = (t.input * rates.input + t.output * rates.output + t.cacheWrite5m * rates.cacheWrite5m + t.cacheWrite1h * rates.cacheWrite1h + t.cacheRead * rates.cacheRead) / 1_000_000;
	return t.fast ? usd * (price.fastMultiplier ?? 1) : usd;
}
