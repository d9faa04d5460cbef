/**
 * JSON as quota-tui prints it (CLI `--json`, the HTTP API): numbers without binary float noise —
 * `0.45000000000000007` is written `0.45`, `0.6000000000000001` is `0.6` (audit S3). Twelve significant
 * digits keep every real measurement (dollars to the cent, fractions of a percent, epoch ms are integers).
 */
export function jsonNumber(_key: string, value: unknown): unknown {
	return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value;
}

/** `JSON.stringify` with jsonNumber, indented by `space`. */
export function jsonText(value: unknown, space = 2): string {
	return JSON.stringify(value, jsonNumber, space);
}

/**
 * `JSON.stringify(value)` without the properties named `keys` whose values are strings, numbers,
 * booleans or null (a change-detection fingerprint that ignores what moves with the clock). Much
 * cheaper than a replacer function, which takes V8 off its fast serializer, and the same text: a key
 * inside a string value is always escaped (`\"key\":`), so only real properties match. A listed
 * property holding an object or array stays in (the fingerprint then sees more change, never less).
 */
export function jsonWithout(value: unknown, keys: readonly string[]): string {
	const text = JSON.stringify(value) ?? '';
	const property = `"(?:${keys.map(key => key.replaceAll(/[^\w]/g, '')).join('|')})":(?:"(?:[^"\\\\]|\\\\.)*"|-?\\d[\\d.eE+-]*|null|true|false)`;
	// A run of them ending an object goes with the comma before it, any other run with the comma after.
	return text.replaceAll(new RegExp(`(?:,${property})+(?=\\})|${property}(?:,${property})*,?`, 'g'), '');
}
