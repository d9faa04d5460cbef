import {describe, expect, it} from 'vitest';
import {COMMANDS, usage} from '../../source/cli/main.js';

describe('command registry', () => {
	it.each(COMMANDS.map(c => [c.name, c] as const))('%s loads the command of that name, with a usage text', async (name, entry) => {
		const command = await entry.load();
		expect(command.name).toBe(name);
		expect(command.help).toMatch(/Usage/);
		expect(entry.summary.length).toBeGreaterThan(10);
	});

	it('the command list names every command once', () => {
		const names = COMMANDS.map(c => c.name);
		expect(new Set(names).size).toBe(names.length);
		for (const name of names) expect(usage()).toContain(`  ${name} `);
	});
});
