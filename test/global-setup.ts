/**
 * One temp folder for the whole run: every test's QUOTA_TUI_HOME lives under it, and it is removed when
 * the run ends (workers inherit the variable).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qt-test-'));
	process.env['QUOTA_TUI_TEST_ROOT'] = root;
	return () => fs.rmSync(root, {recursive: true, force: true});
}
