// Types of scripts/build.mjs for the tests that bundle source modules.
export declare const EXTERNAL: string[];
export declare const ENTRIES: Record<string, string>;
/** Bundle `input` (name → source file) plus the CLI's entries into `dir` (emptied first). */
export declare function bundle(dir: string, input?: Record<string, string>): Promise<unknown>;
/** The one-cell characters string-width's fast path takes (a regex character class body). */
export declare const NARROW_CHARACTERS: string;
/** string-width's index.js as the build bundles it. */
export declare function patchStringWidth(code: string): string;
