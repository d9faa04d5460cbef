/**
 * Worker-thread entry of the parallel log reader (see parallel.ts).
 */
import {parentPort, workerData} from 'node:worker_threads';
import type {ParseMode} from './claude-logs.js';
import {runWorkerLane, type ReadJob} from './parallel.js';

const {jobs, mode} = workerData as {jobs: ReadJob[]; mode: ParseMode};
runWorkerLane(jobs, mode, (results, transfer) => parentPort?.postMessage(results, transfer));
