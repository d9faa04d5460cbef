/**
 * `outcome NAME ok|limit|credential|policy|error`: record how a real run on an account ended, from any
 * launcher (issue 9 item 5). Real use outranks quota numbers in every decision.
 */
import {OUTCOME_KINDS, type OutcomeKind, type RealUse} from '../../engine/outcomes.js';
import {formatIso, parseInstant} from '../../engine/time.js';
import {collect} from '../../runtime/collect.js';
import {localIso} from '../../runtime/queue.js';
import {recordOutcome} from '../../store/outcomes.js';
import {parse, print, printJson, UsageError} from '../io.js';
import {findAccount, withContext, type Command} from '../shared.js';

const MAX_MESSAGE = 500;

export const outcomeCommand: Command = {
	name: 'outcome',
	help: `Usage: quota-tui outcome NAME ok|limit|credential|policy|error [--message M] [--resets-at ISO] [--json]

Records how a real run on account NAME ended, for launchers that start sessions themselves (a
beat.sh, a plan runner). Jobs quota-tui dispatches record their own outcome. Real use outranks
quota numbers: recommend, gate, dispatch, auto-spend and the dashboard all read it.

  ok          the run worked. Clears a credential or policy mark and a usage-limit mark; an account
              whose quota API refuses the credential (401) stays usable, shown as "quota data
              unavailable", for a day after its last real success.
  limit       the provider refused with a usage limit ("You've hit your limit", 429). The window
              counts as exhausted (source estimated) until --resets-at, else the account's known
              reset, else five hours from now.
  credential  the provider refused the credential (401, "Please run /login"): the account is left
              out until a later real success (a job that succeeds, or "outcome NAME ok").
  policy      the provider refused this credential for this use (400 "only authorized for use with
              Claude Code", 403 "not allowed"): like credential.
  error       anything else: recorded, but says nothing about the account.

  --message M      what the run printed (kept with the outcome, shown in reasons; ≤ ${MAX_MESSAGE} characters)
  --resets-at ISO  limit only: the reset the provider stated, an ISO 8601 instant with its offset
  --json           print the recorded outcome and the account's state after it

Exit codes: 0 recorded; 2 bad usage (unknown account or kind, --resets-at without limit).`,
	async run(argv, io) {
		const {values, positionals} = parse(argv, {
			message: {type: 'string'},
			'resets-at': {type: 'string'},
			json: {type: 'boolean'},
		}, 'outcome');
		const [name, kindText, ...extra] = positionals;
		if (!name || !kindText) throw new UsageError('Usage: quota-tui outcome NAME ok|limit|credential|policy|error [--message M] [--resets-at ISO] [--json]');
		if (extra.length > 0) throw new UsageError(`quota-tui outcome: unexpected argument "${extra[0]}" (quote a message and pass it with --message)`);
		if (!(OUTCOME_KINDS as readonly string[]).includes(kindText)) throw new UsageError(`outcome: expected ok, limit, credential, policy or error, got "${kindText}"`);
		const kind = kindText as OutcomeKind;
		let resetsAt: string | null = null;
		if (values['resets-at'] !== undefined) {
			if (kind !== 'limit') throw new UsageError('--resets-at: only with limit (the reset the provider stated)');
			const dt = parseInstant(values['resets-at']);
			if (!dt) throw new UsageError(`--resets-at: expected an ISO 8601 instant with its offset (2026-12-01T09:00:00+05:45 or …Z), got "${values['resets-at']}"`);
			resetsAt = formatIso(dt);
		}
		// eslint-disable-next-line no-control-regex -- control characters never reach a terminal from here
		const message = values.message === undefined ? null : values.message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, MAX_MESSAGE) || null;

		return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
			if (ctx.demo) throw new UsageError('outcome: the demo accounts are simulated; record outcomes for a configured account');
			findAccount(ctx, name, 'outcome');
			const now = ctx.clock.now();
			const outcome: RealUse = {account: name, kind, at: localIso(now), message, resetsAt, source: 'outcome', jobId: null};
			const stored = recordOutcome(ctx.db, outcome);
			const state = collect(ctx, now).states.find(s => s.account.name === name)!;
			const effect = effectOf(kind, name, state);
			if (values.json) {
				printJson(io, {
					account: name,
					kind,
					at: stored.at,
					message,
					resetsAt,
					source: 'outcome',
					effect,
					status: state.status,
					unusable: state.unusableReason ?? null,
					limit: state.realUseLimit ?? null,
					quotaDataUnavailable: state.quotaDataUnavailable ?? null,
				});
			} else {
				print(io, `Recorded: ${name} ${kind} at ${stored.at}`);
				print(io, `  ${effect}`);
			}
			return 0;
		});
	},
};

function effectOf(kind: OutcomeKind, name: string, state: ReturnType<typeof collect>['states'][number]): string {
	switch (kind) {
		case 'ok':
			return state.quotaDataUnavailable
				? `${name} works: ${state.quotaDataUnavailable}`
				: `${name} works: any credential, policy or usage-limit mark from earlier runs is cleared`;
		case 'limit':
			return state.realUseLimit ? `${name}: ${state.realUseLimit}` : `${name}: the stated reset has already passed; nothing is held`;
		case 'credential':
		case 'policy':
			return `${name} is left out of selection until a real run on it succeeds (a job, or quota-tui outcome ${name} ok)`;
		case 'error':
			return 'recorded; an error says nothing about the account\'s quota or credential';
	}
}
