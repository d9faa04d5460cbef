/**
 * 53-bit hashes of byte ranges (two 32-bit FNV-1a lanes), exact in a float64: dedup keys of message
 * ids and request ids without building strings. Collisions among a few million ids are negligible
 * (~n² / 2⁵⁴).
 */

export type HashState = {a: number; b: number};

const OFFSET_A = 0x811c9dc5;
const OFFSET_B = 0x01000193 ^ 0x5bd1e995;

export function hashStart(): HashState {
	return {a: OFFSET_A, b: OFFSET_B};
}

export function hashBytes(state: HashState, bytes: Uint8Array, start: number, end: number): HashState {
	let a = state.a;
	let b = state.b;
	for (let i = start; i < end; i++) {
		const c = bytes[i]!;
		a = Math.imul(a ^ c, 0x01000193);
		b = Math.imul(b ^ c, 0x5bd1e995);
		b ^= b >>> 15;
	}
	state.a = a;
	state.b = b;
	return state;
}

export function hashByte(state: HashState, c: number): HashState {
	state.a = Math.imul(state.a ^ c, 0x01000193);
	let b = Math.imul(state.b ^ c, 0x5bd1e995);
	b ^= b >>> 15;
	state.b = b;
	return state;
}

/** The state as a non-negative integer below 2⁵³. */
export function hashValue(state: HashState): number {
	return (state.a >>> 0) * 2_097_152 + ((state.b >>> 0) >>> 11);
}

const encoder = new TextEncoder();

/** Hash of a string's UTF-8 bytes (same value as hashBytes over those bytes). */
export function hashString(state: HashState, text: string): HashState {
	for (let i = 0; i < text.length; i++) {
		if (text.charCodeAt(i) > 0x7f) return hashBytes(state, encoder.encode(text), 0, Buffer.byteLength(text));
	}
	let a = state.a;
	let b = state.b;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		a = Math.imul(a ^ c, 0x01000193);
		b = Math.imul(b ^ c, 0x5bd1e995);
		b ^= b >>> 15;
	}
	state.a = a;
	state.b = b;
	return state;
}

/** Separator bytes that never occur inside a UTF-8 string. */
export const SEP_REQUEST = 0xff;
export const SEP_NO_REQUEST = 0xfe;
