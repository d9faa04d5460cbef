/**
 * Reset credits in the providers' payloads (issue 11): parsing only (no I/O), shared by codex app-server,
 * the ChatGPT reset-credit endpoint and the Claude usage parsers.
 *
 * Shapes (checked against codex-cli 0.169.0's generated app-server protocol, `codex app-server
 * generate-ts`; the ChatGPT endpoint after CodexBar and other third parties):
 *
 * - app-server `account/rateLimits/read` result → `rateLimitResetCredits`: null, or
 *   `{"availableCount": 2, "credits": null | [{"id": "…", "resetType": "codexRateLimits" | "unknown",
 *   "status": "available" | "redeeming" | "redeemed" | "unknown", "grantedAt": <epoch s>,
 *   "expiresAt": <epoch s> | null, "title": string | null, "description": string | null}]}`
 *   (`credits: null` = only the count is known; the list may be shorter than the count).
 * - app-server `account/rateLimitResetCredit/consume` params `{"idempotencyKey": "<uuid>",
 *   "creditId"?: "…"}` → `{"outcome": "reset" | "nothingToReset" | "noCredit" | "alreadyRedeemed"}`.
 * - ChatGPT `GET {base}/wham/rate-limit-reset-credits` (Bearer token + ChatGPT-Account-Id, like
 *   wham/usage) → `{"available_count": 1, "credits": [{"id", "status", "reset_type":
 *   "codex_rate_limits", "granted_at", "expires_at", "title"?, "description"?}]}` (instants as epoch
 *   seconds or ISO).
 * - Claude usage payloads (OAuth usage, `get_usage`) may carry `cedar_ember`: `{"eligible": bool,
 *   "ineligible_reason": string | null, "grants": [{"resets_left": n, "starts_at", "ends_at",
 *   "paused": bool, "usable_now": bool}]}`. A grant resets the 5-hour window, the week or both at the
 *   user's choice (`/limit-reset` in Claude Code): kind `both`.
 */
import type {ProviderCredit, ProviderCredits, ResetKind, ResetStatus} from '../engine/resets.js';
import {finite, isRecord, normaliseInstant} from './util.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : null);

const codexKind = (resetType: unknown): ResetKind => {
	const t = typeof resetType === 'string' ? resetType.replaceAll('_', '').toLowerCase() : '';
	// Codex's only reset type so far resets its rate limits: the 5-hour window and the week.
	return t === 'codexratelimits' ? 'both' : 'unknown';
};

const codexStatus = (status: unknown): ResetStatus => {
	switch (typeof status === 'string' ? status.toLowerCase() : '') {
		case 'available': return 'available';
		case 'redeeming': return 'redeeming';
		case 'redeemed': return 'redeemed';
		default: return 'unknown';
	}
};

function codexCredit(row: unknown, camel: boolean): ProviderCredit | undefined {
	if (!isRecord(row)) return undefined;
	const id = text(row['id']);
	if (!id) return undefined;
	const field = (name: string) => row[camel ? name : name.replaceAll(/[A-Z]/g, c => `_${c.toLowerCase()}`)];
	return {
		providerId: id,
		kind: codexKind(field('resetType')),
		count: 1,
		status: codexStatus(row['status']),
		expiresAt: normaliseInstant(field('expiresAt')),
		grantedAt: normaliseInstant(field('grantedAt')),
		title: text(row['title']),
		note: text(row['description']),
	};
}

function codexSummary(summary: unknown, camel: boolean, source: ProviderCredits['source'], observedAt: string): ProviderCredits | undefined {
	if (!isRecord(summary)) return undefined;
	const count = finite(summary[camel ? 'availableCount' : 'available_count']);
	const rows = summary['credits'];
	if (count === undefined && !Array.isArray(rows)) return undefined;
	const credits = Array.isArray(rows) ? rows.slice(0, 200).map(row => codexCredit(row, camel)).filter((c): c is ProviderCredit => c !== undefined) : [];
	return {source, observedAt, credits, availableCount: count === undefined || count < 0 ? undefined : Math.floor(count)};
}

/** Credits from an app-server `account/rateLimits/read` result (undefined when it says nothing about them). */
export function parseAppServerResetCredits(result: unknown, observedAt: string): ProviderCredits | undefined {
	return isRecord(result) ? codexSummary(result['rateLimitResetCredits'], true, 'codex-app-server', observedAt) : undefined;
}

/** Credits from the ChatGPT reset-credit endpoint's body. */
export function parseChatgptResetCredits(body: unknown, observedAt: string): ProviderCredits | undefined {
	return codexSummary(body, false, 'chatgpt-endpoint', observedAt);
}

/** Grants of limit resets from a Claude usage payload's `cedar_ember` block (undefined when absent). */
export function parseClaudeResetGrants(payload: unknown, observedAt: string): ProviderCredits | undefined {
	if (!isRecord(payload) || !isRecord(payload['cedar_ember'])) return undefined;
	const block = payload['cedar_ember'];
	const grants = Array.isArray(block['grants']) ? block['grants'] : [];
	const credits: ProviderCredit[] = [];
	for (const [index, grant] of grants.slice(0, 50).entries()) {
		if (!isRecord(grant)) continue;
		const left = finite(grant['resets_left']);
		if (left === undefined || left < 0) continue;
		const startsAt = normaliseInstant(grant['starts_at']);
		const endsAt = normaliseInstant(grant['ends_at']);
		credits.push({
			providerId: `grant-${startsAt ?? index}`,
			kind: 'both',
			count: Math.floor(left),
			status: left > 0 ? 'available' : 'redeemed',
			providerUsable: grant['paused'] === true ? false : typeof grant['usable_now'] === 'boolean' ? grant['usable_now'] : null,
			expiresAt: endsAt,
			startsAt,
			note: grant['paused'] === true ? 'paused' : block['eligible'] === false ? `not eligible${text(block['ineligible_reason']) ? ` (${text(block['ineligible_reason'])})` : ''}` : null,
		});
	}
	return {source: 'claude-usage', observedAt, credits};
}
