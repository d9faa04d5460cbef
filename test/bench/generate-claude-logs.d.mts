// Types of the log generator (generate-claude-logs.mjs) for the TypeScript tests.

export const DEFAULT_END: number;

export type TruthEntry = {ts: number; input: number; output: number; cacheCreation: number; cacheRead: number; model: string; text: string};

export type ExpectedDay = {
	date: string;
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	totalTokens: number;
	models: string[];
};

export type ExpectedBlock = {
	startTime: string;
	actualEndTime: string;
	entries: number;
	tokenCounts: {inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number};
	totalTokens: number;
};

export type Generated = {
	files: string[];
	bytes: number;
	entries: number;
	corruptLines: number;
	corruptUsageLines: number;
	/** /btw-style sidechain replays written. */
	replays: number;
	halfWrittenFiles: number;
	usageLimitResets: number[];
	daily: ExpectedDay[];
	blocks: ExpectedBlock[];
	truth: TruthEntry[];
};

export function generateClaudeLogs(root: string, options?: {mb?: number; seed?: number; days?: number; end?: number; replays?: boolean | number}): Generated;
export function appendClaudeLogs(root: string, options?: {mb?: number; seed?: number; after?: number}): Generated;
export function expectedDaily(truth: readonly TruthEntry[]): ExpectedDay[];
export function expectedBlocks(truth: readonly TruthEntry[]): ExpectedBlock[];
