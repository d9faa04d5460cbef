/**
 * One GET with got (loaded on first use: importing it costs more than a whole `status` call), no
 * retries (the poller owns retries and budgets), a hard timeout, and errors as data. Request headers
 * are never echoed into messages: they carry the token.
 */
import type {Got} from 'got';

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

/** GET `url`; any status is a response (the caller maps it), a network problem or timeout an HttpError. */
export async function httpGet(url: string, headers: Record<string, string>, timeoutMs = DEFAULT_HTTP_TIMEOUT_MS, signal?: AbortSignal): Promise<HttpResponse | HttpError> {
	try {
		const got = await loadGot();
		const response = await got(url, {
			method: 'GET',
			headers,
			throwHttpErrors: false,
			retry: {limit: 0},
			timeout: {request: timeoutMs},
			followRedirect: false,
			responseType: 'text',
			...(signal ? {signal} : {}),
		});
		return {ok: true, status: response.statusCode, headers: response.headers, body: response.body};
	} catch (error) {
		const code = (error as {code?: string}).code;
		const timedOut = code === 'ETIMEDOUT' || (error as Error).name === 'TimeoutError';
		const host = safeHost(url);
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
