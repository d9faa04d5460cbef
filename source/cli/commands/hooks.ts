/**
 * `hooks`: the configured event hooks (DESIGN §13) — list them, or fire a sample event to try one.
 */
import {EVENT_NAMES, isEventName, type EventName} from '../../engine/event-names.js';
import {configuredHooks, emitEvents, makeEvent, type Delivery} from '../../runtime/events.js';
import {localOffsetMinutes} from '../../runtime/collect.js';
import {parse, print, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

/** A plausible event of each kind, marked `sample: true`, for trying a hook. */
function sampleData(event: EventName, account: string | null): {message: string; data: Record<string, unknown>} {
	const who = account ?? 'work';
	switch (event) {
		case 'switch': return {message: `Switched from personal to ${who}`, data: {from: 'personal', to: who}};
		case 'recommendation-changed': return {message: `Recommendation changed from personal to ${who}`, data: {from: 'personal', to: who}};
		case 'account-unusable': return {message: `${who} became unusable: its weekly window is exhausted`, data: {status: 'rejected'}};
		case 'all-exhausted': return {message: 'No usable account: every account is exhausted', data: {}};
		case 'emergency': return {message: `Only the emergency fallback ${who} is left`, data: {}};
		case 'window-reset': return {message: `${who}'s 5-hour window reset`, data: {window: 'five_hour'}};
		case 'threshold-crossed': return {message: `${who}'s weekly usage reached 80% (warn threshold 80%)`, data: {window: 'seven_day', threshold: 'warn', utilization: 0.8}};
		case 'waste-warning': return {message: `${who}'s week resets in 3h with 58% unused (~$26)`, data: {window: 'seven_day', unused: 0.58, valueUsd: 26}};
		case 'reset-credit-expiring': return {message: `${who} has 1 reset credit that expires in 20h unused`, data: {count: 1}};
		case 'job-started': return {message: `Job sample "fix flaky test" started on ${who}`, data: {jobId: 'sample', title: 'fix flaky test'}};
		case 'job-finished': return {message: `Job sample "fix flaky test" finished on ${who}`, data: {jobId: 'sample', title: 'fix flaky test', exitCode: 0}};
		case 'job-failed': return {message: `Job sample "fix flaky test" failed: runner exited with 1`, data: {jobId: 'sample', title: 'fix flaky test', exitCode: 1}};
		case 'gate-paused': return {message: 'Stopping: weekly quota usage at 91% (configured max: 90%)', data: {verdict: 'pause'}};
	}
}

function describe(delivery: Delivery): string[] {
	const lines = delivery.hooks.length === 0 ? ['  no hook listens to this event'] : delivery.hooks.map(run =>
		run.ok ? `  ran ${run.command} (${run.durationMs} ms)` : `  ${run.problem}`);
	if (delivery.notified) lines.push(`  notification: ${delivery.notified.sent ? `sent via ${delivery.notified.via}` : `not sent (${delivery.notified.reason})`}`);
	return lines;
}

export const hooksCommand: Command = {
	name: 'hooks',
	help: `Usage: quota-tui hooks [list] [--json]
       quota-tui hooks test EVENT [--account NAME] [--json]

Event hooks run a command (no shell) when something happens. Configure them in config.json:

  "hooks": [{"on": ["switch", "all-exhausted"], "command": ["notify-me", "{event}", "{account}"]}]

The command gets the event as JSON on stdin ({event, key, at, account, message, data}) and
QUOTA_TUI_EVENT, QUOTA_TUI_EVENT_KEY, QUOTA_TUI_ACCOUNT, QUOTA_TUI_PROVIDER, QUOTA_TUI_ACCOUNT_DIR in
its environment; placeholders {event} {key} {account} {provider} {dir} in "command". It may take
timeoutSeconds (default 30), then its process group is stopped. Each event key runs at most once per
hour across every quota-tui process. The old switch.onSwitch runs as a "switch" hook.

Events: ${EVENT_NAMES.join(', ')}.
"on" may also hold "*" (every event). events.notify lists the events the built-in notifier shows.

  list            the configured hooks (the default)
  test EVENT      fire a sample EVENT now (marked "sample": true) and say how each hook did; exit 1
                  when a hook failed
  --account NAME  the account the sample is about (default: the first configured one)`,
	async run(argv, io) {
		const {values, positionals} = parse(argv, {json: {type: 'boolean'}, account: {type: 'string'}}, 'hooks');
		const [sub = 'list', name, ...extra] = positionals;
		if (extra.length > 0) throw new UsageError(`hooks: unexpected argument "${extra[0]}"`);
		if (sub === 'list') {
			return withContext(io, {demo: values.demo}, ctx => {
				const hooks = configuredHooks(ctx);
				if (values.json) {
					printJson(io, {hooks, notify: ctx.config.events.notify});
					return 0;
				}
				if (hooks.length === 0) print(io, 'No hooks configured (config key "hooks"; see quota-tui hooks --help).');
				for (const hook of hooks) print(io, `on ${hook.on.join(', ')}: ${JSON.stringify(hook.command)} (timeout ${hook.timeoutSeconds} s)`);
				print(io, `Built-in notifications (events.notify, via autoUtilization.notify = ${ctx.config.autoUtilization.notify}): ${ctx.config.events.notify.join(', ') || 'none'}`);
				return 0;
			});
		}
		if (sub !== 'test') throw new UsageError(`hooks: unknown subcommand "${sub}" (list, test)`);
		if (!name) throw new UsageError(`hooks test: name the event (${EVENT_NAMES.join(', ')})`);
		if (!isEventName(name)) throw new UsageError(`hooks test: unknown event "${name}" (events: ${EVENT_NAMES.join(', ')})`);
		return withContext(io, {demo: values.demo}, async ctx => {
			const now = ctx.clock.now();
			const account = values.account ? findAccount(ctx, values.account, '--account').name : ctx.accounts[0]?.name ?? null;
			const sample = sampleData(name, account);
			const event = makeEvent(name, {key: `sample:${now}`, account, message: sample.message, data: {...sample.data, sample: true}}, now, localOffsetMinutes(now));
			const [delivery] = await emitEvents(ctx, [event], now, {force: true});
			const failed = delivery!.hooks.some(run => !run.ok);
			if (values.json) printJson(io, {event, delivered: delivery!.delivered, hooks: delivery!.hooks, notified: delivery!.notified ?? null});
			else {
				print(io, `${name}: ${event.message}`);
				for (const line of describe(delivery!)) print(io, line);
			}
			return failed ? 1 : 0;
		});
	},
};
