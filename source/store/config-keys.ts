/**
 * Schema introspection for config.json's dotted keys: which keys the schema knows (for rejecting typos
 * in `config set` and warning about unknown keys in the file) and how a key path is printed.
 */
import {z} from 'zod';

/** One step of a dotted key: an object field or an array index. */
export type Segment = string | number;

/** `policy.switchThreshold`; `(root)` for the whole file. */
export const fieldOf = (segments: readonly PropertyKey[]): string =>
	segments.length === 0 ? '(root)' : segments.map(String).join('.');

export const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

function unwrap(schema: z.ZodType): z.ZodType {
	let current: z.ZodType = schema;
	for (;;) {
		if (
			current instanceof z.ZodDefault ||
			current instanceof z.ZodPrefault ||
			current instanceof z.ZodOptional ||
			current instanceof z.ZodNullable
		) {
			current = current.unwrap() as z.ZodType;
		} else {
			return current;
		}
	}
}

/** The fields of `value` (under `prefix`) that the schema does not know. */
export function unknownFields(schema: z.ZodType, value: unknown, prefix: Segment[]): string[] {
	const inner = unwrap(schema);
	if (inner instanceof z.ZodObject && isRecord(value)) {
		const shape = inner.shape as Record<string, z.ZodType>;
		return Object.keys(value).flatMap(key => {
			const child = shape[key];
			return child === undefined ? [fieldOf([...prefix, key])] : unknownFields(child, value[key], [...prefix, key]);
		});
	}
	if (inner instanceof z.ZodArray && Array.isArray(value)) {
		return value.flatMap((item, index) => unknownFields(inner.element as z.ZodType, item, [...prefix, index]));
	}
	return [];
}

/** The keys the schema knows at `segments`, or null when that is not an object. */
export function knownKeysAt(schema: z.ZodType, segments: readonly Segment[]): string[] | null {
	let current = unwrap(schema);
	for (const segment of segments) {
		if (current instanceof z.ZodObject) {
			const child = (current.shape as Record<string, z.ZodType>)[String(segment)];
			if (child === undefined) {
				return null;
			}
			current = unwrap(child);
		} else if (current instanceof z.ZodArray) {
			current = unwrap(current.element as z.ZodType);
		} else {
			return null;
		}
	}
	return current instanceof z.ZodObject ? Object.keys(current.shape) : null;
}

/** Edit distance (insertions, deletions, substitutions; case-insensitive) between two keys. */
export function distance(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	let previous = Array.from({length: y.length + 1}, (_, j) => j);
	for (let i = 1; i <= x.length; i++) {
		const row = [i];
		for (let j = 1; j <= y.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
		previous = row;
	}
	return previous[y.length]!;
}
