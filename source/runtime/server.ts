/**
 * The local HTTP API (DESIGN §9) on node:http: 127.0.0.1 only, every request with
 * `Authorization: Bearer <token>` (the token is generated on first start into a 0600 file).
 *
 *   GET  /auto-utilization/status    the status report plus idle capacity, the auto plan and the queue
 *   POST /auto-utilization/dispatch  {"jobId"?: string, "dryRun"?: boolean} → the gate verdict and the job
 *
 * 421 for any Host but 127.0.0.1:PORT or localhost:PORT (DNS rebinding), 401 without the token, 400 on
 * bad JSON or bad fields, 404 on an unknown path or job, 405 on a wrong method, 408 on a body not sent
 * within 10 s, 409 when the job is already claimed, 413 on a body over 64 KB. A body is read before its
 * request joins the one-at-a-time queue, so a slow client holds only itself.
 */
import {jsonText} from '../engine/json.js';
import {jobScopes} from '../engine/jobs.js';
import {randomBytes, timingSafeEqual} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type {Context} from './context.js';
import {autoTick, planAuto} from './auto.js';
import {createPoller} from './poller.js';
import {deliveryProblems, eventsTick} from './events.js';
import {dispatchJob, type DispatchOutcome} from './dispatch.js';
import {onTeamJobs} from './hub-sync.js';
import {localIso, resolveJobId, type JobView} from './queue.js';

export const DEFAULT_PORT = 7878;
export const HOST = '127.0.0.1';
const MAX_BODY = 64 * 1024;

export type TokenFile = {token: string; file: string; created: boolean; warning?: string | undefined};

/** The token in `file`, created (0600, exclusively) on first use. Throws with a sentence on a bad file. */
export function ensureToken(file: string): TokenFile {
	fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
	try {
		const token = randomBytes(32).toString('base64url');
		fs.writeFileSync(file, `${token}\n`, {mode: 0o600, flag: 'wx'});
		fs.chmodSync(file, 0o600);
		return {token, file, created: true};
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the API token file ${file}: ${(error as Error).message}`, {cause: error});
	}
	const token = fs.readFileSync(file, 'utf8').trim();
	if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) throw new Error(`${file}: expected one token (16+ characters of A–Z a–z 0–9 _ -); delete the file to generate a new one`);
	const mode = fs.statSync(file).mode & 0o777;
	const warning = (mode & 0o077) === 0 ? undefined : `${file} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${file}`;
	return {token, file, created: false, warning};
}

export function tokenFilePath(ctx: Pick<Context, 'paths'>): string {
	return path.join(ctx.paths.dataDir, 'serve-token');
}

function authorized(header: string | undefined, token: string): boolean {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	if (!match) return false;
	const given = Buffer.from(match[1]!);
	const wanted = Buffer.from(token);
	return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = `${jsonText(body)}\n`;
	response.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers});
	response.end(text);
}

const error = (status: number, message: string) => ({error: {status, message}});

/** A job as the API shows it (no process identity internals). */
export function jobJson(job: JobView | null) {
	if (!job) return null;
	return {
		id: job.id,
		title: job.title,
		prompt: job.prompt,
		cwd: job.cwd,
		severity: job.severity,
		createdAt: job.createdAt,
		source: job.source,
		sourceRef: job.sourceRef,
		kind: job.kind,
		module: job.module,
		provider: job.provider,
		scopes: jobScopes(job),
		state: job.state,
		autoUtilization: job.autoUtilization,
		account: job.account,
		pid: job.pid,
		supervisorPid: job.supervisorPid,
		logPath: job.logPath,
		claimedAt: job.claimedAt,
		startedAt: job.startedAt,
		finishedAt: job.finishedAt,
		exitCode: job.exitCode,
		signal: job.signal,
		costUsd: job.costUsd,
		utilizationBefore: job.utilizationBefore,
		utilizationAfter: job.utilizationAfter,
		message: job.message,
		failureKind: job.failureKind,
		notBefore: job.notBefore,
		whenReady: job.whenReady,
		team: job.team ?? null,
		estimate: {
			usd: job.estimate.usd,
			pct: job.estimate.pct,
			durationMs: job.estimate.durationMs,
			usdSource: job.estimate.usdSource,
			pctSource: job.estimate.pctSource,
			samples: job.estimate.samples,
			detail: job.estimate.detail,
		},
		ageMs: job.ageMs,
		elapsedMs: job.elapsedMs,
	};
}

export function dispatchJson(outcome: DispatchOutcome, dryRun: boolean) {
	return {
		dispatched: outcome.status === 'dispatched',
		dryRun,
		status: outcome.status,
		message: outcome.message,
		account: outcome.account,
		gate: outcome.gate,
		argv: outcome.argv,
		reasons: outcome.reasons,
		resumeAt: outcome.resumeAt ?? null,
		job: jobJson(outcome.job),
	};
}

/** The status JSON of the API: the status report, idle capacity, the auto plan and the queue summary. */
export async function statusJson(ctx: Context, now: number) {
	const {plan, collected, queue, mode} = await planAuto(ctx, now);
	const queued = queue.jobs.filter(job => job.state === 'queued');
	const running = queue.jobs.filter(job => job.state === 'running' || job.state === 'claimed');
	return {
		...collected.report,
		idle: plan.accounts,
		autoUtilization: {
			mode,
			quietHours: plan.quietHours,
			reasons: plan.reasons,
			planned: plan.planned.map(({gate: _gate, ...rest}) => rest),
			excluded: plan.excluded,
			spentThisWeekUsd: plan.spentThisWeekUsd,
			weeklyAutoCapUsd: plan.weeklyAutoCapUsd,
		},
		queue: {
			queued: queued.length,
			running: running.length,
			estimateUsd: Math.round(queued.reduce((sum, job) => sum + job.estimate.usd, 0) * 100) / 100,
			warnings: queue.warnings,
			jobs: queue.jobs.slice(0, 50).map(job => jobJson(job)),
		},
	};
}

/** How long a client may take to send its request body (one slow POST must not hold the others). */
export const BODY_TIMEOUT_MS = 10_000;

type Body = string | {tooLarge: true} | {timedOut: true};

/** The request body, at most MAX_BODY bytes, within `timeoutMs`. */
function readBody(request: http.IncomingMessage, timeoutMs: number): Promise<Body> {
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		let size = 0;
		const finish = (result: Body) => {
			clearTimeout(timer);
			request.off('data', onData);
			request.off('end', onEnd);
			resolve(result);
		};
		const timer = setTimeout(() => finish({timedOut: true}), timeoutMs);
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY) finish({tooLarge: true});
			else chunks.push(chunk);
		};
		const onEnd = () => finish(Buffer.concat(chunks).toString('utf8'));
		request.on('data', onData);
		request.on('end', onEnd);
		request.once('error', () => finish({timedOut: true}));
	});
}

/** The Host header names this server (127.0.0.1:PORT or localhost:PORT): a DNS-rebinding page cannot. */
function hostAllowed(host: string | undefined, port: number): boolean {
	return host !== undefined && (host.toLowerCase() === `127.0.0.1:${port}` || host.toLowerCase() === `localhost:${port}`);
}

type DispatchBody = {jobId?: string; dryRun?: boolean; manual?: boolean};

function parseDispatchBody(text: string): DispatchBody | {error: string} {
	if (text.trim() === '') return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error_) {
		return {error: `bad JSON: ${(error_ as Error).message}`};
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return {error: 'expected a JSON object such as {"jobId": "q-1a2b3c", "dryRun": true}'};
	const body = value as Record<string, unknown>;
	const unknown = Object.keys(body).filter(key => key !== 'jobId' && key !== 'dryRun' && key !== 'manual');
	if (unknown.length > 0) return {error: `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; expected jobId, dryRun and manual`};
	if (body['jobId'] !== undefined && (typeof body['jobId'] !== 'string' || body['jobId'].trim() === '')) return {error: 'jobId: expected a non-empty string'};
	if (body['dryRun'] !== undefined && typeof body['dryRun'] !== 'boolean') return {error: 'dryRun: expected true or false'};
	if (body['manual'] !== undefined && typeof body['manual'] !== 'boolean') return {error: 'manual: expected true or false'};
	return {jobId: body['jobId'] as string | undefined, dryRun: body['dryRun'] as boolean | undefined, manual: body['manual'] as boolean | undefined};
}

/**
 * POST /auto-utilization/dispatch: with `jobId`, that job as automatic work — only when the auto-spend
 * plan starts it now (quiet hours, the cost caps, idle rules and half-headroom apply) — or, with
 * `"manual": true`, through the gate as a person's work; without `jobId`, the first job of the plan
 * that starts now.
 */
async function dispatchRoute(ctx: Context, body: DispatchBody): Promise<{status: number; body: unknown}> {
	const now = ctx.clock.now();
	const dryRun = body.dryRun === true;
	const notPlanned = (message: string, reasons: readonly string[]) => ({status: 200, body: {dispatched: false, dryRun, status: 'not-planned', message, account: null, gate: null, argv: null, reasons, job: null}});
	if (body.jobId && body.manual !== true) {
		// Automatic work: the plan decides (the same rules as auto mode), then dispatch decides on the same inputs.
		const resolved = resolveJobId(ctx, body.jobId);
		if (!('error' in resolved)) {
			const {plan, collected} = await planAuto(ctx, now);
			const planned = plan.planned.find(p => p.jobId === resolved.id);
			const excluded = plan.excluded.find(p => p.jobId === resolved.id);
			if (planned && planned.startsNow) {
				const outcome = await dispatchJob(ctx, {jobId: planned.jobId, account: planned.account, dryRun, automatic: true, autoUtilization: true, why: planned.reasons, refresh: false, inputs: collected});
				return {status: outcome.status === 'already-claimed' ? 409 : 200, body: dispatchJson(outcome, dryRun)};
			}
			if (planned) return notPlanned(`Not dispatched: ${resolved.id} is planned on ${planned.account} after ${planned.position} earlier job${planned.position === 1 ? '' : 's'} (automatic work; "manual": true dispatches it now through the gate)`, planned.reasons);
			if (excluded) return notPlanned(`Not dispatched: automatic work, and ${excluded.reasons[0] ?? plan.reasons[0] ?? 'the auto-spend plan excludes it'} ("manual": true dispatches it through the gate as a person's work)`, [...plan.reasons, ...excluded.reasons]);
		}
	}
	if (body.jobId) {
		const manual = body.manual === true;
		const outcome = await dispatchJob(ctx, {jobId: body.jobId, dryRun, automatic: !manual, autoUtilization: !manual});
		const status = outcome.status === 'job-not-found' ? 404 : outcome.status === 'already-claimed' ? 409 : outcome.status === 'demo' ? 400 : 200;
		return {status, body: status === 404 ? {...error(404, outcome.message), ...dispatchJson(outcome, dryRun)} : dispatchJson(outcome, dryRun)};
	}
	const {plan, collected} = await planAuto(ctx, now);
	const first = plan.planned.find(p => p.startsNow);
	if (!first) {
		return {status: 200, body: {dispatched: false, dryRun, status: 'nothing-planned', message: plan.reasons[0] ?? 'no queued job fits the idle capacity now', account: null, gate: null, argv: null, reasons: [...plan.reasons, ...plan.excluded.map(job => `${job.jobId}: ${job.reasons.join('; ')}`)], job: null}};
	}
	const outcome = await dispatchJob(ctx, {jobId: first.jobId, account: first.account, dryRun, automatic: true, autoUtilization: true, why: first.reasons, refresh: false, inputs: collected});
	return {status: outcome.status === 'already-claimed' ? 409 : 200, body: dispatchJson(outcome, dryRun)};
}

export type ApiServer = {server: http.Server; port: number; close(): Promise<void>};

export type ApiOptions = {bodyTimeoutMs?: number};

/**
 * Handle one request: Host and token first, the body read (bounded in size and time) outside the
 * queue, then routing one request at a time (the context — config, database handle — is shared).
 */
function handler(ctx: Context, token: string, port: () => number, options: ApiOptions) {
	let queue = Promise.resolve();
	const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
	const serialised = (fn: () => Promise<void> | void, response: http.ServerResponse) => {
		queue = queue.then(async () => {
			try {
				await fn();
			} catch (failure) {
				if (!response.headersSent) send(response, 500, error(500, (failure as Error).message));
				else response.end();
			}
		});
	};
	return async (request: http.IncomingMessage, response: http.ServerResponse) => {
		if (!hostAllowed(request.headers.host, port())) {
			send(response, 421, error(421, `this API answers only Host 127.0.0.1:${port()} or localhost:${port()}`), {connection: 'close'});
			request.resume();
			return;
		}
		if (!authorized(request.headers.authorization, token)) {
			send(response, 401, error(401, 'missing or wrong bearer token (Authorization: Bearer <token from the serve-token file>)'), {'www-authenticate': 'Bearer realm="quota-tui"'});
			request.resume();
			return;
		}
		const url = new URL(request.url ?? '/', `http://${HOST}`);
		const route = url.pathname.replace(/\/+$/, '');
		if (route === '/auto-utilization/status') {
			if (request.method !== 'GET' && request.method !== 'HEAD') {
				send(response, 405, error(405, `${request.method} is not allowed here; use GET`), {allow: 'GET, HEAD'});
				request.resume();
				return;
			}
			serialised(async () => send(response, 200, await statusJson(ctx, ctx.clock.now())), response);
			return;
		}
		if (route === '/auto-utilization/dispatch') {
			if (request.method !== 'POST') {
				send(response, 405, error(405, `${request.method} is not allowed here; use POST`), {allow: 'POST'});
				request.resume();
				return;
			}
			const text = await readBody(request, bodyTimeoutMs);
			if (typeof text !== 'string') {
				const tooLarge = 'tooLarge' in text;
				send(response, tooLarge ? 413 : 408, error(tooLarge ? 413 : 408, tooLarge ? `request body over ${MAX_BODY / 1024} KB` : `request body not received within ${bodyTimeoutMs / 1000} s`), {connection: 'close'});
				request.destroy();
				return;
			}
			const body = parseDispatchBody(text);
			if ('error' in body) {
				send(response, 400, error(400, body.error));
				return;
			}
			serialised(async () => {
				const result = await dispatchRoute(ctx, body);
				send(response, result.status, result.body);
			}, response);
			return;
		}
		send(response, 404, error(404, `no such endpoint ${url.pathname}; try GET /auto-utilization/status or POST /auto-utilization/dispatch`));
		request.resume();
	};
}

/** Listen on 127.0.0.1:`port` (0 = any free port). */
export function startApiServer(ctx: Context, token: string, port: number, options: ApiOptions = {}): Promise<ApiServer> {
	return new Promise((resolve, reject) => {
		let listening = port;
		const server = http.createServer(handler(ctx, token, () => listening, options));
		server.keepAliveTimeout = 5000;
		// Node's own bound on a whole request (checked coarsely); the body timeout above is the tight one.
		server.headersTimeout = 10_000;
		server.requestTimeout = 15_000;
		server.once('error', reject);
		server.listen(port, HOST, () => {
			server.off('error', reject);
			const address = server.address();
			const actual = typeof address === 'object' && address ? address.port : port;
			listening = actual;
			resolve({
				server,
				port: actual,
				close: () => new Promise<void>(done => {
					server.close(() => done());
					server.closeAllConnections();
				}),
			});
		});
	});
}

/**
 * The background duty of `serve`: every polling interval, bring the queue up to date, find gone job
 * processes, and run the auto-utilization tick (suggest / auto modes). Returns a stop function.
 */
export function startAutoLoop(ctx: Context, onTick?: (summary: string) => void, options: {poll?: boolean} = {}): () => void {
	// `serve` keeps its accounts fresh with the dashboard's poller (every account on its own jittered
	// schedule, within the shared read budget): auto mode finds idle accounts without a dashboard open.
	const poller = options.poll ? createPoller(ctx) : undefined;
	poller?.start();
	let running = false;
	let stopped = false;
	let again = false;
	const tick = async (): Promise<void> => {
		if (stopped) return;
		if (running) {
			again = true;
			return;
		}
		running = true;
		try {
			for (const problem of deliveryProblems(await eventsTick(ctx, ctx.clock.now()))) onTick?.(problem);
			const result = await autoTick(ctx, ctx.clock.now());
			const resumed = (result.resumed ?? []).filter(outcome => outcome.status === 'dispatched');
			if (onTick && resumed.length > 0) onTick(`${localIso(ctx.clock.now())} resumed: ${resumed.map(outcome => outcome.message).join('; ')}`);
			const dispatched = result.dispatched.filter(outcome => outcome.status === 'dispatched');
			if (onTick && (dispatched.length > 0 || result.notified.some(n => n.result.sent))) {
				onTick(`${localIso(ctx.clock.now())} auto ${result.mode}: ${dispatched.map(outcome => outcome.message).join('; ') || result.notified.filter(n => n.result.sent).map(n => `notified about ${n.account}`).join('; ')}`);
			}
		} catch (failure) {
			onTick?.(`auto-utilization tick failed: ${(failure as Error).message}`);
		} finally {
			running = false;
			if (again) {
				again = false;
				void tick();
			}
		}
	};
	const interval = setInterval(() => void tick(), Math.max(5, ctx.config.polling.intervalSeconds) * 1000);
	// Team mode: another machine's new job (or a finished claim) wakes the loop at once.
	const unsubscribe = onTeamJobs(ctx, () => void tick());
	void tick();
	return () => {
		stopped = true;
		poller?.dispose();
		clearInterval(interval);
		unsubscribe();
	};
}
