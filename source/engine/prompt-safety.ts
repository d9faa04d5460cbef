/**
 * A job prompt is text, never an option (audit D1): runner templates put it after `--`, and a prompt
 * that starts with "-" is worth a warning when it enters the queue.
 */
import {oneLine} from './sanitize.js';

/**
 * Why a runner template lets a prompt be read as an option (a prompt `--settings={"hooks":…}` would run
 * a command in Claude Code), or undefined when it cannot: every argument that starts with `{prompt}`
 * must come after a `--`; a template without `{prompt}` (the prompt appended last) must hold a `--`.
 * An argument with text before `{prompt}` (`--message={prompt}`) is never an option of its own.
 */
export function optionPromptRisk(template: readonly string[]): string | undefined {
	const dashes = template.indexOf('--');
	const placed = template.flatMap((arg, index) => (arg.includes('{prompt}') ? [index] : []));
	if (placed.length === 0) return dashes === -1 ? 'the prompt is appended as the last argument with no "--" before it' : undefined;
	const risky = placed.some(index => template[index]!.startsWith('{prompt}') && (dashes === -1 || dashes > index));
	return risky ? '{prompt} is not preceded by "--"' : undefined;
}

/** A warning for a prompt that starts with "-" (it reaches the runner after "--", as text), else undefined. */
export function dashPromptWarning(what: string, prompt: string): string | undefined {
	if (!prompt.trimStart().startsWith('-')) return undefined;
	const shown = oneLine(prompt.trimStart().slice(0, 40));
	return `${what}: the prompt starts with "-" (${JSON.stringify(shown)}${prompt.trimStart().length > 40 ? '…' : ''}); it is passed after "--" as text, never as an option: check it is what you meant`;
}
