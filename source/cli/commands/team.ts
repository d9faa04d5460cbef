/**
 * `team init|join|status|leave`: team mode on a PostgreSQL hub (DESIGN §12). Parses, calls
 * runtime/hub-team.ts, prints.
 */
import type {Context} from '../../runtime/context.js';
import type {JoinReport, LeaveReport, StatusReport} from '../../runtime/hub-team.js';
import {hubSettings, MACHINE_NAME, type HubSettings} from '../../store/hub/settings.js';
import {formatAgeShort} from '../../ui/format.js';
import {parse, print, printJson, UsageError, type Io} from '../io.js';
import {VERSION} from '../main.js';
import {open, type Command} from '../shared.js';

const HELP = `Usage:
  quota-tui team init [--json]
  quota-tui team join [--json]
  quota-tui team status [--json]
  quota-tui team leave [--machine NAME] [--purge] [--local] [--json]

Team mode: several machines share their accounts' observations, history and decisions through a
PostgreSQL hub. Every process keeps writing its local database first; an outbox replicates to the
hub and the hub's newer state flows back. Tokens never leave the machine that holds the login.

  init     create (or migrate) the hub's schema; run it once, from any machine
  join     register this machine, publish the accounts it holds (identity, plan, whether the
           login is here) and push its local history; a second run adds nothing new
  status   machines, when each was last seen, the accounts each holds, outbox lag
  leave    remove this machine's registration (its pushed history stays unless --purge);
           --machine NAME removes a machine that is gone for good; --local stops sharing from
           this machine without reaching the hub

Set-up: QUOTA_TUI_DATABASE_URL=postgres://user@host:5432/db (or: quota-tui config set store.hub
URL), then "quota-tui team init" once and "quota-tui team join" on each machine. Keep a password
in PGPASSWORD rather than in the URL.

Environment: QUOTA_TUI_DATABASE_URL, QUOTA_TUI_MACHINE (this machine's name, default: the host
name), QUOTA_TUI_HUB_SCHEMA (default quota_tui), PGPASSWORD.
Config: store.hub, store.hubSchema, store.machine, store.syncIntervalSeconds (30),
store.hubTimeoutSeconds (3).`;

const NO_HUB = 'No team hub is configured. Set QUOTA_TUI_DATABASE_URL=postgres://user@host:5432/db (or: quota-tui config set store.hub postgres://…), then run "quota-tui team init".';

function settingsOf(ctx: Context): HubSettings {
	const settings = hubSettings(ctx.config, ctx.env);
	if (!settings) throw new UsageError(NO_HUB);
	return settings;
}

/** Connection and schema problems are runtime failures (exit 1) with one line, never a stack. */
async function hubCall<T>(fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (error) {
		const name = (error as Error).name;
		if (['HubUnreachable', 'HubSchemaError', 'MachineTaken', 'NotRegistered', 'PostgresError'].includes(name)) {
			throw new UsageError(`quota-tui team: ${(error as Error).message}`, 1);
		}
		throw error;
	}
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function withTeam(io: Io, fn: (ctx: Context, settings: HubSettings) => Promise<number>): Promise<number> {
	const ctx = open(io, {});
	try {
		return await fn(ctx, settingsOf(ctx));
	} finally {
		ctx.close();
	}
}

function printJoin(io: Io, r: JoinReport): void {
	print(io, `${r.registered ? 'Joined' : 'Already a member of'} the team hub ${r.hub} (schema "${r.schema}") as "${r.machine}".`);
	print(io, r.accounts.length === 0
		? 'Accounts held here: none configured (quota-tui accounts discover).'
		: `Accounts held here: ${r.accounts.map(a => `${a.account} (${[a.provider, a.plan, a.provider === 'manual' ? '' : a.login ? 'login here' : 'no login here'].filter(Boolean).join(', ')})`).join(', ')}`);
	const h = r.history;
	print(io, `Local history: ${plural(h.observation.rows, 'observation')}, ${plural(h.history.rows, 'window-history row')}, ${plural(h.decision.rows, 'decision')}, ${plural(h.usage.rows, 'daily usage row')}, ${plural(h.budget.rows, 'budget')}, ${plural(h.credit.rows, 'reset credit')}.`);
	print(io, r.changed === 0 ? 'Nothing new: the hub already had all of it.' : `Hub rows added or changed: ${r.changed}.`);
	if (r.pulled.observations + r.pulled.decisions + r.pulled.shared > 0) {
		print(io, `From the team: ${plural(r.pulled.observations, 'observation')}, ${plural(r.pulled.decisions, 'decision')}, ${plural(r.pulled.shared, 'budget or reset credit')}.`);
	}
	if (r.registered) print(io, 'From now on every quota-tui process here shares what it records (the status-line hook through the outbox, without connecting).');
}

function printStatus(io: Io, r: StatusReport, now: number): number {
	const ago = (at: string | null) => (at === null ? 'never' : `${formatAgeShort(now - Date.parse(at))} ago`);
	print(io, `Team hub ${r.hub} · this machine: "${r.machine}"`);
	const local = r.local;
	print(io, local.member
		? `  member since ${local.member.joinedAt}; outbox: ${local.outbox.pending === 0 ? 'empty' : `${plural(local.outbox.pending, 'change')} waiting (oldest ${ago(new Date(local.outbox.oldestMs!).toISOString())})`}`
		: '  not joined: run "quota-tui team join" to share this machine\'s data');
	if (local.down) print(io, `  hub unreachable since ${new Date(local.down.sinceMs).toISOString()}: ${local.down.error}`);
	if (!r.team.reachable) {
		print(io, `  ${r.team.error}`);
		return 1;
	}
	const team = r.team;
	if (team.schemaVersion === null) {
		print(io, `  the hub has no quota-tui schema "${r.schema}" yet: run "quota-tui team init"`);
		return 1;
	}
	if (team.schemaVersion !== team.supportedVersion) {
		print(io, `  hub schema version ${team.schemaVersion}, this quota-tui uses ${team.supportedVersion}: ${team.schemaVersion < team.supportedVersion ? 'run "quota-tui team init"' : 'upgrade quota-tui here'}`);
		return 1;
	}
	const machines = team.machines ?? [];
	print(io, '');
	print(io, machines.length === 0 ? 'Machines: none has joined yet.' : 'Machines:');
	const width = Math.max(8, ...machines.map(m => m.name.length + 2));
	for (const m of machines) {
		const lag = m.outboxPending === 0 ? 'outbox empty' : `outbox ${m.outboxPending} (oldest ${ago(m.outboxOldestAt)})`;
		print(io, `  ${`${m.name}${m.name === r.machine ? ' *' : ''}`.padEnd(width)} last seen ${ago(m.lastSeenAt).padEnd(9)} ${lag.padEnd(22)} accounts: ${m.accounts.join(', ') || 'none'}`);
	}
	const accounts = team.accounts ?? [];
	if (accounts.length > 0) {
		print(io, '');
		print(io, 'Accounts:');
		const aw = Math.max(...accounts.map(a => a.name.length));
		for (const a of accounts) {
			const holders = a.holders.map(h => `${h.machine}${h.login || a.provider === 'manual' ? '' : ' (no login)'}${h.disabled ? ' (disabled)' : ''}`).join(', ') || 'nobody';
			const newest = a.newestObservation ? `newest observation ${ago(a.newestObservation.at)} from ${a.newestObservation.machine}` : 'no observation yet';
			const emails = new Set(a.holders.map(h => h.email).filter(Boolean));
			print(io, `  ${a.name.padEnd(aw)}  ${[a.provider, a.plan].filter(Boolean).join(' ')} · held by ${holders} · ${newest}${emails.size > 1 ? ` · warning: the machines see different logins (${[...emails].join(', ')})` : ''}`);
		}
	}
	const rows = team.rows;
	if (rows) {
		print(io, '');
		print(io, `Hub rows: ${plural(rows.observations, 'observation')}, ${plural(rows.windowHistory, 'window-history row')}, ${plural(rows.decisions, 'decision')}, ${plural(rows.usageDaily, 'daily usage row')}, ${plural(rows.jobs, 'job')}, ${plural(rows.pollLeases, 'poll lease')}.`);
	}
	return 0;
}

function printLeave(io: Io, r: LeaveReport): void {
	if (r.localOnly) {
		print(io, `This machine stopped sharing: nothing more is recorded for the hub${r.droppedOutbox > 0 ? ` (${plural(r.droppedOutbox, 'unsent change')} dropped)` : ''}. The hub was not contacted: its registration of "${r.machine}" stays until "quota-tui team leave --machine ${r.machine}" runs where the hub is reachable.`);
		return;
	}
	print(io, r.removed ? `"${r.machine}" left the team: its registration and the accounts it held are removed from the hub.` : `"${r.machine}" was not registered on the hub (nothing to remove there).`);
	if (r.releasedLeases > 0) print(io, `Released ${plural(r.releasedLeases, 'poll lease')}.`);
	if (r.interruptedJobs > 0) print(io, `${plural(r.interruptedJobs, 'job')} it held ${r.interruptedJobs === 1 ? 'is' : 'are'} now interrupted (never re-run).`);
	const rows = `${plural(r.rows.observations, 'observation')}, ${plural(r.rows.windowHistory, 'window-history row')}, ${plural(r.rows.decisions, 'decision')} and ${plural(r.rows.usageDaily, 'daily usage row')}`;
	print(io, r.purged ? `Deleted its ${rows} from the hub.` : `What stays on the hub: its ${rows}, as team history (--purge deletes them). The accounts stay in the team's registry.`);
	if (r.self) print(io, 'What stays here: everything in the local database (including what came from the team); nothing is shared from now on. "quota-tui team join" joins again.');
}

export const teamCommand: Command = {
	name: 'team',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		switch (sub) {
			case 'init': {
				const {values} = parse(rest, {json: {type: 'boolean'}}, 'team init');
				return withTeam(io, async (_ctx, settings) => {
					const {teamInit} = await import('../../runtime/hub-team.js');
					const r = await hubCall(() => teamInit(settings));
					if (values.json) printJson(io, r);
					else {
						print(io, r.from === r.to
							? `Team hub ${r.hub}, schema "${r.schema}": already at version ${r.to}, nothing to do.`
							: `Team hub ${r.hub}, schema "${r.schema}": ${r.from === null ? 'created at' : `migrated from version ${r.from} to`} version ${r.to}.`);
						print(io, 'Next: "quota-tui team join" on each machine.');
					}
					return 0;
				});
			}
			case 'join': {
				const {values} = parse(rest, {json: {type: 'boolean'}}, 'team join');
				return withTeam(io, async (ctx, settings) => {
					if (ctx.demo) throw new UsageError('team join: the demo accounts cannot join a team');
					const {teamJoin} = await import('../../runtime/hub-team.js');
					const r = await hubCall(() => teamJoin(ctx, settings, VERSION));
					if (values.json) printJson(io, r);
					else printJoin(io, r);
					return 0;
				});
			}
			case 'status': {
				const {values} = parse(rest, {json: {type: 'boolean'}}, 'team status');
				return withTeam(io, async (ctx, settings) => {
					const {teamStatus} = await import('../../runtime/hub-team.js');
					const r = await teamStatus(ctx, settings);
					if (values.json) {
						printJson(io, r);
						return r.team.reachable ? 0 : 1;
					}
					return printStatus(io, r, ctx.clock.now());
				});
			}
			case 'leave': {
				const {values} = parse(rest, {json: {type: 'boolean'}, machine: {type: 'string'}, purge: {type: 'boolean'}, local: {type: 'boolean'}}, 'team leave');
				if (values.local && (values.machine || values.purge)) throw new UsageError('team leave: --local stops sharing from this machine only; it cannot be combined with --machine or --purge');
				if (values.machine !== undefined && !MACHINE_NAME.test(values.machine)) throw new UsageError(`--machine: expected a machine name of letters, digits, ".", "_", "-" (at most 63), got "${values.machine}"`);
				return withTeam(io, async (ctx, settings) => {
					const {teamLeave} = await import('../../runtime/hub-team.js');
					const r = await hubCall(() => teamLeave(ctx, settings, {machine: values.machine, purge: values.purge === true, localOnly: values.local === true}));
					if (values.json) printJson(io, r);
					else printLeave(io, r);
					return 0;
				});
			}
			case undefined:
				throw new UsageError(`quota-tui team: expected a subcommand (init, join, status, leave)\n\n${HELP}`);
			default:
				throw new UsageError(`quota-tui team: unknown subcommand "${sub}" (init, join, status, leave)\nRun "quota-tui team --help" for usage.`);
		}
	},
};
