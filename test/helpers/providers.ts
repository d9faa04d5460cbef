/**
 * Real parts for provider tests: HTTP servers on 127.0.0.1, Claude config dirs and Codex homes in the
 * temp dir, the fake `claude` / `codex` executables of test/fixtures/bin on PATH, and an async runner for
 * the CLI (the in-process server must keep answering while the command runs).
 */
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {ROOT, runCliAsync as runCliInWorker, type CliResult} from './cli.js';

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'providers');
export const FAKE_BIN = path.join(ROOT, 'test', 'fixtures', 'bin');

/** A token no real system would print: every test greps for it. */
export const FAKE_TOKEN = 'sk-ant-oat01-QTFAKE-7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b-never-print';
export const FAKE_CHATGPT_TOKEN_SECRET = 'QTFAKECHATGPTSIGNATURE0123456789abcdef';

export const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
export const fixtureJson = <T = unknown>(name: string) => JSON.parse(fixtureText(name)) as T;

export const tempDir = (prefix = 'qt-prov-') => fs.mkdtempSync(path.join(process.env['QUOTA_TUI_TEST_ROOT'] ?? os.tmpdir(), prefix));

export type Recorded = {method: string; url: string; headers: http.IncomingHttpHeaders};
/** `stream`: after `body`, `chunks` chunks of `chunkBytes` bytes each, written as the client reads them (a body that never ends). */
export type Reply = {status?: number; headers?: Record<string, string>; body?: string; hang?: boolean; stream?: {chunkBytes: number; chunks: number}; delayMs?: number};

export type TestServer = {
	url: string;
	requests: Recorded[];
	/** Bytes of `stream` replies written so far (how far a client let a streamed body get). */
	streamed: () => number;
	/** Change the answer of the next requests. */
	reply: (next: Reply | ((request: Recorded) => Reply)) => void;
	close: () => Promise<void>;
};

/** A real HTTP server on 127.0.0.1 that records every request and answers what `reply` says. */
export async function startServer(initial: Reply | ((request: Recorded) => Reply) = {status: 200, body: '{}'}): Promise<TestServer> {
	let answer = initial;
	const requests: Recorded[] = [];
	const hanging = new Set<http.ServerResponse>();
	let streamed = 0;
	const server = http.createServer((request, response) => {
		const recorded = {method: request.method ?? '', url: request.url ?? '', headers: request.headers};
		requests.push(recorded);
		const r = typeof answer === 'function' ? answer(recorded) : answer;
		if (r.hang) {
			hanging.add(response);
			return;
		}
		if (r.delayMs) {
			hanging.add(response);
			setTimeout(() => {
				hanging.delete(response);
				if (!response.destroyed) answerWith(response, {...r, delayMs: 0});
			}, r.delayMs);
			return;
		}
		answerWith(response, r);
	});
	const answerWith = (response: http.ServerResponse, r: Reply) => {
		response.writeHead(r.status ?? 200, {'content-type': 'application/json', ...r.headers});
		if (r.stream) {
			const {chunkBytes, chunks} = r.stream;
			const chunk = Buffer.alloc(chunkBytes, 0x20);
			let left = chunks;
			hanging.add(response);
			response.write(r.body ?? '');
			const more = () => {
				while (left > 0 && !response.destroyed) {
					left--;
					streamed += chunk.length;
					if (!response.write(chunk)) return void response.once('drain', more);
				}
				if (left === 0) response.end();
			};
			response.on('close', () => hanging.delete(response));
			more();
			return;
		}
		response.end(r.body ?? '');
	};
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		streamed: () => streamed,
		reply(next) {
			answer = next;
		},
		close: () => new Promise(resolve => {
			for (const response of hanging) response.destroy();
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

export type ClaudeLogin = {
	token?: string;
	expiresAt?: number | null;
	scopes?: string[];
	subscriptionType?: string;
	rateLimitTier?: string;
	email?: string;
};

/** A Claude config dir with `.credentials.json` (and `.claude.json` when an email is given). */
export function claudeDir(dir: string, login: ClaudeLogin = {}): string {
	fs.mkdirSync(dir, {recursive: true});
	const oauth: Record<string, unknown> = {
		accessToken: login.token ?? FAKE_TOKEN,
		refreshToken: `${login.token ?? FAKE_TOKEN}-refresh`,
		scopes: login.scopes ?? ['user:inference', 'user:profile', 'user:sessions:claude_code'],
		subscriptionType: login.subscriptionType ?? 'max',
		rateLimitTier: login.rateLimitTier ?? 'default_claude_max_20x',
	};
	if (login.expiresAt !== null) oauth['expiresAt'] = login.expiresAt ?? Date.parse('2030-01-01T00:00:00Z');
	fs.writeFileSync(path.join(dir, '.credentials.json'), JSON.stringify({claudeAiOauth: oauth, organizationUuid: 'org-1'}), {mode: 0o600});
	if (login.email) fs.writeFileSync(path.join(dir, '.claude.json'), JSON.stringify({numStartups: 3, oauthAccount: {accountUuid: 'u-1', emailAddress: login.email, organizationName: 'Org'}}));
	return dir;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned-looking JWT with `claims` (signature part is a fixed fake string). */
export const jwt = (claims: Record<string, unknown>) => `${b64({alg: 'RS256', typ: 'JWT'})}.${b64(claims)}.${FAKE_CHATGPT_TOKEN_SECRET}`;

/** A Codex home with `auth.json` (ChatGPT login). */
export function codexHome(dir: string, login: {email?: string; plan?: string; exp?: number; accountId?: string} = {}): string {
	fs.mkdirSync(dir, {recursive: true});
	const idToken = jwt({email: login.email ?? 'dev@example.com', 'https://api.openai.com/auth': {chatgpt_plan_type: login.plan ?? 'plus', chatgpt_account_id: login.accountId ?? 'acct-1'}});
	const accessToken = jwt({exp: login.exp ?? Date.parse('2030-01-01T00:00:00Z') / 1000, sub: 'user-1'});
	fs.writeFileSync(path.join(dir, 'auth.json'), JSON.stringify({auth_mode: 'chatgpt', OPENAI_API_KEY: null, tokens: {id_token: idToken, access_token: accessToken, refresh_token: 'rt-QTFAKE-refresh', account_id: login.accountId ?? 'acct-1'}, last_refresh: '2026-11-20T08:05:37Z'}), {mode: 0o600});
	return dir;
}

/** Write rollout lines into `<home>/sessions/YYYY/MM/DD/rollout-….jsonl` and set the file's mtime. */
export function writeRollout(home: string, day: string, name: string, lines: readonly string[], mtimeIso?: string): string {
	const [y, m, d] = day.split('-');
	const dir = path.join(home, 'sessions', y!, m!, d!);
	fs.mkdirSync(dir, {recursive: true});
	const file = path.join(dir, `rollout-${day}T10-00-00-${name}.jsonl`);
	fs.writeFileSync(file, lines.map(l => `${l}\n`).join(''));
	if (mtimeIso) {
		const t = new Date(mtimeIso);
		fs.utimesSync(file, t, t);
	}
	return file;
}

/** PATH for children: the fake executables first (when wanted), the pinned node, then the system. */
export function childPath(withFakes: boolean): string {
	return [...(withFakes ? [FAKE_BIN] : []), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
}

/** The environment the fake executables need (they run with the pinned node). */
export const fakeEnv = (extra: Record<string, string> = {}) => ({FAKE_NODE: process.execPath, ...extra});

export type AsyncRun = {home: string; now?: string; env?: Record<string, string | undefined>; input?: string};

/**
 * Run the CLI without blocking this thread (an in-process test server keeps answering): in-process
 * (test/helpers/cli.ts), with the fake-free PATH of provider tests unless `env` says otherwise.
 */
export function runCliAsync(args: readonly string[], options: AsyncRun): Promise<CliResult> {
	return runCliInWorker(args, {...options, env: {PATH: childPath(false), ...options.env}});
}

/** Parse stdout as JSON or fail with the output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
export function json<T = any>(result: CliResult): T {
	try {
		return JSON.parse(result.stdout) as T;
	} catch {
		throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
	}
}

/** Every file under `dir` (recursively), for token greps. */
export function allFiles(dir: string): string[] {
	const out: string[] = [];
	for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...allFiles(full));
		else if (entry.isFile()) out.push(full);
	}
	return out;
}
