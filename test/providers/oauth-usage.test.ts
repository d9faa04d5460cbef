process.env.TZ = 'UTC';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {fetchOAuthUsage} from '../../source/providers/oauth-usage.js';
import {claudeDir, FAKE_TOKEN, fixtureText, startServer, tempDir, type TestServer} from '../helpers/providers.js';

const NOW = Date.parse('2026-04-18T12:00:00Z');
let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function read(reply: Parameters<typeof startServer>[0], login: Parameters<typeof claudeDir>[1] = {}, timeoutMs?: number) {
	server = await startServer(reply);
	const dir = claudeDir(path.join(tempDir(), 'claude'), login);
	const outcome = await fetchOAuthUsage({configDir: dir, now: NOW, baseUrl: server.url, timeoutMs});
	return {outcome, requests: server.requests, dir};
}

describe('OAuth usage endpoint against a real HTTP server', () => {
	it('200 with the live Max payload: windows, the exact request (path, bearer, beta header)', async () => {
		const {outcome, requests} = await read({status: 200, body: fixtureText('oauth-live-max.json')});
		expect(outcome.ok).toBe(true);
		if (!outcome.ok) return;
		expect(outcome).toMatchObject({origin: 'oauth-usage', observedAt: '2026-04-18T12:00:00Z', partial: false, requested: true, plan: 'max'});
		expect(outcome.windows.map(w => [w.kind, w.utilization])).toEqual([['five_hour', 0.22], ['seven_day', 0.33], ['seven_day_sonnet', 0]]);
		expect(requests).toHaveLength(1);
		expect(requests[0]).toMatchObject({method: 'GET', url: '/api/oauth/usage'});
		expect(requests[0]!.headers['authorization']).toBe(`Bearer ${FAKE_TOKEN}`);
		expect(requests[0]!.headers['anthropic-beta']).toBe('oauth-2025-04-20');
	});

	it('401 → invalid_key, with the server\'s sentence and what to do', async () => {
		const body = JSON.stringify({type: 'error', error: {type: 'authentication_error', message: 'OAuth token has expired. Please obtain a new token or refresh your existing token.'}, request_id: 'req_1'});
		const {outcome} = await read({status: 401, body});
		expect(outcome).toMatchObject({ok: false, status: 'invalid_key', requested: true});
		expect(!outcome.ok && outcome.message).toMatch(/401: OAuth token has expired.*sign in again/);
	});

	it('403 scope error → a status that says the token lacks user:profile', async () => {
		const body = JSON.stringify({type: 'error', error: {type: 'permission_error', message: 'OAuth token does not meet scope requirement user:profile', details: {error_visibility: 'user_facing'}}, request_id: 'req_2'});
		const {outcome} = await read({status: 403, body});
		expect(outcome).toMatchObject({ok: false, status: 'policy_rejected'});
		expect(!outcome.ok && outcome.message).toContain('lacks the user:profile scope');
	});

	it('429 with Retry-After: 120 → rate-limited for 120 s; without it → no retryAfterMs (the poller backs off 5 min)', async () => {
		const limited = JSON.stringify({error: {message: 'Rate limited. Please try again later.', type: 'rate_limit_error'}});
		const first = await read({status: 429, headers: {'retry-after': '120'}, body: limited});
		expect(first.outcome).toMatchObject({ok: false, rateLimited: true, retryAfterMs: 120_000, requested: true});
		expect(first.outcome).not.toHaveProperty('status', 'invalid_key');
		await server!.close();
		const second = await read({status: 429, body: limited});
		expect(second.outcome).toMatchObject({ok: false, rateLimited: true, retryAfterMs: undefined});
		expect(!second.outcome.ok && second.outcome.message).toContain('no Retry-After');
		await server!.close();
		const zero = await read({status: 429, headers: {'retry-after': '0'}, body: limited});
		expect(zero.outcome).toMatchObject({rateLimited: true, retryAfterMs: undefined});
	});

	it('500 → unreachable; a hanging response → unreachable after the timeout; invalid JSON → a message, no status', async () => {
		expect((await read({status: 500, body: '<html>oops</html>'})).outcome).toMatchObject({ok: false, status: 'unreachable', message: 'usage endpoint server error 500'});
		await server!.close();
		const hung = await read({hang: true}, {}, 300);
		expect(hung.outcome).toMatchObject({ok: false, status: 'unreachable'});
		expect(!hung.outcome.ok && hung.outcome.message).toMatch(/^usage endpoint: no answer from 127\.0\.0\.1:\d+ within 300 ms$/);
		await server!.close();
		const garbage = await read({status: 200, body: '{"five_hour": '});
		expect(garbage.outcome).toMatchObject({ok: false, requested: true, message: 'usage endpoint answered 200 with a body that is not a JSON object'});
		expect(garbage.outcome).not.toHaveProperty('status', 'unreachable');
	});

	it('an expired token → token_expired without a request; a token without user:profile → no request either', async () => {
		const expired = await read({status: 200, body: '{}'}, {expiresAt: NOW - 1000});
		expect(expired.outcome).toMatchObject({ok: false, status: 'token_expired', requested: false});
		expect(expired.requests).toHaveLength(0);
		await server!.close();
		const noExpiry = await read({status: 200, body: '{}'}, {expiresAt: null});
		expect(noExpiry.outcome).toMatchObject({status: 'token_expired'});
		await server!.close();
		const setupToken = await read({status: 200, body: '{}'}, {scopes: ['user:inference']});
		expect(setupToken.outcome).toMatchObject({ok: false, status: 'policy_rejected', requested: false});
		expect(setupToken.requests).toHaveLength(0);
	});

	it('reads the credentials file read-only and names it when it is missing or broken', async () => {
		server = await startServer({status: 200, body: '{}'});
		const dir = claudeDir(path.join(tempDir(), 'c'));
		const file = path.join(dir, '.credentials.json');
		const before = fs.readFileSync(file, 'utf8');
		const mtime = fs.statSync(file).mtimeMs;
		await fetchOAuthUsage({configDir: dir, now: NOW, baseUrl: server.url});
		expect(fs.readFileSync(file, 'utf8')).toBe(before);
		expect(fs.statSync(file).mtimeMs).toBe(mtime);

		const missing = await fetchOAuthUsage({configDir: path.join(dir, 'nope'), now: NOW, baseUrl: server.url});
		expect(missing).toMatchObject({ok: false, requested: false, message: expect.stringContaining(`${path.join(dir, 'nope', '.credentials.json')} does not exist`)});
		fs.writeFileSync(file, '{"claudeAiOauth": ');
		const broken = await fetchOAuthUsage({configDir: dir, now: NOW, baseUrl: server.url});
		expect(broken).toMatchObject({ok: false, message: expect.stringContaining('is not valid JSON')});
		fs.writeFileSync(file, JSON.stringify({mcpOAuth: {x: {}}}));
		const mcpOnly = await fetchOAuthUsage({configDir: dir, now: NOW, baseUrl: server.url});
		expect(mcpOnly).toMatchObject({ok: false, message: expect.stringContaining('no claudeAiOauth.accessToken')});
		expect(server.requests).toHaveLength(1);
	});

	it('never puts the token in a message, whatever the server echoes', async () => {
		const {outcome} = await read({status: 401, body: JSON.stringify({error: {message: `bad token ${FAKE_TOKEN}`}})});
		expect(JSON.stringify(outcome)).not.toContain(FAKE_TOKEN);
		expect(!outcome.ok && outcome.message).toContain('[redacted]');
	});
});

describe('bounded reads (issue 10 D9): got\'s size guard, timeouts and retry', () => {
	it('a body over 1 MB is aborted: by its content-length before reading, or by counting bytes as they stream', async () => {
		const declared = await read({status: 200, headers: {'content-length': String(5 * 1024 * 1024)}, stream: {chunkBytes: 1024 * 1024, chunks: 5}});
		expect(declared.outcome).toMatchObject({ok: false, status: 'unreachable'});
		expect(!declared.outcome.ok && declared.outcome.message).toMatch(/the answer from 127\.0\.0\.1:\d+ is over 1 MB \(5120 KB\); not read/);
		await server!.close();
		// No content-length: 3000 chunks of 1 MB (the audit's 4 GB RSS) — stopped after about 1 MB.
		const started = Date.now();
		const streamed = await read({status: 200, body: '{"five_hour": {"utilization": 1, "pad": "', stream: {chunkBytes: 1024 * 1024, chunks: 3000}});
		expect(!streamed.outcome.ok && streamed.outcome.message).toMatch(/is over 1 MB/);
		expect(Date.now() - started).toBeLessThan(5000);
		// What the server managed to write before the abort: socket buffers, not gigabytes.
		expect(server!.streamed()).toBeLessThan(64 * 1024 * 1024);
	});

	it('a 503 with Retry-After: 1 is retried once after the wait; without Retry-After, or with a long one, it is not (the poller backs off)', async () => {
		const live = fixtureText('oauth-live-max.json');
		let calls = 0;
		const retried = await read(() => (++calls === 1 ? {status: 503, headers: {'retry-after': '1'}, body: 'busy'} : {status: 200, body: live}));
		expect(retried.outcome.ok).toBe(true);
		expect(retried.requests).toHaveLength(2);
		await server!.close();
		const plain = await read({status: 503, body: 'busy'});
		expect(plain.outcome).toMatchObject({ok: false, status: 'unreachable', message: 'usage endpoint server error 503'});
		expect(plain.requests).toHaveLength(1);
		await server!.close();
		const long = await read({status: 503, headers: {'retry-after': '120'}, body: 'busy'});
		expect(long.outcome.ok).toBe(false);
		expect(long.requests).toHaveLength(1);
	});
});
