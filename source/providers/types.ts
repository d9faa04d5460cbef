/**
 * What a provider read returns. Errors are data: a failing source says what failed (naming the file,
 * account or HTTP status) and whether it spent a request, and never throws.
 */
import type {ProviderCredits} from '../engine/resets.js';
import type {AccountStatus, ExtraUsage, Origin, QuotaWindow} from '../engine/types.js';

export type Fresh = {
	ok: true;
	origin: Origin;
	/** When the data was true: now for a live read, the line's timestamp for a log. */
	observedAt: string;
	windows: QuotaWindow[];
	extraUsage?: ExtraUsage | undefined;
	/**
	 * True when the source only ever reports some window kinds (status line, rollout logs): kinds it
	 * does not report are kept from earlier snapshots. False when it is authoritative for the account.
	 */
	partial: boolean;
	/** A plan the source revealed (`max`, `plus`, …), for display. */
	plan?: string | undefined;
	/** Reset credits the answer carried (Codex app-server, Claude `cedar_ember` grants), when it said anything about them. */
	resetCredits?: ProviderCredits | undefined;
	/** True when a request was spent on the provider (counts against the endpoint budget). */
	requested: boolean;
	/** Something the user should know about the read (lines ignored): the snapshot's message. */
	warning?: string | undefined;
};

export type Failure = {
	ok: false;
	origin: Origin;
	/**
	 * The status the failure means for the account (`invalid_key`, `token_expired`, `policy_rejected`,
	 * `unreachable`), or undefined when it says nothing about the account (rate-limited, no data yet).
	 */
	status?: AccountStatus | undefined;
	/** A sentence for the user (never contains a token). */
	message: string;
	/** From a 429: how long the provider asked us to wait. */
	retryAfterMs?: number | undefined;
	/** True when the provider answered 429 (back off even without Retry-After). */
	rateLimited?: boolean | undefined;
	/** How long this source is not worth asking again (a login that cannot report usage). */
	holdMs?: number | undefined;
	/** True when a request was spent. */
	requested: boolean;
};

export type Outcome = Fresh | Failure;
