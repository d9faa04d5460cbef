/**
 * Team views (DESIGN §12): which machines hold each account and how old the newest observation each of
 * them made is — from the team's holdings as this machine last pulled them (no network here).
 */
import {membership} from '../store/outbox.js';
import {getTeamView} from '../store/team-jobs.js';
import type {Context} from './context.js';

export type TeamHolder = {machine: string; here: boolean; login: boolean; disabled: boolean; newestObservationAt: string | null; newestAgeMs: number | null};
export type TeamAccounts = {machine: string; pulledAt: string; accounts: Record<string, TeamHolder[]>};

/** The team's holders per account, or null when this machine is not a team member (or never pulled). */
export function teamAccounts(ctx: Context, now: number): TeamAccounts | null {
	if (ctx.demo) return null;
	const member = membership(ctx.db);
	const view = member ? getTeamView(ctx.db) : null;
	if (!member || !view) return null;
	const accounts: Record<string, TeamHolder[]> = {};
	for (const row of view.holdings) {
		const newest = row.newestAt === null ? null : Date.parse(row.newestAt);
		(accounts[row.account] ??= []).push({
			machine: row.machine, here: row.machine === member.machine, login: row.login, disabled: row.disabled,
			newestObservationAt: row.newestAt, newestAgeMs: newest === null ? null : Math.max(0, now - newest),
		});
	}
	return {machine: member.machine, pulledAt: new Date(view.pulledAtMs).toISOString(), accounts};
}
