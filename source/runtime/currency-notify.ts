/**
 * Notifications of the quota currencies (issue 11), from the tick of long-running processes (dashboard,
 * `serve`): the waste warning ("NAME's week resets in 3h with 58% unused (~$26.00)", at least
 * autoUtilization.wasteWarnPct left within wasteWarnHours of the reset, naming the queued work that
 * could use it) and a reset credit about to lapse unused (within resetCreditWarnHours). Each once (per
 * reset, per credit expiry) across every process: through the notifier, and as the `waste-warning` /
 * `reset-credit-expiring` events for hooks.
 */
import {DateTime} from 'luxon';
import {makeEvent, type EventName} from '../engine/events.js';
import {weeklyValue} from '../engine/plans.js';
import {lapseValue, openCredits, resetCreditsAt} from '../engine/resets.js';
import {wasteWarnings} from '../engine/waste-warning.js';
import {listJobs} from '../store/jobs.js';
import {claimNotification} from '../store/notifications.js';
import {listResetCredits} from '../store/resets.js';
import {localOffsetMinutes, type Collected} from './collect.js';
import type {Context} from './context.js';
import {emitEvents} from './events.js';
import {notify, type NotifyResult} from './notify.js';

export type CurrencyNotice = {event: EventName; key: string; account: string; body: string; result: NotifyResult | null};

async function once(ctx: Context, event: EventName, key: string, account: string, title: string, body: string, data: Record<string, unknown>, now: number): Promise<CurrencyNotice | null> {
	if (claimNotification(ctx.db, key, title, now)) return null;
	const quotaEvent = makeEvent(event, {key: key.slice(event.length + 1), account, message: body, data}, now, localOffsetMinutes(now));
	const deliveries = await emitEvents(ctx, [quotaEvent], now);
	// The built-in notifier already showed it when events.notify lists the event.
	const shown = deliveries.find(d => d.notified)?.notified;
	const result = shown ?? await notify(ctx, {title, body}, now);
	return {event, key, account, body, result};
}

/** Send the due currency notifications at `now` (nothing in demo mode). */
export async function currencyNotifications(ctx: Context, collected: Pick<Collected, 'states'>, now: number): Promise<CurrencyNotice[]> {
	if (ctx.demo) return [];
	const out: CurrencyNotice[] = [];
	const auto = ctx.config.autoUtilization;
	const queued = listJobs(ctx.db, {states: ['queued']}).map(job => ({title: job.title, provider: job.provider, account: job.account}));
	for (const warning of wasteWarnings({states: collected.states, pct: auto.wasteWarnPct, hours: auto.wasteWarnHours, jobs: queued, now})) {
		const sent = await once(ctx, 'waste-warning', `waste-warning:${warning.account}:${Date.parse(warning.resetsAt)}`, warning.account, 'quota-tui: weekly quota about to go unused', warning.text,
			{window: 'seven_day', unused: warning.unused, valueUsd: warning.valueUsd, resetsAt: warning.resetsAt, pool: warning.poolMembers, jobs: warning.jobs}, now);
		if (sent) out.push(sent);
	}
	const within = auto.resetCreditWarnHours * 3_600_000;
	const credits = listResetCredits(ctx.db, {now});
	for (const state of collected.states) {
		const {account} = state;
		const views = openCredits(resetCreditsAt(credits.filter(c => c.account === account.name), now)).filter(v => v.expiresInMs !== null && v.expiresInMs > 0 && v.expiresInMs <= within);
		for (const view of views) {
			const value = lapseValue(view, state, weeklyValue(account), now);
			const when = DateTime.fromMillis(now + view.expiresInMs!).toFormat('ccc HH:mm');
			const how = account.provider === 'codex' ? `quota-tui resets use ${view.id}` : account.provider === 'claude' ? 'redeem it with /limit-reset in Claude Code' : 'redeem it where it was granted';
			const what = view.count === 1 ? `reset credit ${view.id} expires` : `${view.count} reset credits (${view.id}) expire`;
			const body = `${account.name}: ${what} ${when} unused${value.usd === null ? '' : ` ≈ $${value.usd.toFixed(2)}`} — ${how}`;
			const sent = await once(ctx, 'reset-credit-expiring', `reset-credit-expiring:${view.id}:${view.expiresAt}`, account.name, 'quota-tui: reset credit about to lapse', body,
				{count: view.count, expiresAt: view.expiresAt, credit: view.id, valueUsd: value.usd}, now);
			if (sent) out.push(sent);
		}
	}
	return out;
}
