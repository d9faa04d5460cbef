/**
 * `config get|set|unset|path`: read or change config keys with validation.
 */
import {sourcesWarning} from '../../engine/sources.js';
import {openConfig} from '../../store/config.js';
import {resolvePaths} from '../../store/paths.js';
import {parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import type {Command} from '../shared.js';

const HELP = `Usage:
  quota-tui config get [KEY] [--json]
  quota-tui config set KEY VALUE
  quota-tui config unset KEY
  quota-tui config path

KEY is a dotted path (policy.switchThreshold, autoUtilization.mode, accounts.0.plan). "set" parses
VALUE as JSON when it parses (0.85, true, null, ["a","b"]) and as a string otherwise; the whole
resulting config is validated first and nothing is written when it does not validate. "unset"
returns a key to its default. Keys and defaults are listed in README.md ("Configuration").`;

function show(io: Io, value: unknown, json: boolean | undefined): void {
	if (json || (typeof value === 'object' && value !== null)) printJson(io, value);
	else print(io, String(value));
}

export const configCommand: Command = {
	name: 'config',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		const {values, positionals} = parse(rest, {json: {type: 'boolean'}}, `config ${sub ?? ''}`.trim());
		const paths = resolvePaths(io.env);
		switch (sub) {
			case 'path':
				print(io, paths.configFile);
				return 0;
			case 'get': {
				const store = openConfig(paths);
				const key = positionals[0];
				if (!key) {
					show(io, store.get(), true);
					return 0;
				}
				const value = store.getKey(key);
				if (value === undefined) throw new UsageError(`config get: no key "${key}" (see README.md "Configuration")`);
				show(io, value, values.json);
				return 0;
			}
			case 'set': {
				const [key, raw] = positionals;
				if (!key || raw === undefined) throw new UsageError('config set: expected KEY VALUE (e.g. quota-tui config set policy.switchThreshold 0.85)');
				let value: unknown = raw;
				try {
					value = JSON.parse(raw);
				} catch {
					// Not JSON: a plain string.
				}
				const store = openConfig(paths);
				const config = store.setKey(key, value);
				print(io, `${key} = ${JSON.stringify(store.getKey(key))}`);
				// Accepted, but a source name that selects nothing is said at once (seed 000-9: no silent mismatch).
				const sources = sourcesWarning(config.autoUtilization.sources);
				if (sources && key.startsWith('autoUtilization')) printError(io, `warning: ${sources}`);
				return 0;
			}
			case 'unset': {
				const key = positionals[0];
				if (!key) throw new UsageError('config unset: expected KEY');
				const store = openConfig(paths);
				const removed = store.unsetKey(key);
				print(io, removed ? `${key} reset to its default: ${JSON.stringify(store.getKey(key))}` : `${key} was not set; it is ${JSON.stringify(store.getKey(key))}`);
				return 0;
			}
			case undefined:
			case 'help':
				print(io, HELP);
				return sub === undefined ? 2 : 0;
			default:
				throw new UsageError(`config: unknown subcommand "${sub}" (expected get, set, unset or path)`);
		}
	},
};
