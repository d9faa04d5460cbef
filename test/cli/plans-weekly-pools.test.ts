/**
 * December 2026 plans, weekly-only accounts and shared pools through the CLI: renamed plans in config
 * and on `accounts add`, status-line captures with no 5-hour window for 24 h, and two accounts fed
 * identical series by the fake `codex app-server`.
 */
process.env.TZ = 'UTC';

import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runMain, tempHome} from '../helpers/cli.js';
import {childPath, claudeDir, codexHome, fakeEnv, tempDir} from '../helpers/providers.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const epoch = (hours: number) => Math.round((T0 + hours * 3_600_000) / 1000);

describe('plans: old names read and write as the new ones', () => {
	it('accounts add --plan max20 stores ultra and says so; a config with max20/max5/pro-chatgpt loads as ultra/max/pro', async () => {
		const home = tempHome();
		const env = {PATH: childPath(false)};
		const added = await runMain(['accounts', 'add', 'big', '--provider', 'claude', '--config-dir', tempDir(), '--plan', 'max20'], {home, env});
		expect(added.code).toBe(0);
		expect(added.stdout).toContain('Plan "max20" is now called "ultra" (Claude Ultra, formerly Max 20x (max20)): stored as ultra.');
		expect(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).accounts[0].plan).toBe('ultra');
		const unknown = await runMain(['accounts', 'add', 'odd', '--provider', 'claude', '--config-dir', tempDir(), '--plan', 'galaxy'], {home, env});
		expect(unknown.stderr).toContain('plan "galaxy" is not one quota-tui knows (pro, max, ultra, team, team-premium, enterprise): its value is unknown');

		const old = tempHome();
		fs.writeFileSync(path.join(old, 'config.json'), JSON.stringify({accounts: [
			{name: 'u', provider: 'claude', configDir: tempDir(), plan: 'max20'},
			{name: 'm', provider: 'claude', configDir: tempDir(), plan: 'max5'},
			{name: 'c', provider: 'codex', home: tempDir(), plan: 'pro-chatgpt'},
		]}));
		const status = JSON.parse((await runMain(['status', '--json'], {home: old, env, now: at(0)})).stdout);
		expect(status.accounts.map((a: {name: string; plan: string; valueUsdPerMonth: number; weeklyOnly: boolean; apiCredits: {monthlyUsd: number} | null}) => [a.name, a.plan, a.valueUsdPerMonth, a.weeklyOnly, a.apiCredits?.monthlyUsd ?? null])).toEqual([
			['u', 'ultra', 200, true, 200],
			['m', 'max', 100, false, 100],
			['c', 'pro', 200, false, null],
		]);
		expect(status.accounts[0].weeklyOnlyReason).toBe('plan ultra (Claude Ultra) has weekly windows only');
		// The file itself is left as the user wrote it; `accounts list` says how it reads.
		expect(JSON.parse(fs.readFileSync(path.join(old, 'config.json'), 'utf8')).accounts[0].plan).toBe('max20');
		expect((await runMain(['accounts', 'list'], {home: old, env})).stdout).toContain('config.json says plan max20, read as ultra');
	});
});

describe('weekly-only from status-line captures (issue 11)', {timeout: 60_000}, () => {
	it('no five_hour for 24 h while seven_day keeps arriving: weekly only, and no fake 0 % 5-hour window', async () => {
		const home = tempHome();
		const user = tempDir('qt-user-');
		const dir = claudeDir(path.join(user, '.claude-big'));
		const env = {PATH: childPath(false), HOME: user};
		await runMain(['accounts', 'add', 'big', '--provider', 'claude', '--config-dir', dir, '--plan', 'max'], {home, env});
		const capture = (hours: number, limits: Record<string, {used_percentage: number; resets_at: number}>) =>
			runMain(['statusline'], {home, now: at(hours), env: {...env, CLAUDE_CONFIG_DIR: dir}, input: JSON.stringify({model: {id: 'claude-opus-4-6'}, rate_limits: limits})});
		await capture(0, {five_hour: {used_percentage: 12, resets_at: epoch(3)}, seven_day: {used_percentage: 20, resets_at: epoch(120)}});
		for (let h = 2; h <= 28; h += 2) await capture(h, {seven_day: {used_percentage: 20 + h, resets_at: epoch(120)}});
		const before = JSON.parse((await runMain(['status', '--json'], {home, env, now: at(20)})).stdout).accounts[0];
		expect(before.weeklyOnly).toBe(false);
		const status = JSON.parse((await runMain(['status', '--json'], {home, env, now: at(28)})).stdout).accounts[0];
		expect(status.weeklyOnly).toBe(true);
		expect(status.weeklyOnlyReason).toMatch(/^no 5-hour window reported since 2026-11-22T12:00:00Z \(28 h\) while weekly windows kept arriving and weekly usage rose \(plan max says it has one: is the plan right\?\)$/);
		expect(status.windows.map((w: {kind: string}) => w.kind)).toEqual(['seven_day']);
		const text = await runMain(['status'], {home, env, now: at(28)});
		expect(text.stdout).toContain('weekly only: no 5-hour window reported since');
		expect(text.stdout).not.toMatch(/5h\s+0%/);
		// A 5-hour window again: not weekly-only any more.
		await capture(29, {five_hour: {used_percentage: 3, resets_at: epoch(33)}, seven_day: {used_percentage: 49, resets_at: epoch(120)}});
		expect(JSON.parse((await runMain(['status', '--json'], {home, env, now: at(29)})).stdout).accounts[0].weeklyOnly).toBe(false);
	});
});

describe('shared pools (issue 11)', {timeout: 60_000}, () => {
	it('two accounts fed identical series show as one pool; accounts pool clear/set/auto override the detection', async () => {
		const home = tempHome();
		const dir = tempDir();
		const payload = path.join(dir, 'payload.json');
		const env = fakeEnv({PATH: childPath(true), FAKE_CODEX_PAYLOAD: payload});
		for (const name of ['a', 'b']) await runMain(['accounts', 'add', name, '--provider', 'codex', '--home', codexHome(path.join(dir, name))], {home, env});
		for (const [minutes, used] of [[0, 22], [6, 25], [12, 31], [18, 40]] as const) {
			fs.writeFileSync(payload, JSON.stringify({rateLimits: {limitId: 'codex', primary: {usedPercent: used, windowDurationMins: 300, resetsAt: epoch(3)}, secondary: {usedPercent: used / 2, windowDurationMins: 10080, resetsAt: epoch(100)}, planType: 'plus'}, rateLimitsByLimitId: null}));
			expect((await runMain(['status', '--json'], {home, env, now: at(minutes / 60)})).code).toBe(0);
		}
		const status = JSON.parse((await runMain(['status', '--json'], {home, env, now: at(0.31)})).stdout);
		expect(status.accounts.map((a: {name: string; pool: string | null}) => [a.name, a.pool])).toEqual([['a', 'shared:a'], ['b', 'shared:a']]);
		expect(status.pools).toEqual([{id: 'shared:a', members: ['a', 'b'], basis: 'detected', reason: expect.stringContaining('a and b reported the same utilization and reset instants')}]);
		expect((await runMain(['status'], {home, env, now: at(0.31)})).stdout).toContain('pool: shared:a (shared with b)');

		expect((await runMain(['accounts', 'pool', 'clear', 'b'], {home, env})).stdout).toContain('b: in no pool (detection off).');
		expect(JSON.parse((await runMain(['accounts', 'pool', 'list', '--json'], {home, env, now: at(0.31)})).stdout).pools).toEqual([]);
		await runMain(['accounts', 'pool', 'set', 'a', 'b', '--pool', 'team-x'], {home, env});
		expect(JSON.parse((await runMain(['accounts', 'pool', 'list', '--json'], {home, env, now: at(0.31)})).stdout).pools).toEqual([{id: 'team-x', members: ['a', 'b'], basis: 'config', reason: expect.any(String)}]);
		await runMain(['accounts', 'pool', 'auto', 'a', 'b'], {home, env});
		expect(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).accounts.map((a: {pool?: unknown}) => a.pool)).toEqual([undefined, undefined]);
		expect((await runMain(['accounts', 'pool', 'set', 'a', '--pool', 'Bad Name'], {home, env})).code).toBe(2);
		expect((await runMain(['accounts', 'pool', 'set', 'zz', '--pool', 'p'], {home, env})).code).toBe(2);
	});
});
