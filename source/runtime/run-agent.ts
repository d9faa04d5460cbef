/**
 * `quota-tui run -- CMD ARGS…` (issue 12 item 1): run an agent on the account quota-tui picks, learn
 * how it ended, and with `--resume` continue the same session on the next usable account — or, with
 * `--wait`, on the first one whose reset comes.
 *
 * The child gets the account's CLAUDE_CONFIG_DIR / CODEX_HOME and the terminal as it is: on a terminal
 * every stream is inherited (interactive `claude` works); otherwise stdout and stderr are passed
 * through as they arrive and their tail is kept to classify the end. Signals are forwarded; the exit
 * code is the child's (128 + the signal's number when a signal ended it). The end is classified as the
 * runner's is (limit, credential, policy, ok, error) and recorded as a real-use outcome; every step
 * (picked, resumed, waited) is a recorded decision.
 */
import {spawn} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {classifyRunnerEnd, type OutcomeKind} from '../engine/outcomes.js';
import {instantMs, isoAt} from '../engine/time.js';
import type {Account, Decision} from '../engine/types.js';
import {recordOutcome} from '../store/outcomes.js';
import {recordDecision} from '../store/repositories.js';
import {copySession, nativeAutoContinue, newestSession, resumeCommand, sessionIdFromOutput} from './agent-sessions.js';
import {collect, localOffsetMinutes} from './collect.js';
import {judge, type GateResult} from './decide/gate.js';
import {decisionInputs, earliestReset} from './decide/inputs.js';
import type {Context} from './context.js';
import {emitEvent} from './events.js';
import {accountDir, accountEnvVar} from './switch.js';

export type RunIo = {
	stdin: NodeJS.ReadableStream;
	stdout: NodeJS.WritableStream & {isTTY?: boolean};
	stderr: NodeJS.WritableStream & {isTTY?: boolean};
};

export type RunOptions = {
	command: readonly string[];
	provider?: 'claude' | 'codex' | undefined;
	account?: string | undefined;
	resume: boolean;
	wait: boolean;
	estimateUsd?: number | undefined;
	estimatePct?: number | undefined;
};

export type RunStep = {account: string; exitCode: number; outcome: OutcomeKind; sessionId: string | null; resumed: boolean};
export type RunResult = {exitCode: number; steps: RunStep[]; message?: string | undefined};

const TAIL_BYTES = 256 * 1024;

/** The provider a command is for: its program's name, else --provider. */
export function providerOf(command: readonly string[], given: RunOptions['provider']): 'claude' | 'codex' | undefined {
	if (given) return given;
	const name = path.basename(command[0] ?? '');
	return name === 'claude' ? 'claude' : name === 'codex' ? 'codex' : undefined;
}

type Pick = {account?: Account | undefined; gate?: GateResult | undefined; sentence: string; retryAt: string | null};

/** The account to run on at `now` (not one in `exclude`), and the gate's verdict for manual work there. */
async function pickAccount(ctx: Context, options: RunOptions, provider: string | undefined, exclude: ReadonlySet<string>, now: number): Promise<Pick> {
	const view: Context = {...ctx, db: ctx.db, accounts: ctx.accounts.filter(a => !exclude.has(a.name))};
	// One gate rule with `gate` and `dispatch` (live budgets, the emergency fallback only when named).
	const inputs = await decisionInputs(view, now, {refresh: false, provider});
	const judgement = judge(view, inputs, {account: options.account, estimateUsd: options.estimateUsd, estimatePct: options.estimatePct, fits: provider ? s => s.account.provider === provider : undefined}, now);
	if (!judgement.target) {
		// The earliest reset of any account (the ones a limit just excluded too).
		const everyone = exclude.size > 0 ? collect(ctx, now, {provider}).states : inputs.states;
		return {sentence: judgement.result.reasons[0]!, retryAt: earliestReset(provider ? everyone.filter(s => s.account.provider === provider) : everyone, now)};
	}
	const result = judgement.result;
	return {account: judgement.target.account, gate: result, sentence: result.reasons[0] ?? result.verdict, retryAt: result.retryAt};
}

type Ended = {code: number; output: string};

/** Run `command` with `env`: streams through, signals forwarded, the output's tail kept when piped. */
function runChild(command: readonly string[], env: NodeJS.ProcessEnv, io: RunIo): Promise<Ended> {
	const interactive = io.stdout.isTTY === true;
	const [file, ...args] = command;
	return new Promise(resolve => {
		let tail = '';
		const keep = (chunk: Buffer) => {
			tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
		};
		const ownStdin = io.stdin === process.stdin;
		const child = spawn(file!, args, {env, stdio: [ownStdin ? 'inherit' : 'pipe', interactive ? 'inherit' : 'pipe', interactive ? 'inherit' : 'pipe']});
		if (!ownStdin && child.stdin) {
			child.stdin.on('error', () => undefined);
			io.stdin.pipe(child.stdin);
		}
		child.stdout?.on('data', (chunk: Buffer) => {
			keep(chunk);
			io.stdout.write(chunk);
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			keep(chunk);
			io.stderr.write(chunk);
		});
		// On a terminal Ctrl+C reaches the child through its process group: we only stay alive to record.
		const forwarded: NodeJS.Signals[] = interactive ? ['SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
		const handlers = new Map<NodeJS.Signals, () => void>();
		for (const signal of [...forwarded, ...(interactive ? ['SIGINT' as const] : [])]) {
			const handler = () => {
				if (forwarded.includes(signal)) child.kill(signal);
			};
			handlers.set(signal, handler);
			process.on(signal, handler);
		}
		const done = (code: number, extra = '') => {
			for (const [signal, handler] of handlers) process.removeListener(signal, handler);
			resolve({code, output: tail + extra});
		};
		child.on('error', error => {
			const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
			const line = `quota-tui run: ${file}: ${missing ? 'command not found' : error.message}\n`;
			io.stderr.write(line);
			done(missing ? 127 : 126, line);
		});
		child.on('close', (code, signal) => done(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
	});
}

function countdown(ms: number): string {
	const minutes = Math.max(0, Math.ceil(ms / 60_000));
	return minutes >= 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`;
}

/** Run the agent; resolves with the exit code to exit with. */
export async function runAgent(ctx: Context, options: RunOptions, io: RunIo, say: (line: string) => void): Promise<RunResult> {
	const provider = providerOf(options.command, options.provider);
	const exclude = new Set<string>();
	const steps: RunStep[] = [];
	let now = ctx.clock.now();
	let command = [...options.command];
	let sessionId: string | null = null;
	let from: Account | undefined;
	let lastCode = 0;
	const decide = (subject: string, verdict: string, reasons: string[], inputs: Record<string, unknown>) => {
		const decision: Decision = {at: isoAt(now, localOffsetMinutes(now)), kind: 'run', subject, verdict, reasons, inputs};
		try {
			recordDecision(ctx.db, decision);
		} catch {
			// Recording is not worth failing the run for.
		}
	};

	for (let attempt = 0; attempt < 20; attempt++) {
		const pick = await pickAccount(ctx, options, provider, exclude, now);
		const usable = pick.account && pick.gate && pick.gate.verdict === 'go';
		if (!usable) {
			if (options.wait && pick.retryAt) {
				const until = instantMs(pick.retryAt) ?? now;
				decide(pick.account?.name ?? 'none', 'waited', [pick.sentence, `waiting for the reset at ${pick.retryAt}`], {retryAt: pick.retryAt});
				say(`quota-tui run: ${pick.sentence}; waiting for the reset at ${pick.retryAt} (in ${countdown(until - now)})`);
				await emitEvent(ctx, 'gate-paused', {key: `run:${pick.account?.name ?? 'none'}:${pick.retryAt}`, account: pick.account?.name ?? null, message: pick.sentence, data: {retryAt: pick.retryAt, via: 'run --wait'}}, now);
				if (ctx.clock.frozen) {
					// A frozen clock (QUOTA_TUI_NOW) waits in simulated time: it moves to the reset at once.
					now = until + 1000;
				} else {
					while (Date.now() < until) {
						await new Promise(resolve => setTimeout(resolve, Math.min(60_000, until - Date.now())));
						if (Date.now() < until) say(`quota-tui run: resuming in ${countdown(until - Date.now())}`);
					}
					now = Date.now();
				}
				exclude.clear();
				continue;
			}
			say(`quota-tui run: ${pick.sentence}`);
			decide(pick.account?.name ?? 'none', 'stopped', [pick.sentence], {retryAt: pick.retryAt});
			return {exitCode: steps.length === 0 || pick.gate?.exitCode !== 0 ? 75 : lastCode, steps, message: pick.sentence};
		}
		const account = pick.account!;
		const dir = accountDir(account);
		const variable = accountEnvVar(account);
		const resumed = sessionId !== null && from !== undefined;
		if (resumed) {
			if (account.name === from!.name && provider === 'claude' && dir && nativeAutoContinue(dir)) {
				say(`quota-tui run: Claude Code continues ${account.name} at its reset by itself (its auto-continue is on): not resuming there too`);
				return {exitCode: lastCode, steps};
			}
			const kind = provider ?? (account.provider === 'codex' ? 'codex' : 'claude');
			const fromDir = accountDir(from!);
			if (dir && fromDir && dir !== fromDir) {
				try {
					copySession(kind, sessionId!, fromDir, dir);
				} catch (error) {
					say(`quota-tui run: could not copy session ${sessionId} to ${account.name}: ${(error as Error).message}`);
				}
			}
			command = resumeCommand(kind, options.command, sessionId!);
			decide(account.name, 'resumed', [`resuming session ${sessionId} of ${from!.name} on ${account.name}`, pick.sentence], {from: from!.name, to: account.name, sessionId});
			say(`quota-tui run: resuming session ${sessionId} on ${account.name}`);
			if (account.name !== from!.name) {
				await emitEvent(ctx, 'switch', {key: `run:${from!.name}->${account.name}:${sessionId}:${now}`, account: account.name, message: `run --resume moved session ${sessionId} from ${from!.name} to ${account.name}`, data: {from: from!.name, to: account.name, sessionId, via: 'run --resume'}}, now);
			}
		} else {
			decide(account.name, 'picked', [pick.sentence], {command: command[0], provider: provider ?? null});
		}
		const env: NodeJS.ProcessEnv = {...ctx.env, QUOTA_TUI_ACCOUNT: account.name};
		if (variable && dir) env[variable] = dir;
		const started = Date.now();
		const ended = await runChild(command, env, io);
		lastCode = ended.code;
		const at = ctx.clock.frozen ? now : Date.now();
		const end = classifyRunnerEnd(ended.code, false, ended.output, at, localOffsetMinutes(at));
		try {
			recordOutcome(ctx.db, {account: account.name, kind: end.kind, at: isoAt(at, localOffsetMinutes(at)), message: end.message, resetsAt: end.resetsAt, source: 'outcome', jobId: null});
		} catch (error) {
			say(`quota-tui run: could not record the outcome: ${(error as Error).message}`);
		}
		const found = sessionIdFromOutput(ended.output) ?? (dir && (provider ?? account.provider) !== 'manual' ? newestSession(provider ?? (account.provider === 'codex' ? 'codex' : 'claude'), dir, started) : undefined);
		steps.push({account: account.name, exitCode: ended.code, outcome: end.kind, sessionId: found ?? null, resumed});
		if (end.kind !== 'limit' || !options.resume) return {exitCode: ended.code, steps};
		if (!found) {
			say(`quota-tui run: ${account.name} hit its limit but no session id was found in the output or ${dir ?? 'its directory'}: not resumed`);
			return {exitCode: ended.code, steps};
		}
		say(`quota-tui run: ${account.name} hit its limit${end.resetsAt ? ` (resets ${end.resetsAt})` : ''}`);
		sessionId = found;
		from = account;
		exclude.add(account.name);
		if (options.account !== undefined) options = {...options, account: undefined};
	}
	return {exitCode: lastCode, steps, message: 'gave up after 20 attempts'};
}
