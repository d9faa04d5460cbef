/**
 * `dispatch`, `auto-spend`, `estimate`, `serve`: running queued work on idle quota.
 */
import {parsePriority} from '../../engine/resume.js';
import {pct} from '../../engine/status.js';
import {runAutoSpend, type AutoPlan} from '../../runtime/auto.js';
import {decideEstimate} from '../../runtime/decide/estimate.js';
import {dispatchJob} from '../../runtime/dispatch.js';
import {localIso} from '../../runtime/queue.js';
import {DEFAULT_PORT, dispatchJson, ensureToken, startApiServer, startAutoLoop, tokenFilePath} from '../../runtime/server.js';
import {numberFlag, parse, print, printError, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

export const dispatchCommand: Command = {
	name: 'dispatch',
	help: `Usage: quota-tui dispatch [JOB] [--account A] [--priority P] [--when-ready] [--dry-run]
                          [--allow-emergency] [--json]

Runs one queued job now: JOB (an id or a unique prefix; default: the first job in queue order)
on --account A or on the account selection recommends among those that fit the job.

  1. the gate (§7.2) decides with the job's estimate, on fresh data (stale sources are read first,
     dollar budgets measured from the logs now), exactly as "quota-tui gate" does: go, or wait
     (exit 75) / refused (exit 69)
  2. the job is claimed in one database transaction: a second dispatcher of the same job is told
     it is already claimed and exits 75
  3. runners.<provider> runs (argv template, no shell; the prompt is one argument) in the job's
     directory with the account's CLAUDE_CONFIG_DIR / CODEX_HOME, under a detached supervisor
     that outlives this command and the dashboard; output goes to logs/<job>.log, and pid, start,
     exit, cost (from the runner's JSON) and utilization before/after are recorded

  --priority P  critical | normal | low for the gate (default: critical for a critical job, low for
                an info job — non-urgent work waits near the limits like automatic work —, else normal);
                critical may use headroom that would expire anyway at an imminent reset
  --when-ready  if the gate says wait, keep the job: the dashboard or "quota-tui serve" dispatches it
                by itself once its retry time (the reset) has passed and the gate says go, in any
                auto mode (a job the gate defers always keeps notBefore = the retry time)
  --dry-run     show the gate verdict, the account and the command line; claim nothing
  --allow-emergency  run on the emergency (last-resort) fallback when it is the only account left
                (naming it with --account does the same); otherwise that is exit 75
                "Stopping: only the emergency fallback NAME is left (…)"
  --json        machine-readable outcome

Exit codes: 0 dispatched (or, with --dry-run, would go); 75 wait (gate deferred or paused, no usable
account, only the emergency fallback left, or already claimed); 69 refused by the gate; 2 unknown job or account; 1 the runner could
not start (e.g. not on PATH) or nothing is queued.`,
	async run(argv, io) {
		const {values, positionals} = parse(argv, {account: {type: 'string'}, priority: {type: 'string'}, 'when-ready': {type: 'boolean'}, 'dry-run': {type: 'boolean'}, 'allow-emergency': {type: 'boolean'}, json: {type: 'boolean'}}, 'dispatch');
		const priority = values.priority === undefined ? undefined : parsePriority(values.priority);
		if (values.priority !== undefined && !priority) throw new UsageError(`dispatch: --priority: expected critical, normal or low, got "${values.priority}"`);
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			if (values.account) findAccount(ctx, values.account, '--account');
			const outcome = await dispatchJob(ctx, {jobId: positionals[0], account: values.account, dryRun: values['dry-run'], priority, whenReady: values['when-ready'], allowEmergency: values['allow-emergency']});
			if (values.json) {
				printJson(io, dispatchJson(outcome, values['dry-run'] === true));
			} else {
				(outcome.exitCode === 0 ? print : printError)(io, outcome.message);
				if (outcome.status === 'dry-run' || outcome.status === 'deferred' || outcome.status === 'dispatched') {
					for (const reason of outcome.reasons) print(io, `  ${reason}`);
					if (outcome.argv) print(io, `  runner: ${outcome.argv.map(arg => JSON.stringify(arg)).join(' ')}`);
				}
				if (outcome.gate?.retryAt && outcome.gate.verdict !== 'go') print(io, `  retry at ${outcome.gate.retryAt}`);
			}
			return outcome.exitCode;
		});
	},
};

/** The plan as text. */
export function formatPlan(plan: AutoPlan, header: string): string {
	const lines = [header];
	for (const reason of plan.reasons) lines.push(`  ${reason}`);
	if (plan.accounts.length > 0) {
		lines.push('Accounts:');
		const width = Math.max(...plan.accounts.map(a => a.account.length));
		for (const account of plan.accounts) {
			lines.push(`  ${account.account.padEnd(width)}  ${account.idle ? `idle, may spend ${pct(account.spendable)}` : 'not idle'}: ${account.reasons.join('; ')}`);
		}
	}
	if (plan.weeklyAutoCapUsd !== null) lines.push(`Automatic spend in the last 7 days: ${money(plan.spentThisWeekUsd)} of ${money(plan.weeklyAutoCapUsd)} (weeklyAutoCapUsd)`);
	lines.push(plan.planned.length > 0 ? 'Planned:' : 'Planned: nothing');
	for (const job of plan.planned) {
		lines.push(`  ${job.jobId}  "${job.title}" → ${job.account}  ${pct(job.estimatePct)} ~${money(job.estimateUsd)}  ${job.startsNow ? 'starts now' : `after ${job.position} earlier job${job.position === 1 ? '' : 's'}`}`);
		for (const reason of job.reasons) lines.push(`      ${reason}`);
	}
	if (plan.excluded.length > 0) {
		lines.push('Excluded:');
		for (const job of plan.excluded) lines.push(`  ${job.jobId}  "${job.title}": ${job.reasons.join('; ')}`);
	}
	return lines.join('\n');
}

export const autoSpendCommand: Command = {
	name: 'auto-spend',
	help: `Usage: quota-tui auto-spend [--dry-run] [--json]

Plans automatic work on idle quota (DESIGN §7.3) and, unless --dry-run, dispatches the first planned
job of every idle account now (tagged autoUtilization; one automatic job at a time per account — the
dashboard or "quota-tui serve" in auto mode start the next one when it finishes).

An account is idle when its 5-hour headroom is above autoUtilization.minHeadroom5h (0.40) and its
weekly headroom above minHeadroom7d (0.30), its usage has not risen without a job of ours in the last
manualQuietMinutes (15), and no automatic job runs on it. Automatic work may spend half of the smaller
headroom. A job fits when its estimate fits what is left of that, its dollars fit maxAutoCostUsd and
weeklyAutoCapUsd, it is expected to finish before the 5-hour reset, and the gate says go. Accounts
whose weekly window resets soonest are used first. During quietHours nothing is planned. A weekly-only
account (no 5-hour window) is idle on its weekly headroom alone and may spend half of it; the members
of a shared pool share one spendable share.

With policy.resetCredits = auto, a Codex reset credit is redeemed first when its account is exhausted,
work is queued for it, no other account has included headroom for it and the credit lapses before the
natural reset (--dry-run says which it would redeem).

The plan lists every planned job with why, and every excluded job with why.`,
	async run(argv, io) {
		const {values} = parse(argv, {'dry-run': {type: 'boolean'}, json: {type: 'boolean'}}, 'auto-spend');
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			const now = ctx.clock.now();
			const dryRun = values['dry-run'] === true || ctx.demo;
			const result = await runAutoSpend(ctx, now, {dryRun});
			for (const warning of result.queue.warnings) printError(io, `warning: ${warning}`);
			if (values.json) {
				printJson(io, {
					generatedAt: localIso(now),
					mode: result.mode,
					dryRun,
					reasons: result.plan.reasons,
					quietHours: result.plan.quietHours,
					accounts: result.plan.accounts,
					planned: result.plan.planned,
					excluded: result.plan.excluded,
					spentThisWeekUsd: result.plan.spentThisWeekUsd,
					weeklyAutoCapUsd: result.plan.weeklyAutoCapUsd,
					dispatched: result.dispatched.map(outcome => dispatchJson(outcome, false)),
					redemptions: result.redemptions.map(r => ({account: r.account, credit: r.choice.credit?.id ?? null, reasons: r.choice.reasons, verdict: r.result?.verdict ?? (dryRun ? 'would-redeem' : 'not-redeemed'), message: r.result?.message ?? null, idempotencyKey: r.result?.idempotencyKey ?? null})),
				});
			} else {
				for (const r of result.redemptions) {
					if (r.result) (r.result.verdict === 'redeemed' || r.result.verdict === 'already-redeemed' ? print : printError)(io, r.result.message);
					else print(io, `Would redeem reset credit ${r.choice.credit?.id} of ${r.account}: ${r.choice.reasons.join('; ')}`);
				}
				print(io, formatPlan(result.plan, `Auto-spend plan at ${localIso(now)} (mode ${result.mode}${dryRun ? ', dry run' : ''})`));
				for (const outcome of result.dispatched) (outcome.exitCode === 0 ? print : printError)(io, outcome.message);
				if (ctx.demo && !values['dry-run']) print(io, '(demo accounts are simulated: nothing was dispatched)');
			}
			return result.dispatched.some(outcome => outcome.exitCode === 1) ? 1 : 0;
		});
	},
};

export const estimateCommand: Command = {
	name: 'estimate',
	help: `Usage: quota-tui estimate [--tasks N] [--kind K] [--account A] [--json]

Prints the plan sentence: "This plan has 12 tasks, estimated cost ~$3.50, remaining quota ~$8.20".

  --tasks N     how many tasks (default: the jobs queued now, each with its own estimate)
  --kind K      the kind of task (task, finding, long_tail, recommendation, …): the per-task cost is
                the mean measured cost of finished jobs of that kind, else jobs.defaultEstimateUsd
                (default kind: task)
  --account A   the quota left on A only (default: every usable, non-last-resort account)

Remaining quota is an account's dollar ceiling minus what its local logs say was spent this cycle
(budget set --scope account:NAME --unit usd), else the unused share of its weekly window priced at its
plan's weekly value (monthly value × 12 / 52). Each account also shows what is left below
policy.maxQuotaPercent (the rest is the reserve kept for interactive use); the plan "fits" when its
cost stays under that.`,
	async run(argv, io) {
		const {values} = parse(argv, {tasks: {type: 'string'}, kind: {type: 'string'}, account: {type: 'string'}, json: {type: 'boolean'}}, 'estimate');
		const tasks = numberFlag(values.tasks, '--tasks', {min: 0});
		if (tasks !== undefined && !Number.isInteger(tasks)) throw new UsageError(`--tasks: expected a whole number, got ${values.tasks}`);
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			const now = ctx.clock.now();
			if (values.account) findAccount(ctx, values.account, '--account');
			const answer = await decideEstimate(ctx, {tasks, kind: values.kind, account: values.account}, now);
			for (const warning of answer.warnings) printError(io, `warning: ${warning}`);
			const {accounts, sentence, detail, fits, spendableUsd, remainingUsd, maxQuotaPercent: maxPct} = answer;
			if (values.json) {
				const {warnings: _warnings, ...rest} = answer;
				printJson(io, {generatedAt: localIso(now), ...rest});
				return 0;
			}
			print(io, sentence);
			print(io, `  estimate: ${detail}`);
			for (const account of accounts) {
				if (account.remainingUsd === null) {
					print(io, `  ${account.name}: remaining unknown (${account.weeklyValueUsd === null ? 'no plan value: set --plan or valueUsdPerMonth, or give it a dollar ceiling (budget set --scope account:NAME --unit usd)' : 'weekly usage unknown'})`);
					continue;
				}
				const share = account.basis === 'ceiling' ? `${money(account.ceiling!.usedUsd)} used of ${account.of}` : `${pct(account.weeklyHeadroom ?? 0)} of ${account.of}`;
				const reserve = account.basis === 'ceiling' ? account.ceiling!.limitUsd * (1 - Math.min(1, maxPct / 100)) : (account.weeklyValueUsd ?? 0) * (1 - Math.min(1, maxPct / 100));
				print(io, `  ${account.name}: ~${money(account.remainingUsd)} (${share}); ~${money(account.spendableUsd ?? 0)} before the ${maxPct}% max (policy.maxQuotaPercent; ~${money(reserve)} kept for interactive use)`);
			}
			if (accounts.length === 0) print(io, '  no usable account to spend it on');
			if (fits === false) print(io, `  the plan costs more than the quota left${spendableUsd !== null && remainingUsd !== null && spendableUsd < remainingUsd ? ` under the ${maxPct}% max` : ''}`);
			return 0;
		});
	},
};

export const serveCommand: Command = {
	name: 'serve',
	help: `Usage: quota-tui serve [--port N]

The local HTTP API (DESIGN §9), bound to 127.0.0.1 only (default port ${DEFAULT_PORT}; --port 0 picks a
free one and prints it). Every request needs "Authorization: Bearer <token>"; the token is created on
first start in the file serve-token beside the database (mode 0600) and printed path-only.

  GET  /auto-utilization/status     the status JSON plus idle capacity, the auto plan and the queue
  POST /auto-utilization/dispatch   {"jobId"?: string, "dryRun"?: boolean, "manual"?: boolean}: the
                                    gate verdict and the dispatched job. A jobId is automatic work:
                                    it runs only when the auto plan starts it now (quiet hours, cost
                                    caps, idle rules); "manual": true makes it a person's work (the
                                    gate only). Without jobId: the first job of the auto plan

401 without the token, 400 on bad JSON, 404 on an unknown job or path, 409 when already claimed.
While it runs, serve polls the accounts with the dashboard's poller, keeps the queue up to date and
runs auto-utilization (suggest / auto modes) every polling.intervalSeconds, like the dashboard. Every
answer (status, dispatch) is decided on fresh data: sources older than their freshness bound are read
first. Stop it with Ctrl+C.

Example:
  curl -s -H "Authorization: Bearer $(cat ~/.local/share/quota-tui/serve-token)" \\
       http://127.0.0.1:${DEFAULT_PORT}/auto-utilization/status`,
	async run(argv, io) {
		const {values} = parse(argv, {port: {type: 'string'}}, 'serve');
		const port = numberFlag(values.port, '--port', {min: 0, max: 65535}) ?? DEFAULT_PORT;
		if (!Number.isInteger(port)) throw new UsageError(`--port: expected a whole number, got ${values.port}`);
		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			let token;
			try {
				token = ensureToken(tokenFilePath(ctx));
			} catch (error) {
				printError(io, `quota-tui serve: ${(error as Error).message}`);
				return 1;
			}
			if (token.warning) printError(io, `warning: ${token.warning}`);
			let api;
			try {
				api = await startApiServer(ctx, token.token, port);
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				printError(io, `quota-tui serve: cannot listen on 127.0.0.1:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (try --port N)' : (error as Error).message}`);
				return 1;
			}
			print(io, `token: ${token.file}${token.created ? ' (created)' : ''}`);
			print(io, `quota-tui API listening on http://127.0.0.1:${api.port}`);
			const stopLoop = startAutoLoop(ctx, line => print(io, line), {poll: true});
			await new Promise<void>(resolve => {
				const stop = () => resolve();
				process.once('SIGINT', stop);
				process.once('SIGTERM', stop);
			});
			stopLoop();
			await api.close();
			print(io, 'stopped');
			return 0;
		});
	},
};
