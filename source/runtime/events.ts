/**
 * The one place events leave quota-tui (DESIGN §13): configured hooks (`hooks: [{on, command}]`, run
 * without a shell, the event JSON on stdin, `QUOTA_TUI_EVENT` in the environment, a timeout that kills
 * the hook's whole process group) and the built-in notifier (desktop, tmux, bell) for the events listed
 * in `events.notify`. An event key is delivered at most once per hour across every quota-tui process
 * (the claim lives in quota.db).
 *
 * `watchEvents` is the long-running processes' tick (dashboard, `serve`) and what one-shot commands
 * call after they looked at the accounts: it compares the accounts and jobs with the last look (kept in
 * quota.db, so a transition seen by any process is seen once) and emits what changed. The status-line
 * hook never emits: what it recorded is seen by the next process that looks.
 *
 * Never throws: failures come back as data.
 */
import {spawn} from 'node:child_process';
import {EVENT_NAMES, makeEvent, watchTransitions, type EventName, type QuotaEvent, type WatchState} from '../engine/events.js';
import {FINISHED_JOB_STATES} from '../engine/jobs.js';
import type {Account} from '../engine/types.js';
import {listJobs} from '../store/jobs.js';
import {claimNotificationEvery} from '../store/notifications.js';
import {getKv, setKv} from '../store/repositories.js';
import {collect, localOffsetMinutes, type Collected} from './collect.js';
import type {Context} from './context.js';
import {notify, type NotifyResult} from './notify.js';
import {signalGroup} from './process.js';

export {EVENT_NAMES, makeEvent, type EventName, type QuotaEvent};

export type HookRun = {
	/** The hook's command as configured (argv[0] and the count of arguments is enough to find it). */
	command: string;
	ok: boolean;
	/** Why it did not succeed (exit code, timeout, could not start). */
	problem?: string | undefined;
	durationMs: number;
};

export type Delivery = {
	event: EventName;
	key: string;
	/** False when the key was already delivered within the hour (by this or another process). */
	delivered: boolean;
	hooks: HookRun[];
	notified?: NotifyResult | undefined;
};

type Hook = {on: readonly string[]; command: readonly string[]; timeoutSeconds: number};

const HOUR_MS = 3_600_000;
const WATCH_KEY = 'events.watch';

const accountDirOf = (account: Account | undefined) =>
	account?.provider === 'claude' ? account.configDir : account?.provider === 'codex' ? account.home : undefined;

/** The configured hooks plus the old `switch.onSwitch`, which runs as a `switch` hook. */
export function configuredHooks(ctx: Context): Hook[] {
	const hooks: Hook[] = ctx.config.hooks.map(hook => ({on: hook.on, command: hook.command, timeoutSeconds: hook.timeoutSeconds}));
	if (ctx.config.switch.onSwitch) hooks.push({on: ['switch'], command: ctx.config.switch.onSwitch, timeoutSeconds: 30});
	return hooks;
}

/** Run one hook for one event: no shell, JSON on stdin, the process group killed at the timeout. */
export function runHook(ctx: Context, hook: Hook, event: QuotaEvent): Promise<HookRun> {
	const started = Date.now();
	const account = event.account ? ctx.accounts.find(a => a.name === event.account) : undefined;
	const dir = accountDirOf(account) ?? '';
	const fill = (arg: string) => arg
		.replaceAll('{event}', event.event)
		.replaceAll('{key}', event.key)
		.replaceAll('{account}', event.account ?? '')
		.replaceAll('{provider}', account?.provider ?? '')
		.replaceAll('{dir}', dir);
	const [file, ...args] = hook.command.map(fill);
	const label = hook.command[0] ?? '';
	const env: NodeJS.ProcessEnv = {
		...ctx.env,
		QUOTA_TUI_EVENT: event.event,
		QUOTA_TUI_EVENT_KEY: event.key,
		QUOTA_TUI_ACCOUNT: event.account ?? '',
		QUOTA_TUI_PROVIDER: account?.provider ?? '',
		QUOTA_TUI_ACCOUNT_DIR: dir,
	};
	return new Promise(resolve => {
		let settled = false;
		let stderr = '';
		const finish = (problem: string | undefined) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve({command: label, ok: problem === undefined, problem, durationMs: Date.now() - started});
		};
		let child: ReturnType<typeof spawn>;
		try {
			child = spawn(file!, args, {stdio: ['pipe', 'ignore', 'pipe'], env, detached: true});
		} catch (error) {
			resolve({command: label, ok: false, problem: `hook ${label} could not start: ${(error as Error).message}`, durationMs: 0});
			return;
		}
		const timer = setTimeout(() => {
			if (child.pid) signalGroup(child.pid, 'SIGKILL');
			finish(`hook ${label} did not finish within ${hook.timeoutSeconds} s and was stopped`);
		}, hook.timeoutSeconds * 1000);
		child.stdin?.on('error', () => {
			// A hook that does not read its stdin is fine.
		});
		child.stdin?.end(`${JSON.stringify(event)}\n`);
		child.stderr?.setEncoding('utf8');
		child.stderr?.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-400);
		});
		child.on('error', error => finish(`hook ${label} could not start: ${error.message}`));
		child.on('close', (code, signal) => {
			if (code === 0) return finish(undefined);
			// eslint-disable-next-line no-control-regex -- strip what a terminal would interpret
			const said = stderr.replace(/\u001B\[[0-?]*[ -/]*[@-~]|\u001B[@-_]|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '').trim().split('\n').at(-1);
			finish(`hook ${label} exited with ${code ?? signal}${said ? `: ${said}` : ''}`);
		});
	});
}

/**
 * Deliver `events`: each key at most once per hour across processes; matching hooks run side by side;
 * the built-in notifier shows the events listed in `events.notify`. Demo contexts deliver nothing.
 */
export async function emitEvents(ctx: Context, events: readonly QuotaEvent[], now: number, options: {force?: boolean} = {}): Promise<Delivery[]> {
	const deliveries: Delivery[] = [];
	if (ctx.demo && !options.force) return deliveries;
	const hooks = configuredHooks(ctx);
	for (const event of events) {
		try {
			const earlier = options.force ? null : claimNotificationEvery(ctx.db, `event:${event.key}`, event.message.slice(0, 200), now, HOUR_MS);
			if (earlier) {
				deliveries.push({event: event.event, key: event.key, delivered: false, hooks: []});
				continue;
			}
			const matching = hooks.filter(hook => hook.on.includes('*') || hook.on.includes(event.event));
			const runs = await Promise.all(matching.map(hook => runHook(ctx, hook, event)));
			let notified: NotifyResult | undefined;
			if ((ctx.config.events.notify as readonly string[]).includes(event.event)) {
				notified = await notify(ctx, {title: `quota-tui: ${event.event}`, body: event.message}, now);
			}
			deliveries.push({event: event.event, key: event.key, delivered: true, hooks: runs, notified});
		} catch (error) {
			deliveries.push({event: event.event, key: event.key, delivered: false, hooks: [{command: '', ok: false, problem: `event ${event.event} could not be delivered: ${(error as Error).message}`, durationMs: 0}]});
		}
	}
	return deliveries;
}

/** Make one event at `now` and deliver it. */
export function emitEvent(ctx: Context, name: EventName, fields: Parameters<typeof makeEvent>[1], now: number): Promise<Delivery[]> {
	return emitEvents(ctx, [makeEvent(name, fields, now, localOffsetMinutes(now))], now);
}

function readWatch(ctx: Context): WatchState | null {
	try {
		const text = getKv(ctx.db, WATCH_KEY);
		if (!text) return null;
		const value = JSON.parse(text) as WatchState;
		return value && value.v === 1 && typeof value.accounts === 'object' ? value : null;
	} catch {
		return null;
	}
}

/**
 * Compare what `collected` shows (and the queue) with the last look, remember this look, and deliver
 * the transitions. Returns the deliveries (empty in demo contexts).
 */
export async function watchEvents(ctx: Context, collected: Pick<Collected, 'states' | 'recommendation'>, now: number): Promise<Delivery[]> {
	if (ctx.demo) return [];
	try {
		const previous = readWatch(ctx);
		const since = previous?.seenAt ?? now;
		const jobs = listJobs(ctx.db).filter(job =>
			!FINISHED_JOB_STATES.includes(job.state) || (previous?.jobs[job.id] !== undefined) || Date.parse(job.finishedAt ?? '') >= since);
		const {events, next} = watchTransitions(previous, {
			states: collected.states,
			recommendation: collected.recommendation,
			jobs,
			warnThreshold: ctx.config.policy.warnThreshold,
			switchThreshold: ctx.config.policy.switchThreshold,
			now,
			offsetMinutes: localOffsetMinutes(now),
		});
		setKv(ctx.db, WATCH_KEY, JSON.stringify(next), now);
		return events.length > 0 ? await emitEvents(ctx, events, now) : [];
	} catch (error) {
		return [{event: 'account-unusable', key: 'watch', delivered: false, hooks: [{command: '', ok: false, problem: `watching for events failed: ${(error as Error).message}`, durationMs: 0}]}];
	}
}

/** The events tick of a long-running process (dashboard, `serve`): look at everything now and deliver what changed. */
export function eventsTick(ctx: Context, now: number, collected?: Pick<Collected, 'states' | 'recommendation'>): Promise<Delivery[]> {
	if (ctx.demo) return Promise.resolve([]);
	try {
		return watchEvents(ctx, collected ?? collect(ctx, now), now);
	} catch (error) {
		return Promise.resolve([{event: 'account-unusable', key: 'watch', delivered: false, hooks: [{command: '', ok: false, problem: `watching for events failed: ${(error as Error).message}`, durationMs: 0}]}]);
	}
}

/** Sentences for the problems of a set of deliveries (hooks that failed, notifications that could not go out). */
export function deliveryProblems(deliveries: readonly Delivery[]): string[] {
	return deliveries.flatMap(delivery => delivery.hooks.filter(run => !run.ok && run.problem).map(run => run.problem!));
}
