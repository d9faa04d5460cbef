#!/usr/bin/env node
// The detached supervisor of one dispatched job (see runtime/runner.ts): `node build/supervise.js JOB`.
import module from 'node:module';
import process from 'node:process';
import {quietExperimentalWarnings} from './node-floor.js';

// As in cli.ts: V8 keeps the compiled code on disk, so the supervisor every job starts loads faster.
module.enableCompileCache?.();
quietExperimentalWarnings();
const {runSupervisor} = await import('./runtime/runner.js');
process.exitCode = await runSupervisor(process.argv.slice(2), process.env);
