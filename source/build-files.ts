/**
 * Where the built entry points live. `npm run build` bundles the CLI into build/ (scripts/build.mjs):
 * every chunk sits next to `cli.js`, `supervise.js` and `log-worker.js`, so from a chunk the entries are
 * siblings. Running from the TypeScript sources (the tests), this module is source/build-files.ts and
 * the entries are the built ones in ../build.
 */
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** True when this code runs from the bundle (not from the TypeScript sources). */
export const RUNNING_BUILT = path.basename(here) !== 'source';

/** The folder holding the built entry points. */
export const BUILD_DIR = RUNNING_BUILT ? here : path.join(here, '..', 'build');

/** The built entry points by role. */
export const BUILT = {
	cli: path.join(BUILD_DIR, 'cli.js'),
	supervisor: path.join(BUILD_DIR, 'supervise.js'),
	logWorker: path.join(BUILD_DIR, 'log-worker.js'),
} as const;
