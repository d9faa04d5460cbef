// Types of scripts/build.mjs for the tests that bundle source modules.
export declare const EXTERNAL: string[];
export declare const ENTRIES: Record<string, string>;
/** Bundle `input` (name → source file) plus the CLI's entries into `dir` (emptied first). */
export declare function bundle(dir: string, input?: Record<string, string>): Promise<unknown>;
