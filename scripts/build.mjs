// npm run build: bundle the CLI into build/ with rolldown (type checking is `npm run typecheck`).
//
// Four entries: cli.js (the bin), supervise.js (the detached job supervisor), log-worker.js (the
// parallel log reader's worker thread) and main.js (main() for in-process callers: the tests). Every
// dynamic import() in the sources becomes its own chunk, so a command loads only the modules it uses
// (the status-line hook no packages at all, `status` no Ink or React). Chunks sit next to the entries (source/build-files.ts relies on that). Packages are
// bundled, except conf (loaded through createRequire on the first config write) and postgres (team
// mode only), which stay dependencies resolved from node_modules at run time.
import fs from 'node:fs';
import process from 'node:process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// react-devtools-core: Ink imports it only when DEV=true (not a dependency).
export const EXTERNAL = ['conf', 'postgres', 'react-devtools-core'];

export const ENTRIES = {
	cli: 'source/cli.ts',
	supervise: 'source/supervise.ts',
	'log-worker': 'source/providers/logs/worker.ts',
	// main(argv, io) for callers that run the CLI in their own process (the tests' in-process runCli).
	main: 'source/cli/main.ts',
};

/**
 * string-width builds an Intl.Segmenter and compiles /^\p{RGI_Emoji}$/v (~16 ms alone) when it is
 * imported: in every command that imports it (status prints through source/ui/format.ts), though it
 * measures pure-ASCII text with neither. Both are built on first use instead. The build fails when a
 * line is not there (an upgrade changed it).
 */
const LAZY_STRING_WIDTH = [
	['const segmenter = new Intl.Segmenter();', 'let eagerSegmenter;\nconst segmenter = {segment: text => (eagerSegmenter ??= new Intl.Segmenter()).segment(text)};'],
	['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', 'let eagerRgiEmoji;\nconst rgiEmojiRegex = {test: text => (eagerRgiEmoji ??= /^\\p{RGI_Emoji}$/v).test(text)};'],
];
/**
 * Characters one cell wide that never join a neighbour into one grapheme or emoji (no marks, joiners,
 * variation selectors or emoji-presentation characters): Latin-1 (not U+00AD, the invisible soft
 * hyphen), Latin Extended-A, general punctuation, arrows, maths operators, box drawing, blocks,
 * geometric shapes (not U+25FD/U+25FE, emoji two cells wide), braille, ✓ ✗ ⚠. A string made of these
 * only is as wide as it is long: string-width's ASCII fast path takes them too (when ambiguous
 * characters count as narrow, its default), instead of segmenting graphemes and running its emoji
 * regex on every bar, spinner and separator of a frame. test/ui/cell-width.test.ts checks every one
 * of them against string-width's own answer.
 */
export const NARROW_CHARACTERS = '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u017F\\u2010-\\u2027\\u2030-\\u205E\\u2190-\\u22FF\\u2500-\\u25FC\\u25FF\\u2713\\u2717\\u26A0\\u2800-\\u28FF';
const ASCII_FAST_PATH = 'if (/^[\\u0020-\\u007E]*$/.test(string)) {';
const NARROW_FAST_PATH = `if (/^[\\u0020-\\u007E]*$/.test(string) || (ambiguousIsNarrow && /^[${NARROW_CHARACTERS}]*$/.test(string))) {`;

/** string-width's index.js as bundled (lazy segmenter and emoji regex, the narrow fast path); throws when a line to change is not there. */
export function patchStringWidth(code) {
	for (const [eager, lazy] of [...LAZY_STRING_WIDTH, [ASCII_FAST_PATH, NARROW_FAST_PATH]]) {
		if (!code.includes(eager)) throw new Error(`no "${eager}" to replace (scripts/build.mjs)`);
		code = code.replace(eager, lazy);
	}
	return code;
}

const lazyStringWidth = {
	name: 'quota-tui:lazy-string-width',
	transform(code, id) {
		if (!/[\\/]node_modules[\\/]string-width[\\/]index\.js$/.test(id)) return null;
		try {
			return patchStringWidth(code);
		} catch (error) {
			this.error(`${id}: ${error.message}`);
		}
	},
};

/**
 * yoga-layout (Ink's layout engine) loads its WebAssembly from a base64 data: URL through fetch() when
 * fetch exists: on Node that loads undici, ~70 ms of the dashboard's first frame. Its own synchronous
 * path (atob) decodes the same bytes without it.
 */
const YOGA_FETCH = 'function ya(){return w||"function"!=typeof fetch?';
const yogaWithoutFetch = {
	name: 'quota-tui:yoga-without-fetch',
	transform(code, id) {
		if (!/[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/.test(id)) return null;
		if (!code.includes(YOGA_FETCH)) this.error(`${id}: no "${YOGA_FETCH}" to bypass (scripts/build.mjs)`);
		return code.replace(YOGA_FETCH, 'function ya(){return true?');
	},
};

/**
 * yaml is CommonJS: the bundle wraps it in a function and calls that where a chunk imports it, at the top
 * of the chunk, so its ~70 modules were evaluated on every path that loads providers/fleet.ts (the
 * dashboard's, through runtime/queue.ts), though only reading a Fleet file parses YAML. Each use calls the
 * wrapper instead (it evaluates the package once and caches its exports). The build fails when the
 * bundle does not have the expected shape.
 */
export function lazyYamlChunk(code) {
	const wrapper = /\/\/ node_modules\/yaml\/dist\/index\.js\nvar (require_\w+) = /.exec(code)?.[1];
	if (!wrapper) throw new Error('no wrapper of yaml/dist/index.js (scripts/build.mjs)');
	const imports = [...code.matchAll(new RegExp(`^var (import_\\w+) = ${wrapper}\\(\\);$`, 'gm'))];
	if (imports.length !== 1) throw new Error(`expected one "var import_… = ${wrapper}();", found ${imports.length} (scripts/build.mjs)`);
	const name = imports[0][1];
	const uses = code.split(name).length - 1;
	const memberUses = code.split(`${name}.`).length - 1;
	if (uses !== memberUses + 1) throw new Error(`${name} is used other than as ${name}.member (scripts/build.mjs)`);
	return code.replace(imports[0][0], '').replaceAll(`${name}.`, `${wrapper}().`);
}

const lazyYaml = {
	name: 'quota-tui:lazy-yaml',
	renderChunk(code, chunk) {
		if (!chunk.moduleIds.some(id => /[\\/]node_modules[\\/]yaml[\\/]dist[\\/]index\.js$/.test(id))) return null;
		try {
			return lazyYamlChunk(code);
		} catch (error) {
			this.error(`${chunk.fileName}: ${error.message}`);
		}
	},
};

/**
 * Modules that are always loaded together, in one chunk each instead of one chunk per dynamic-import
 * boundary: every file an ES module import opens costs ~0.8 ms of start-up (resolve, read, the code
 * cache, link), whatever its size (issue 15). `context`: what opening a command's context loads beyond
 * the store (config, its zod schema, the clock, the demo provider, the CLI's shared helpers); not on
 * the status-line or Claude Code hook paths, which open quota.db without a context. Their own
 * dependencies stay where they were (includeDependenciesRecursively: false), so nothing else is
 * pulled onto those paths (test/cli/providers.test.ts, hook.test.ts and core.test.ts check).
 */
const CHUNK_GROUPS = [
	{
		name: 'context',
		test: /(?:[\\/]source[\\/](?:runtime[\\/](?:context|clock)|providers[\\/]demo|store[\\/](?:config|config-schema|config-keys|hub[\\/]settings)|engine[\\/](?:event-names|sources)|cli[\\/]shared)\.ts|[\\/]node_modules[\\/]zod[\\/].*)$/,
		includeDependenciesRecursively: false,
	},
	// What every command's dispatch loads (main, its argument parsing and output): one file with main.
	{name: 'main', test: /[\\/]source[\\/](?:cli[\\/](?:main|run-command|io)|engine[\\/]json)\.ts$/, includeDependenciesRecursively: false},
	// The engine's types and plans: loaded together by every path that loads either (hook, status, report).
	{name: 'types', test: /[\\/]source[\\/]engine[\\/](?:types|plans)\.ts$/, includeDependenciesRecursively: false},
];

/** Bundle `input` (name → source file) plus the three entries into `dir` (emptied first). */
export async function bundle(dir, input = {}) {
	fs.rmSync(dir, {recursive: true, force: true});
	const result = await build({
		cwd: root,
		input: {...ENTRIES, ...input},
		platform: 'node',
		// Entries keep their exports (chunk groups without their dependencies need extension allowed).
		preserveEntrySignatures: 'allow-extension',
		external: id => EXTERNAL.some(name => id === name || id.startsWith(`${name}/`)),
		tsconfig: 'tsconfig.json',
		logLevel: 'warn',
		plugins: [lazyStringWidth, yogaWithoutFetch, lazyYaml],
		output: {
			dir,
			format: 'esm',
			entryFileNames: '[name].js',
			chunkFileNames: '[name]-[hash].js',
			minify: false,
			codeSplitting: {groups: CHUNK_GROUPS},
		},
	});
	for (const file of ['cli.js', 'supervise.js']) fs.chmodSync(path.join(dir, file), 0o755);
	return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const result = await bundle(out);
	// The bundled packages' own licence texts travel with their code.
	const packages = new Map();
	for (const chunk of result.output) {
		for (const id of chunk.type === 'chunk' ? chunk.moduleIds : []) {
			const at = id.lastIndexOf('/node_modules/');
			if (at < 0) continue;
			const rest = id.slice(at + '/node_modules/'.length).split('/');
			const dir = id.slice(0, at + '/node_modules/'.length) + rest.slice(0, rest[0].startsWith('@') ? 2 : 1).join('/');
			if (!packages.has(dir)) packages.set(dir, JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')));
		}
	}
	const notices = [...packages].sort(([, a], [, b]) => (a.name < b.name ? -1 : 1)).map(([dir, meta]) => {
		const file = fs.readdirSync(dir).find(name => /^(licen[cs]e|copying)(\.|$)/i.test(name));
		const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `License: ${meta.license ?? 'see the package'}`;
		return `## ${meta.name}@${meta.version} (${meta.license ?? 'unknown'})\n\n${text}\n`;
	});
	fs.writeFileSync(path.join(out, 'THIRD-PARTY-LICENSES.md'), `# Packages bundled into quota-tui's build\n\n${notices.join('\n')}`);

	const chunks = result.output.filter(item => item.type === 'chunk');
	console.log(`build/: ${chunks.length} files (${packages.size} packages bundled), ${(chunks.reduce((sum, c) => sum + c.code.length, 0) / 1024).toFixed(0)} KiB (quota-tui ${pkg.version})`);
}
