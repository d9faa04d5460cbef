/**
 * Running a job (DESIGN §7.4): the runner argv template of the job's provider (no shell; the prompt is
 * one argument, never interpolated into a shell string), in the job's cwd, with the account's
 * CLAUDE_CONFIG_DIR / CODEX_HOME, its output in `logs/<job>.log`.
 *
 * A dispatch starts a small detached **supervisor** (`build/supervise.js JOB`): it survives the
 * dashboard or the CLI that dispatched the job, starts the runner as the leader of its own process
 * group, waits for it, and records pid, start, exit, cost (from the runner's JSON) and utilization
 * after. If the supervisor itself dies, the next refresh anywhere finds the job's processes gone and
 * marks it `interrupted`.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {BUILT} from '../build-files.js';
import {optionPromptRisk} from '../engine/prompt-safety.js';
import {parseRunnerOutput, type FailureKind} from '../engine/jobs.js';
import {classifyRunnerEnd, limitResetAt, type RealUse} from '../engine/outcomes.js';
import type {Account, Decision} from '../engine/types.js';
import {findExecutable} from '../providers/util.js';
import {finishJob, getJob, markRunning, markSupervised, type Finish, type StoredJob} from '../store/jobs.js';
import {collect, localOffsetMinutes as offsetOf} from './collect.js';
import {openContext, type Context} from './context.js';
import {startTeamRun} from './hub-jobs.js';
import {processStartToken, signalGroup} from './process.js';
import {isDirectory, localIso, utilizationPoint} from './queue.js';

/** Placeholders of a runner template. */
export type RunnerValues = {prompt: string; cwd: string; jobId: string; account: string; model?: string | null | undefined};

/**
 * Fill a runner argv template: each `{prompt}`, `{cwd}`, `{jobId}`, `{account}` inside an argument is
 * replaced in one pass (a placeholder inside the prompt's own text stays as written). A template
 * without `{prompt}` gets the prompt as its last argument.
 */
export function fillArgv(template: readonly string[], values: RunnerValues): string[] {
	const fill = (arg: string) => arg.replace(/\{(prompt|cwd|jobId|account|model)\}/g, (_, key: keyof RunnerValues) => values[key] ?? '');
	// `{model}` when no model was chosen: that argument is left out, and the option before it (`--model`).
	const kept = values.model ? template : template.filter((arg, index) => !arg.includes('{model}') && !(template[index + 1]?.includes('{model}') && arg.startsWith('-')));
	const argv = kept.map(fill);
	return template.some(arg => arg.includes('{prompt}')) ? argv : [...argv, values.prompt];
}

/** Which runner template a job uses on an account: the job's provider, else the account's, else claude. */
export function runnerProvider(job: Pick<StoredJob, 'provider'>, account: Account): 'claude' | 'codex' {
	if (job.provider === 'claude' || job.provider === 'codex') return job.provider;
	return account.provider === 'codex' ? 'codex' : 'claude';
}

/**
 * The runner's environment: the caller's, with the account's directory selected. A Claude account
 * without a configDir means the default (~/.claude): an inherited CLAUDE_CONFIG_DIR is removed so the
 * job never runs on whatever account the dispatching shell had selected (likewise CODEX_HOME).
 */
export function runnerEnv(base: NodeJS.ProcessEnv, account: Account, jobId: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {...base, QUOTA_TUI_JOB_ID: jobId, QUOTA_TUI_ACCOUNT: account.name};
	if (account.configDir) env['CLAUDE_CONFIG_DIR'] = account.configDir;
	else if (account.provider === 'claude') delete env['CLAUDE_CONFIG_DIR'];
	if (account.home) env['CODEX_HOME'] = account.home;
	else if (account.provider === 'codex') delete env['CODEX_HOME'];
	return env;
}

export type RunnerPlan = {
	provider: 'claude' | 'codex';
	/** `runners.<provider>`, for messages. */
	configKey: string;
	argv: string[];
	/** The executable's path, or undefined when it cannot be found. */
	executable: string | undefined;
	env: NodeJS.ProcessEnv;
	/** Why the template is refused (the prompt could become an option), unless runners.allowOptionPrompt. */
	refusal: string | undefined;
};

/** Resolve the runner of `job` on `account`. */
export function planRunner(ctx: Context, job: StoredJob, account: Account, model: string | null | undefined = job.model): RunnerPlan {
	const provider = runnerProvider(job, account);
	const template = ctx.config.runners[provider];
	const argv = fillArgv(template, {prompt: job.prompt, cwd: job.cwd, jobId: job.id, account: account.name, model});
	const risk = ctx.config.runners.allowOptionPrompt ? undefined : optionPromptRisk(template);
	const refusal = risk
		? `the runner template runners.${provider} lets the prompt of job ${job.id} be read as an option (${risk}); put "--" before {prompt}, or set runners.allowOptionPrompt to true`
		: undefined;
	const env = runnerEnv(ctx.env, account, job.id);
	const command = argv[0] ?? '';
	let executable: string | undefined;
	if (command.includes('/') || command.includes(path.sep)) {
		const candidate = path.resolve(job.cwd, command);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			if (fs.statSync(candidate).isFile()) executable = candidate;
		} catch {
			executable = undefined;
		}
	} else if (command) {
		executable = findExecutable(command, env);
	}
	return {provider, configKey: `runners.${provider}`, argv, executable, env, refusal};
}

/** The argv for display: the prompt argument shortened. */
export function displayArgv(argv: readonly string[], prompt: string): string[] {
	return argv.map(arg => (arg === prompt && prompt.length > 60 ? `${prompt.slice(0, 57)}…` : arg));
}

/** The built supervisor entry (build/supervise.js; from the sources: the built one). */
export function supervisorScript(): string {
	return BUILT.supervisor;
}

/** Start the detached supervisor of a claimed job. Resolves once it is spawned (or failed to). */
export function startSupervisor(ctx: Context, jobId: string): Promise<{pid: number} | {error: string}> {
	return new Promise(resolve => {
		const script = supervisorScript();
		if (!fs.existsSync(script)) {
			resolve({error: `the job supervisor ${script} is missing (run npm run build)`});
			return;
		}
		const child = spawn(process.execPath, [script, jobId], {
			detached: true,
			stdio: 'ignore',
			env: ctx.env,
			cwd: fs.existsSync(ctx.paths.dataDir) ? ctx.paths.dataDir : undefined,
		});
		child.once('error', error => resolve({error: `could not start the job supervisor: ${error.message}`}));
		child.once('spawn', () => {
			child.unref();
			resolve({pid: child.pid!});
		});
	});
}

// ---------------------------------------------------------------------------------------------------
// The supervisor

/** How long a runner gets between SIGTERM and SIGKILL on a timeout. */
export const KILL_GRACE_MS = 10_000;
/** The most output read back from the log to find the runner's JSON. */
const TAIL_BYTES = 1024 * 1024;

function readFrom(file: string, offset: number): string {
	try {
		const size = fs.statSync(file).size;
		const start = Math.max(offset, size - TAIL_BYTES);
		const length = Math.max(0, size - start);
		const buffer = Buffer.alloc(length);
		const fd = fs.openSync(file, 'r');
		try {
			fs.readSync(fd, buffer, 0, length, start);
		} finally {
			fs.closeSync(fd);
		}
		return buffer.toString('utf8');
	} catch {
		return '';
	}
}

function appendLog(file: string, text: string): void {
	try {
		fs.appendFileSync(file, text, {mode: 0o600});
	} catch {
		// The log is best effort; the outcome is in the database.
	}
}

/** Run one claimed job to its end and record the outcome. Never throws. */
export async function superviseJob(ctx: Context, jobId: string): Promise<void> {
	const now = () => ctx.clock.now();
	const fail = (kind: FailureKind, message: string, extra: Partial<Finish> = {}) =>
		finishJob(ctx.db, jobId, {state: 'failed', at: localIso(now()), failureKind: kind, message, ...extra});
	const job = getJob(ctx.db, jobId);
	if (!job || job.state !== 'claimed') return;
	if (!markSupervised(ctx.db, jobId, process.pid, processStartToken(process.pid), now())) return;
	if (getJob(ctx.db, jobId)?.cancelRequested) {
		finishJob(ctx.db, jobId, {state: 'cancelled', at: localIso(now()), message: 'cancelled by the user before its runner started'});
		return;
	}
	const account = ctx.accounts.find(a => a.name === job.account);
	if (!account) {
		fail('start', `account ${job.account ?? '(none)'} is no longer configured`);
		return;
	}
	const runner = planRunner(ctx, job, account);
	if (runner.refusal) {
		fail('start', runner.refusal);
		return;
	}
	if (!runner.executable) {
		fail('start', `the runner "${runner.argv[0] ?? ''}" (${runner.configKey}) was not found${(runner.argv[0] ?? '').includes('/') ? '' : ' on PATH'}`);
		return;
	}
	if (!isDirectory(job.cwd)) {
		fail('start', `the job's directory ${job.cwd} does not exist`);
		return;
	}
	const logPath = job.logPath ?? path.join(ctx.paths.logsDir, `${jobId}.log`);
	fs.mkdirSync(path.dirname(logPath), {recursive: true, mode: 0o700});
	appendLog(logPath, `=== quota-tui job ${jobId} on ${account.name} at ${localIso(now())}\n$ ${displayArgv(runner.argv, job.prompt).map(arg => JSON.stringify(arg)).join(' ')}\n  (cwd ${job.cwd})\n`);
	const offset = fs.statSync(logPath).size;
	let fd: number;
	try {
		fd = fs.openSync(logPath, 'a', 0o600);
	} catch (error) {
		fail('start', `cannot write the log ${logPath}: ${(error as Error).message}`);
		return;
	}

	const [, ...args] = runner.argv;
	const child = spawn(runner.executable, args, {cwd: job.cwd, env: runner.env, stdio: ['ignore', fd, fd], detached: true});
	const started = await new Promise<{pid: number} | {error: string}>(resolve => {
		child.once('error', error => resolve({error: error.message}));
		child.once('spawn', () => resolve({pid: child.pid!}));
	});
	fs.closeSync(fd);
	if ('error' in started) {
		appendLog(logPath, `=== could not start: ${started.error}\n`);
		fail('start', `the runner could not start: ${started.error}`);
		return;
	}
	markRunning(ctx.db, jobId, {pid: started.pid, pidStart: processStartToken(started.pid), at: localIso(now())});

	let timedOut = false;
	// setTimeout fires at once past 2^31 − 1 ms (24.8 days): longer timeouts are that long.
	const timeoutMs = Math.min(ctx.config.jobs.timeoutMinutes * 60_000, 2 ** 31 - 1);
	let killTimer: NodeJS.Timeout | undefined;
	const timer = setTimeout(() => {
		timedOut = true;
		signalGroup(started.pid, 'SIGTERM');
		killTimer = setTimeout(() => signalGroup(started.pid, 'SIGKILL'), KILL_GRACE_MS);
	}, timeoutMs);
	const {code, signal} = await new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.once('exit', (exitCode, exitSignal) => resolve({code: exitCode, signal: exitSignal}));
	});
	clearTimeout(timer);
	if (killTimer) clearTimeout(killTimer);

	const output = readFrom(logPath, offset);
	const result = parseRunnerOutput(output);
	const at = localIso(now());
	const cancelled = getJob(ctx.db, jobId)?.cancelRequested ?? false;
	let after: ReturnType<typeof collect> | undefined;
	try {
		after = collect(ctx, now());
	} catch {
		// Unknown after: the delta is not learned from this job, a limit falls back to five hours.
	}
	const stateAfter = after?.states.find(s => s.account.name === account.name);
	const utilizationAfter = utilizationPoint(stateAfter, now());
	const base = {at, exitCode: code, signal, costUsd: result.costUsd, utilizationAfter};
	// Real use outranks quota numbers: how the run ended is recorded as the account's outcome.
	const end = cancelled || timedOut || signal ? undefined : classifyRunnerEnd(code, result.isError, output, now(), offsetOf(now()));
	const outcome = (kind: RealUse['kind'], message: string | null, resetsAt: string | null = null): RealUse =>
		({account: account.name, kind, at, message, resetsAt, source: 'job', jobId});
	let finish: Finish;
	if (cancelled) {
		finish = {...base, state: 'cancelled', message: `cancelled by the user${signal ? ` (ended by ${signal})` : ''}`};
	} else if (timedOut) {
		finish = {...base, state: 'failed', failureKind: 'timeout', message: `timed out after ${ctx.config.jobs.timeoutMinutes} min (jobs.timeoutMinutes) and was stopped`};
	} else if (signal || !end) {
		finish = {...base, state: 'interrupted', message: `interrupted: the runner was killed by ${signal ?? 'a signal'}; not re-run (quota-tui queue requeue ${jobId} runs it again)`};
	} else if (end.kind === 'ok') {
		finish = {...base, state: 'succeeded', message: result.costUsd === null ? 'succeeded (the runner reported no cost)' : `succeeded, cost $${result.costUsd.toFixed(2)}`, outcome: outcome('ok', null)};
	} else if (end.kind === 'limit') {
		// Not a failure: the job waits for the reset the provider stated, else the account's known one.
		const notBefore = limitResetAt(stateAfter ?? {windows: [], account}, {at, resetsAt: end.resetsAt}, now(), offsetOf(now()));
		finish = {
			...base,
			state: 'paused_quota',
			failureKind: 'limit',
			notBefore,
			message: `paused: the provider refused with a usage limit (${end.message ?? 'limit'}); runs again after ${notBefore}${end.resetsAt ? '' : ' (the known reset, estimated)'}`,
			outcome: outcome('limit', end.message, end.resetsAt ?? notBefore),
			decision: {
				at,
				kind: 'defer',
				subject: jobId,
				verdict: 'paused_quota',
				reasons: [`job ${jobId} on ${account.name} hit a usage limit: ${end.message ?? 'limit'}`, `${account.name} counts as exhausted until ${notBefore}; the job is paused until then, not failed`],
				inputs: {job: jobId, account: account.name, exitCode: code, notBefore},
			},
		};
	} else if (end.kind === 'credential' || end.kind === 'policy') {
		const what = end.kind === 'policy' ? 'refused this credential for this use (policy)' : 'refused the credential';
		const decision: Decision = {
			at,
			kind: 'dispatch',
			subject: account.name,
			verdict: 'unusable',
			reasons: [
				`job ${jobId} failed because the provider ${what} of ${account.name}: ${end.message ?? ''}`,
				`${account.name} is left out of selection until a real run on it succeeds (a job, or quota-tui outcome ${account.name} ok)`,
			],
			inputs: {job: jobId, account: account.name, exitCode: code},
		};
		finish = {...base, state: 'failed', failureKind: end.kind, message: `${end.kind === 'policy' ? 'policy refused' : 'credential refused'}: ${end.message ?? ''}`, decision, outcome: outcome(end.kind, end.message)};
	} else {
		const tail = result.text ?? output.split('\n').map(line => line.trim()).filter(Boolean).at(-1) ?? '';
		finish = {...base, state: 'failed', failureKind: 'runner', message: `the runner ${result.isError ? 'reported an error' : `exited with ${code}`}${tail ? `: ${tail.length > 200 ? `${tail.slice(0, 199)}…` : tail}` : ''}`, outcome: outcome('error', end.message)};
	}
	appendLog(logPath, `=== ${finish.state} at ${at}${code !== null ? ` (exit ${code})` : ''}${signal ? ` (${signal})` : ''}${result.costUsd !== null ? `, cost $${result.costUsd}` : ''}\n`);
	finishJob(ctx.db, jobId, finish);
}

/** The supervisor process's main: `supervise.js JOB`. Resolves to its exit code. */
export async function runSupervisor(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
	const jobId = argv[0];
	if (!jobId) {
		process.stderr.write('usage: supervise.js JOB (started by quota-tui dispatch)\n');
		return 2;
	}
	let ctx: Context | undefined;
	try {
		ctx = openContext({env});
		// Team mode: the hub claim is kept (running, lease renewed) while the job runs, then its outcome reported.
		const team = await startTeamRun(ctx, jobId);
		try {
			await superviseJob(ctx, jobId);
		} finally {
			await team?.finish();
		}
		return 0;
	} catch (error) {
		try {
			if (ctx) finishJob(ctx.db, jobId, {state: 'failed', at: localIso(ctx.clock.now()), failureKind: 'start', message: `the supervisor failed: ${(error as Error).message}`});
		} catch {
			// Nothing more can be recorded; the next refresh marks the job interrupted.
		}
		return 1;
	} finally {
		ctx?.close();
	}
}
