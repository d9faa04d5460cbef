#!/usr/bin/env node
// The detached supervisor of one dispatched job (see runtime/runner.ts): `node build/supervise.js JOB`.
import process from 'node:process';
import {quietSqliteWarning} from './node-floor.js';

quietSqliteWarning();
const {runSupervisor} = await import('./runtime/runner.js');
process.exitCode = await runSupervisor(process.argv.slice(2), process.env);
