process.env.TZ = 'UTC';

import {describe, expect, it} from 'vitest';
import {DEFAULT_MODEL_LADDER, modelStep} from '../../source/engine/model-ladder.js';
import {selectAccount} from '../../source/engine/select.js';
import {state, win} from './fixtures.js';
import {NOW} from './fixtures.js';

const opus = (weekly: number, opusWeekly: number, extra: {provider?: 'claude' | 'manual'} = {}) =>
	state('big', [win('five_hour', 0.1), win('seven_day', weekly), win('seven_day_opus', opusWeekly)], {account: {model: 'claude-opus-4-6', provider: extra.provider ?? 'claude'}});

describe('modelStep (policy.modelLadder)', () => {
	it('weekly Opus over the threshold, the week under it → sonnet, with the reason', () => {
		expect(modelStep(opus(0.4, 0.95), DEFAULT_MODEL_LADDER, 0.9)).toEqual({model: 'sonnet', binding: 0.4, reason: 'weekly Opus usage at 95%; using sonnet', over: 'weekly Opus usage at 95%'});
		// A manual account entered by hand uses the ladder its model belongs to.
		expect(modelStep(opus(0.4, 0.95, {provider: 'manual'}), DEFAULT_MODEL_LADDER, 0.9)?.model).toBe('sonnet');
	});

	it('no step: the overall week is over too, the Opus window is under, the model is already the last rung, or no ladder', () => {
		expect(modelStep(opus(0.92, 0.95), DEFAULT_MODEL_LADDER, 0.9)).toBeUndefined();
		expect(modelStep(opus(0.4, 0.5), DEFAULT_MODEL_LADDER, 0.9)).toBeUndefined();
		const sonnet = state('s', [win('seven_day', 0.4), win('seven_day_sonnet', 0.95)], {account: {model: 'sonnet'}});
		expect(modelStep(sonnet, DEFAULT_MODEL_LADDER, 0.9)).toBeUndefined();
		expect(modelStep(opus(0.4, 0.95), {}, 0.9)).toBeUndefined();
	});

	it('selection answers the same account with the next model; an account with room on its own model comes first', () => {
		const policy = {switchThreshold: 0.9, strategy: 'chain' as const, extraUsage: 'last' as const, modelLadder: DEFAULT_MODEL_LADDER};
		const rec = selectAccount({accounts: [opus(0.4, 0.95)], active: null, policy, now: NOW});
		expect(rec).toMatchObject({account: 'big', model: 'sonnet', exitCode: 0});
		expect(rec.reason).toContain('weekly Opus usage at 95%; using sonnet');
		const other = state('other', [win('seven_day', 0.5), win('seven_day_opus', 0.5)], {account: {model: 'claude-opus-4-6'}});
		expect(selectAccount({accounts: [opus(0.4, 0.95), other], active: null, policy, now: NOW})).toMatchObject({account: 'other', model: 'claude-opus-4-6'});
	});
});
