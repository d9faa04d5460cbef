import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {jsonWithout} from '../../source/engine/json.js';

/** What the dashboard's fingerprints did before: a replacer that drops the keys wherever they are. */
const withReplacer = (value: unknown, keys: readonly string[]) => JSON.stringify(value, (key, v: unknown) => (keys.includes(key) ? undefined : v));

const KEYS = ['generatedAt', 'ageMs', 'resetsInMs'];

describe('jsonWithout', () => {
	it('gives the text a replacer dropping the keys gives, at any depth and any place among the others', () => {
		const report = {generatedAt: '2026-12-04T18:00:00Z', accounts: [{name: 'a', ageMs: 12, windows: [{resetsInMs: null, used: 0.5}]}, {ageMs: -3.5e-7, name: 'b'}, {name: 'c', ageMs: 1}, {ageMs: 2}]};
		expect(jsonWithout(report, KEYS)).toBe(withReplacer(report, KEYS));
		const leaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.constant(null), fc.boolean());
		const key = fc.constantFrom('name', 'used', 'generatedAt', 'ageMs', 'resetsInMs', 'a"b', 'ageMs\\', 'x');
		const value = fc.letrec<{tree: unknown}>(tie => ({tree: fc.oneof({depthSize: 'small'}, leaf, fc.array(tie('tree'), {maxLength: 3}), fc.dictionary(key, tie('tree'), {maxKeys: 4}))})).tree;
		// The listed keys hold plain values in the reports (an object there would stay in, see jsonWithout).
		const plain = (v: unknown): unknown => Array.isArray(v) ? v.map(plain)
			: v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, KEYS.includes(k) && x !== null && typeof x === 'object' ? null : plain(x)]))
				: v;
		fc.assert(fc.property(value.map(plain), v => {
			expect(jsonWithout(v, KEYS)).toBe(withReplacer(v, KEYS));
		}), {numRuns: 3000});
	});

	it('a string value that looks like a listed property is kept', () => {
		const text = '"ageMs":5';
		expect(jsonWithout({note: text, other: `x\\${text}`}, KEYS)).toBe(JSON.stringify({note: text, other: `x\\${text}`}));
	});
});
