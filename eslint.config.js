// Lint: typescript-eslint recommended, plus the import direction of the architecture
// (engine is pure; providers and store see only engine; runtime sees engine, providers, store;
// ui sees engine and runtime; cli sees everything).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (dir, forbidden, extra = []) => ({
	files: [`source/${dir}/**/*.{ts,tsx}`],
	rules: {
		'no-restricted-imports': ['error', {
			patterns: [
				...forbidden.map(f => ({group: [`**/${f}/*`, `../${f}/*`, `../../${f}/*`], message: `source/${dir} must not import source/${f} (imports point inward only)`})),
				...extra,
			],
		}],
	},
});

// Faces (cli, ui) parse, ask the decision service (source/runtime/decide/) and print: they never apply
// the selection, gate or idle policy themselves (issue 9: one decision path behind every face).
const FACES_ASK = {
	group: ['**/engine/gate', '**/engine/gate.js', '**/engine/select', '**/engine/select.js', '**/engine/idle', '**/engine/idle.js'],
	message: 'faces do not apply policy: ask the decision service in source/runtime/decide/ (issue 9)',
};

export default tseslint.config(
	{ignores: ['build/**', 'node_modules/**', 'screenshots/**', 'coverage/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {globals: {process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly'}},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/consistent-type-imports': 'error',
		},
	},
	layer('engine', ['providers', 'store', 'runtime', 'ui', 'cli'], [
		{group: ['node:*', 'ink', 'react', 'got', 'conf'], message: 'source/engine is pure: no I/O, no Ink/React'},
	]),
	layer('providers', ['store', 'runtime', 'ui', 'cli'], [{group: ['ink', 'react'], message: 'no Ink/React outside ui/ and cli/'}]),
	layer('store', ['providers', 'runtime', 'ui', 'cli'], [{group: ['ink', 'react'], message: 'no Ink/React outside ui/ and cli/'}]),
	layer('runtime', ['ui', 'cli'], [{group: ['ink', 'react'], message: 'no Ink/React outside ui/ and cli/'}]),
	layer('ui', ['providers', 'store', 'cli'], [FACES_ASK]),
	layer('cli', [], [FACES_ASK]),
	{
		files: ['source/engine/**/*.ts'],
		rules: {
			'no-restricted-syntax': ['error',
				{selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'engine: time is a parameter (no Date.now())'},
				{selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'engine: time is a parameter (no new Date())'},
			],
		},
	},
);
