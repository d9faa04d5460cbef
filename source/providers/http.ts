/**
 * One GET with got (loaded on first use: importing it costs more than a whole `status` call), errors as
 * data. got does the bounding (issue 10 D9):
 * - timeouts: `timeout.request` bounds each attempt, `timeout.connect` the TCP connect;
 * - retry: at most one, on a 502/503/504 (or a reset connection) whose server says when with
 *   `Retry-After` ≤ 5 s — got reads the header and waits. Anything else is left to the poller, which
 *   owns budgets, cooldowns and backoff (a blind retry would spend the per-host budget twice);
 * - size: got has no byte limit of its own, so its `downloadProgress` events — the first one carries
 *   the `content-length` as `total`, the next ones the bytes as they arrive — abort a body over
 *   MAX_RESPONSE_BYTES through the request's signal: a streaming server can no longer grow the
 *   process to gigabytes.
 * Request headers are never echoed into messages: they carry the token.
 */
import type {Got, Response} from 'got';

export type HttpResponse = {
	ok: true;
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
};

export type HttpError = {ok: false; message: string; timedOut: boolean};

let gotPromise: Promise<Got> | undefined;

async function loadGot(): Promise<Got> {
	gotPromise ??= import('got').then(module => module.default);
	return gotPromise;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** A usage answer is a few KB; anything over 1 MB is not one. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** The longest Retry-After a retry waits for; longer is the poller's business. */
const MAX_RETRY_AFTER_MS = 5000;

class TooLarge extends Error {
	override name = 'TooLarge';
}

/** GET `url`; any status is a response (the caller maps it), a network problem, timeout or oversized body an HttpError. */
export async function httpGet(url: string, headers: Record<string, string>, timeoutMs = DEFAULT_HTTP_TIMEOUT_MS, signal?: AbortSignal): Promise<HttpResponse | HttpError> {
	const host = safeHost(url);
	const limit = new AbortController();
	const tooLarge = (size: number) => limit.abort(new TooLarge(`the answer from ${host} is over ${MAX_RESPONSE_BYTES / 1024 / 1024} MB (${size > MAX_RESPONSE_BYTES * 1024 ? 'and still coming' : `${Math.round(size / 1024)} KB`}); not read`));
	try {
		const got = await loadGot();
		const request = got(url, {
			method: 'GET',
			headers,
			// Statuses are the caller's to map; got throws them only so that its retry sees them (below).
			throwHttpErrors: true,
			retry: {
				limit: 1,
				methods: ['GET'],
				statusCodes: [502, 503, 504],
				errorCodes: ['ECONNRESET'],
				maxRetryAfter: MAX_RETRY_AFTER_MS,
				// Only when the server said when (got has checked it against maxRetryAfter already).
				calculateDelay: ({retryAfter, computedValue}) => (retryAfter === undefined ? 0 : computedValue),
			},
			timeout: {request: timeoutMs, connect: Math.min(timeoutMs, 5000)},
			followRedirect: false,
			responseType: 'text',
			signal: signal ? AbortSignal.any([signal, limit.signal]) : limit.signal,
		});
		// got's first progress event comes with the response headers: `total` is the content-length.
		request.on('downloadProgress', ({transferred, total}: {transferred: number; total?: number}) => {
			if (total !== undefined && total > MAX_RESPONSE_BYTES) tooLarge(total);
			else if (transferred > MAX_RESPONSE_BYTES) tooLarge(transferred);
		});
		const response = await request;
		return {ok: true, status: response.statusCode, headers: response.headers, body: response.body as string};
	} catch (error) {
		if (limit.signal.aborted && limit.signal.reason instanceof TooLarge) return {ok: false, timedOut: false, message: limit.signal.reason.message};
		const answered = (error as {response?: Response}).response;
		if ((error as Error).name === 'HTTPError' && answered) return {ok: true, status: answered.statusCode, headers: answered.headers, body: typeof answered.body === 'string' ? answered.body : ''};
		const code = (error as {code?: string}).code;
		const timedOut = code === 'ETIMEDOUT' || (error as Error).name === 'TimeoutError';
		return {
			ok: false,
			timedOut,
			message: timedOut ? `no answer from ${host} within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}` : `cannot reach ${host} (${code ?? (error as Error).name})`,
		};
	}
}

function safeHost(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the server';
	}
}

/** Parse a JSON body: the value, or undefined when it is not JSON. */
export function parseJsonBody(body: string): unknown {
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return undefined;
	}
}
