/**
 * `quota-tui run [--provider P] [--account A] [--resume] [--wait] [--estimate-…] -- CMD ARGS…`
 */
import {runAgent} from '../../runtime/run-agent.js';
import {fractionFlag, numberFlag, parse, printError, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

export const runCommand: Command = {
	name: 'run',
	help: `Usage: quota-tui run [--provider claude|codex] [--account A] [--resume] [--wait]
                     [--estimate-usd X] [--estimate-pct P] [--json] -- CMD ARGS…

Runs an agent command on the account quota-tui picks (the recommendation, or --account) after the
gate says go, with that account's CLAUDE_CONFIG_DIR (Claude) or CODEX_HOME (Codex) in its environment.
The terminal, stdin, stdout and stderr pass through untouched (interactive claude works), signals are
forwarded, and quota-tui exits with CMD's exit code. How CMD ended — a usage limit, a refused
credential, a policy refusal, success — is recorded as a real-use outcome, exactly as for jobs.

  --resume        when CMD stops at a usage limit, continue the same session (its id from the output,
                  or the account's newest session file) on the next usable account: Claude
                  "claude --resume ID …" with the transcript copied into that account's projects
                  folder, Codex "codex resume ID" / "codex exec resume ID …" likewise
  --wait          when no account is usable, wait for the earliest reset (a countdown on stderr) and
                  go on there; without it, exit 75 with the gate's sentence
  --account A     run on A (the first run only; a resume picks the next usable account)
  --provider P    which accounts to consider when CMD is not named claude or codex
  --estimate-usd X, --estimate-pct P   the run's estimate, for the gate (as in quota-tui gate)
  --json          after CMD ends, print the steps (account, exit code, outcome, session) on stderr

If Claude Code's own "continue at usage limit" is on for the account, run --resume leaves resuming on
that same account to Claude Code (it says so once); moving to another account stays quota-tui's.

Exit codes: CMD's own; 75 when no account may be used now (and no --wait); 2 bad usage;
127 CMD not found.

Example, seed 001's beat.sh in one line:
  quota-tui run --resume --wait -- claude -p "continue the plan in PLAN.md"`,
	async run(argv, io) {
		const dash = argv.indexOf('--');
		const own = dash >= 0 ? argv.slice(0, dash) : argv;
		const command = dash >= 0 ? argv.slice(dash + 1) : [];
		const {values, positionals} = parse(own, {
			provider: {type: 'string'},
			account: {type: 'string'},
			resume: {type: 'boolean'},
			wait: {type: 'boolean'},
			'estimate-usd': {type: 'string'},
			'estimate-pct': {type: 'string'},
			json: {type: 'boolean'},
		}, 'run');
		if (positionals.length > 0) throw new UsageError(`run: put the command after "--" (quota-tui run -- ${positionals.join(' ')})`);
		if (command.length === 0) throw new UsageError('run: name the command to run after "--" (quota-tui run -- claude)');
		const provider = values.provider;
		if (provider !== undefined && provider !== 'claude' && provider !== 'codex') throw new UsageError(`--provider: expected claude or codex, got "${provider}"`);
		const estimateUsd = numberFlag(values['estimate-usd'], '--estimate-usd', {min: 0});
		const estimatePct = fractionFlag(values['estimate-pct'], '--estimate-pct');
		return withContext(io, {demo: values.demo, requireAccounts: true, refresh: true}, async ctx => {
			if (values.account) findAccount(ctx, values.account, '--account');
			const result = await runAgent(ctx, {
				command,
				provider,
				account: values.account,
				resume: values.resume === true,
				wait: values.wait === true,
				estimateUsd,
				estimatePct,
			}, io, line => printError(io, line));
			if (values.json) printJson({...io, stdout: io.stderr}, result);
			return result.exitCode;
		});
	},
};
