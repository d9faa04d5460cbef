/**
 * Reading many log files on all cores: files are dealt to worker threads by size (largest first, to the
 * least loaded worker), each worker parses its files and sends the records back as transferred
 * buffers. Used for cold reads (new or rewritten files); appends are small and stay on the calling
 * thread. When the compiled worker script is not there (running from TypeScript sources), or only one
 * worker would run, the files are read on the calling thread.
 */
import fs from 'node:fs';
import {availableParallelism} from 'node:os';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {Worker} from 'node:worker_threads';
import {BUILT, RUNNING_BUILT} from '../../build-files.js';
import type {ParseMode} from './claude-logs.js';
import {refreshFile, type FileState, type LogKind, type RefreshOutcome, type StatLike} from './reader.js';

export type ReadJob = {path: string; kind: LogKind; stat: StatLike; size: number};

export type JobResult = {path: string; outcome?: RefreshOutcome; error?: string};

/** The built worker entry (build/log-worker.js); from the TypeScript sources there is none. */
const WORKER_URL = pathToFileURL(BUILT.logWorker);

export function workerAvailable(): boolean {
	try {
		return RUNNING_BUILT && fs.existsSync(fileURLToPath(WORKER_URL));
	} catch {
		return false;
	}
}

/**
 * How many workers to use for `bytes` of cold reading: 0 = the calling thread. `auto` spreads a read
 * of 256 MB or more over every core: on 2 vCPUs and a 1 GB history two parsing threads took 0.72× the
 * time of one (benchmark, BENCH_ONLY=logs); on a 100 MB history starting them cost more than they
 * saved (cold `report daily` with 2 workers 1.21–1.46× ccusage's time, on the calling thread
 * 0.86–0.96×, three sets of 5 runs on 2 busy vCPUs), and at 300 MB neither won consistently.
 */
export function workerCount(bytes: number, requested: number | 'auto', minBytes = 256 * 1024 * 1024): number {
	if (requested !== 'auto') return Math.max(0, Math.floor(requested));
	const cores = availableParallelism();
	if (bytes < minBytes || cores < 2 || !workerAvailable()) return 0;
	return Math.min(cores, 8);
}

function readHere(job: ReadJob, mode: ParseMode): JobResult {
	try {
		return {path: job.path, outcome: refreshFile(job.path, job.kind, undefined, job.stat, mode)};
	} catch (error) {
		return {path: job.path, error: (error as Error).message};
	}
}

/** Deal jobs to `n` lanes by size, largest first, to the lightest lane. */
export function dealBySize(jobs: readonly ReadJob[], n: number): ReadJob[][] {
	const lanes: ReadJob[][] = Array.from({length: n}, () => []);
	const load = new Array<number>(n).fill(0);
	for (const job of [...jobs].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))) {
		let target = 0;
		for (let k = 1; k < n; k++) if (load[k]! < load[target]!) target = k;
		lanes[target]!.push(job);
		load[target]! += job.size;
	}
	return lanes;
}

/**
 * Read every job from the start (cold); results in job order. With `workers` ≥ 1 the reading happens
 * off the calling thread (one worker keeps a dashboard responsive; several spread a large read).
 */
export async function readCold(jobs: readonly ReadJob[], workers: number, mode: ParseMode): Promise<JobResult[]> {
	if (workers < 1 || jobs.length === 0 || !workerAvailable()) return jobs.map(job => readHere(job, mode));
	const lanes = dealBySize(jobs, Math.min(workers, jobs.length)).filter(lane => lane.length > 0);
	const results = new Map<string, JobResult>();
	await Promise.all(lanes.map(lane => new Promise<void>((resolve, reject) => {
		const worker = new Worker(WORKER_URL, {workerData: {jobs: lane, mode}});
		worker.on('message', (message: JobResult[]) => {
			for (const result of message) results.set(result.path, result);
		});
		worker.on('error', reject);
		worker.on('exit', code => {
			if (code === 0) resolve();
			else reject(new Error(`log reader worker exited with code ${code}`));
		});
	})));
	return jobs.map(job => results.get(job.path) ?? {path: job.path, error: 'not read by any worker'});
}

/** The worker side: read the lane, post the results with their record buffers transferred. */
export function runWorkerLane(jobs: readonly ReadJob[], mode: ParseMode, post: (results: JobResult[], transfer: ArrayBuffer[]) => void): void {
	const results: JobResult[] = [];
	const transfer: ArrayBuffer[] = [];
	for (const job of jobs) {
		const result = readHere(job, mode);
		const state: FileState | undefined = result.outcome?.state;
		if (state && state.batch.data.buffer instanceof ArrayBuffer && state.batch.data.byteOffset === 0 && state.batch.data.byteLength === state.batch.data.buffer.byteLength) {
			transfer.push(state.batch.data.buffer);
		}
		results.push(result);
	}
	post(results, transfer);
}
