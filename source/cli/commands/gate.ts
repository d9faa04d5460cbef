/**
 * `gate`: may a task start now (DESIGN §7.2)? Exit 0 go, 75 wait, 69 unknown state blocked by policy.
 */
import {instantMs} from '../../engine/time.js';
import {decideGate} from '../../runtime/decide/gate.js';
import {formatCountdown} from '../../ui/format.js';
import {fractionFlag, numberFlag, parse, print, printError, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

const PRIORITIES = ['critical', 'normal', 'low'] as const;

/** QUOTA_TUI_MAX_BUDGET_PCT: the maximum share for every gate call of this process (seed 002). */
function envMaxBudgetPct(env: NodeJS.ProcessEnv): number | undefined {
	const raw = env['QUOTA_TUI_MAX_BUDGET_PCT'];
	if (raw === undefined || raw.trim() === '') return undefined;
	return numberFlag(raw, 'QUOTA_TUI_MAX_BUDGET_PCT', {min: 0, max: 1000});
}

export const gateCommand: Command = {
	name: 'gate',
	help: `Usage: quota-tui gate [--account A] [--estimate-usd X] [--estimate-pct P] [--scope S]...
                      [--estimate-tokens N] [--estimate-messages N] [--estimate-credits N]
                      [--max-budget-pct P] [--priority critical|normal|low] [--auto] [--allow-emergency]
                      [--model M] [--json] [--demo]

Asks the dispatch gate (DESIGN §7.2) whether a task may start now, on --account or else on the
recommended account. Prints the verdict and why; when it says wait, until when.

  --estimate-usd X     the task's estimated cost in dollars (checked against usd budgets and
                       policy.reservedBudgetUsd)
  --estimate-pct P     the task's estimated share of the weekly window: a fraction (0.05) or a
                       percent with its sign (5%)
  --estimate-tokens N, --estimate-messages N, --estimate-credits N
                       the task's estimate in a budget's own unit: checked against the budgets
                       of that unit (tokens, messages, credits) among the scopes that apply
  --max-budget-pct P   this call's maximum share of the weekly quota and of a dollar ceiling, in
                       percent (default: policy.maxQuotaPercent, or QUOTA_TUI_MAX_BUDGET_PCT
                       when set), e.g. 80 for a plan that must leave 20% for interactive use
  --model M            judge the windows model M uses (e.g. sonnet when recommend answers
                       "NAME sonnet" because the account's weekly Opus window is full)
  --scope S            budget scopes the task belongs to (project:NAME, role:NAME); repeatable.
                       The account's own budgets (account:NAME) always apply.
  --priority P         critical may use all remaining headroom when the reset is imminent;
                       low counts as automatic work
  --auto               automatic work (pipelines, auto-spend): yields to manual work and defers
                       when the quota state is unknown; never runs on the emergency fallback
  --allow-emergency    manual work may run on the emergency (last-resort) fallback when it is the
                       only account left (naming it with --account does the same)

Sources older than their freshness bound are read first (within the shared read budget), and
dollar budgets are measured from the local logs now: gate, dispatch, auto-spend and the HTTP API
decide on the same data. --json adds "state": go | deferred | paused_quota | denied.

Exit codes: 0 go; 75 wait (paused: stop the plan until the reset; deferred: retry later);
69 the state is unknown and policy.unknownPolicy is "block", or the account cannot be used.
When only the emergency fallback is left, gate stops with 75: "Stopping: only the emergency
fallback NAME is left (…)".

Example stop message: "Stopping: weekly quota usage at 91% (configured max: 90%)"`,
	async run(argv, io) {
		const {values} = parse(argv, {
			account: {type: 'string'},
			'estimate-usd': {type: 'string'},
			'estimate-pct': {type: 'string'},
			'estimate-tokens': {type: 'string'},
			'estimate-messages': {type: 'string'},
			'estimate-credits': {type: 'string'},
			'max-budget-pct': {type: 'string'},
			scope: {type: 'string', multiple: true},
			model: {type: 'string'},
			priority: {type: 'string'},
			auto: {type: 'boolean'},
			'allow-emergency': {type: 'boolean'},
			json: {type: 'boolean'},
		}, 'gate');
		const priority = values.priority;
		if (priority !== undefined && !(PRIORITIES as readonly string[]).includes(priority)) {
			throw new UsageError(`--priority: expected critical, normal or low, got "${priority}"`);
		}
		for (const scope of values.scope ?? []) {
			if (!/^(account|role|project):.+$/.test(scope)) throw new UsageError(`--scope: expected account:NAME, role:NAME or project:NAME, got "${scope}"`);
		}
		const estimateUsd = numberFlag(values['estimate-usd'], '--estimate-usd', {min: 0});
		const estimatePct = fractionFlag(values['estimate-pct'], '--estimate-pct');
		const estimateUnits: Record<string, number> = {};
		for (const unit of ['tokens', 'messages', 'credits'] as const) {
			const n = numberFlag(values[`estimate-${unit}`], `--estimate-${unit}`, {min: 0});
			if (n !== undefined) estimateUnits[unit] = n;
		}
		const maxBudgetPct = numberFlag(values['max-budget-pct'], '--max-budget-pct', {min: 0, max: 1000});

		return withContext(io, {demo: values.demo, requireAccounts: true}, async ctx => {
			const now = ctx.clock.now();
			if (values.account) findAccount(ctx, values.account, '--account');
			const answer = await decideGate(ctx, {
				account: values.account,
				estimateUsd,
				estimatePct,
				estimateUnits,
				maxQuotaPercent: maxBudgetPct ?? envMaxBudgetPct(ctx.env),
				scopes: values.scope,
				model: values.model?.trim() || undefined,
				priority: priority as (typeof PRIORITIES)[number] | undefined,
				automatic: values.auto,
				allowEmergency: values['allow-emergency'],
			}, now);
			for (const warning of answer.warnings) printError(io, `warning: ${warning}`);
			const {result, decision} = answer;
			if (values.json) {
				printJson(io, {...result, model: answer.model, state: answer.state, emergency: answer.emergency, at: decision.at});
			} else {
				const [first, ...rest] = result.reasons;
				print(io, first ?? result.verdict);
				for (const reason of rest) print(io, `  ${reason}`);
				if (result.retryAt && result.verdict !== 'go') print(io, `  retry at ${result.retryAt} (in ${formatCountdown(instantMs(result.retryAt) ?? null, now)})`);
			}
			return result.exitCode;
		});
	},
};
