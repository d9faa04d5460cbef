/**
 * `hook claude` (the in-agent gate; its run is the light entry cli/hook-claude.ts) and
 * `hook install|uninstall`, which add it to (or take it out of) an account's settings.json.
 */
import {BUILT} from '../../build-files.js';
import path from 'node:path';
import {isRecord} from '../../providers/util.js';
import {applyPlans, planInstall, planUninstall, readSettingsFile, type Plan, type Settings} from '../claude-settings.js';
import {runClaudeHook} from '../hook-claude.js';
import {parse, print, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';
import {shellQuote} from './status.js';
import {targets} from './statusline.js';

const PURPOSE = 'hook';
/** The Claude Code hook events quota-tui answers: before a prompt is sent, before each tool call. */
const EVENTS = ['UserPromptSubmit', 'PreToolUse'] as const;

const HELP = `Usage:
  quota-tui hook claude                      (run by Claude Code: hook JSON on stdin)
  quota-tui hook install [--account NAME | --all] [--json]
  quota-tui hook uninstall [--account NAME | --all] [--json]

A Claude Code hook that stops the agent itself when its account is over the quota ceiling.
Claude Code runs "quota-tui hook claude" before every prompt (UserPromptSubmit) and tool call
(PreToolUse). It judges the account whose configDir is the CLAUDE_CONFIG_DIR it runs under (unset =
~/.claude) with the gate, holding weekly usage to policy.hookStopPercent (default:
policy.maxQuotaPercent), and when the gate says stop it answers with Claude Code's stop response:

  {"continue": false, "stopReason": "Stopping: weekly quota usage at 91% (configured max: 90%); resets Fri 10:00"}

Otherwise it prints nothing and Claude Code continues. It fails open: stale or unknown data, a config
or database it cannot read, any error — nothing printed, exit 0. It reads stored data only (keep it
fresh with "quota-tui statusline install" or a running dashboard) and never loads the UI.

install adds the hook to <configDir>/settings.json for UserPromptSubmit and PreToolUse, keeping one
backup of the file (settings.json.quota-tui-hook.bak); a settings.json that is a symlink is edited at
its target. uninstall takes it out again: the file comes back byte for byte when nothing else changed
since (or is removed if install created it). Without --account: the account of $CLAUDE_CONFIG_DIR, or
the only Claude account; --all does every Claude account, all or nothing.`;

/** The command line Claude Code runs (this node, this build; QUOTA_TUI_HOME baked in when set). */
export function hookCommandLine(env: NodeJS.ProcessEnv): string {
	const cli = BUILT.cli;
	const home = env['QUOTA_TUI_HOME']?.trim();
	return `${home ? `QUOTA_TUI_HOME=${shellQuote(path.resolve(home))} ` : ''}${shellQuote(process.execPath)} ${shellQuote(cli)} hook claude`;
}

const isOurs = (command: unknown) => typeof command === 'string' && /(?:quota-tui|cli\.js)'?\s+hook\s+claude\b/.test(command);

type Group = {matcher?: string; hooks: Array<Record<string, unknown>>};

/** The settings without any quota-tui hook entry (empty groups and events dropped). */
export function withoutOurHooks(settings: Settings): Settings {
	const copy = structuredClone(settings);
	if (!isRecord(copy['hooks'])) return copy;
	const hooks = copy['hooks'];
	for (const event of EVENTS) {
		const groups = hooks[event];
		if (!Array.isArray(groups)) continue;
		const kept = groups
			.map(group => (isRecord(group) && Array.isArray(group['hooks']) ? {...group, hooks: group['hooks'].filter(hook => !(isRecord(hook) && isOurs(hook['command'])))} : group))
			.filter(group => !(isRecord(group) && Array.isArray(group['hooks']) && group['hooks'].length === 0));
		if (kept.length > 0) hooks[event] = kept;
		else delete hooks[event];
	}
	if (Object.keys(hooks).length === 0) delete copy['hooks'];
	return copy;
}

function withOurHooks(settings: Settings, command: string): Settings {
	const copy = withoutOurHooks(settings);
	const hooks = isRecord(copy['hooks']) ? copy['hooks'] : (copy['hooks'] = {}) as Record<string, unknown>;
	for (const event of EVENTS) {
		const groups = Array.isArray(hooks[event]) ? hooks[event] as unknown[] : [];
		const entry: Group = {...(event === 'PreToolUse' ? {matcher: '*'} : {}), hooks: [{type: 'command', command, timeout: 10}]};
		hooks[event] = [...groups, entry];
	}
	return copy;
}

type Change = {account: string; file: string; action: 'installed' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'not-installed'};

async function manage(verb: 'install' | 'uninstall', argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {account: {type: 'string'}, all: {type: 'boolean'}, json: {type: 'boolean'}}, `hook ${verb}`);
	if (values.all && values.account) throw new UsageError('--all and --account: give one of them');
	return withContext(io, {}, ctx => {
		const command = hookCommandLine(io.env);
		const plans: Plan[] = [];
		const changes: Change[] = [];
		// Read and check every file before writing any (all or nothing).
		for (const account of targets(ctx.accounts, values, io.env)) {
			const target = readSettingsFile(path.join(account.configDir!, 'settings.json'));
			const without = withoutOurHooks(target.settings);
			const installed = JSON.stringify(without) !== JSON.stringify(target.settings);
			if (verb === 'install') {
				const next = withOurHooks(target.settings, command);
				if (JSON.stringify(next) === JSON.stringify(target.settings)) {
					changes.push({account: account.name, file: target.file, action: 'unchanged'});
					continue;
				}
				plans.push(planInstall(target, next, PURPOSE));
				changes.push({account: account.name, file: target.file, action: installed ? 'updated' : 'installed'});
			} else {
				if (!installed) {
					changes.push({account: account.name, file: target.file, action: 'not-installed'});
					continue;
				}
				const plan = planUninstall(target, without, PURPOSE);
				plans.push(plan);
				changes.push({account: account.name, file: target.file, action: plan.next === null ? 'removed' : 'restored'});
			}
		}
		applyPlans(plans, PURPOSE);
		if (values.json) {
			printJson(io, {command, changes});
			return 0;
		}
		for (const change of changes) {
			const what = {
				installed: 'hook installed (UserPromptSubmit, PreToolUse)',
				updated: 'hook updated to this quota-tui',
				unchanged: 'hook already installed',
				restored: 'hook removed; the file is as before',
				removed: 'hook removed (the file quota-tui created is gone)',
				'not-installed': 'the quota-tui hook is not installed there',
			}[change.action];
			print(io, `${change.account}: ${change.file}: ${what}`);
		}
		if (verb === 'install' && changes.some(c => c.action === 'installed' || c.action === 'updated')) print(io, `Claude Code runs it from its next session: ${command}`);
		return 0;
	});
}

export const hookCommand: Command = {
	name: 'hook',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'install' || sub === 'uninstall') return manage(sub, rest, io);
		if (sub === 'claude') return runClaudeHook(io);
		throw new UsageError(`hook: expected claude, install or uninstall${sub ? `, got "${sub}"` : ''}\nRun "quota-tui hook --help" for usage.`);
	},
};
