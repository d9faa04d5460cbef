/**
 * `status`, `recommend`, `active`, `switch`: what the accounts look like and which one to use.
 */
import type {AccountReport, StatusReport, WindowReport} from '../../engine/report.js';
import {windowShortLabel} from '../../engine/status.js';
import {instantMs} from '../../engine/time.js';
import {collect} from '../../runtime/collect.js';
import {teamAccounts, type TeamAccounts} from '../../runtime/hub-view.js';
import {decideRecommend} from '../../runtime/decide/recommend.js';
import {accountDir, accountEnvVar, SwitchError, switchAccount} from '../../runtime/switch.js';
import {getActive, listBudgets} from '../../store/repositories.js';
import {liveBudgets} from '../../runtime/local-usage.js';
import {budgetSentence} from '../../engine/budget-state.js';
import {formatAgeShort, formatCountdown, formatPercent} from '../../ui/format.js';
import {statusBadge} from '../../ui/view-model.js';
import {parse, print, printError, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';
import {currencyLines} from '../currency-text.js';

function windowText(w: WindowReport, now: number): string {
	const reset = w.resetsAt ? `↺${formatCountdown(instantMs(w.resetsAt) ?? null, now)}` : '↺?';
	const projection = w.projectedAtReset !== null && w.ratePerHour ? ` →${formatPercent(w.projectedAtReset)}` : '';
	const flags = [w.resetPassed ? 'fresh (est.)' : '', w.source === 'user-entered' ? 'manual' : '', w.stale ? `stale ${formatAgeShort(w.ageMs)}` : '']
		.filter(Boolean)
		.join(', ');
	return `${windowShortLabel(w.kind)} ${formatPercent(w.utilization).padStart(4)} ${reset}${projection}${flags ? ` (${flags})` : ''}`;
}

/** Extra (pay-as-you-go) usage when enabled: `extra $5.20/$20.00`. */
function extraText(extra: AccountReport['extraUsage']): string[] {
	if (!extra?.enabled) return [];
	const sign = extra.currency === 'USD' ? '$' : `${extra.currency} `;
	const used = extra.usedUsd === null ? '?' : `${sign}${extra.usedUsd.toFixed(2)}`;
	return [`extra ${used}${extra.limitUsd === null ? ' (no limit)' : `/${sign}${extra.limitUsd.toFixed(2)}`}`];
}

/** The plain-text status: one block per account, then the recommendation and recent decisions. */
export function formatStatus(report: StatusReport, now: number, team: TeamAccounts | null = null): string {
	const lines: string[] = [];
	if (report.demo) lines.push('DEMO — simulated accounts. Add your own with "quota-tui accounts add" to leave demo mode.', '');
	const width = Math.max(8, ...report.accounts.map(a => a.name.length));
	const rows = report.accounts.map(account => ({
		account,
		status: account.lastResort && account.status !== 'allowed' && !account.disabled ? `${statusBadge(account).text}, last resort` : statusBadge(account).text,
		windows: [...account.windows.filter(w => w.kind !== 'extra_usage').map(w => windowText(w, now)), ...extraText(account.extraUsage)],
	}));
	const statusWidth = Math.max(...rows.map(r => r.status.length));
	const columns = Math.max(0, ...rows.map(r => r.windows.length));
	const windowWidths = Array.from({length: columns}, (_, i) => Math.max(...rows.map(r => r.windows[i]?.length ?? 0)));
	for (const {account, status, windows} of rows) {
		const marker = account.active ? '●' : ' ';
		const cells = windows.length > 0 ? windows.map((text, i) => text.padEnd(windowWidths[i] ?? 0)).join('  ').trimEnd() : 'no usage data yet';
		lines.push(`${marker} ${account.name.padEnd(width)}  ${account.provider.padEnd(6)} ${status.padEnd(statusWidth)}  ${cells}`);
		if (account.message) lines.push(`  ${' '.repeat(width)}  ${account.message}`);
		const holders = team?.accounts[account.name];
		if (holders) lines.push(`  ${' '.repeat(width)}  team: held by ${holders.map(h => `${h.machine}${h.here ? ' (here)' : ''}${h.login ? '' : ' (no login)'} ${h.newestAgeMs === null ? 'no observation yet' : `newest ${formatAgeShort(h.newestAgeMs)} ago`}`).join(', ')}`);
		for (const line of currencyLines(account, now, report.pools)) lines.push(`  ${' '.repeat(width)}  ${line}`);
	}
	const pressing = (report.budgets ?? []).filter(b => b.level !== 'ok');
	if (pressing.length > 0) {
		lines.push('', 'Budgets near or over their limit (quota-tui budget status):');
		for (const b of pressing) lines.push(`  ${budgetSentence(b)}${b.resetAt ? `; resets ${b.resetAt} (in ${formatCountdown(instantMs(b.resetAt) ?? null, now)})` : '; no reset time'}`);
	}
	lines.push('');
	const rec = report.recommendation;
	lines.push(`Active: ${report.active ?? 'none'}    Recommended: ${rec.account ?? 'none'}${rec.emergency ? ' (EMERGENCY)' : ''}    Mode: ${report.mode}`);
	lines.push(`  ${rec.reason}`);
	for (const warning of report.warnings) lines.push(`! ${warning}`);
	if (report.decisions.length > 0) {
		lines.push('', 'Recent decisions:');
		for (const d of report.decisions.slice(0, 5)) lines.push(`  ${d.at}  ${d.kind} ${d.subject}: ${d.verdict} — ${d.reasons[0] ?? ''}`);
	}
	return lines.join('\n');
}

export const statusCommand: Command = {
	name: 'status',
	help: `Usage: quota-tui status [--json] [--demo]

Every account with its status and windows (utilization, reset countdown, source, age, stale marker,
projection at reset), the budgets near or over their limit (at policy.warnThreshold or more), the
active and the recommended account, and recent decisions. --json lists every budget in budgets[]
(scope, unit, used, limit, remaining, utilization, resetAt, level ok|near|over).

Options:
  --json   machine-readable output (stable camelCase fields, ISO 8601 instants with offset)
  --demo   use the built-in demo accounts`,
	async run(argv, io) {
		const {values} = parse(argv, {json: {type: 'boolean'}}, 'status');
		return withContext(io, {demo: values.demo, requireAccounts: true, refresh: true}, async ctx => {
			const now = ctx.clock.now();
			// Dollar budgets measured from the local logs are brought up to date (status shows budgets).
			const live = ctx.demo ? null : await liveBudgets(ctx, listBudgets(ctx.db), now);
			for (const warning of live?.warnings ?? []) printError(io, `warning: ${warning}`);
			const {report} = collect(ctx, now, {budgets: live?.budgets});
			// Team mode: which machines hold each account, the age of the newest observation each made.
			const team = teamAccounts(ctx, now);
			if (values.json) printJson(io, team ? {...report, team} : report);
			else print(io, formatStatus(report, now, team));
			return 0;
		});
	},
};

export const recommendCommand: Command = {
	name: 'recommend',
	help: `Usage: quota-tui recommend [--switch] [--json] [--provider claude|codex|manual] [--demo]

Prints "NAME [MODEL]" of the account to use now (DESIGN §7.1: chain order, the switch threshold,
the sticky active account, anticipation, strategies, last-resort fallback).

Exit codes: 0 a normal choice, 3 only the last-resort (emergency) account is left, 1 nothing usable.

Options:
  --json            reason and alternatives (each with why it was not chosen)
  --provider P      only consider accounts of provider P
  --switch          make the answer the active account (as "quota-tui switch NAME" does, hooks and
                    switch.onSwitch included); never the emergency fallback

Sources older than their freshness bound are read first. When the answer changes, a decision is
recorded: "switching a → b" (the active account is a) or "confirmed a".`,
	async run(argv, io) {
		const {values} = parse(argv, {json: {type: 'boolean'}, provider: {type: 'string'}, switch: {type: 'boolean'}}, 'recommend');
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			const answer = await decideRecommend(ctx, {provider: values.provider, switch: values.switch}, ctx.clock.now());
			for (const warning of answer.warnings) printError(io, `warning: ${warning}`);
			const {recommendation} = answer;
			if (values.json) {
				printJson(io, values.switch ? {...recommendation, switched: answer.switched ? {active: answer.switched.account.name, decision: answer.switched.decision} : null, switchNote: answer.switchNote} : recommendation);
			} else if (recommendation.account) {
				print(io, [recommendation.account, recommendation.model].filter(Boolean).join(' '));
				printError(io, `${recommendation.emergency ? 'EMERGENCY: ' : ''}${recommendation.reason}`);
			} else {
				printError(io, `No usable account: ${recommendation.reason}`);
			}
			if (!values.json && answer.switched) printError(io, `Active account: ${answer.switched.account.name}`);
			if (!values.json && answer.switchNote) printError(io, answer.switchNote);
			return recommendation.exitCode;
		});
	},
};

export const activeCommand: Command = {
	name: 'active',
	help: `Usage: quota-tui active [--env] [--json] [--provider P] [--demo]

Prints the active account's name. With --env prints the shell line that selects it for its provider,
for wrappers and new shells:
  eval "$(quota-tui active --env)"
  → export CLAUDE_CONFIG_DIR=/home/me/.claude-work   (Claude)   or   export CODEX_HOME=…   (Codex)

Exit 1 when no account has been made active yet (use "quota-tui switch NAME").`,
	async run(argv, io) {
		const {values} = parse(argv, {env: {type: 'boolean'}, json: {type: 'boolean'}, provider: {type: 'string'}}, 'active');
		return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
			const row = getActive(ctx.db, values.provider);
			const account = row ? ctx.accounts.find(a => a.name === row.name) : undefined;
			if (!row || !account) {
				printError(io, row ? `The active account "${row.name}" is no longer configured. Run "quota-tui switch NAME".` : 'No active account yet. Run "quota-tui switch NAME".');
				return 1;
			}
			const dir = accountDir(account);
			const variable = accountEnvVar(account);
			if (values.json) {
				printJson(io, {name: account.name, provider: account.provider, since: row.at, env: variable && dir ? {[variable]: dir} : {}});
			} else if (values.env) {
				if (!variable || !dir) {
					printError(io, `${account.name} is a ${account.provider} account: it has no directory to export`);
					return 1;
				}
				print(io, `export ${variable}=${shellQuote(dir)}`);
			} else {
				print(io, account.name);
			}
			return 0;
		});
	},
};

/** Quote for POSIX shells only when needed. */
export function shellQuote(value: string): string {
	return /^[\w@%+=:,./~-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export const switchCommand: Command = {
	name: 'switch',
	help: `Usage: quota-tui switch NAME [--json] [--demo]

Makes NAME the active account (one database transaction plus a decision record), then updates the
optional active/<provider> symlink (config switch.symlink) and runs switch.onSwitch (argv template,
no shell; QUOTA_TUI_ACCOUNT, QUOTA_TUI_PROVIDER, QUOTA_TUI_ACCOUNT_DIR in its environment).
New shells pick the account up with: eval "$(quota-tui active --env)"`,
	async run(argv, io) {
		const {values, positionals} = parse(argv, {json: {type: 'boolean'}}, 'switch');
		const name = positionals[0];
		if (!name) throw new UsageError('switch: expected an account name: quota-tui switch NAME');
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			findAccount(ctx, name, 'switch');
			try {
				const outcome = await switchAccount(ctx, name, ctx.clock.now());
				if (values.json) {
					printJson(io, {active: name, decision: outcome.decision, symlink: outcome.symlink, warnings: outcome.warnings});
				} else {
					print(io, `Active account: ${name}`);
					for (const reason of outcome.decision.reasons.slice(1)) print(io, `  ${reason}`);
					if (outcome.symlink) print(io, `  ${outcome.symlink} → ${accountDir(outcome.account)}`);
				}
				for (const warning of outcome.warnings) printError(io, `warning: ${warning}`);
				return 0;
			} catch (error) {
				if (error instanceof SwitchError) throw new UsageError(`switch: ${error.message}`);
				throw error;
			}
		});
	},
};
