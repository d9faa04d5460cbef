/**
 * One poller per account for the whole team (DESIGN §12): before a machine spends an endpoint read
 * of an account (runtime/refresh.ts, before the local `poll_state` slot), it must hold the account's
 * poll lease on the hub, and the last read by any holder must be at least the read interval ago.
 * Everyone else gets "cooldown: read by HOLDER" and sees the holder's observations through the hub.
 *
 * The lease rule: a machine that holds the account's login asks for the lease when its data is stale;
 * the lease lasts two read intervals (6 minutes by default) from each renewal, so the holder keeps it
 * as long as it keeps reading, and another machine takes over once it stops (asleep, gone, quit).
 * The time of the last read travels with the lease, so a new holder still keeps the interval.
 *
 * Without a hub session (one machine, status-line hook), or while the hub is unreachable, only the
 * local budget applies: work goes on locally, never waiting longer than the hub timeout.
 */
import {isoUtc} from '../providers/util.js';
import type {Context} from './context.js';
import {hubSessionOf} from './hub-sync.js';

export type TeamReadGate =
	| {ok: true; /** The lease's holder notes the read on the hub (best effort). */ noteRead(): Promise<void>}
	| {ok: false; holder: string; nextAllowedMs: number; message: string};

const local: TeamReadGate = {ok: true, noteRead: async () => undefined};

/** May this machine read `account`'s usage endpoint now (as far as the team is concerned)? */
export async function teamReadGate(ctx: Context, account: string, now: number, intervalMs: number): Promise<TeamReadGate> {
	const session = hubSessionOf(ctx);
	if (!session) return local;
	const hub = await session.connected();
	if (!hub) return local;
	const {acquirePollLease, notePollRead} = await import('../store/hub/claims.js');
	const machine = session.settings.machine;
	let lease;
	try {
		lease = await acquirePollLease(hub, {account, machine, ttlMs: 2 * intervalMs, nowMs: now});
	} catch {
		// A hub that fails mid-call is a hub that is down: the local budget holds.
		return local;
	}
	if (!lease.held) {
		const nextAllowedMs = Date.parse(lease.expiresAt);
		return {ok: false, holder: lease.holder, nextAllowedMs, message: `${account} is read by ${lease.holder} for the team (its poll lease runs to ${isoUtc(nextAllowedMs)}); its reads arrive through the hub`};
	}
	const lastRead = lease.lastReadAt === null ? null : Date.parse(lease.lastReadAt);
	if (lastRead !== null && lastRead + intervalMs > now && lastRead <= now) {
		const nextAllowedMs = lastRead + intervalMs;
		return {ok: false, holder: machine, nextAllowedMs, message: `next usage read for ${account} allowed at ${isoUtc(nextAllowedMs)} (the team's shared cooldown)`};
	}
	return {
		ok: true,
		async noteRead() {
			await notePollRead(hub, {account, machine, nowMs: now}).catch(() => false);
		},
	};
}
