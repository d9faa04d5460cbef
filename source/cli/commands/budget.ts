/**
 * `budget set|status|reset`: user-entered limits with arbitrary reset instants, and manual windows of
 * accounts (the user-entered override of a detected window).
 */
import {DateTime} from 'luxon';
import {effectiveBudget} from '../../engine/budget-state.js';
import {formatIso, instantMs, nextRecurrence, parseInstant, parseRecurrence, toUtcIso} from '../../engine/time.js';
import {isLogMeasuredBudget} from '../../engine/local-usage.js';
import {BUDGET_UNITS, type Budget, type WindowKind} from '../../engine/types.js';
import {localOffsetMinutes} from '../../runtime/collect.js';
import type {Context} from '../../runtime/context.js';
import {liveBudgets} from '../../runtime/local-usage.js';
import {pruneHistory, recordManualWindow} from '../../runtime/history.js';
import {deleteBudget, listBudgets, upsertBudget} from '../../store/repositories.js';
import {isoAt} from '../../engine/time.js';
import {numberFlag, parse, print, printJson, UsageError, type Io} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

const HELP = `Usage:
  quota-tui budget set --scope S --limit N --unit U [--used N] [--reset-at ISO] [--recurrence R]
  quota-tui budget set --scope account:NAME --window KIND --used N [--limit 100] [--unit percent] --reset-at ISO
  quota-tui budget status [--scope S] [--json]
  quota-tui budget reset --scope S [--window KIND] [--reset-at ISO]

Budgets are limits you enter yourself (a team's credit pool, a project's dollar cap, a provider's
own unit). Every applicable budget must have room for a task before "quota-tui gate" says go.

  --scope S        account:NAME, role:NAME or project:NAME
  --limit N        the budget's size in its unit
  --unit U         ${BUDGET_UNITS.join(', ')}, or a provider's own unit
  --used N         how much is used now (default 0)
  --reset-at ISO   the next reset, an ISO 8601 instant WITH its offset
                   (2026-12-01T09:00:00+05:45); the offset is kept and UTC is shown beside it
  --recurrence R   5h, daily, weekly:<weekday>, monthly:<day>, or an ISO 8601 duration (P7D):
                   once the reset passes, the next one is the next matching instant at the
                   same local time in the reset's own offset
  --window KIND    with --scope account:NAME: enter that window of the account by hand
                   (five_hour, seven_day, seven_day_opus, seven_day_sonnet, monthly,
                   weekly:<model>, custom:<id>); it overrides the detected value until
                   cleared or until its window resets; "--used" is in percent by default

"budget reset" without --reset-at clears the budget (or manual window); with --reset-at it moves
its reset.`;

const WINDOW_KIND = /^(five_hour|seven_day|seven_day_opus|seven_day_sonnet|monthly|extra_usage|weekly:[a-z0-9._-]+|custom:[a-z0-9._-]+)$/i;

function checkScope(ctx: Context, scope: string | undefined): string {
	if (!scope) throw new UsageError('--scope: required (account:NAME, role:NAME or project:NAME)');
	const match = /^(account|role|project):(.+)$/.exec(scope);
	if (!match) throw new UsageError(`--scope: expected account:NAME, role:NAME or project:NAME, got "${scope}"`);
	if (match[1] === 'account') findAccount(ctx, match[2]!, '--scope');
	return scope;
}

function checkWindow(window: string | undefined, scope: string): WindowKind | undefined {
	if (window === undefined) return undefined;
	if (!scope.startsWith('account:')) throw new UsageError('--window: only with --scope account:NAME (a manual window of that account)');
	if (!WINDOW_KIND.test(window)) throw new UsageError(`--window: expected five_hour, seven_day, seven_day_opus, seven_day_sonnet, monthly, weekly:<model> or custom:<id>, got "${window}"`);
	return window as WindowKind;
}

function checkResetAt(value: string | undefined): string | null {
	if (value === undefined) return null;
	const dt = parseInstant(value);
	if (!dt) throw new UsageError(`--reset-at: expected an ISO 8601 instant with its offset (2026-12-01T09:00:00+05:45 or …Z), got "${value}"`);
	return formatIso(dt);
}

function checkRecurrence(value: string | undefined): string | null {
	if (value === undefined) return null;
	const parsed = parseRecurrence(value);
	if ('error' in parsed) throw new UsageError(`--recurrence: ${parsed.error}`);
	return value.trim().toLowerCase().startsWith('p') ? value.trim().toUpperCase() : value.trim().toLowerCase();
}

/** A budget as `budget status` shows it: effective at `now`, with local time and UTC. */
export function budgetView(budget: Budget, now: number, zone?: string) {
	const effective = effectiveBudget(budget, now);
	const local = effective.resetAt ? parseInstant(effective.resetAt)?.setZone(zone ?? 'local') : undefined;
	return {
		scope: budget.scope,
		window: budget.window ?? null,
		limit: budget.limit,
		unit: budget.unit,
		used: effective.used,
		remaining: Math.max(0, budget.limit - effective.used),
		utilization: budget.limit > 0 ? effective.used / budget.limit : null,
		resetAt: effective.resetAt,
		resetAtUtc: effective.resetAt ? toUtcIso(effective.resetAt) ?? null : null,
		resetAtLocal: local ? formatIso(local) : null,
		resetPassed: effective.resetPassed,
		enteredResetAt: budget.resetAt,
		recurrence: budget.recurrence ?? null,
		source: effective.source,
		/** True when `used` is measured from the account's local logs (a dollar ceiling without --used). */
		measured: isLogMeasuredBudget(budget),
		checkedAt: budget.checkedAt,
	};
}

async function set(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {
		scope: {type: 'string'}, limit: {type: 'string'}, unit: {type: 'string'}, used: {type: 'string'},
		'reset-at': {type: 'string'}, recurrence: {type: 'string'}, window: {type: 'string'}, json: {type: 'boolean'},
	}, 'budget set');
	return withContext(io, {demo: values.demo}, async ctx => {
		const scope = checkScope(ctx, values.scope);
		const window = checkWindow(values.window, scope);
		const limit = numberFlag(values.limit, '--limit', {min: 0}) ?? (window ? 100 : undefined);
		if (limit === undefined) throw new UsageError('--limit: required (the budget\'s size in its unit)');
		if (limit === 0) throw new UsageError('--limit: expected a number > 0');
		const unit = values.unit ?? (window ? 'percent' : undefined);
		if (!unit) throw new UsageError(`--unit: required (${BUDGET_UNITS.join(', ')}, or a provider's own unit)`);
		let used = numberFlag(values.used, '--used', {min: 0}) ?? 0;
		const now = ctx.clock.now();
		// A reset that has already passed: rolled forward by the recurrence (and said so), else refused.
		let resetAt = checkResetAt(values['reset-at']);
		const recurrence = checkRecurrence(values.recurrence);
		let rolledNote = '';
		const resetMs = instantMs(resetAt);
		if (resetAt && resetMs !== undefined && resetMs <= now && !window) {
			const parsed = recurrence ? parseRecurrence(recurrence) : undefined;
			const next = parsed && !('error' in parsed) ? nextRecurrence(resetAt, parsed, now) : undefined;
			if (!next) throw new UsageError(`--reset-at: ${resetAt} has already passed (now ${isoAt(now, localOffsetMinutes(now))}); give the next reset, or --recurrence R to roll it forward`);
			rolledNote = ` (the reset ${resetAt} has already passed: rolled forward by its recurrence ${recurrence} to ${next})`;
			resetAt = next;
		}
		// An account's dollar budget without --used is measured from its local logs (API-equivalent cost
		// since the cycle began), tagged estimated, and kept current by gate and budget status.
		const measure = values.used === undefined && unit === 'usd' && !window && scope.startsWith('account:');
		let budget: Budget = {
			scope,
			window,
			limit,
			unit,
			used,
			resetAt,
			recurrence,
			source: measure ? 'estimated' : 'user-entered',
			checkedAt: isoAt(now, localOffsetMinutes(now)),
		};
		let measuredNote = '';
		if (measure) {
			const live = (await liveBudgets(ctx, [budget], now)).budgets[0]!;
			if (!live.measured) throw new UsageError(`--used: ${scope} has no local logs to measure its dollars from (a Claude account needs --config-dir, a Codex account --home); give --used`);
			used = live.used;
			budget = {...budget, used};
			measuredNote = ` (API-equivalent cost since ${isoAt(live.measured.since, localOffsetMinutes(now))}, measured from the local logs and kept current)`;
		}
		ctx.db.transaction(() => {
			upsertBudget(ctx.db, budget);
			// A manual window is also an observation of that window: history, burn rate and waste.
			if (window) recordManualWindow(ctx, {...budget, window}, now);
		});
		if (window) pruneHistory(ctx, now);
		const view = budgetView(budget, now);
		if (values.json) printJson(io, view);
		else print(io, `Set ${scope}${window ? ` ${window}` : ''}: ${measure ? `$${used.toFixed(2)}` : used} of ${limit} ${unit}${measuredNote}${view.resetAt ? `, resets ${view.resetAt} (${view.resetAtUtc} UTC)` : ''}${budget.recurrence ? `, recurring ${budget.recurrence}` : ''}${rolledNote}`);
		return 0;
	});
}

async function status(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {scope: {type: 'string'}, json: {type: 'boolean'}}, 'budget status');
	return withContext(io, {demo: values.demo}, async ctx => {
		const now = ctx.clock.now();
		// Dollar budgets measured from the local logs are brought up to date first.
		const stored = listBudgets(ctx.db).filter(b => !values.scope || b.scope === values.scope);
		const budgets = (await liveBudgets(ctx, stored, now)).budgets.map(b => budgetView(b, now));
		if (values.json) {
			printJson(io, {generatedAt: isoAt(now, localOffsetMinutes(now)), budgets});
			return 0;
		}
		if (budgets.length === 0) {
			print(io, values.scope ? `No budget for ${values.scope}.` : 'No budgets. Add one with "quota-tui budget set --scope project:NAME --limit N --unit usd".');
			return 0;
		}
		for (const b of budgets) {
			const local = b.resetAtLocal ? DateTime.fromISO(b.resetAtLocal, {setZone: true}).toFormat("ccc d LLL HH:mm 'local'") : '';
			const measured = b.measured;
			print(io, `${b.scope}${b.window ? ` ${b.window}` : ''}: ${measured ? `$${b.used.toFixed(2)}` : b.used} of ${b.limit} ${b.unit} (${measured ? `$${b.remaining.toFixed(2)}` : b.remaining} left)${measured ? ' — API-equivalent cost from the local logs (estimated)' : ''}`);
			print(io, b.resetAt ? `  resets ${b.resetAt} = ${b.resetAtUtc} UTC = ${local}${b.recurrence ? `, then ${b.recurrence}` : ''}${b.resetPassed ? ' (rolled forward: counting from 0, estimated)' : ''}` : '  no reset time');
		}
		return 0;
	});
}

async function reset(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {scope: {type: 'string'}, window: {type: 'string'}, 'reset-at': {type: 'string'}, json: {type: 'boolean'}}, 'budget reset');
	return withContext(io, {demo: values.demo}, ctx => {
		if (!values.scope) throw new UsageError('--scope: required');
		const scope = values.scope;
		const window = values.window;
		const existing = listBudgets(ctx.db).find(b => b.scope === scope && (b.window ?? '') === (window ?? ''));
		if (!existing) throw new UsageError(`budget reset: no budget for ${scope}${window ? ` --window ${window}` : ''} (see "quota-tui budget status")`);
		const resetAt = values['reset-at'];
		if (resetAt === undefined) {
			deleteBudget(ctx.db, scope, window);
			print(io, `Cleared ${scope}${window ? ` ${window}` : ''}.`);
			return 0;
		}
		const now = ctx.clock.now();
		const moved: Budget = {...existing, resetAt: checkResetAt(resetAt), checkedAt: isoAt(now, localOffsetMinutes(now))};
		ctx.db.transaction(() => {
			upsertBudget(ctx.db, moved);
			if (moved.window) recordManualWindow(ctx, {...moved, window: moved.window}, now);
		});
		const view = budgetView(moved, now);
		if (values.json) printJson(io, view);
		else print(io, `Moved the reset of ${scope}${window ? ` ${window}` : ''} to ${view.resetAt} (${view.resetAtUtc} UTC).`);
		return 0;
	});
}

export const budgetCommand: Command = {
	name: 'budget',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'set') return set(rest, io);
		if (sub === 'status') return status(rest, io);
		if (sub === 'reset') return reset(rest, io);
		if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`budget: unknown subcommand "${sub}" (expected set, status or reset)`);
	},
};
