/**
 * The Anthropic usage payload (provider-formats §1.2–1.5), as `GET /api/oauth/usage` returns it and as
 * the `get_usage` control response of the Claude CLI nests it under `rate_limits` (§1.9).
 *
 * - Flat buckets `five_hour`, `seven_day`, `seven_day_opus`, `seven_day_sonnet`: `utilization` 0–100
 *   (fractional), `resets_at` ISO with offset; any bucket may be null or absent.
 * - `limits[]` (2026): `session`, `weekly_all`, `weekly_scoped` (a model's weekly cap). The flat buckets
 *   win per field; `limits` fills what they lack. A scoped limit is authoritative for its model, the
 *   legacy `seven_day_sonnet`/`seven_day_opus` buckets are the fallback. `percent == 0` with no reset is
 *   a placeholder, not data.
 * - `model_scoped[]` (Claude Code 2.1.332's documented get_usage shape; `limits[]` is stripped from its
 *   cached answers): `{display_name, utilization, resets_at}`, a model's weekly cap.
 * - `extra_usage`: money in minor units (cents).
 * - A payload with none of these keys, or one of the wrong type, is `unrecognised` (a failure).
 * - Percentages outside 0–1000 are not numbers (audit D17).
 * - Everything else (codename buckets, cowork/design/oauth-apps buckets) is ignored: they do not limit
 *   Claude Code work.
 */
import type {ExtraUsage, Origin, QuotaWindow, WindowKind} from '../engine/types.js';
import {detectedWindow, durationForKind, finite, isRecord, normaliseInstant, percentToFraction, sanePercent, slug} from './util.js';
import type {ProviderCredits} from '../engine/resets.js';
import {parseClaudeResetGrants} from './reset-credit-parse.js';

type Parsed = {
	windows: QuotaWindow[];
	extraUsage?: ExtraUsage | undefined;
	resetCredits?: ProviderCredits | undefined;
	/**
	 * Set when the payload is not usage data at all (audit D4): no recognised bucket present (`{}`), or a
	 * recognised bucket of the wrong type. A failure, so the last good windows are kept. An explicit
	 * all-null payload (an Enterprise account) is data.
	 */
	unrecognised?: string | undefined;
};

/** Keys of the usage payload that carry windows (provider-formats §1.2–1.5, 2.1.332's get_usage). */
const BUCKETS = ['five_hour', 'seven_day', 'seven_day_opus', 'seven_day_sonnet', 'seven_day_oauth_apps', 'extra_usage'] as const;

/** Why `payload` is not a usage payload, or undefined when it is one. */
function unrecognised(payload: Record<string, unknown>): string | undefined {
	const present = [...BUCKETS, 'limits', 'model_scoped'].filter(key => key in payload);
	if (present.length === 0) return 'unrecognised usage payload (none of five_hour, seven_day, limits, model_scoped present)';
	for (const key of BUCKETS) {
		const value = payload[key];
		if (value === undefined || value === null) continue;
		if (!isRecord(value)) return `unrecognised usage payload (${key} is ${Array.isArray(value) ? 'an array' : typeof value}, not an object)`;
		if (key === 'extra_usage') {
			for (const field of ['monthly_limit', 'used_credits', 'utilization']) {
				if (value[field] !== undefined && value[field] !== null && finite(value[field]) === undefined) return `unrecognised usage payload (extra_usage.${field} is not a number)`;
			}
			continue;
		}
		if (value['utilization'] !== null && value['utilization'] !== undefined && typeof value['utilization'] !== 'number') {
			return `unrecognised usage payload (${key}.utilization is not a number)`;
		}
	}
	for (const key of ['limits', 'model_scoped']) {
		if (payload[key] !== undefined && payload[key] !== null && !Array.isArray(payload[key])) return `unrecognised usage payload (${key} is not a list)`;
	}
	return undefined;
}

/** Model-scoped weekly caps as 2.1.332's get_usage documents them: `model_scoped[{display_name, utilization, resets_at}]` (audit D7). */
function modelScopedOf(payload: Record<string, unknown>): Array<{kind: WindowKind; utilization: number; resetsAt: string | null}> {
	const list = payload['model_scoped'];
	if (!Array.isArray(list)) return [];
	const out: Array<{kind: WindowKind; utilization: number; resetsAt: string | null}> = [];
	for (const entry of list) {
		if (!isRecord(entry) || typeof entry['display_name'] !== 'string' || entry['display_name'].trim() === '') continue;
		const utilization = percentToFraction(entry['utilization']);
		if (utilization === undefined) continue;
		out.push({kind: scopedKind(entry['display_name']), utilization, resetsAt: normaliseInstant(entry['resets_at'])});
	}
	return out;
}

function flatBucket(payload: Record<string, unknown>, key: string): {utilization: number; resetsAt: string | null} | undefined {
	const bucket = payload[key];
	if (!isRecord(bucket)) return undefined;
	const utilization = percentToFraction(bucket['utilization']);
	if (utilization === undefined) return undefined;
	return {utilization, resetsAt: normaliseInstant(bucket['resets_at'])};
}

type Limit = {kind: string; model: string | null; utilization: number; resetsAt: string | null};

function limitsOf(payload: Record<string, unknown>): Limit[] {
	const list = payload['limits'];
	if (!Array.isArray(list)) return [];
	const limits: Limit[] = [];
	for (const entry of list) {
		if (!isRecord(entry) || typeof entry['kind'] !== 'string') continue;
		const percent = sanePercent(entry['percent']);
		const resetsAt = normaliseInstant(entry['resets_at']);
		if (percent === undefined || (percent === 0 && resetsAt === null)) continue; // placeholder
		const scope = isRecord(entry['scope']) ? entry['scope'] : undefined;
		const model = scope && isRecord(scope['model']) ? scope['model'] : undefined;
		const name = typeof model?.['display_name'] === 'string' ? model['display_name'] : typeof model?.['id'] === 'string' ? model['id'] : null;
		limits.push({kind: entry['kind'], model: name, utilization: Math.round(percent * 100) / 10_000, resetsAt});
	}
	return limits;
}

/** The window kind of a model-scoped weekly limit: Sonnet and Opus keep their legacy kinds. */
export function scopedKind(model: string): WindowKind {
	const lower = model.toLowerCase();
	if (lower.includes('sonnet')) return 'seven_day_sonnet';
	if (lower.includes('opus')) return 'seven_day_opus';
	return `weekly:${slug(model)}`;
}

function extraUsageOf(value: unknown): ExtraUsage | undefined {
	if (!isRecord(value)) return undefined;
	const enabled = value['is_enabled'] === true;
	const limit = finite(value['monthly_limit']);
	const used = finite(value['used_credits']);
	return {
		enabled,
		limitUsd: limit === undefined ? null : limit / 100,
		usedUsd: used === undefined ? null : used / 100,
		currency: typeof value['currency'] === 'string' && value['currency'] !== '' ? value['currency'] : 'USD',
	};
}

/** Windows and extra usage from an Anthropic usage payload. Unknown keys and nulls are ignored. */
export function parseClaudeUsage(payload: unknown, origin: Origin, observedAt: string): Parsed {
	if (!isRecord(payload)) return {windows: []};
	const bad = unrecognised(payload);
	if (bad) return {windows: [], unrecognised: bad};
	const byKind = new Map<WindowKind, {utilization: number; resetsAt: string | null}>();
	const set = (kind: WindowKind, value: {utilization: number; resetsAt: string | null} | undefined) => {
		if (value) byKind.set(kind, value);
	};
	const limits = limitsOf(payload);
	const firstLimit = (kind: string) => limits.find(l => l.kind === kind);

	set('five_hour', flatBucket(payload, 'five_hour') ?? firstLimit('session'));
	set('seven_day', flatBucket(payload, 'seven_day') ?? firstLimit('weekly_all'));
	// Legacy model buckets first; scoped limits override them (authoritative for their model).
	set('seven_day_sonnet', flatBucket(payload, 'seven_day_sonnet'));
	set('seven_day_opus', flatBucket(payload, 'seven_day_opus'));
	for (const scoped of modelScopedOf(payload)) set(scoped.kind, scoped);
	for (const limit of limits) {
		if (limit.kind === 'weekly_scoped' && limit.model) set(scopedKind(limit.model), limit);
	}

	const windows: QuotaWindow[] = [];
	for (const [kind, value] of byKind) {
		windows.push(detectedWindow(kind, value.utilization, value.resetsAt, durationForKind(kind, undefined), origin, observedAt));
	}
	const extraUsage = extraUsageOf(payload['extra_usage']);
	if (extraUsage?.enabled) {
		const reported = isRecord(payload['extra_usage']) ? percentToFraction(payload['extra_usage']['utilization']) : undefined;
		const utilization = reported ?? (extraUsage.limitUsd && extraUsage.usedUsd !== null ? extraUsage.usedUsd / extraUsage.limitUsd : null);
		windows.push(detectedWindow('extra_usage', utilization, null, null, origin, observedAt));
	}
	return {windows, extraUsage, resetCredits: parseClaudeResetGrants(payload, observedAt)};
}
