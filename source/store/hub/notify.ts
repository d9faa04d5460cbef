/**
 * LISTEN/NOTIFY on the hub: one channel per topic and schema (`<schema>_<topic>`, so test schemas never
 * hear each other). A NOTIFY sent inside a transaction is delivered when it commits, never if it rolls
 * back. Notifications only wake a machine early: every reader also polls (a pooler in transaction mode
 * drops LISTEN, a laptop sleeps), so a lost notification delays, never loses, data.
 */
import type {Hub, HubSql} from './client.js';

/**
 * - `obs`: a machine pushed observations, history, decisions or usage (payload: the machine's name).
 * - `jobs`: a job was queued, claimed, finished or interrupted (payload: `<state> <job id>`).
 * - `leases`: a poll lease changed hands (payload: the account).
 */
export type HubTopic = 'obs' | 'jobs' | 'leases';

export const hubChannel = (schema: string, topic: HubTopic): string => `${schema}_${topic}`;

/** Send a notification (inside `sql`'s transaction when it is one). */
export async function notifyHub(sql: HubSql, schema: string, topic: HubTopic, payload: string): Promise<void> {
	await sql`SELECT pg_notify(${hubChannel(schema, topic)}, ${payload})`;
}

export type Listening = {unlisten(): Promise<void>};

/**
 * Listen on a topic (the client keeps one dedicated connection for all of a hub's listeners and
 * re-listens after it reconnects). Resolves once the server has registered the LISTEN.
 */
export async function listenHub(hub: Hub, topic: HubTopic, onMessage: (payload: string) => void): Promise<Listening> {
	const request = await hub.sql.listen(hubChannel(hub.schema, topic), onMessage);
	return {unlisten: () => request.unlisten()};
}
