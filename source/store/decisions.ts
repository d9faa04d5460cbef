/**
 * The decision log in quota.db (DESIGN §9): every recorded decision with its reasons and inputs.
 */
import type {Decision, DecisionKind} from '../engine/types.js';
import type {Db} from './db.js';

/** Epoch ms of a stored ISO instant; a TypeError naming `what` when it is not one. */
export function instantMs(iso: string, what: string): number {
	const ms = Date.parse(iso);
	if (!Number.isFinite(ms)) throw new TypeError(`${what}: expected an ISO 8601 instant, received ${JSON.stringify(iso)}`);
	return ms;
}

type DecisionRow = {at: string; kind: string; subject: string; verdict: string; reasons_json: string; inputs_json: string};

/** Insert one decision inside the caller's transaction; returns its row id. */
export function insertDecision(db: Db, decision: Decision): number {
	const result = db
		.prepare('INSERT INTO decisions (at_ms, at, kind, subject, verdict, reasons_json, inputs_json) VALUES (?, ?, ?, ?, ?, ?, ?)')
		.run(
			instantMs(decision.at, `decision ${decision.kind} ${decision.subject}: at`),
			decision.at,
			decision.kind,
			decision.subject,
			decision.verdict,
			JSON.stringify(decision.reasons),
			JSON.stringify(decision.inputs ?? {}),
		);
	return Number(result.lastInsertRowid);
}

/** Record a decision; returns its row id. */
export function recordDecision(db: Db, decision: Decision): number {
	return db.transaction(() => insertDecision(db, decision));
}

/** The newest decisions first. */
export function recentDecisions(db: Db, limit = 20): Decision[] {
	const rows = db
		.prepare('SELECT at, kind, subject, verdict, reasons_json, inputs_json FROM decisions ORDER BY at_ms DESC, id DESC LIMIT ?')
		.all(Math.max(0, Math.floor(limit))) as DecisionRow[];
	return rows.map(decisionOf);
}

/**
 * Decisions about one subject (an account or a job), newest first: those whose subject it is, and with
 * `account` also those whose inputs name it as their account (a dispatch onto it, a gate on it).
 */
export function decisionsAbout(db: Db, about: {subject: string; account?: boolean}, limit = 50): Decision[] {
	const sql = about.account
		? "SELECT at, kind, subject, verdict, reasons_json, inputs_json FROM decisions WHERE subject = ? OR json_extract(inputs_json, '$.account') = ? ORDER BY at_ms DESC, id DESC LIMIT ?"
		: 'SELECT at, kind, subject, verdict, reasons_json, inputs_json FROM decisions WHERE subject = ? ORDER BY at_ms DESC, id DESC LIMIT ?';
	const max = Math.max(0, Math.floor(limit));
	const rows = (about.account ? db.prepare(sql).all(about.subject, about.subject, max) : db.prepare(sql).all(about.subject, max)) as DecisionRow[];
	return rows.map(decisionOf);
}

/** How many decisions are recorded. */
export function decisionCount(db: Db): number {
	return Number((db.prepare('SELECT count(*) AS n FROM decisions').get() as {n: number}).n);
}

function decisionOf(row: DecisionRow): Decision {
	return {
		at: row.at,
		kind: row.kind as DecisionKind,
		subject: row.subject,
		verdict: row.verdict,
		reasons: JSON.parse(row.reasons_json) as string[],
		inputs: JSON.parse(row.inputs_json) as Record<string, unknown>,
	};
}

/** Delete decisions older than `olderThanMs`; returns the count deleted. */
export function pruneDecisions(db: Db, olderThanMs: number): number {
	return db.transaction(() => Number(db.prepare('DELETE FROM decisions WHERE at_ms < ?').run(olderThanMs).changes));
}
