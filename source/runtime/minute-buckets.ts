/**
 * The minute series of an account's merged records, kept up to date record by record (a replaced
 * record is taken out before its replacement goes in): per minute, tokens, API-equivalent dollars,
 * input + output tokens and requests. What the summary stores for burn rates and estimated windows.
 */
import {F64Map, MINUTE_STRIDE} from '../engine/usage.js';

/** Numbers per minute bucket: minute, tokens, usd, input + output, requests. */
const BUCKET = 5;

export class MinuteBuckets {
	/** minute → bucket slot. */
	readonly #slots: F64Map;
	/** BUCKET numbers per slot; a slot whose requests fell to 0 stays, empty. */
	#buckets = new Float64Array(0);
	#count = 0;

	/** `expected`: about how many minutes (sizes the hash table). */
	constructor(expected = 16) {
		this.#slots = new F64Map(Math.max(16, expected));
	}

	/** Add (sign 1) or take out (sign −1) one request at `tsMs`. */
	add(tsMs: number, tokens: number, usd: number, inputOutput: number, sign: 1 | -1): void {
		const minute = Math.floor(tsMs / 60_000) * 60_000;
		let bucket = this.#slots.get(minute);
		if (bucket === undefined) {
			bucket = this.#count++;
			if ((bucket + 1) * BUCKET > this.#buckets.length) {
				const grown = new Float64Array(Math.max(64, this.#buckets.length * 2));
				grown.set(this.#buckets);
				this.#buckets = grown;
			}
			this.#buckets[bucket * BUCKET] = minute;
			this.#slots.set(minute, bucket);
		}
		const b = this.#buckets;
		const at = bucket * BUCKET;
		b[at + 1]! += sign * tokens;
		b[at + 2]! += sign * usd;
		b[at + 3]! += sign * inputOutput;
		b[at + 4]! += sign;
	}

	/** The first and last minute with requests (null when none). */
	span(): {first: number | null; last: number | null} {
		let first: number | null = null;
		let last: number | null = null;
		for (let k = 0; k < this.#count; k++) {
			if (this.#buckets[k * BUCKET + 4]! <= 0) continue;
			const minute = this.#buckets[k * BUCKET]!;
			if (first === null || minute < first) first = minute;
			if (last === null || minute > last) last = minute;
		}
		return {first, last};
	}

	/** The series since `sinceMs`, ascending (engine MINUTE_STRIDE layout). */
	series(sinceMs: number): Float64Array {
		const b = this.#buckets;
		const slots: number[] = [];
		for (let k = 0; k < this.#count; k++) if (b[k * BUCKET + 4]! > 0 && b[k * BUCKET]! >= sinceMs) slots.push(k);
		slots.sort((x, y) => b[x * BUCKET]! - b[y * BUCKET]!);
		const out = new Float64Array(slots.length * MINUTE_STRIDE);
		for (const [k, slot] of slots.entries()) out.set(b.subarray(slot * BUCKET, slot * BUCKET + BUCKET), k * MINUTE_STRIDE);
		return out;
	}
}
