/**
 * The live dashboard mounted on a terminal model for a test (colourless), unmounted after each test of
 * the file that imports this; `frameText` is the last frame without escapes.
 */
import {stripVTControlCharacters} from 'node:util';
import {afterEach} from 'vitest';
import type {AppRuntime} from '../../source/runtime/types.js';
import {Dashboard} from '../../source/ui/app.js';
import {createTheme} from '../../source/ui/theme.js';
import {renderInTerminal, type RenderResult} from '../helpers/render.js';

const plain = createTheme({isColor: false});
const mounted: RenderResult[] = [];
afterEach(() => {
	for (const result of mounted.splice(0)) result.unmount();
});

export async function mountDashboard(runtime: AppRuntime, size = {columns: 100, rows: 30}): Promise<RenderResult> {
	const result = await renderInTerminal(<Dashboard runtime={runtime} theme={plain}/>, size);
	mounted.push(result);
	return result;
}

export const frameText = (result: RenderResult) => stripVTControlCharacters(result.lastFrame());
