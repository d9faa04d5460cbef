/**
 * `resets list|add|remove|use`: banked limit resets (reset credits) per account.
 */
import readline from 'node:readline';
import {RESET_KINDS, resetCreditsAt, type ResetKind} from '../../engine/resets.js';
import type {ResetCreditReport} from '../../engine/report.js';
import {formatIso, instantMs, parseInstant} from '../../engine/time.js';
import {collect} from '../../runtime/collect.js';
import {KIND_TEXT, planResetUse, resetPreviewOf, useResetCredit} from '../../runtime/reset-use.js';
import {addManualResetCredit, getResetCredit, listResetCredits, removeResetCredit} from '../../store/resets.js';
import {formatCountdown, formatLocalTime, resetQuestion} from '../../ui/format.js';
import {numberFlag, parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

const HELP = `Usage:
  quota-tui resets list [--account A] [--all] [--json]
  quota-tui resets add --account A --kind K [--model M] [--count N] (--expires-at ISO | --no-expiry)
                       [--starts-at ISO] [--not-usable-now] [--note TEXT] [--json]
  quota-tui resets remove ID [--json]
  quota-tui resets use (ID | --account A) [--yes] [--json]

Reset credits (banked limit resets) give back a used window before its natural reset. quota-tui
reads them from codex app-server (account/rateLimits/read), from the ChatGPT reset-credit endpoint
(Codex accounts with --usage-endpoint; same read budget as wham/usage) and from Claude usage answers
that carry grants (cedar_ember); "add" enters one by hand (e.g. a Claude grant shown on claude.ai).

  --kind K          ${RESET_KINDS.filter(k => k !== 'unknown').join(', ')} (what it resets; "both" = the 5-hour
                    window and the week, or your choice at redemption; "model" needs --model)
  --count N         how many resets (default 1)
  --expires-at ISO  when it lapses, an ISO 8601 instant WITH its offset; --no-expiry if it does not
  --starts-at ISO   when it becomes usable (default: now)
  --all             list redeemed, gone and long-lapsed credits too

"use" redeems a Codex credit through codex app-server (account/rateLimitResetCredit/consume) with an
idempotency key: on a terminal it asks y/n first, scripts pass --yes; an attempt that may have
reached Codex is retried with the same key by running "use" again. Every redemption is recorded as a
decision. With policy.resetCredits = never, quota-tui redeems nothing. quota-tui never redeems a Claude
reset: run /limit-reset in Claude Code (or claude.ai › Settings › Usage).

Exit codes: 0 done, 1 not redeemed (nothing to reset, no credit, a Claude reset, a failure),
2 bad usage.`;


function instantFlag(value: string | undefined, flag: string): string | null {
	if (value === undefined) return null;
	const dt = parseInstant(value);
	if (!dt) throw new UsageError(`${flag}: expected an ISO 8601 instant with its offset (2026-12-05T18:00:00+01:00 or …Z), got "${value}"`);
	return formatIso(dt);
}

/** `2× 5-hour + weekly  expires Fri 18:00 (in 2d3h)  ≈ $9.20 if unused  [codex-app-server]` */
function creditLine(credit: ResetCreditReport, now: number): string {
	const expiry = credit.expiresAt === null ? 'no expiry' : `${credit.lapsed ? 'lapsed' : 'expires'} ${formatLocalTime(instantMs(credit.expiresAt)!, now)}${credit.lapsed ? '' : ` (in ${formatCountdown(instantMs(credit.expiresAt)!, now)})`}`;
	const state = credit.status === 'available' ? (credit.usableNow ? 'usable now' : credit.startsAt && (instantMs(credit.startsAt) ?? 0) > now ? `from ${formatLocalTime(instantMs(credit.startsAt)!, now)}` : 'not usable now') : credit.status;
	const value = credit.valueIfLapsedUsd === null || credit.status !== 'available' ? '' : `  ≈ $${credit.valueIfLapsedUsd.toFixed(2)} if unused`;
	return `${credit.id.padEnd(12)} ${String(credit.count).padStart(2)}× ${KIND_TEXT[credit.kind]}${credit.model ? ` (${credit.model})` : ''}  ${state}  ${expiry}${value}  [${credit.source}]${credit.title ? `  ${credit.title}` : ''}`;
}

async function list(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {account: {type: 'string'}, all: {type: 'boolean'}, json: {type: 'boolean'}}, 'resets list');
	return withContext(io, {demo: values.demo, requireAccounts: true, refresh: true}, ctx => {
		if (values.account) findAccount(ctx, values.account, '--account');
		const now = ctx.clock.now();
		const {report} = collect(ctx, now);
		const rows = report.accounts.filter(a => !values.account || a.name === values.account).map(account => {
			let resets = account.resets ?? [];
			if (values.all) {
				const current = resets;
				resets = resetCreditsAt(listResetCredits(ctx.db, {account: account.name, all: true, now}), now).map(view => current.find(r => r.id === view.id) ?? viewReport(view));
			}
			return {account: account.name, provider: account.provider, resets};
		});
		if (values.json) {
			printJson(io, {generatedAt: report.generatedAt, accounts: rows});
			return 0;
		}
		let any = false;
		for (const row of rows) {
			if (row.resets.length === 0) continue;
			any = true;
			print(io, `${row.account} (${row.provider})`);
			for (const credit of row.resets) print(io, `  ${creditLine(credit, now)}`);
		}
		if (!any) print(io, `No reset credits${values.account ? ` for ${values.account}` : ''}. Codex credits appear after a codex app-server read; add one by hand with "quota-tui resets add".`);
		return 0;
	});
}

/** A stored credit as a report row without valuation (for --all history). */
function viewReport(view: ReturnType<typeof resetCreditsAt>[number]): ResetCreditReport {
	return {id: view.id, kind: view.kind, model: view.model, count: view.count, expiresAt: view.expiresAt, expiresInMs: view.expiresInMs, startsAt: view.startsAt, source: view.source, status: view.status,
		usableNow: view.usableNow, lapsed: view.lapsed, redeemable: false, title: view.title, note: view.note, valueIfLapsedUsd: null, valueBasis: 'closed', observedAt: view.observedAt};
}

async function add(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {
		account: {type: 'string'}, kind: {type: 'string'}, model: {type: 'string'}, count: {type: 'string'},
		'expires-at': {type: 'string'}, 'no-expiry': {type: 'boolean'}, 'starts-at': {type: 'string'}, 'not-usable-now': {type: 'boolean'}, note: {type: 'string'}, json: {type: 'boolean'},
	}, 'resets add');
	if (!values.account) throw new UsageError('--account: required (the account the reset credit belongs to)');
	const kind = values.kind as ResetKind | undefined;
	if (!kind || !RESET_KINDS.includes(kind) || kind === 'unknown') throw new UsageError(`--kind: expected ${RESET_KINDS.filter(k => k !== 'unknown').join(', ')}${values.kind ? `, got "${values.kind}"` : ''}`);
	if (kind === 'model' && !values.model?.trim()) throw new UsageError('--model: required with --kind model (the model whose weekly usage it resets)');
	if (values['expires-at'] === undefined && !values['no-expiry']) throw new UsageError('--expires-at: required (an ISO 8601 instant with its offset), or --no-expiry');
	if (values['expires-at'] !== undefined && values['no-expiry']) throw new UsageError('--expires-at and --no-expiry: give one of them');
	const count = numberFlag(values.count, '--count', {min: 1, max: 1000}) ?? 1;
	if (!Number.isInteger(count)) throw new UsageError(`--count: expected a whole number, got ${values.count}`);
	const expiresAt = instantFlag(values['expires-at'], '--expires-at');
	const startsAt = instantFlag(values['starts-at'], '--starts-at');
	return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
		findAccount(ctx, values.account!, '--account');
		const now = ctx.clock.now();
		if (expiresAt && (instantMs(expiresAt) ?? 0) <= now) printError(io, `note: ${expiresAt} has passed: the credit is recorded as lapsed`);
		const credit = addManualResetCredit(ctx.db, {account: values.account!, kind, model: kind === 'model' ? values.model!.trim() : null, count, expiresAt, startsAt,
			providerUsable: values['not-usable-now'] ? false : null, note: values.note?.trim().slice(0, 200) || null}, now);
		if (values.json) printJson(io, {added: credit});
		else print(io, `Added reset credit ${credit.id} to ${credit.account}: ${count}× ${KIND_TEXT[kind]}, ${expiresAt ? `expires ${expiresAt}` : 'no expiry'}.`);
		return 0;
	});
}

async function remove(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {json: {type: 'boolean'}}, 'resets remove');
	const id = positionals[0];
	if (!id) throw new UsageError('resets remove: expected a credit ID (see "quota-tui resets list")');
	return withContext(io, {demo: values.demo}, ctx => {
		const credit = getResetCredit(ctx.db, id);
		if (!credit) throw new UsageError(`resets remove: no reset credit "${id}" (see "quota-tui resets list --all")`);
		if (credit.source !== 'manual') {
			throw new UsageError(`resets remove: ${id} comes from ${credit.source}: it is kept as the provider reports it (it goes when redeemed or lapsed); only hand-entered credits can be removed`);
		}
		removeResetCredit(ctx.db, id);
		if (values.json) printJson(io, {removed: id});
		else print(io, `Removed reset credit ${id} of ${credit.account}.`);
		return 0;
	});
}

/** Ask a y/n question on the terminal; resolves true only for y/yes. */
function askYesNo(io: Io, question: string): Promise<boolean> {
	return new Promise(resolve => {
		io.stderr.write(question);
		const rl = readline.createInterface({input: io.stdin, terminal: false});
		let answered = false;
		rl.once('line', line => {
			answered = true;
			rl.close();
			resolve(/^\s*y(es)?\s*$/i.test(line));
		});
		rl.once('close', () => {
			if (!answered) resolve(false);
		});
	});
}

async function use(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {account: {type: 'string'}, yes: {type: 'boolean', short: 'y'}, json: {type: 'boolean'}}, 'resets use');
	const id = positionals[0];
	if (!id && !values.account) throw new UsageError('resets use: expected a credit ID or --account A (see "quota-tui resets list")');
	return withContext(io, {demo: values.demo, requireAccounts: true, refresh: true}, async ctx => {
		const now = ctx.clock.now();
		const plan = planResetUse(ctx, {id, account: values.account}, now);
		if (!plan.ok) {
			if (plan.kind === 'usage') throw new UsageError(`resets use: ${plan.message}`);
			printError(io, plan.message);
			return 1;
		}
		if (!values.yes) {
			if (!io.stdin.isTTY) throw new UsageError('resets use: no terminal to ask on: pass --yes to redeem without asking');
			const ok = await askYesNo(io, `${resetQuestion(resetPreviewOf(plan), now)} [y/N] `);
			if (!ok) {
				printError(io, 'Not redeemed.');
				return 1;
			}
		}
		const result = await useResetCredit(ctx, plan, now, values.yes ? 'redeemed with --yes (resets use)' : 'redeemed after the user said yes (resets use)');
		if (values.json) printJson(io, {verdict: result.verdict, message: result.message, idempotencyKey: result.idempotencyKey, retryable: result.retryable, credit: result.credit, decision: result.decision});
		else (result.verdict === 'redeemed' || result.verdict === 'already-redeemed' ? print : printError)(io, result.message);
		return result.verdict === 'redeemed' || result.verdict === 'already-redeemed' ? 0 : 1;
	});
}

export const resetsCommand: Command = {
	name: 'resets',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'list' || sub === 'ls') return list(rest, io);
		if (sub === 'add') return add(rest, io);
		if (sub === 'remove' || sub === 'rm') return remove(rest, io);
		if (sub === 'use') return use(rest, io);
		if (sub === undefined || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`resets: unknown subcommand "${sub}" (expected list, add, remove or use)`);
	},
};
