/**
 * Pieces every command shares: opening the context with the right errors, and the account guard.
 */
import {openContext, type Context} from '../runtime/context.js';
import type {HubSession} from '../runtime/hub-sync.js';
import {hubConfigured} from '../store/hub/settings.js';
import {sourcesWarning} from '../engine/sources.js';
import {unknownKeyWarnings} from '../store/config.js';
import {printError, UsageError, type Io} from './io.js';

export type Command = {
	name: string;
	/** Full `--help` text. */
	help: string;
	run(argv: readonly string[], io: Io): Promise<number>;
};

export const NO_ACCOUNTS = [
	'No accounts configured.',
	'  Find the ones on this machine: quota-tui accounts discover   (then --yes to add them)',
	'  Add one:       quota-tui accounts add NAME --provider claude --config-dir ~/.claude',
	'                 quota-tui accounts add NAME --provider codex --home ~/.codex',
	'                 quota-tui accounts add NAME --provider manual   (then: quota-tui budget set --scope account:NAME --window seven_day …)',
	'  Or try it out: add --demo to any command to use the built-in demo accounts.',
].join('\n');

/**
 * Open the context for a command. With `requireAccounts`, no configured accounts (and no --demo) is
 * bad usage: exit 2 with how to add one.
 */
export function open(io: Io, options: {demo?: boolean | undefined; requireAccounts?: boolean}): Context {
	const ctx = openContext({env: io.env, demo: options.demo === true});
	for (const warning of unknownKeyWarnings(ctx.paths.configFile)) printError(io, warning);
	const sources = sourcesWarning(ctx.config.autoUtilization.sources);
	if (sources) printError(io, `warning: ${ctx.paths.configFile}: ${sources}`);
	if (options.requireAccounts && ctx.accounts.length === 0) {
		ctx.close();
		throw new UsageError(NO_ACCOUNTS);
	}
	return ctx;
}

/**
 * Run `fn` with an open context and always close it. With `refresh`, every source whose data is older
 * than its freshness bound is read first (within the shared budget and cooldowns; failures become the
 * account's status, never an error here), so one-shot answers are current.
 */
export async function withContext<T>(io: Io, options: {demo?: boolean | undefined; requireAccounts?: boolean; refresh?: boolean}, fn: (ctx: Context) => T | Promise<T>): Promise<T> {
	const ctx = open(io, options);
	let hub: HubSession | undefined;
	try {
		// Team mode: the team's newest data first, this command's changes flushed before it exits (both bounded).
		// Both load only when used: a command without a hub or a refresh (`report`) never parses the
		// providers' or the team's modules (start-up, issue 15).
		if (!ctx.demo && hubConfigured(ctx.config, ctx.env)) {
			const {startHubSession} = await import('../runtime/hub-sync.js');
			hub = await startHubSession(ctx, {onWarning: line => printError(io, line)});
		}
		if (options.refresh) await (await import('../runtime/refresh.js')).refreshStale(ctx);
		return await fn(ctx);
	} finally {
		await hub?.close();
		ctx.close();
	}
}

/** Look up a configured account or fail naming it. */
export function findAccount(ctx: Context, name: string, flag = 'account') {
	const account = ctx.accounts.find(a => a.name === name);
	if (!account) {
		const known = ctx.accounts.map(a => a.name).join(', ') || 'none';
		throw new UsageError(`${flag}: no account named "${name}" (accounts: ${known})`);
	}
	return account;
}
