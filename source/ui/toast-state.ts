/**
 * The dashboard's notices (toasts): newest first, the same text replacing its older copy, errors kept
 * until dismissed, the rest expiring after `noticeMs`. Pure: the clock comes in as `at`/`now`.
 */
import type {Notice} from '../runtime/types.js';

/** A notice as the runtime or a key raises it. */
export type ToastNotice = {readonly text: string; readonly tone: Notice['tone']; readonly at: number};

export type Toast = {
	readonly id: number;
	readonly text: string;
	readonly tone: Notice['tone'];
	/** Epoch ms it was raised. */
	readonly at: number;
	/** Errors stay until dismissed (Esc); everything else expires. */
	readonly sticky: boolean;
};

/** The most notices kept; older ones drop first. */
const MAX_TOASTS = 20;

/** The notices on screen at `now`, newest first: sticky ones and those younger than `noticeMs`. */
export function visibleToasts(toasts: readonly Toast[], now: number, noticeMs: number): Toast[] {
	return toasts.filter(toast => toast.sticky || now - toast.at < noticeMs);
}

/** Add a notice (newest first); the same text again replaces the older copy. */
export function withToast<S extends {readonly toasts: readonly Toast[]; readonly nextToast: number}>(state: S, notice: ToastNotice, noticeMs = Number.POSITIVE_INFINITY): S {
	const kept = visibleToasts(state.toasts, notice.at, noticeMs).filter(toast => toast.text !== notice.text);
	const toast: Toast = {id: state.nextToast, text: notice.text, tone: notice.tone, at: notice.at, sticky: notice.tone === 'error'};
	return {...state, toasts: [toast, ...kept].slice(0, MAX_TOASTS), nextToast: state.nextToast + 1};
}
