/**
 * Real use outranks quota numbers (issue 9 item 5, seed 001): what happened when something actually
 * ran on an account — a job of ours, or any launcher reporting through `quota-tui outcome`. Pure.
 *
 * - `limit`: the provider refused with a usage limit. The window counts as exhausted (source
 *   `estimated`, origin `real-use`) until the stated reset, else the account's known reset.
 * - `credential` / `policy`: the credential was refused (401, "Please run /login") or refused for
 *   this use (400 "only authorized for use with Claude Code", 403 "not allowed"). The account is left
 *   out until a later real success (`ok`); a quota-API read never clears it.
 * - `ok`: it worked. Clears the marks above, and an account whose quota API fails with 401 while
 *   real runs succeed stays usable, labelled "quota data unavailable".
 * - `error`: anything else; it says nothing about the account.
 */
import {bindingWindow, deriveStatus, gatingWindows, isCredentialProblem, pct, windowLabel} from './status.js';
import {DAY, FIVE_HOURS, HOUR, instantMs, isoAt, MINUTE, SEVEN_DAYS} from './time.js';
import type {AccountState, QuotaWindow} from './types.js';

export const OUTCOME_KINDS = ['ok', 'limit', 'credential', 'policy', 'error'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** One real-use result. */
export type RealUse = {
	account: string;
	kind: OutcomeKind;
	/** When it happened (ISO with offset). */
	at: string;
	message: string | null;
	/** The reset the provider stated (limit only), null when it said none. */
	resetsAt: string | null;
	/** `job` (the runner's end, classified) or `outcome` (reported with `quota-tui outcome`). */
	source: 'job' | 'outcome';
	jobId: string | null;
};

/** A real success proves the credential works for this long (a quota API 401 is then "data unavailable"). */
export const PROVEN_ALIVE_MS = DAY;

/** What the real-use results of one account say at `now`. */
export type RealUseVerdict = {
	/** Set when the newest decisive result is a credential or policy refusal. */
	refused?: RealUse | undefined;
	/** A usage limit whose reset is still ahead (no later success). */
	limit?: RealUse | undefined;
	/** The newest success, when within PROVEN_ALIVE_MS and newer than any refusal. */
	alive?: RealUse | undefined;
};

/**
 * Read the results of one account (any order). Decisive results are ok, credential and policy (the
 * newest wins); a limit also proves the credential was accepted. `error` says nothing.
 */
export function realUseVerdict(results: readonly RealUse[], now: number): RealUseVerdict {
	const sorted = results
		.filter(r => r.kind !== 'error' && (instantMs(r.at) ?? Number.POSITIVE_INFINITY) <= now)
		.toSorted((a, b) => (instantMs(b.at) ?? 0) - (instantMs(a.at) ?? 0));
	const verdict: RealUseVerdict = {};
	const newest = sorted[0];
	if (!newest) return verdict;
	if (newest.kind === 'credential' || newest.kind === 'policy') verdict.refused = newest;
	if (newest.kind === 'limit') verdict.limit = newest;
	if (newest.kind === 'ok' && now - (instantMs(newest.at) ?? 0) <= PROVEN_ALIVE_MS) verdict.alive = newest;
	return verdict;
}

/** The sentence that says why a refused account is left out. */
export function refusalSentence(refused: RealUse): string {
	const what = refused.kind === 'policy' ? 'the provider refused this credential for this use (policy)' : 'the provider refused the credential';
	const where = refused.source === 'job' && refused.jobId ? `job ${refused.jobId} failed at ${refused.at}` : `a real run reported at ${refused.at}`;
	// A message carried over from a job's end may already say "credential refused: …" (audit S3): once is enough.
	const message = refused.message?.replace(/^(?:credential|policy) refused:\s*/i, '') || null;
	return `${where} because ${what}${message ? ` (${message})` : ''}; cleared only by a real success (a job that succeeds, or quota-tui outcome ${refused.account} ok after logging in again)`;
}

/**
 * When a usage limit ends: the stated reset; else the reset of the window that binds the account
 * (the fullest gating window whose reset is ahead); else five hours after the limit was hit.
 */
export function limitResetAt(state: Pick<AccountState, 'windows' | 'account'>, limit: Pick<RealUse, 'at' | 'resetsAt'>, now: number, offsetMinutes = 0): string {
	const stated = instantMs(limit.resetsAt);
	if (stated !== undefined && limit.resetsAt) return limit.resetsAt;
	const ahead = gatingWindows(state.windows, state.account.model)
		.filter(w => (instantMs(w.resetsAt) ?? 0) > now)
		.toSorted((a, b) => (b.utilization ?? 0) - (a.utilization ?? 0) || (instantMs(a.resetsAt) ?? 0) - (instantMs(b.resetsAt) ?? 0));
	if (ahead[0]?.resetsAt) return ahead[0].resetsAt;
	return isoAt((instantMs(limit.at) ?? now) + FIVE_HOURS, offsetMinutes);
}

/** The window a limit exhausts: the gating window resetting at that instant (±2 min), else by distance. */
function limitedKind(state: Pick<AccountState, 'windows' | 'account'>, resetMs: number, now: number): QuotaWindow['kind'] {
	const match = gatingWindows(state.windows, state.account.model).find(w => Math.abs((instantMs(w.resetsAt) ?? Number.NaN) - resetMs) <= 2 * MINUTE);
	if (match) return match.kind;
	return resetMs - now <= FIVE_HOURS + HOUR ? 'five_hour' : 'seven_day';
}

export type RealUseInput = {
	verdict: RealUseVerdict;
	warnThreshold: number;
	now: number;
	offsetMinutes?: number | undefined;
};

/**
 * The account state with real use applied: a refusal makes it unusable, an active limit makes its
 * window full until the reset, and a recent success keeps an account whose quota API refuses the
 * credential usable ("quota data unavailable").
 */
export function applyRealUse(state: AccountState, input: RealUseInput): AccountState {
	const {verdict, now} = input;
	let next: AccountState = state;
	if (verdict.refused) {
		next = {...next, unusableReason: next.unusableReason ?? refusalSentence(verdict.refused)};
	}
	if (verdict.limit) {
		const resetsAt = limitResetAt(next, verdict.limit, now, input.offsetMinutes);
		const resetMs = instantMs(resetsAt)!;
		if (resetMs > now) {
			const kind = limitedKind(next, resetMs, now);
			const existing = next.windows.find(w => w.kind === kind);
			const window: QuotaWindow = {
				kind,
				utilization: Math.max(1, existing?.utilization ?? 0),
				resetsAt,
				durationMs: existing?.durationMs ?? (kind === 'five_hour' ? FIVE_HOURS : SEVEN_DAYS),
				source: 'estimated',
				origin: 'real-use',
				observedAt: verdict.limit.at,
			};
			const windows = existing ? next.windows.map(w => (w === existing ? window : w)) : [window, ...next.windows];
			const projections = {...next.projections, [kind]: {ratePerHour: 0, atReset: window.utilization, exhaustsAt: null, samples: 0}};
			const status = isCredentialProblem(next.status) ? next.status : deriveStatus(windows, next.account, input.warnThreshold, next.extraUsage);
			next = {...next, windows, projections, status, realUseLimit: `a real run hit the ${windowLabel(kind)} limit at ${verdict.limit.at}${verdict.limit.message ? ` (${verdict.limit.message})` : ''}; counted as exhausted until ${resetsAt}`};
		}
	}
	if (verdict.alive && !verdict.refused && isCredentialProblem(next.status)) {
		const derived = deriveStatus(next.windows, next.account, input.warnThreshold, next.extraUsage);
		next = {
			...next,
			status: derived === 'unknown' ? 'allowed' : derived,
			quotaDataUnavailable: `quota data unavailable (the usage source says: ${describeQuotaProblem(next)}), but a real run succeeded at ${verdict.alive.at}`,
		};
	}
	return next;
}

function describeQuotaProblem(state: AccountState): string {
	if (state.message) return state.message;
	return state.status === 'invalid_key' ? 'credential invalid (401)' : state.status === 'token_expired' ? 'token expired' : 'credential refused for this use';
}

/** "weekly Opus usage at 95%" for the window that binds `state`, for reasons. */
export function bindingSentence(state: Pick<AccountState, 'windows' | 'account'>, model?: string): string | undefined {
	const w = bindingWindow(state.windows, model ?? state.account.model);
	return w ? `${windowLabel(w.kind)} usage at ${pct(w.utilization ?? 0)}` : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Classifying how a runner ended

export type RunnerEnd = {
	kind: OutcomeKind;
	/** The line that decided it (shortened). */
	message: string | null;
	/** A reset the output stated (limit only). */
	resetsAt: string | null;
};

const POLICY_PATTERNS: readonly RegExp[] = [
	/only authori[sz]ed for use with claude code/i,
	/\b403\b[^\n]*not allowed/i,
	/not allowed[^\n]*\b403\b/i,
	/oauth authentication is currently not allowed/i,
	/\bpolicy[_ ](rejected|violation)\b/i,
];

const CREDENTIAL_PATTERNS: readonly RegExp[] = [
	/API Error: 40[13]\b/i,
	/\b40[13]\b[^\n]*(unauthori[sz]ed|forbidden|authenticat|credential|token|api key)/i,
	/(unauthori[sz]ed|forbidden)[^\n]*\b40[13]\b/i,
	/authentication[_ ]error/i,
	/invalid authentication/i,
	/permission[_ ]error/i,
	/invalid (api key|bearer token|authentication credentials)/i,
	/oauth token (has expired|revoked)/i,
	/token (has )?expired/i,
	/please run \/login/i,
	/run `?(claude|codex) login`?/i,
	/not logged in/i,
	/credential[s]? (is |are )?(refused|rejected|invalid)/i,
	/not (permitted|allowed) (to use|for) this (credential|token|organization)/i,
];

const LIMIT_PATTERNS: readonly RegExp[] = [
	/you'?ve hit your (usage )?limit/i,
	/usage limit reached/i,
	/usage_limit_reached/i,
	/rate_limit_error/i,
	/\b429\b/,
	/too many requests/i,
];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The candidate texts of the output's last lines, newest first (a JSON line's own error text first). */
function tailTexts(output: string): string[] {
	const lines = output.split('\n').map(line => line.trim()).filter(Boolean).slice(-30).toReversed();
	const texts: string[] = [];
	for (const line of lines) {
		if (line.startsWith('{')) {
			try {
				const value = JSON.parse(line) as unknown;
				if (isRecord(value)) {
					const inner = value['result'] ?? value['message'] ?? (isRecord(value['error']) ? value['error']['message'] : value['error']);
					if (typeof inner === 'string') texts.push(inner);
				}
			} catch {
				// Not JSON: the line itself.
			}
		}
		texts.push(line);
	}
	return texts;
}

const shorten = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

/**
 * A reset stated in a limit message: Claude's `usage limit reached|<epoch seconds>`, an ISO instant,
 * or "try again in 2 hours 5 minutes" / "in 37 min".
 */
export function statedReset(text: string, now: number, offsetMinutes = 0): string | null {
	const epoch = /limit reached\|(\d{9,13})/i.exec(text);
	if (epoch) {
		const n = Number(epoch[1]);
		return isoAt(n < 1e12 ? n * 1000 : n, offsetMinutes);
	}
	const iso = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))\b/.exec(text);
	if (iso && instantMs(iso[1]) !== undefined) return iso[1]!;
	const rel = /(?:try again|resets?|available again) in ((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m)\s*,?\s*(?:and\s*)?)+)/i.exec(text);
	if (rel) {
		let ms = 0;
		for (const part of rel[1]!.matchAll(/(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m)/gi)) {
			const n = Number(part[1]);
			const unit = part[2]!.toLowerCase();
			ms += unit.startsWith('d') ? n * DAY : unit.startsWith('h') ? n * HOUR : n * MINUTE;
		}
		if (ms > 0) return isoAt(now + ms, offsetMinutes);
	}
	return null;
}

/**
 * How a runner ended, from its exit code and output: `ok` (exit 0 and no error result), else the
 * first of policy, credential, limit that its last lines show, else `error`.
 */
export function classifyRunnerEnd(exitCode: number | null, isError: boolean, output: string, now: number, offsetMinutes = 0): RunnerEnd {
	if (exitCode === 0 && !isError) return {kind: 'ok', message: null, resetsAt: null};
	const texts = tailTexts(output);
	for (const [kind, patterns] of [['policy', POLICY_PATTERNS], ['credential', CREDENTIAL_PATTERNS], ['limit', LIMIT_PATTERNS]] as const) {
		const hit = texts.find(text => patterns.some(pattern => pattern.test(text)));
		if (hit) return {kind, message: shorten(hit), resetsAt: kind === 'limit' ? statedReset(texts.join('\n'), now, offsetMinutes) : null};
	}
	return {kind: 'error', message: texts[0] ? shorten(texts[0]) : null, resetsAt: null};
}
