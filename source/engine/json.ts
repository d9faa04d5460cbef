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
