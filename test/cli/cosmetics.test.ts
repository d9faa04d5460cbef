/**
 * Audit S3 (cosmetic) and audit Part 2 D9 (colours follow the configured thresholds), through the CLI:
 * in-process main() and, for colour, the built CLI as a real process with FORCE_COLOR.
 */
import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {CLI, cliEnv, runMain, tempHome} from '../helpers/cli.js';

const NOW = '2026-11-20T10:00:00Z';

async function ok(args: string[], home: string) {
	const r = await runMain(args, {home, now: NOW});
	expect(r.stderr, args.join(' ')).toBe('');
	expect(r.code, args.join(' ')).toBe(0);
	return r;
}

describe('cosmetics (audit S3, Part 2 D9)', () => {
	it('S3 JSON numbers carry no float noise (estimate --json: 3 × 20% is 0.6, not 0.6000000000000001)', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'solo', '--provider', 'manual'], home);
		await ok(['config', 'set', 'jobs.defaultEstimatePct', '0.2'], home);
		await ok(['config', 'set', 'jobs.defaultEstimateUsd', '0.15'], home);
		const r = await runMain(['estimate', '--tasks', '3', '--json'], {home, now: NOW});
		expect(r.stdout).not.toMatch(/\d\.\d*0000000\d/);
		expect(r.stdout).not.toMatch(/\d\.\d*9999999\d/);
		expect(JSON.parse(r.stdout)).toMatchObject({tasks: 3, estimatedPct: 0.6, estimatedUsd: 0.45});
	});

	it('S3 leaving an unusable active account for the emergency one reads "switching to shelley: no regular account is usable …", and a refusal is said once', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'work', '--provider', 'manual'], home);
		await ok(['accounts', 'add', 'shelley', '--provider', 'manual', '--last-resort'], home);
		await ok(['switch', 'work'], home);
		await ok(['outcome', 'work', 'credential', '--message', 'credential refused: Invalid API key'], home);
		const r = await runMain(['recommend', '--json'], {home, now: NOW});
		const json = JSON.parse(r.stdout);
		expect(json.account).toBe('shelley');
		expect(json.reason).toMatch(/^work is active but .*; switching to shelley: no regular account is usable; using the last-resort account shelley \(emergency\)$/);
		expect(json.reason).not.toContain('switching to no regular');
		expect(r.stdout).not.toContain('credential refused: credential refused');
		expect(r.stdout).toContain('refused the credential (Invalid API key)');
	});

	it('D9 bars and badges colour by policy.warnThreshold / switchThreshold: 60% and 65% are red at a 60% switch threshold, not green', async () => {
		const home = tempHome();
		await ok(['accounts', 'add', 'solo', '--provider', 'manual', '--plan', 'pro'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'five_hour', '--used', '60', '--reset-at', '2026-11-20T13:00:00Z'], home);
		await ok(['budget', 'set', '--scope', 'account:solo', '--window', 'seven_day', '--used', '65', '--reset-at', '2026-11-24T10:00:00Z'], home);
		const frame = () => {
			const env: NodeJS.ProcessEnv = {...cliEnv({home, now: NOW}), FORCE_COLOR: '1'};
			delete env['NO_COLOR'];
			const r = spawnSync(process.execPath, [CLI, 'dashboard'], {env, encoding: 'utf8', timeout: 30_000});
			expect(r.status).toBe(0);
			return r.stdout.split('\n').find(line => line.includes('solo') && line.includes('60%') && line.includes('65%'))!;
		};
		// An SGR colour (32 green, 31 red, 33 yellow) followed by plain text up to `text`.
		const coloured = (code: number, text: string) => new RegExp(`${String.fromCodePoint(27)}\\[${code}m[^${String.fromCodePoint(27)}]*${text}`);
		// Defaults (warn 80%, switch 90%): green.
		expect(frame()).toMatch(coloured(32, '60%'));
		await ok(['config', 'set', 'policy.warnThreshold', '0.5'], home);
		await ok(['config', 'set', 'policy.switchThreshold', '0.6'], home);
		const row = frame();
		expect(row).toMatch(coloured(31, '60%'));
		expect(row).toMatch(coloured(31, '65%'));
		expect(row).toMatch(coloured(33, 'warn'));
		expect(row).not.toContain('\u001B[32m');
	});
});
