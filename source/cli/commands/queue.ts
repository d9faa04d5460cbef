/**
 * `queue list|add|cancel|remove|requeue`: the follow-up queue (DESIGN §7.4).
 */
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {dashPromptWarning} from '../../engine/prompt-safety.js';
import {JOB_SCOPE, parseSeverity, SEVERITIES, type Learned} from '../../engine/jobs.js';
import {addJob, getJob, removeJob, requeueJob} from '../../store/jobs.js';
import {cancelJob, isDirectory, jobView, estimateDefaults, learned, localIso, readQueue, resolveJobId, type JobView} from '../../runtime/queue.js';
import {jobJson} from '../../runtime/server.js';
import {formatAgeShort, formatDuration, truncate} from '../../ui/format.js';
import {cwdOf, fractionFlag, numberFlag, parse, print, printError, printJson, UsageError, type Io} from '../io.js';
import {withContext, type Command} from '../shared.js';

const HELP = `Usage:
  quota-tui queue list [--all] [--json]
  quota-tui queue add --title T --prompt P [--cwd DIR] [--severity critical|warning|info]
                      [--estimate-usd X] [--estimate-pct F] [--provider claude|codex] [--kind K]
                      [--scope S]... [--json]
  quota-tui queue cancel JOB [--grace SECONDS] [--json]
  quota-tui queue remove JOB
  quota-tui queue requeue JOB

The follow-up queue: jobs you add here (the backlog) and Fleet follow-ups read from
sources.fleet.roots (<root>/.fleet/tasks/*/follow-ups.yaml, read-only). Order: severity, then age.
JOB is a job id or a unique prefix of one.

  list       queued and running jobs and those finished in the last day (--all: every job),
             each with its estimate and where the estimate came from
  add        queue a job; --prompt - reads the prompt from stdin. --cwd defaults to the current
             directory. Without estimates, the mean measured cost of finished jobs of the same
             --kind (default "task") is used, else jobs.defaultEstimateUsd / defaultEstimatePct.
             --estimate-pct is a share of a window: a fraction (0.05) or a percent (5%).
             --scope S (project:NAME, role:NAME, account:NAME; repeatable): the budgets the
             job's gate applies when it is dispatched (a Fleet follow-up is in project:<its
             project folder name> by itself).
  cancel     a queued job is cancelled; a running one gets SIGTERM (its whole process group),
             then SIGKILL after --grace seconds (default 10)
  remove     delete a job that is not running (a Fleet job is hidden and not re-added)
  requeue    put a failed, interrupted or cancelled job back in the queue (jobs are never
             re-run without this)`;

function money(n: number): string {
	return `$${n.toFixed(2)}`;
}

/** The STATE cell: `running 12m`, `queued`, `interrupted`. */
export function stateText(job: JobView): string {
	// Team mode: a job another machine claimed says which one.
	if (job.team?.machine && !job.team.here) return `${job.state} on ${job.team.machine}`;
	if ((job.state === 'running' || job.state === 'succeeded' || job.state === 'failed') && job.elapsedMs !== null) return `${job.state} ${formatDuration(job.elapsedMs)}`;
	return job.state;
}

function learnedLine(entry: Learned): string {
	const parts = [
		entry.meanUsd !== null ? `~${money(entry.meanUsd)} from ${entry.usdSamples} run${entry.usdSamples === 1 ? '' : 's'}` : null,
		entry.meanPct !== null ? `~${Math.round(entry.meanPct * 1000) / 10}% of a window from ${entry.pctSamples}` : null,
		entry.meanDurationMs !== null ? `~${formatDuration(entry.meanDurationMs)} each` : null,
	].filter(Boolean);
	return `  ${entry.kind}: ${parts.join(', ') || 'nothing measured yet'}`;
}

async function list(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {all: {type: 'boolean'}, json: {type: 'boolean'}}, 'queue list');
	return withContext(io, {demo: values.demo}, ctx => {
		const now = ctx.clock.now();
		const queue = readQueue(ctx, now, {all: values.all});
		for (const warning of queue.warnings) printError(io, `warning: ${warning}`);
		if (values.json) {
			printJson(io, {
				generatedAt: localIso(now),
				jobs: queue.jobs.map(job => jobJson(job)),
				heldLongTail: queue.held,
				learned: queue.learned,
				warnings: queue.warnings,
			});
			return 0;
		}
		if (queue.jobs.length === 0) {
			print(io, 'The queue is empty. Add a job with: quota-tui queue add --title T --prompt P');
		} else {
			const rows = queue.jobs.map(job => [
				job.id,
				stateText(job),
				job.severity,
				formatAgeShort(job.ageMs),
				`~${money(job.estimate.usd)} ${Math.round(job.estimate.pct * 100)}%`,
				job.account ?? '-',
				truncate(job.title, 60),
			]);
			const header = ['ID', 'STATE', 'SEVERITY', 'AGE', 'ESTIMATE', 'ACCOUNT', 'TITLE'];
			const widths = header.map((title, i) => Math.max(title.length, ...rows.map(row => row[i]!.length)));
			print(io, header.map((title, i) => title.padEnd(widths[i]!)).join('  ').trimEnd());
			for (const [index, row] of rows.entries()) {
				print(io, row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
				const job = queue.jobs[index]!;
				if (job.message && job.state !== 'queued') print(io, `    ${job.message}`);
			}
		}
		for (const held of queue.held) print(io, `Held: ${held.ids.length} long-tail follow-up${held.ids.length === 1 ? '' : 's'} on ${held.module} (${held.cwd}); promoted to a job at 3.`);
		const measured = queue.learned.filter(entry => entry.usdSamples + entry.pctSamples > 0);
		if (measured.length > 0) {
			print(io, 'Learned per-job cost by kind:');
			for (const entry of measured) print(io, learnedLine(entry));
		}
		return 0;
	});
}

/** The prompt: the flag's text, or all of the run's stdin for `--prompt -`. */
async function readPrompt(value: string | undefined, io: Io): Promise<string | undefined> {
	if (value !== '-') return value;
	try {
		const chunks: Buffer[] = [];
		for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
		return Buffer.concat(chunks).toString('utf8');
	} catch (error) {
		throw new UsageError(`--prompt -: cannot read the prompt from stdin: ${(error as Error).message}`);
	}
}

async function add(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {
		title: {type: 'string'}, prompt: {type: 'string'}, cwd: {type: 'string'}, severity: {type: 'string'},
		'estimate-usd': {type: 'string'}, 'estimate-pct': {type: 'string'}, provider: {type: 'string'}, kind: {type: 'string'}, json: {type: 'boolean'},
		scope: {type: 'string', multiple: true},
	}, 'queue add');
	const scopes = [...new Set(values.scope ?? [])];
	for (const scope of scopes) {
		if (!JOB_SCOPE.test(scope)) throw new UsageError(`--scope: expected account:NAME, role:NAME or project:NAME, got "${scope}"`);
	}
	const title = values.title?.trim();
	if (!title) throw new UsageError('--title: required (a short line saying what the job does)');
	const prompt = (await readPrompt(values.prompt, io))?.trim();
	if (!prompt) throw new UsageError('--prompt: required (what the agent is asked to do; --prompt - reads it from stdin)');
	const severity = values.severity === undefined ? 'warning' : parseSeverity(values.severity);
	if (!severity) throw new UsageError(`--severity: expected ${SEVERITIES.join(', ')}, got "${values.severity}"`);
	const provider = values.provider?.toLowerCase();
	if (provider !== undefined && provider !== 'claude' && provider !== 'codex') throw new UsageError(`--provider: expected claude or codex, got "${values.provider}"`);
	const kind = values.kind?.trim().toLowerCase() || 'task';
	if (!/^[a-z0-9][a-z0-9._-]*$/.test(kind)) throw new UsageError(`--kind: expected a word such as task, finding, long_tail, got "${values.kind}"`);
	const estimateUsd = numberFlag(values['estimate-usd'], '--estimate-usd', {min: 0}) ?? null;
	const estimatePct = fractionFlag(values['estimate-pct'], '--estimate-pct') ?? null;
	const cwd = path.resolve(cwdOf(io), values.cwd ?? '.');
	if (!isDirectory(cwd)) throw new UsageError(`--cwd: ${cwd} is not a directory`);
	return withContext(io, {demo: values.demo}, ctx => {
		const now = ctx.clock.now();
		let id = '';
		for (let attempt = 0; attempt < 10; attempt++) {
			id = `q-${randomBytes(3).toString('hex')}`;
			if (!getJob(ctx.db, id)) break;
		}
		const stored = addJob(ctx.db, {id, title, prompt, cwd, severity, createdAt: localIso(now), source: 'backlog', kind, provider: provider ?? null, estimateUsd, estimatePct, scopes}, now);
		const job = jobView(stored, learned(ctx), estimateDefaults(ctx.config), now);
		const dashWarning = dashPromptWarning(`warning: job ${id}`, prompt);
		if (dashWarning) printError(io, dashWarning);
		if (values.json) printJson(io, jobJson(job));
		else print(io, `Queued ${id} "${title}" (${severity}; estimate ~${money(job.estimate.usd)} and ${Math.round(job.estimate.pct * 100)}%: ${job.estimate.detail})${scopes.length > 0 ? `; budgets of ${scopes.join(', ')} apply` : ''}.`);
		return 0;
	});
}

async function cancel(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {grace: {type: 'string'}, json: {type: 'boolean'}}, 'queue cancel');
	const text = positionals[0];
	if (!text) throw new UsageError('queue cancel: expected a job id: quota-tui queue cancel JOB');
	const grace = numberFlag(values.grace, '--grace', {min: 0, max: 3600}) ?? 10;
	return withContext(io, {demo: values.demo}, async ctx => {
		const resolved = resolveJobId(ctx, text);
		if ('error' in resolved) throw new UsageError(`queue cancel: ${resolved.error}`);
		const outcome = await cancelJob(ctx, resolved.id, {graceMs: grace * 1000, now: () => ctx.clock.now()});
		if (values.json) {
			const job = outcome.job ? jobView(outcome.job, learned(ctx), estimateDefaults(ctx.config), ctx.clock.now()) : null;
			printJson(io, {state: outcome.state, signals: outcome.signals, message: outcome.message, job: jobJson(job)});
		} else {
			print(io, outcome.message);
		}
		return outcome.state === 'cancelled' ? 0 : outcome.state === 'already-finished' ? 0 : outcome.state === 'stopping' ? 75 : 2;
	});
}

async function remove(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {}, 'queue remove');
	const text = positionals[0];
	if (!text) throw new UsageError('queue remove: expected a job id: quota-tui queue remove JOB');
	return withContext(io, {demo: values.demo}, ctx => {
		const resolved = resolveJobId(ctx, text);
		if ('error' in resolved) throw new UsageError(`queue remove: ${resolved.error}`);
		const result = removeJob(ctx.db, resolved.id, ctx.clock.now());
		if (result === 'running') throw new UsageError(`queue remove: ${resolved.id} is running; stop it first with quota-tui queue cancel ${resolved.id}`);
		if (result === 'missing') throw new UsageError(`queue remove: no job ${resolved.id}`);
		print(io, result === 'deleted' ? `Removed ${resolved.id}.` : `Removed ${resolved.id} from the queue (its Fleet file is read-only; it will not be re-added).`);
		return 0;
	});
}

async function requeue(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {}, 'queue requeue');
	const text = positionals[0];
	if (!text) throw new UsageError('queue requeue: expected a job id: quota-tui queue requeue JOB');
	return withContext(io, {demo: values.demo}, ctx => {
		const resolved = resolveJobId(ctx, text);
		if ('error' in resolved) throw new UsageError(`queue requeue: ${resolved.error}`);
		const result = requeueJob(ctx.db, resolved.id, ctx.clock.now());
		if (result === 'not-finished') throw new UsageError(`queue requeue: ${resolved.id} is still queued or running`);
		if (result === 'missing') throw new UsageError(`queue requeue: no job ${resolved.id}`);
		print(io, `Queued ${resolved.id} again.`);
		return 0;
	});
}

export const queueCommand: Command = {
	name: 'queue',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'list' || sub === 'ls') return list(rest, io);
		if (sub === 'add') return add(rest, io);
		if (sub === 'cancel') return cancel(rest, io);
		if (sub === 'remove' || sub === 'rm') return remove(rest, io);
		if (sub === 'requeue') return requeue(rest, io);
		if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`queue: unknown subcommand "${sub}" (expected list, add, cancel, remove or requeue)`);
	},
};
