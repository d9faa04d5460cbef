#!/usr/bin/env node
// The detached supervisor of one dispatched job (see runtime/runner.ts): `node build/supervise.js JOB`.
import process from 'node:process';
import {quietExperimentalWarnings} from './node-floor.js';

quietExperimentalWarnings();
const {runSupervisor} = await import('./runtime/runner.js');
process.exitCode = await runSupervisor(process.argv.slice(2), process.env);
