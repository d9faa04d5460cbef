import fs from 'node:fs';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Account, Policy} from '../../source/engine/types.js';
import {DEFAULT_POLICY} from '../../source/engine/types.js';
import {ConfigError, configSchemas, defaultConfig, openConfig, type Config} from '../../source/store/config.js';
import {resolvePaths} from '../../source/store/paths.js';
import {tempHome} from '../helpers/cli.js';

let dir: string;
let file: string;

beforeEach(() => {
	dir = tempHome('qt-config-');
	file = resolvePaths({QUOTA_TUI_HOME: dir}).configFile;
});

afterEach(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

const open = () => openConfig(resolvePaths({QUOTA_TUI_HOME: dir}));

/** Expect `fn` to throw a ConfigError and return it. */
function configError(fn: () => unknown): ConfigError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return error as ConfigError;
	}
	throw new Error('expected a ConfigError');
}

const EXPECTED_DEFAULTS: Config = {
	accounts: [],
	policy: {
		switchThreshold: 0.9,
		warnThreshold: 0.8,
		strategy: 'chain',
		extraUsage: 'last',
		maxQuotaPercent: 90,
		hookStopPercent: null,
		reservedBudgetUsd: null,
		imminentMinutes: 30,
		unknownPolicy: 'defer-auto',
		resetCredits: 'ask',
		modelLadder: {claude: ['opus', 'sonnet']},
	},
	autoUtilization: {
		mode: 'suggest',
		minHeadroom5h: 0.4,
		minHeadroom7d: 0.3,
		maxAutoCostUsd: 3,
		weeklyAutoCapUsd: null,
		quietHours: [],
		manualQuietMinutes: 15,
		sources: ['fleet', 'backlog'],
		notify: 'desktop',
		wasteWarnPct: 0.4,
		wasteWarnHours: 6,
		resetCreditWarnHours: 24,
	},
	sources: {fleet: {roots: []}},
	runners: {
		claude: ['claude', '-p', '--output-format', 'json', '--model', '{model}', '--', '{prompt}'],
		codex: ['codex', 'exec', '--json', '--model', '{model}', '--', '{prompt}'],
		allowOptionPrompt: false,
	},
	jobs: {defaultEstimateUsd: 1, defaultEstimatePct: 0.05, defaultEstimateMinutes: 15, timeoutMinutes: 60},
	switch: {symlink: process.platform === 'linux', onSwitch: null},
	polling: {intervalSeconds: 60, endpointMinIntervalSeconds: 180, hostReadsPerHour: 30, cliTimeoutSeconds: null, coldStartWaitSeconds: 8},
	history: {retentionDays: 90},
	ui: {maxFps: 15, noticeSeconds: 8, mouse: true},
	pricing: {models: {}},
	hooks: [],
	events: {notify: ['all-exhausted', 'emergency', 'account-unusable', 'job-failed']},
	store: {hub: null, hubSchema: 'quota_tui', machine: null, syncIntervalSeconds: 30, hubTimeoutSeconds: 3, jobLeaseSeconds: 60, hubRetentionDays: 90, busyTimeoutSeconds: 5},
};

describe('config defaults', () => {
	it('a missing file gives the full default config and creates nothing', () => {
		const store = open();
		expect(store.path).toBe(file);
		expect(store.get()).toEqual(EXPECTED_DEFAULTS);
		expect(fs.existsSync(file)).toBe(false);
	});

	it('`{}`, a blank file and partial objects give every nested default', () => {
		expect(configSchemas().ConfigSchema.parse({})).toEqual(EXPECTED_DEFAULTS);
		expect(defaultConfig()).toEqual(EXPECTED_DEFAULTS);
		fs.writeFileSync(file, '  \n');
		expect(open().get()).toEqual(EXPECTED_DEFAULTS);
		const partial = configSchemas().ConfigSchema.parse({policy: {strategy: 'most-headroom'}, sources: {}, switch: {onSwitch: ['notify-send', '{account}']}});
		expect(partial.policy).toEqual({...EXPECTED_DEFAULTS.policy, strategy: 'most-headroom'});
		expect(partial.sources).toEqual({fleet: {roots: []}});
		expect(partial.switch.onSwitch).toEqual(['notify-send', '{account}']);
	});

	it('defaultConfig() is what the schema gives `{}`, in the same key order (it builds no schema)', () => {
		const parsed = configSchemas().ConfigSchema.parse({});
		expect(defaultConfig()).toStrictEqual(parsed);
		expect(JSON.stringify(defaultConfig())).toBe(JSON.stringify(parsed));
	});

	it('the policy block is the engine Policy (and matches DEFAULT_POLICY)', () => {
		const policy: Policy = defaultConfig().policy;
		expect(policy).toEqual(DEFAULT_POLICY);
	});

	it('defaults are fresh copies', () => {
		const a = defaultConfig();
		a.runners.claude.push('x');
		a.autoUtilization.sources.length = 0;
		expect(defaultConfig()).toEqual(EXPECTED_DEFAULTS);
	});

	it('accounts get usageEndpoint false and are engine Accounts', () => {
		const config = configSchemas().ConfigSchema.parse({accounts: [{name: 'work', provider: 'claude', configDir: '/x'}]});
		const account: Account = config.accounts[0]!;
		expect(account).toEqual({name: 'work', provider: 'claude', configDir: '/x', usageEndpoint: false});
	});
});

describe('config keys', () => {
	it('sets and gets dotted keys, writing only what was set', () => {
		const store = open();
		store.setKey('policy.switchThreshold', 0.75);
		store.setKey('autoUtilization.quietHours', ['22:00-08:00']);
		store.setKey('switch.onSwitch', ['tmux', 'display-message', '{account}']);
		expect(store.getKey('policy.switchThreshold')).toBe(0.75);
		expect(store.getKey('policy.warnThreshold')).toBe(0.8);
		expect(store.getKey('autoUtilization.quietHours')).toEqual(['22:00-08:00']);
		expect(store.getKey('policy')).toMatchObject({switchThreshold: 0.75, strategy: 'chain'});
		expect(store.getKey('policy.nope')).toBeUndefined();
		expect(store.get().policy.switchThreshold).toBe(0.75);
		expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
			policy: {switchThreshold: 0.75},
			autoUtilization: {quietHours: ['22:00-08:00']},
			switch: {onSwitch: ['tmux', 'display-message', '{account}']},
		});
		// A second store (another process) sees the change.
		expect(open().get().policy.switchThreshold).toBe(0.75);
	});

	it('sets keys inside accounts by index and unsets keys back to their default', () => {
		const store = open();
		store.addAccount({name: 'a', provider: 'claude'});
		store.setKey('accounts.0.plan', 'max20');
		expect(store.getKey('accounts.0.plan')).toBe('max20');
		store.setKey('policy.imminentMinutes', 10);
		expect(store.unsetKey('policy.imminentMinutes')).toBe(true);
		expect(store.unsetKey('policy.imminentMinutes')).toBe(false);
		expect(store.get().policy.imminentMinutes).toBe(30);
	});

	it('rejects an invalid value, naming field and expectation, and writes nothing', () => {
		const store = open();
		store.setKey('policy.warnThreshold', 0.7);
		const before = fs.readFileSync(file);
		const cases: Array<[string, unknown, RegExp]> = [
			['policy.switchThreshold', 'high', /policy\.switchThreshold: .*expected number, received string/],
			['policy.switchThreshold', 1.5, /policy\.switchThreshold: .*<=1/],
			['policy.strategy', 'random', /policy\.strategy: .*expected one of .*chain/],
			['autoUtilization.quietHours', ['10pm'], /autoUtilization\.quietHours\.0: expected "HH:MM-HH:MM"/],
			['runners.claude', [], /runners\.claude: expected a non-empty argv/],
			['policy.switchThresold', 0.5, /policy\.switchThresold: unknown key; expected one of switchThreshold, warnThreshold/],
			['polcy', {}, /polcy: unknown key/],
			['policy.switchThreshold.deep', 1, /policy\.switchThreshold: .*expected number, received object/],
			['policy.warnThreshold.deep', 1, /policy\.warnThreshold: expected an object or array to set a key inside/],
		];
		for (const [key, value, pattern] of cases) {
			const error = configError(() => store.setKey(key, value));
			expect(error.message).toContain(file);
			expect(error.message).toMatch(pattern);
			expect(fs.readFileSync(file)).toEqual(before);
		}
		expect(store.get().policy.warnThreshold).toBe(0.7);
	});

	it('keeps unknown keys already in the file, and validates known ones', () => {
		fs.writeFileSync(file, JSON.stringify({custom: {x: 1}, policy: {switchThreshold: 0.5, note: 'mine'}}));
		const store = open();
		expect(store.get().policy.switchThreshold).toBe(0.5);
		expect(store.get()).not.toHaveProperty('custom');
		store.setKey('policy.warnThreshold', 0.4);
		expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({custom: {x: 1}, policy: {switchThreshold: 0.5, note: 'mine', warnThreshold: 0.4}});
	});
});

describe('invalid files are reported and left untouched', () => {
	it('a wrong type: ConfigError names file, field and expectation', () => {
		const text = '{"policy":{"switchThreshold":"high"}}';
		fs.writeFileSync(file, text);
		const before = fs.readFileSync(file);
		const error = configError(() => open());
		expect(error.file).toBe(file);
		expect(error.message).toContain(file);
		expect(error.message).toContain('policy.switchThreshold');
		expect(error.message).toContain('expected number, received string');
		expect(error.issues).toEqual([{field: 'policy.switchThreshold', message: expect.stringContaining('expected number, received string')}]);
		expect(fs.readFileSync(file)).toEqual(before);
		expect(fs.readdirSync(dir)).toEqual(['config.json']);
	});

	it('a wrong enum inside accounts names accounts.N.provider', () => {
		fs.writeFileSync(file, JSON.stringify({accounts: [{name: 'a', provider: 'claude'}, {name: 'b', provider: 'gemini'}]}, null, 2));
		const before = fs.readFileSync(file);
		const error = configError(() => open());
		expect(error.message).toContain(file);
		expect(error.message).toMatch(/accounts\.1\.provider: .*expected one of .*"claude"/);
		expect(fs.readFileSync(file)).toEqual(before);
	});

	it('broken JSON: ConfigError names the file and the position, file unchanged', () => {
		const text = '{"policy": {"switchThreshold": 0.5,,}\n';
		fs.writeFileSync(file, text);
		const before = fs.readFileSync(file);
		const error = configError(() => open());
		expect(error.message).toContain(file);
		expect(error.message).toMatch(/\(root\): expected valid JSON: .*position/);
		expect(fs.readFileSync(file)).toEqual(before);
		expect(fs.readdirSync(dir)).toEqual(['config.json']);
	});

	it('a JSON value that is not an object is rejected', () => {
		fs.writeFileSync(file, '[1,2]');
		expect(configError(() => open()).message).toMatch(/expected a JSON object, received array/);
		expect(fs.readFileSync(file, 'utf8')).toBe('[1,2]');
	});

	it('a file broken after open is reported by get() and setKey() and never overwritten', () => {
		const store = open();
		store.setKey('ui.maxFps', 10);
		fs.writeFileSync(file, '{"ui":{"maxFps":"fast"}}');
		const before = fs.readFileSync(file);
		expect(configError(() => store.get()).message).toMatch(/ui\.maxFps: .*expected number, received string/);
		expect(configError(() => store.setKey('ui.maxFps', 20)).message).toContain('ui.maxFps');
		expect(configError(() => store.addAccount({name: 'x', provider: 'demo'})).message).toContain(file);
		expect(fs.readFileSync(file)).toEqual(before);
	});
});

describe('accounts', () => {
	it('adds, updates and removes accounts', () => {
		const store = open();
		store.addAccount({name: 'work', provider: 'claude', configDir: '/home/u/.claude-work', plan: 'max5'});
		store.addAccount({name: 'codex-1', provider: 'codex', home: '/home/u/.codex', usageEndpoint: true});
		expect(store.get().accounts.map(account => account.name)).toEqual(['work', 'codex-1']);
		expect(store.updateAccount('work', {chainOrder: 2, plan: undefined})).toBe(true);
		expect(store.get().accounts[0]).toEqual({name: 'work', provider: 'claude', configDir: '/home/u/.claude-work', chainOrder: 2, usageEndpoint: false});
		expect(store.updateAccount('ghost', {disabled: true})).toBe(false);
		expect(store.removeAccount('work')).toBe(true);
		expect(store.removeAccount('work')).toBe(false);
		expect(store.get().accounts).toEqual([{name: 'codex-1', provider: 'codex', home: '/home/u/.codex', usageEndpoint: true}]);
	});

	it('rejects duplicate names (via add, update and a hand-written file)', () => {
		const store = open();
		store.addAccount({name: 'a', provider: 'claude'});
		store.addAccount({name: 'b', provider: 'codex'});
		const before = fs.readFileSync(file);
		expect(configError(() => store.addAccount({name: 'a', provider: 'demo'})).message).toMatch(
			/accounts\.2\.name: expected unique account names, but "a" is also accounts\.0\.name/,
		);
		expect(configError(() => store.updateAccount('b', {name: 'a'})).message).toMatch(/accounts\.1\.name: expected unique/);
		expect(fs.readFileSync(file)).toEqual(before);

		fs.writeFileSync(file, JSON.stringify({accounts: [{name: 'x', provider: 'manual'}, {name: 'x', provider: 'demo'}]}));
		expect(configError(() => open()).message).toMatch(/accounts\.1\.name: expected unique account names/);
	});

	it('rejects bad account names and unknown account fields (no token fields)', () => {
		const store = open();
		expect(configError(() => store.addAccount({name: 'Work', provider: 'claude'})).message).toMatch(/accounts\.0\.name: expected an account name matching/);
		expect(
			configError(() => store.addAccount({name: 'w', provider: 'claude', token: 'sk-secret'} as never)).message,
		).toMatch(/accounts\.0\.token: unknown key/);
		expect(fs.existsSync(file)).toBe(false);
	});
});
