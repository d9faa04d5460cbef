/**
 * `accounts list|add|remove|discover`: the configured accounts (config.json; never a token).
 */
import fs from 'node:fs';
import {ACCOUNT_NAME} from '../../engine/types.js';
import {apiCreditsOf, planIds, planOf, planValue, resolvePlan} from '../../engine/plans.js';
import {discoverAccounts, type Discovered} from '../../providers/discover.js';
import {expandHome} from '../../providers/util.js';
import {collect} from '../../runtime/collect.js';
import {cwdOf, homeOf, parse, print, printError, printJson, UsageError, numberFlag, type Io} from '../io.js';
import {open, withContext, type Command, NO_ACCOUNTS} from '../shared.js';

const HELP = `Usage:
  quota-tui accounts list [--json]
  quota-tui accounts add NAME --provider claude|codex|manual [--config-dir DIR] [--home DIR]
                         [--plan P] [--value-usd N] [--chain-order N] [--last-resort]
                         [--usage-endpoint] [--model M]
  quota-tui accounts remove NAME
  quota-tui accounts discover [--yes] [--json]
  quota-tui accounts pool list [--json]
  quota-tui accounts pool set NAME… --pool P
  quota-tui accounts pool clear NAME…
  quota-tui accounts pool auto NAME…

Accounts live in config.json (see "quota-tui config path"). quota-tui stores directories and plan
only: tokens stay in their own files and are never copied.

  --config-dir DIR    Claude: the account's CLAUDE_CONFIG_DIR (default ~/.claude)
  --home DIR          Codex: the account's CODEX_HOME (default ~/.codex)
  --plan P            Claude: ${planIds('claude').join(', ')}
                      Codex:  ${planIds('codex').join(', ')}
                      (old names read and store as the new ones: max5 → max, max20 → ultra;
                      on Codex accounts pro-chatgpt → pro. Any other text is kept, value unknown)
  --value-usd N       monthly value in dollars (default from the plan)
  --chain-order N     position in the selection chain (lower first; default: order added)
  --last-resort       use only when no other account is usable (emergency fallback)
  --usage-endpoint    allow the OAuth / wham usage endpoint for this account (opt-in)
  --model M           the model this account runs (model-scoped weekly windows gate it)

discover looks for Claude config dirs (~/.claude, ~/.claude-*, $CLAUDE_CONFIG_DIR) and Codex homes
(~/.codex, $CODEX_HOME), names each account from the identity it holds (the email of .claude.json
oauthAccount or of the Codex id_token) and reads its plan (subscriptionType / rateLimitTier,
chatgpt_plan_type). It prints what it found; --yes adds the new ones to config.json (directories and
plan only, never a token). Directories already configured are shown, not added again.

pool: accounts that draw on one shared quota (several logins of one organization or billing method)
report the same utilization and reset instants; quota-tui detects them from the history and shows
them as one pool (status --json "pool", "pools"). "pool set" puts accounts in pool P by hand, "pool
clear" keeps them out of every pool (detection off), "pool auto" returns them to detection.`;

async function list(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {json: {type: 'boolean'}}, 'accounts list');
	return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
		const accounts = ctx.accounts.map((a, index) => ({
			name: a.name,
			provider: a.provider,
			configDir: a.configDir ?? null,
			home: a.home ?? null,
			plan: a.plan ?? null,
			planLabel: planOf(a)?.info?.label ?? null,
			planKnown: a.plan ? planOf(a)?.info != null : null,
			valueUsdPerMonth: planValue(a),
			apiCredits: apiCreditsOf(a),
			chainOrder: a.chainOrder ?? index,
			lastResort: a.lastResort ?? false,
			disabled: a.disabled ?? false,
			model: a.model ?? null,
			usageEndpoint: a.usageEndpoint ?? false,
			pool: a.pool ?? null,
		}));
		if (values.json) {
			printJson(io, {demo: ctx.demo, accounts});
			return 0;
		}
		if (ctx.demo) print(io, 'DEMO accounts (built in):');
		const written = new Map(ctx.demo ? [] : ctx.config.accounts.map(a => [a.name, a.plan]));
		for (const a of accounts) {
			const dir = a.configDir ?? a.home ?? '';
			const asWritten = written.get(a.name);
			const flags = [asWritten && asWritten !== a.plan ? `config.json says plan ${asWritten}, read as ${a.plan}` : '', a.planKnown === false ? 'plan value unknown' : '', a.lastResort ? 'last resort' : '', a.disabled ? 'disabled' : '', a.usageEndpoint ? 'usage endpoint' : '', a.model ? `model ${a.model}` : ''].filter(Boolean).join(', ');
			print(io, `${String(a.chainOrder).padStart(2)}  ${a.name.padEnd(16)} ${a.provider.padEnd(7)} ${(a.plan ?? '-').padEnd(8)} ${a.valueUsdPerMonth === null ? '' : `$${a.valueUsdPerMonth}/mo`.padEnd(9)} ${dir}${flags ? `  (${flags})` : ''}`);
		}
		return 0;
	});
}

async function add(argv: readonly string[], io: Io): Promise<number> {
	const {values, positionals} = parse(argv, {
		provider: {type: 'string'},
		'config-dir': {type: 'string'},
		home: {type: 'string'},
		plan: {type: 'string'},
		'value-usd': {type: 'string'},
		'chain-order': {type: 'string'},
		'last-resort': {type: 'boolean'},
		'usage-endpoint': {type: 'boolean'},
		model: {type: 'string'},
		json: {type: 'boolean'},
	}, 'accounts add');
	const name = positionals[0];
	if (!name) throw new UsageError('accounts add: expected a NAME: quota-tui accounts add NAME --provider claude|codex|manual');
	if (!ACCOUNT_NAME.test(name)) throw new UsageError(`accounts add: invalid name "${name}": expected lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`);
	const provider = values.provider;
	if (provider !== 'claude' && provider !== 'codex' && provider !== 'manual') {
		throw new UsageError(`--provider: expected claude, codex or manual${provider ? `, got "${provider}"` : ''}`);
	}
	if (values['config-dir'] && provider !== 'claude') throw new UsageError('--config-dir: only for --provider claude (Codex accounts use --home)');
	if (values.home && provider !== 'codex') throw new UsageError('--home: only for --provider codex (Claude accounts use --config-dir)');
	const plan = values.plan?.trim() ? resolvePlan(provider, values.plan) : undefined;
	if (values.plan !== undefined && !values.plan.trim()) throw new UsageError('--plan: expected a plan name');
	const ctx = open(io, {});
	try {
		if (ctx.config.accounts.some(a => a.name === name)) throw new UsageError(`accounts add: an account named "${name}" already exists (remove it first, or pick another name)`);
		const account = {
			name,
			provider,
			...(provider === 'claude' ? {configDir: expandHome(values['config-dir'] ?? '~/.claude', homeOf(io), cwdOf(io))} : {}),
			...(provider === 'codex' ? {home: expandHome(values.home ?? '~/.codex', homeOf(io), cwdOf(io))} : {}),
			...(plan ? {plan: plan.id} : {}),
			...(values['value-usd'] === undefined ? {} : {valueUsdPerMonth: numberFlag(values['value-usd'], '--value-usd', {min: 0})}),
			...(values['chain-order'] === undefined ? {} : {chainOrder: numberFlag(values['chain-order'], '--chain-order')}),
			...(values['last-resort'] ? {lastResort: true} : {}),
			...(values['usage-endpoint'] ? {usageEndpoint: true} : {}),
			...(values.model ? {model: values.model} : {}),
		};
		ctx.configStore.addAccount(account);
		if (values.json) printJson(io, {added: account, ...(plan?.renamedFrom ? {planRenamedFrom: plan.renamedFrom} : {})});
		else print(io, `Added ${provider} account ${name}${account.configDir ? ` (${account.configDir})` : account.home ? ` (${account.home})` : ''}.`);
		if (plan?.renamedFrom && !values.json) print(io, `Plan "${plan.renamedFrom}" is now called "${plan.id}" (${plan.info?.label}${plan.info?.formerly ? `, formerly ${plan.info.formerly}` : ''}): stored as ${plan.id}.`);
		if (plan && !plan.info && values['value-usd'] === undefined) printError(io, `warning: plan "${plan.id}" is not one quota-tui knows (${planIds(provider).join(', ')}): its value is unknown; add --value-usd N to price unused quota`);
		const dir = account.configDir ?? account.home;
		if (dir && !fs.existsSync(dir)) {
			printError(io, `note: ${dir} does not exist yet; log in with ${provider === 'claude' ? `CLAUDE_CONFIG_DIR=${dir} claude` : `CODEX_HOME=${dir} codex login`} to create it`);
		}
		return 0;
	} finally {
		ctx.close();
	}
}

async function remove(argv: readonly string[], io: Io): Promise<number> {
	const {positionals} = parse(argv, {}, 'accounts remove');
	const name = positionals[0];
	if (!name) throw new UsageError('accounts remove: expected a NAME');
	const ctx = open(io, {});
	try {
		if (!ctx.configStore.removeAccount(name)) {
			const known = ctx.config.accounts.map(a => a.name).join(', ');
			throw new UsageError(known ? `accounts remove: no account named "${name}" (accounts: ${known})` : `accounts remove: no account named "${name}".\n${NO_ACCOUNTS}`);
		}
		print(io, `Removed account ${name}. Its history stays in the database.`);
		return 0;
	} finally {
		ctx.close();
	}
}

function discoveredLine(a: Discovered): string {
	const who = [a.email, a.plan ?? (a.planDetail ? `plan unknown (${a.planDetail})` : null)].filter(Boolean).join(', ');
	const state = a.configuredAs ? `already configured as ${a.configuredAs}` : `found in ${a.foundBy}`;
	return `  ${a.name.padEnd(20)} ${a.provider.padEnd(6)} ${a.dir}${who ? `  ${who}` : ''}  (${state})`;
}

async function discover(argv: readonly string[], io: Io): Promise<number> {
	const {values} = parse(argv, {yes: {type: 'boolean', short: 'y'}, json: {type: 'boolean'}}, 'accounts discover');
	const ctx = open(io, {});
	try {
		const found = discoverAccounts({env: io.env, existing: ctx.accounts});
		const fresh = found.filter(a => !a.configuredAs);
		const added: Discovered[] = [];
		if (values.yes) {
			for (const a of fresh) {
				ctx.configStore.addAccount({
					name: a.name,
					provider: a.provider,
					...(a.provider === 'claude' ? {configDir: a.dir} : {home: a.dir}),
					...(a.plan ? {plan: a.plan} : {}),
				});
				added.push(a);
			}
		}
		if (values.json) {
			printJson(io, {found, added: added.map(a => a.name)});
			return 0;
		}
		if (found.length === 0) {
			print(io, 'No Claude config dir (~/.claude, ~/.claude-*, $CLAUDE_CONFIG_DIR) or Codex home (~/.codex, $CODEX_HOME) found.');
			print(io, 'Add an account by hand: quota-tui accounts add NAME --provider claude --config-dir DIR');
			return 0;
		}
		print(io, `Found ${found.length} account${found.length === 1 ? '' : 's'}:`);
		for (const a of found) {
			print(io, discoveredLine(a));
			for (const note of a.notes) print(io, `      note: ${note}`);
		}
		if (values.yes) {
			print(io, added.length > 0 ? `Added ${added.map(a => a.name).join(', ')} to ${ctx.configStore.path}.` : 'Nothing new to add.');
			if (added.some(a => a.provider === 'claude')) print(io, 'Next: quota-tui statusline install --all   (live Claude numbers at no extra request)');
		} else if (fresh.length > 0) {
			print(io, `Run "quota-tui accounts discover --yes" to add ${fresh.length === 1 ? 'it' : `these ${fresh.length}`} (directories and plan only; no token is copied).`);
		} else {
			print(io, 'All of them are configured already.');
		}
		return 0;
	} finally {
		ctx.close();
	}
}

async function pool(argv: readonly string[], io: Io): Promise<number> {
	const [sub, ...rest] = argv;
	if (sub === 'list') {
		const {values} = parse(rest, {json: {type: 'boolean'}}, 'accounts pool list');
		return withContext(io, {demo: values.demo, requireAccounts: true}, ctx => {
			const {report} = collect(ctx, ctx.clock.now());
			const pools = report.pools ?? [];
			if (values.json) {
				printJson(io, {pools, accounts: report.accounts.map(a => ({name: a.name, pool: a.pool ?? null}))});
				return 0;
			}
			if (pools.length === 0) print(io, 'No shared pools (none set, none detected).');
			for (const p of pools) print(io, `${p.id} (${p.basis}): ${p.members.join(', ')}\n  ${p.reason}`);
			return 0;
		});
	}
	if (sub !== 'set' && sub !== 'clear' && sub !== 'auto') throw new UsageError(`accounts pool: expected list, set, clear or auto${sub ? `, got "${sub}"` : ''}`);
	const {values, positionals} = parse(rest, sub === 'set' ? {pool: {type: 'string'}} : {}, `accounts pool ${sub}`);
	if (positionals.length === 0) throw new UsageError(`accounts pool ${sub}: expected one or more account names`);
	const name = (values as {pool?: string}).pool?.trim().toLowerCase();
	if (sub === 'set' && !name) throw new UsageError('--pool: required (the pool name, e.g. --pool team-a)');
	if (sub === 'set' && !/^[a-z0-9][a-z0-9._:-]*$/.test(name!)) throw new UsageError(`--pool: expected lower-case letters, digits, ".", "_", ":" or "-", got "${name}"`);
	const ctx = open(io, {});
	try {
		for (const account of positionals) {
			if (!ctx.config.accounts.some(a => a.name === account)) throw new UsageError(`accounts pool ${sub}: no account named "${account}" (accounts: ${ctx.config.accounts.map(a => a.name).join(', ') || 'none'})`);
		}
		for (const account of positionals) ctx.configStore.updateAccount(account, {pool: sub === 'set' ? name : sub === 'clear' ? false : undefined});
		print(io, sub === 'set' ? `${positionals.join(', ')}: pool ${name} (set by hand; detection no longer decides).` : sub === 'clear' ? `${positionals.join(', ')}: in no pool (detection off).` : `${positionals.join(', ')}: pool detected from the history again.`);
		return 0;
	} finally {
		ctx.close();
	}
}

export const accountsCommand: Command = {
	name: 'accounts',
	help: HELP,
	async run(argv, io) {
		const [sub, ...rest] = argv;
		if (sub === 'list') return list(rest, io);
		if (sub === 'add') return add(rest, io);
		if (sub === 'remove' || sub === 'rm') return remove(rest, io);
		if (sub === 'discover') return discover(rest, io);
		if (sub === 'pool') return pool(rest, io);
		if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
			print(io, HELP);
			return sub === undefined ? 2 : 0;
		}
		throw new UsageError(`accounts: unknown subcommand "${sub}" (expected list, add, remove, discover or pool)`);
	},
};
