/**
 * Refreshing accounts within budget (DESIGN §3): the cheapest fresh source wins, endpoint reads are
 * limited per account across every quota-tui process, and every failure is a status, never a crash.
 *
 * Per account, in order:
 * 1. Fresh enough already (the newest window is within its origin's freshness bound: a status line ≤ 5
 *    minutes old needs no request)? Nothing to do (unless forced by the user's `r`).
 * 2. Local sources (Codex rollout logs): read the tails; fresh enough → done.
 * 3. Endpoint sources in order of preference (Claude: `claude` CLI get_usage, then the OAuth usage
 *    endpoint when opted in; Codex: `codex app-server`, then wham/usage when opted in). A source whose
 *    last attempt failed recently goes last. Before any request the account's `endpoint` slot in
 *    `poll_state` is claimed in one IMMEDIATE transaction: at most one read per account per
 *    `polling.endpointMinIntervalSeconds` (180 s) across all processes; a 429 holds the slot until
 *    Retry-After (else 5 minutes). Checks that need no request (expired token, missing executable)
 *    run first and cost nothing.
 *
 * All times come from the injected clock (`now`), so QUOTA_TUI_NOW moves freshness, cooldowns and
 * Retry-After alike.
 */
import {FRESHNESS_MS} from '../engine/assemble.js';
import type {Account, Origin, Snapshot} from '../engine/types.js';
import {fetchViaClaudeCli} from '../providers/claude-cli.js';
import {fetchViaAppServer} from '../providers/codex-app-server.js';
import {readCodexRollout} from '../providers/codex-rollout.js';
import {fetchOAuthUsage, oauthPrecheck} from '../providers/oauth-usage.js';
import type {Failure, Outcome} from '../providers/types.js';
import {findExecutable, isoUtc} from '../providers/util.js';
import {fetchWhamUsage, whamPrecheck} from '../providers/wham-usage.js';
import {claimHostRead, claimSlot, getPollState, recordPoll, recordSourceAttempt} from '../store/poll-state.js';
import {latestSnapshot} from '../store/repositories.js';
import type {Context} from './context.js';
import {teamReadGate} from './hub-leases.js';
import {recordFailure, recordFresh} from './record.js';
import {fromTheFuture} from '../engine/skew.js';
import {recordResetCredits, refreshEndpointCredits} from './reset-credits.js';

/** Back-off after a 429 without (or with a zero) Retry-After. */
export const RATE_LIMIT_BACKOFF_MS = 5 * 60_000;
/** The longest Retry-After honoured (a bogus header must not silence an account for days). */
export const MAX_HOLD_MS = 6 * 60 * 60_000;
/** A source that failed within this long is tried after the others. */
const RECENT_FAILURE_MS = 30 * 60_000;
/** The provider host an endpoint source reads from (the per-host cap counts them together). */
export function endpointHost(origin: Origin): string {
	return origin === 'codex-app-server' || origin === 'wham-usage' ? 'chatgpt.com' : 'api.anthropic.com';
}

/** How far a host read moves the host's next read on: the even share of the hourly cap, jittered ±20 %. */
export function hostGapMs(perHour: number, random: () => number = Math.random): number {
	return Math.round((3_600_000 / perHour) * (0.8 + random() * 0.4));
}

const ENDPOINT_ORIGINS: readonly Origin[] = ['claude-cli', 'oauth-usage', 'codex-app-server', 'wham-usage'];

/** The poll_state source that holds each account's shared endpoint budget. */
export const ENDPOINT_SLOT = 'endpoint';

export type RefreshAction =
	/** Data was fresh: nothing read. */
	| 'fresh'
	/** New data recorded. */
	| 'refreshed'
	/** The budget or a Retry-After forbids a read now. */
	| 'cooldown'
	/** Every available source failed (recorded as the account's status/message). */
	| 'failed'
	/** No source can refresh this account (manual/demo, no executable, endpoint not opted in). */
	| 'no-source';

export type RefreshResult = {
	account: string;
	action: RefreshAction;
	origin?: Origin | undefined;
	message?: string | undefined;
	/** Requests spent on providers in this refresh. */
	requests: number;
	/** When the next endpoint read is allowed (epoch ms), for cooldowns. */
	nextAllowedMs?: number | undefined;
};

type Source = {
	origin: Origin;
	/** True when it spends the account's endpoint budget. */
	endpoint: boolean;
	/** A failure that needs no request (expired token, no credentials), checked before claiming. */
	precheck?: (now: number) => Failure | undefined;
	run: (now: number) => Promise<Outcome>;
};

/** The sources that can refresh `account`, in order of preference. */
export function sourcesFor(ctx: Context, account: Account, signal?: AbortSignal): Source[] {
	const env = ctx.env;
	const sources: Source[] = [];
	const cliTimeout = ctx.config.polling.cliTimeoutSeconds;
	const timeoutMs = cliTimeout === null ? undefined : cliTimeout * 1000;
	if (account.provider === 'claude' && account.configDir) {
		const configDir = account.configDir;
		const executable = findExecutable(ctx.config.runners.claude[0] ?? 'claude', env);
		if (executable) {
			sources.push({origin: 'claude-cli', endpoint: true, run: now => fetchViaClaudeCli({executable, configDir, env, now, signal, timeoutMs})});
		}
		if (account.usageEndpoint) {
			sources.push({
				origin: 'oauth-usage',
				endpoint: true,
				precheck(now) {
					const checked = oauthPrecheck(configDir, now);
					return 'failure' in checked ? checked.failure : undefined;
				},
				run: now => fetchOAuthUsage({configDir, now, baseUrl: env['QUOTA_TUI_ANTHROPIC_BASE_URL'], signal}),
			});
		}
	}
	if (account.provider === 'codex' && account.home) {
		const home = account.home;
		sources.push({origin: 'codex-rollout', endpoint: false, run: async now => readCodexRollout(home, now)});
		const executable = findExecutable(ctx.config.runners.codex[0] ?? 'codex', env);
		if (executable) {
			sources.push({origin: 'codex-app-server', endpoint: true, run: now => fetchViaAppServer({executable, home, env, now, signal, timeoutMs})});
		}
		if (account.usageEndpoint) {
			sources.push({
				origin: 'wham-usage',
				endpoint: true,
				precheck(now) {
					const checked = whamPrecheck(home, now);
					return 'failure' in checked ? checked.failure : undefined;
				},
				run: now => fetchWhamUsage({home, now, baseUrl: env['QUOTA_TUI_CHATGPT_BASE_URL'], signal}),
			});
		}
	}
	return sources;
}

/** The newest detected window's observation time and origin. */
function newest(snapshot: Snapshot | undefined): {atMs: number; origin: Origin} | undefined {
	let best: {atMs: number; origin: Origin} | undefined;
	for (const w of snapshot?.windows ?? []) {
		if (w.source === 'user-entered') continue;
		const at = Date.parse(w.observedAt);
		if (Number.isFinite(at) && (!best || at > best.atMs)) best = {atMs: at, origin: w.origin};
	}
	return best;
}

/** True when the account's newest data is within its origin's freshness bound at `now`. */
export function isFresh(snapshot: Snapshot | undefined, now: number): boolean {
	const n = newest(snapshot);
	return n !== undefined && now - n.atMs <= FRESHNESS_MS[n.origin] && !fromTheFuture(n.atMs, now);
}

/** How bad a failure is for the user: credential problems first, then rate limits, then the rest. */
const severity = (f: Failure) => (f.status && f.status !== 'unreachable' ? 3 : f.rateLimited ? 2 : f.requested ? 1 : 0);

export type RefreshOptions = {
	/** Ignore freshness (the user pressed `r`); budgets and Retry-After still hold. */
	force?: boolean | undefined;
	now?: number | undefined;
	/** Abort in-flight reads (a quitting dashboard); nothing is recorded after it fires. */
	signal?: AbortSignal | undefined;
	/**
	 * Read now past the shared 180 s slot and a failing source's back-off (seed 001-10: every chain
	 * account is invalid or unknown, so the cached failure must not stand). A Retry-After still holds,
	 * and so does the per-host hourly cap; a read less than BYPASS_MIN_GAP_MS ago is not repeated.
	 */
	bypassSlot?: boolean | undefined;
};

/** The shortest gap between two slot-bypassing reads of one account (a script's tight loop must not burn the host cap). */
export const BYPASS_MIN_GAP_MS = 20_000;

const inFlight = new WeakMap<Context, Map<string, Promise<RefreshResult>>>();

/** Refresh one account (never twice at once in one process). */
export function refreshAccount(ctx: Context, account: Account, options: RefreshOptions = {}): Promise<RefreshResult> {
	let running = inFlight.get(ctx);
	if (!running) inFlight.set(ctx, (running = new Map()));
	const existing = running.get(account.name);
	if (existing) return existing;
	const promise = doRefresh(ctx, account, options).then(async result => {
		// Reset credits from the opt-in ChatGPT endpoint, when codex app-server did not report them.
		const credits = await refreshEndpointCredits(ctx, account, options.now ?? ctx.clock.now(), options.signal);
		return credits.requests > 0 ? {...result, requests: result.requests + credits.requests} : result;
	}).catch((error: unknown): RefreshResult => ({
		account: account.name,
		action: 'failed',
		message: `refresh of ${account.name} failed: ${(error as Error).message}`,
		requests: 0,
	}));
	running.set(account.name, promise);
	void promise.finally(() => running.delete(account.name));
	return promise;
}

async function doRefresh(ctx: Context, account: Account, options: RefreshOptions): Promise<RefreshResult> {
	const now = options.now ?? ctx.clock.now();
	const name = account.name;
	const result = (action: RefreshAction, extra: Partial<RefreshResult> = {}): RefreshResult => ({account: name, action, requests: 0, ...extra});
	if (account.disabled) return result('no-source');
	const signal = options.signal;
	const sources = sourcesFor(ctx, account, signal);
	if (sources.length === 0) return result('no-source');
	const db = ctx.db;
	const previous = latestSnapshot(db, name);
	if (!options.force && isFresh(previous, now)) return result('fresh', {origin: newest(previous)?.origin});

	const warn = ctx.config.policy.warnThreshold;
	const intervalMs = ctx.config.polling.endpointMinIntervalSeconds * 1000;
	const recentlyFailed = (origin: Origin) => {
		const state = getPollState(db, name, origin);
		return state?.lastError != null && state.lastAttemptMs !== null && now - state.lastAttemptMs < RECENT_FAILURE_MS && (state.lastSuccessMs ?? 0) < state.lastAttemptMs;
	};
	const ordered = [...sources.filter(s => !s.endpoint), ...sources.filter(s => s.endpoint).sort((a, b) => Number(recentlyFailed(a.origin)) - Number(recentlyFailed(b.origin)))];

	const failures: Failure[] = [];
	let requests = 0;
	let slotHeld = false;
	let recordedOrigin: Origin | undefined;
	for (const source of ordered) {
		if (source.endpoint) {
			const early = source.precheck?.(now);
			if (early) {
				failures.push(early);
				continue;
			}
			// A source failing again and again with the same cause backs off (item 10; audit D8).
			const own = getPollState(db, name, source.origin);
			if (!options.bypassSlot && own?.nextAllowedMs != null && own.nextAllowedMs > now && own.nextAllowedMs - now <= MAX_HOLD_MS && own.lastError) {
				failures.push({ok: false, origin: source.origin, message: `${own.lastError} (not asked again before ${isoUtc(own.nextAllowedMs)})`, requested: false});
				continue;
			}
			if (!slotHeld) {
				// Team mode: the account's poll lease on the hub first (one reader for the whole team).
				const team = await teamReadGate(ctx, name, now, intervalMs);
				if (!team.ok) {
					return result(recordedOrigin ? 'refreshed' : 'cooldown', {origin: recordedOrigin, requests, nextAllowedMs: team.nextAllowedMs, message: team.message});
				}
				// A Retry-After far beyond MAX_HOLD_MS (or a clock moved back) does not block forever.
				const claim = options.bypassSlot ? bypassClaim(db, name, now, intervalMs) : claimSlot(db, name, ENDPOINT_SLOT, now, now + intervalMs, MAX_HOLD_MS + intervalMs);
				if (!claim.claimed && !previous && !recordedOrigin) {
					// No data at all and another process holds the slot: it is reading right now.
					const theirs = await awaitOtherReader(ctx, name, signal);
					if (theirs) return theirs.windows.length > 0 ? result('refreshed', {origin: newest(theirs)?.origin, requests}) : result('failed', {requests, message: theirs.message});
					(ctx.hints ??= []).push(`${name}: another quota-tui process is reading its usage right now; run again in a few seconds`);
				}
				if (!claim.claimed) {
					return result(recordedOrigin ? 'refreshed' : 'cooldown', {origin: recordedOrigin, requests, nextAllowedMs: claim.nextAllowedMs, message: `next usage read for ${name} allowed at ${isoUtc(claim.nextAllowedMs)} (shared cooldown)`});
				}
				const host = endpointHost(source.origin);
				const perHour = ctx.config.polling.hostReadsPerHour;
				const hostClaim = claimHostRead(db, host, now, {perHour, gapMs: hostGapMs(perHour), firstRead: options.bypassSlot === true || !previous?.windows.length});
				if (!hostClaim.claimed) {
					return result(recordedOrigin ? 'refreshed' : 'cooldown', {origin: recordedOrigin, requests, nextAllowedMs: hostClaim.nextAllowedMs, message: `usage reads from this machine to ${host} are spread to at most ${perHour} an hour (polling.hostReadsPerHour); next read for ${name} at ${isoUtc(hostClaim.nextAllowedMs)}`});
				}
				await team.noteRead();
				slotHeld = true;
			}
		}
		const outcome = await source.run(now);
		if (signal?.aborted) return result('failed', {requests, message: 'stopped'});
		if (outcome.requested) requests += 1;
		if (source.endpoint) {
			// A 429 holds the account's slot until Retry-After (below), not this source's back-off.
			const rateLimited = !outcome.ok && outcome.rateLimited === true;
			recordSourceAttempt(db, name, source.origin, now, {ok: outcome.ok, error: outcome.ok ? null : outcome.message, baseMs: rateLimited ? 0 : intervalMs, holdMs: outcome.ok ? undefined : outcome.holdMs});
			if (!outcome.ok && outcome.rateLimited) {
				const hold = Math.min(MAX_HOLD_MS, outcome.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS);
				recordPoll(db, name, ENDPOINT_SLOT, now, {ok: false, error: outcome.message, holdUntilMs: now + hold});
				recordPoll(db, name, RETRY_AFTER_SLOT, now, {ok: false, error: outcome.message, holdUntilMs: now + hold});
			}
		}
		if (outcome.ok) {
			const recorded = recordFresh(db, account, outcome, now, warn);
			recordResetCredits(db, name, outcome.resetCredits, now);
			if (recorded.recorded) recordedOrigin = outcome.origin;
			// Fresh enough now (a rollout line may be hours old: then ask an endpoint too).
			if (isFresh(latestSnapshot(db, name), now)) return result('refreshed', {origin: outcome.origin, requests});
			if (source.endpoint && outcome.requested) break; // one read per slot, even an empty answer
			continue;
		}
		failures.push(outcome);
		// The budget was spent on this read: the next source waits for the next slot.
		if (source.endpoint && outcome.requested) break;
	}

	const worst = failures.toSorted((a, b) => severity(b) - severity(a))[0];
	if (worst && (worst.requested || worst.status || !latestSnapshot(db, name)?.windows.length)) {
		recordFailure(db, account, worst, now);
	}
	if (recordedOrigin) return result('refreshed', {origin: recordedOrigin, requests, message: worst?.message});
	return result(worst ? 'failed' : 'no-source', {requests, message: worst?.message, origin: worst?.origin});
}

/** The poll_state row that remembers a provider's Retry-After apart from the ordinary slot (a bypass honours it). */
const RETRY_AFTER_SLOT = 'retry-after';

/**
 * The endpoint slot claimed past its ordinary interval (`bypassSlot`): refused while a Retry-After holds
 * or when the slot was taken less than BYPASS_MIN_GAP_MS ago; otherwise claimed for the usual interval.
 */
function bypassClaim(db: Context['db'], name: string, now: number, intervalMs: number): ReturnType<typeof claimSlot> {
	return db.transaction(() => {
		const retry = getPollState(db, name, RETRY_AFTER_SLOT)?.nextAllowedMs ?? null;
		if (retry !== null && retry > now && retry - now <= MAX_HOLD_MS) return {claimed: false, nextAllowedMs: retry};
		const last = getPollState(db, name, ENDPOINT_SLOT)?.lastAttemptMs ?? null;
		if (last !== null && last <= now && now - last < BYPASS_MIN_GAP_MS) return {claimed: false, nextAllowedMs: last + BYPASS_MIN_GAP_MS};
		return claimSlot(db, name, ENDPOINT_SLOT, now, now + intervalMs, 0);
	});
}

/**
 * Cold start with several processes at once (audit D23): the one that claimed the slot is reading; the
 * others wait (wall time, polling.coldStartWaitSeconds at most) for its answer instead of reporting
 * `unknown` with nothing to say.
 */
async function awaitOtherReader(ctx: Context, name: string, signal: AbortSignal | undefined): Promise<Snapshot | undefined> {
	const deadline = Date.now() + ctx.config.polling.coldStartWaitSeconds * 1000;
	while (Date.now() < deadline && !signal?.aborted) {
		await new Promise(resolve => setTimeout(resolve, 100));
		const snapshot = latestSnapshot(ctx.db, name);
		if (snapshot) return snapshot;
	}
	return undefined;
}

/**
 * Refresh every account whose data is older than its freshness bound (in parallel), within the shared
 * budget. Never throws: a failure is a result (and the account's status). Demo contexts have nothing
 * to refresh.
 */
export async function refreshStale(ctx: Context, options: RefreshOptions = {}): Promise<RefreshResult[]> {
	if (ctx.demo) return [];
	const now = options.now ?? ctx.clock.now();
	// The account read longest ago claims the host's next read first (the per-host cap is fair).
	const lastRead = (name: string) => Math.max(0, ...ENDPOINT_ORIGINS.map(origin => getPollState(ctx.db, name, origin)?.lastAttemptMs ?? 0));
	const accounts = ctx.accounts
		.filter(a => a.provider === 'claude' || a.provider === 'codex')
		.map(account => ({account, last: lastRead(account.name)}))
		.toSorted((a, b) => a.last - b.last)
		.map(x => x.account);
	return Promise.all(accounts.map(account => refreshAccount(ctx, account, {...options, now})));
}
