/**
 * One queue for the team (DESIGN §12): local jobs go to the hub's `jobs` table (queued under their id
 * as idempotency key, so two machines reading the same Fleet file queue it once), and the hub's jobs
 * come back to every machine — as local jobs of source `team` when another machine queued them, and as
 * the team state in `team_jobs` (who claimed it, where it runs, how it ended, its log tail).
 */
import {JOB_SCOPE, jobScopes} from '../../engine/jobs.js';
import {addJob, getJob} from '../jobs.js';
import type {Db} from '../db.js';
import {getCursor, setCursor} from '../outbox.js';
import {getKv, setKv} from '../repositories.js';
import {putTeamJob, unpublishedJobIds} from '../team-jobs.js';
import {cancelHubJob, enqueueJob, jobOf, type HubJob} from './claims.js';
import type {Hub} from './client.js';

const BATCH = 500;

/** The team row of a hub job (the dispatch key stays this machine's own business). */
export function teamRowOf(job: HubJob, seq: number, nowMs: number) {
	return {
		id: job.id, state: job.state, machine: job.claimedBy, account: job.claimedAccount ?? job.account, createdBy: job.createdBy,
		message: job.message, logTail: job.logTail, hubSeq: seq, updatedAtMs: nowMs,
	};
}

/** Queue this machine's local queued jobs on the hub (each once). Returns how many the hub did not have. */
export async function publishJobs(hub: Hub, db: Db, nowMs: number): Promise<number> {
	let created = 0;
	for (const id of unpublishedJobIds(db)) {
		const job = getJob(db, id);
		if (!job) continue;
		const result = await enqueueJob(hub, {
			id, idempotencyKey: id, title: job.title, prompt: job.prompt, cwd: job.cwd, severity: job.severity, kind: job.kind, provider: job.provider,
			// The budget scopes travel too (a Fleet follow-up's project:<folder> included: on the other
			// machines it is a `team` job), so every machine gates it with the same budgets.
			estimateUsd: job.estimateUsd, estimatePct: job.estimatePct, payload: {source: job.source, module: job.module, createdAt: job.createdAt, scopes: jobScopes(job)},
		});
		if (result.created) created += 1;
		putTeamJob(db, teamRowOf(result.job, 0, nowMs));
	}
	return created;
}

/**
 * Bring the team state of the hub's jobs here: every job changed since the cursor and every job still
 * queued, claimed or running (a row committed out of seq order is still seen). A job another machine
 * queued is added to the local queue as source `team` (its state here is the team's, see team_jobs).
 */
export async function pullJobs(hub: Hub, db: Db, nowMs: number): Promise<number> {
	const cursor = getCursor(db, 'jobs');
	const rows = await hub.sql<Array<Record<string, unknown>>>`
		SELECT * FROM jobs WHERE seq > ${cursor} OR state IN ('queued', 'claimed', 'running') ORDER BY seq LIMIT ${BATCH * 4}`;
	let changed = 0;
	let top = cursor;
	db.transaction(() => {
		for (const row of rows) {
			const job = jobOf(row);
			const seq = Number(row['seq']);
			top = Math.max(top, seq);
			if (!getJob(db, job.id)) {
				const payload = job.payload as {module?: unknown; createdAt?: unknown; scopes?: unknown};
				// Another machine's words: only well-formed scopes are kept.
				const scopes = Array.isArray(payload.scopes) ? payload.scopes.filter((x): x is string => typeof x === 'string' && x.length <= 200 && JOB_SCOPE.test(x)) : [];
				addJob(db, {
					id: job.id, title: job.title, prompt: job.prompt, cwd: job.cwd ?? '', severity: job.severity,
					createdAt: typeof payload.createdAt === 'string' && Number.isFinite(Date.parse(payload.createdAt)) ? payload.createdAt : job.createdAt,
					source: 'team', sourceRef: `${job.createdBy}:${job.id}`, kind: job.kind, module: typeof payload.module === 'string' ? payload.module : null,
					provider: job.provider, estimateUsd: job.estimateUsd, estimatePct: job.estimatePct, scopes,
				}, nowMs);
			}
			putTeamJob(db, teamRowOf(job, seq, nowMs));
			changed += 1;
		}
		setCursor(db, 'jobs', top, nowMs);
	});
	return changed;
}

// ---------------------------------------------------------------------------------------------------
// Cancels made while the hub was unreachable wait here and go out with the next sync.

const PENDING = 'hub.pending_cancels';

export function pendingCancels(db: Db): string[] {
	try {
		const value = JSON.parse(getKv(db, PENDING) ?? '[]') as unknown;
		return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
	} catch {
		return [];
	}
}

export function addPendingCancel(db: Db, id: string, nowMs: number): void {
	db.transaction(() => setKv(db, PENDING, JSON.stringify([...new Set([...pendingCancels(db), id])]), nowMs));
}

/** Cancel on the hub, and record the team state here. */
export async function cancelOnHub(hub: Hub, db: Db, id: string, nowMs: number): Promise<{changed: boolean; job: HubJob | null}> {
	const result = await cancelHubJob(hub, {jobId: id, machine: hub.machine});
	if (result.job) putTeamJob(db, teamRowOf(result.job, 0, nowMs));
	return result;
}

/** Send the cancels that waited for the hub. Returns how many were sent. */
export async function flushPendingCancels(hub: Hub, db: Db, nowMs: number): Promise<number> {
	const ids = pendingCancels(db);
	for (const id of ids) await cancelOnHub(hub, db, id, nowMs);
	if (ids.length > 0) {
		db.transaction(() => setKv(db, PENDING, JSON.stringify(pendingCancels(db).filter(id => !ids.includes(id))), nowMs));
	}
	return ids.length;
}
