/**
 * Switching the active account (DESIGN §6): one transaction that writes the active account and the
 * decision, then the optional integrations (the `active/<provider>` symlink, then the `switch` event:
 * its hooks, including the old `switch.onSwitch`).
 */
import {randomUUID} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {bindingUtilization, isUsableStatus, pct, statusSentence} from '../engine/status.js';
import {isoAt} from '../engine/time.js';
import type {Account, Decision} from '../engine/types.js';
import {setActive} from '../store/repositories.js';
import {collect, localOffsetMinutes} from './collect.js';
import type {Context} from './context.js';
import {deliveryProblems, emitEvent} from './events.js';

export class SwitchError extends Error {}

export type SwitchOutcome = {
	account: Account;
	decision: Decision;
	/** Problems with the optional integrations; the switch itself has happened. */
	warnings: string[];
	/** The symlink that now points at the account's directory, if any. */
	symlink: string | null;
};

/** The directory the provider reads the account from (CLAUDE_CONFIG_DIR / CODEX_HOME). */
export function accountDir(account: Account): string | undefined {
	if (account.provider === 'claude') return account.configDir;
	if (account.provider === 'codex') return account.home;
	return undefined;
}

/** The environment variable that selects the account for its provider. */
export function accountEnvVar(account: Account): 'CLAUDE_CONFIG_DIR' | 'CODEX_HOME' | undefined {
	if (account.provider === 'claude') return 'CLAUDE_CONFIG_DIR';
	if (account.provider === 'codex') return 'CODEX_HOME';
	return undefined;
}

/** Point `active/<provider>` at `target`, atomically (a new link renamed over the old one). */
export function swapSymlink(activeDir: string, provider: string, target: string): string {
	fs.mkdirSync(activeDir, {recursive: true, mode: 0o700});
	const link = path.join(activeDir, provider);
	const temporary = `${link}.${process.pid}.tmp`;
	fs.rmSync(temporary, {force: true});
	fs.symlinkSync(target, temporary);
	fs.renameSync(temporary, link);
	return link;
}

/**
 * Make `name` the active account at `now`. The decision records what the account looked like and
 * what the engine would have recommended, so a switch against the advice is visible later.
 */
export async function switchAccount(ctx: Context, name: string, now: number, options: {reason?: string; onPublished?: (decision: Decision) => void} = {}): Promise<SwitchOutcome> {
	const account = ctx.accounts.find(a => a.name === name);
	if (!account) {
		const known = ctx.accounts.map(a => a.name).join(', ') || 'none';
		throw new SwitchError(`no account named "${name}" (accounts: ${known})`);
	}
	const {states, active, recommendation} = collect(ctx, now);
	const state = states.find(s => s.account.name === name)!;
	const binding = bindingUtilization(state.windows, account.model);
	const reasons: string[] = [];
	if (active === name) reasons.push(`${name} was already the active account`);
	else reasons.push(options.reason ?? `switched from ${active ?? 'no active account'} to ${name} at the user's request`);
	reasons.push(`${name}: ${statusSentence(state.status)}${binding === null ? '' : `, binding usage ${pct(binding)}`}`);
	if (account.disabled) reasons.push(`warning: ${name} is disabled in the config`);
	else if (!isUsableStatus(state.status)) reasons.push(`warning: ${name} is not usable right now (${statusSentence(state.status)})`);
	if (recommendation.account && recommendation.account !== name) reasons.push(`the recommendation was ${recommendation.account}: ${recommendation.reason}`);

	const decision: Decision = {
		at: isoAt(now, localOffsetMinutes(now)),
		kind: 'switch',
		subject: name,
		verdict: 'switched',
		reasons,
		inputs: {from: active, to: name, provider: account.provider, status: state.status, bindingUtilization: binding, recommended: recommendation.account},
	};
	setActive(ctx.db, name, decision, account.provider);

	const warnings: string[] = [];
	let symlink: string | null = null;
	const dir = accountDir(account);
	if (ctx.config.switch.symlink && dir) {
		try {
			symlink = swapSymlink(ctx.paths.activeDir, account.provider, dir);
		} catch (error) {
			warnings.push(`could not update the active/${account.provider} symlink: ${(error as Error).message}`);
		}
	}
	// The switch is published (above: the dashboard shows it now); hooks and the old switch.onSwitch run
	// after it, as `switch` hooks, however long they take.
	try {
		options.onPublished?.(decision);
	} catch {
		// A face's redraw problem is not the switch's.
	}
	const deliveries = await emitEvent(ctx, 'switch', {
		key: `${active ?? 'none'}->${name}:${decision.at}:${randomUUID()}`,
		account: name,
		message: `Switched from ${active ?? 'no active account'} to ${name}`,
		data: {from: active, to: name, provider: account.provider, dir: dir ?? null, reasons},
	}, now);
	warnings.push(...deliveryProblems(deliveries));
	return {account, decision, warnings, symlink};
}
