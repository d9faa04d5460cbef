/**
 * Text from providers and child processes reaches a terminal (audit D14): escape sequences (CSI, OSC,
 * other ESC sequences) are removed and the remaining C0/C1 control characters (and DEL) become spaces,
 * so a provider message can neither retitle the window nor clear the screen.
 */

const ESC = '\u001B';

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const SEQUENCE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[P^_X][^\u001B]*(?:\u001B\\)?|[ -/]*[0-~])|\u009B[0-?]*[ -/]*[@-~]|\u009D[^\u0007\u009C]*[\u0007\u009C]?/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HAS_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** `text` without escape sequences; other control characters (tab and newline kept) as spaces. */
export function stripControl(text: string): string {
	if (!HAS_CONTROL.test(text)) return text;
	return text.replace(SEQUENCE, '').replaceAll(ESC, '').replace(CONTROL, ' ');
}

/** One line for a message: `stripControl`, with line breaks and tabs as spaces. */
export function oneLine(text: string): string {
	return stripControl(text).replace(/[\t\n]+/g, ' ');
}
