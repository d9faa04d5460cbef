/**
 * The contract between the runtime and the dashboard: one external store (read with
 * useSyncExternalStore) plus commands, and one shared one-second clock.
 */
import type {StatusReport} from '../engine/report.js';
import type {UtilizationPoint} from '../engine/jobs.js';
import type {Decision} from '../engine/types.js';
import type {UtilizationReport} from '../engine/waste.js';

export type Notice = {
	text: string;
	tone: 'info' | 'success' | 'warning' | 'error';
	/** Epoch ms. */
	at: number;
};

export type AppSnapshot = {
	report: StatusReport;
	/** Averages, waste, sparklines and forecasts for the waste panel (undefined when unavailable). */
	utilization?: UtilizationReport | undefined;
	/** The follow-up queue panel (undefined when the runtime has no queue, e.g. a test runtime). */
	queue?: QueueSnapshot | undefined;
	/** The latest user-visible outcome of a command ("Switched to b: …"). */
	notice: Notice | null;
	/** True while a refresh is in flight. */
	refreshing: boolean;
	/**
	 * The configured colour thresholds (policy.warnThreshold, policy.switchThreshold): bars and badges
	 * turn warn/critical where the policy does (audit Part 2 D9). Absent: the theme's defaults.
	 */
	thresholds?: {warnAt: number; criticalAt: number} | undefined;
	/** The data of the open detail view (runtime.openDetail), read from the database; undefined when none is open. */
	detail?: DetailSnapshot | undefined;
};

/** What a detail view is about: an account, a job, or the whole decision log. */
export type DetailSubject = {kind: 'account'; name: string} | {kind: 'job'; id: string} | {kind: 'decisions'};

/** The account view's data beyond the report: each window's history and the decisions about the account. */
export type AccountDetail = {
	kind: 'account';
	name: string;
	/** Per window kind: utilization over the last 7 days, `historySteps` points on a fixed grid, oldest first (null = no data yet). */
	history: Record<string, Array<number | null>>;
	historySteps: number;
	/** Decisions whose subject is the account or that name it as their account, newest first. */
	decisions: Decision[];
};

/** The job view's data: the job's whole record, the decisions about it and the tail of its log. */
export type JobDetail = {
	kind: 'job';
	id: string;
	/** Null when the job is gone from the database. */
	job: JobRecord | null;
	/** Gate verdicts, dispatches and deferrals of the job, newest first. */
	decisions: Decision[];
	/** The last lines of the job's log (escape sequences removed), oldest first. */
	logTail: string[];
	/** Why there is no log to show (`no log yet`, `log not readable: …`), null when there is one. */
	logNote: string | null;
};

export type JobRecord = QueueRow & {
	cwd: string;
	source: string;
	kind: string;
	model: string | null;
	/** Where the estimate came from (`explicit`, `learned from 3 jobs`, `default`). */
	estimateSource: string;
	claimedAt: string | null;
	exitCode: number | null;
	signal: string | null;
	failureKind: string | null;
	pid: number | null;
	logPath: string | null;
	notBefore: string | null;
};

/** The decision log: every recorded decision, newest first (at most `limit`). */
export type DecisionsDetail = {
	kind: 'decisions';
	decisions: Decision[];
	/** How many decisions the database holds. */
	total: number;
};

export type DetailSnapshot = AccountDetail | JobDetail | DecisionsDetail;

export type Listener = () => void;

/** One shared clock that ticks when the wall-clock second changes (or never, when frozen). */
export type Clock = {
	/** Epoch ms; stable between ticks. */
	now(): number;
	subscribe(listener: Listener): () => void;
	/** True when QUOTA_TUI_NOW froze the clock. */
	readonly frozen: boolean;
};

export type AppRuntime = {
	subscribe(listener: Listener): () => void;
	/** Returns the same object until something changed. */
	getSnapshot(): AppSnapshot;
	clock: Clock;
	/** Make `name` the active account and record the decision; the outcome lands in `notice`. */
	switchTo(name: string): void;
	/** Re-read every source now. */
	refresh(): void;
	/** Stop timers and close files. */
	dispose(): void;
	/** What dispatching `jobId` now would do (the gate verdict and the account), for the y/n confirm. */
	previewDispatch?(jobId: string): Promise<DispatchPreview>;
	/** Dispatch `jobId` (on `account` when given); the outcome lands in `notice`. */
	dispatch?(jobId: string, account?: string | null): void;
	/** Cycle auto mode off → suggest → auto (saved to the config); the outcome lands in `notice`. */
	cycleAutoMode?(): void;
	/** Which banked reset of `account` the `u` key would redeem (the y/n question), or why none. */
	planReset?(account: string): ResetPreview;
	/** Redeem reset credit `creditId` of `account` (a recorded decision); the outcome lands in `notice`. */
	useReset?(account: string, creditId: string): void;
	/** Open a detail view: from now on the snapshot's `detail` carries its data (null closes it). */
	openDetail?(subject: DetailSubject | null): void;
	/** Cancel job `jobId` (a running one is stopped); the outcome lands in `notice`. */
	cancelJob?(jobId: string): void;
	/** Put a failed, interrupted or cancelled job back in the queue; the outcome lands in `notice`. */
	requeueJob?(jobId: string): void;
};

/** The `u` key's question: the credit and the y/n text, or why quota-tui will not redeem one here. */
export type ResetPreview =
	| {ok: true; creditId: string; account: string; retrying: boolean; /** `5-hour + weekly` */ kind: string; expiresAtMs: number | null}
	| {ok: false; message: string};

/** One row of the queue panel. */
export type QueueRow = {
	id: string;
	title: string;
	severity: 'critical' | 'warning' | 'info';
	createdAt: string;
	state: 'queued' | 'paused_quota' | 'claimed' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled';
	account: string | null;
	estimateUsd: number;
	estimatePct: number;
	/** When the runner started (ISO), for the elapsed time of running jobs. */
	startedAt: string | null;
	finishedAt: string | null;
	autoUtilization: boolean;
	message: string | null;
	/** What the runner reported the job cost (USD), once it ended. */
	costUsd: number | null;
	/** The account's windows before and after the job, for the use it measured. */
	utilizationBefore: UtilizationPoint | null;
	utilizationAfter: UtilizationPoint | null;
};

export type QueueSnapshot = {
	/** Running and claimed jobs, then queued ones in queue order, then those finished in the last day. */
	rows: QueueRow[];
	queued: number;
	running: number;
	/** Idle accounts and what automatic work may spend on each (from the last auto-utilization plan). */
	idle: Array<{account: string; spendable: number}>;
	/** How many queued jobs the last plan could run on idle capacity. */
	planned: number;
	/** Problems with the queue's sources (bad Fleet entries…). */
	warnings: string[];
};

export type DispatchPreview = {
	jobId: string;
	title: string;
	account: string | null;
	/** True when the gate says go and the runner can start. */
	go: boolean;
	/** One sentence: what would happen, or why not. */
	message: string;
};
