/**
 * How the account list is shown, apart from the data: its order (`o` cycles chain order → soonest
 * reset → most headroom → name), a name filter (`/`, typed text; Enter keeps it, Esc clears it) and
 * whether reset times read as a countdown or as the local clock time (`t`). Pure: no React, no clock
 * (`now` comes in), so the state machine (dashboard-state.ts) applies these keys like any other.
 */
import type {AccountReport} from '../engine/report.js';
import {parseInstant} from './format.js';
import type {KeyName} from './keymap.js';
import {pickWindows} from './view-model.js';

export type SortOrder = 'chain' | 'reset' | 'headroom' | 'name';
export type TimeMode = 'countdown' | 'clock';

/** The cycle of `o`, starting with the config's chain order. */
export const SORT_ORDERS: readonly SortOrder[] = ['chain', 'reset', 'headroom', 'name'];

/** How the order is named in the footer (`o sort:reset`) and the help. */
export const SORT_LABELS: Readonly<Record<SortOrder, string>> = {chain: 'chain', reset: 'reset', headroom: 'headroom', name: 'name'};

export type ListState = {
	readonly sort: SortOrder;
	/** The name filter (case-insensitive substring); '' = every account. */
	readonly filter: string;
	/** True while the filter is being typed (keys are text, Enter/Esc end it). */
	readonly filtering: boolean;
	readonly times: TimeMode;
};

export const INITIAL_LIST: ListState = {sort: 'chain', filter: '', filtering: false, times: 'countdown'};

/** The longest filter kept (a paste into the prompt must not grow without bound). */
export const MAX_FILTER_LENGTH = 40;

/** The next order of the `o` cycle. */
export function nextSort(sort: SortOrder): SortOrder {
	return SORT_ORDERS[(SORT_ORDERS.indexOf(sort) + 1) % SORT_ORDERS.length]!;
}

/**
 * When the account's weekly window resets (the 7-day window, else the first weekly one, as the
 * `drain-soonest-reset` strategy reads it), else its soonest known reset; null when none is known or
 * every known one has passed.
 */
export function soonestReset(account: AccountReport, now: number): number | null {
	const future = (iso: string | null | undefined) => {
		const at = parseInstant(iso);
		return at !== null && at > now ? at : null;
	};

	const weekly = future(pickWindows(account).sevenDay?.resetsAt);
	if (weekly !== null) {
		return weekly;
	}

	const resets = account.windows.map(window => future(window.resetsAt)).filter(at => at !== null);
	return resets.length === 0 ? null : Math.min(...resets);
}

/** 1 − the higher use of the 5-hour and weekly windows; null when neither has a number. */
export function headroom(account: AccountReport): number | null {
	const {fiveHour, sevenDay} = pickWindows(account);
	const used = [fiveHour?.utilization, sevenDay?.utilization].filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
	return used.length === 0 ? null : Math.max(0, 1 - Math.max(...used));
}

/** Nulls last; otherwise ascending. */
function compareNullable(a: number | null, b: number | null): number {
	if (a === null || b === null) {
		return a === b ? 0 : a === null ? 1 : -1;
	}

	return a - b;
}

/** The accounts as listed: filtered by name, then sorted (ties keep chain order). */
export function arrangeAccounts(accounts: readonly AccountReport[], list: ListState, now: number): readonly AccountReport[] {
	const needle = list.filter.toLowerCase();
	const kept = needle === '' ? accounts : accounts.filter(account => account.name.toLowerCase().includes(needle));
	switch (list.sort) {
		case 'chain': {
			return kept;
		}

		case 'reset': {
			return kept.map(account => ({account, at: soonestReset(account, now)})).sort((a, b) => compareNullable(a.at, b.at)).map(entry => entry.account);
		}

		case 'headroom': {
			// Most headroom first: compare the negated value so unknown still sorts last.
			return kept.map(account => ({account, room: headroom(account)})).sort((a, b) => compareNullable(a.room === null ? null : -a.room, b.room === null ? null : -b.room)).map(entry => entry.account);
		}

		case 'name': {
			return [...kept].sort((a, b) => a.name.localeCompare(b.name));
		}
	}
}

/** True for a key name that is typed text (one printable character), not a named key. */
export function isText(key: KeyName): boolean {
	const chars = [...key];
	return chars.length === 1 && key.codePointAt(0)! >= 0x20;
}

/** The filter prompt took a typed character; undefined when `key` is not text. */
export function typeIntoFilter(list: ListState, key: KeyName): ListState | undefined {
	if (!isText(key)) {
		return undefined;
	}

	return [...list.filter].length >= MAX_FILTER_LENGTH ? list : {...list, filter: list.filter + key};
}

/** The footer's word for the filter: `ali 3/10`, or '' when there is none. */
export function filterStatus(list: ListState, shown: number, total: number): string {
	return list.filter === '' ? '' : `${list.filter} ${shown}/${total}`;
}

/** What the list says when the filter hides every account. */
export function noMatchText(list: ListState): string {
	return `no account name contains "${list.filter}" (/ edits the filter, Esc clears it)`;
}

export type ListCommand = 'sort' | 'filter' | 'times' | 'filter-done' | 'filter-clear' | 'filter-erase';

/** Run one of the list's own commands. */
export function runListCommand(list: ListState, command: ListCommand): ListState {
	switch (command) {
		case 'sort': {
			return {...list, sort: nextSort(list.sort)};
		}

		case 'filter': {
			return {...list, filtering: true};
		}

		case 'times': {
			return {...list, times: list.times === 'countdown' ? 'clock' : 'countdown'};
		}

		case 'filter-done': {
			return {...list, filtering: false};
		}

		case 'filter-clear': {
			return {...list, filter: '', filtering: false};
		}

		case 'filter-erase': {
			return {...list, filter: [...list.filter].slice(0, -1).join('')};
		}
	}
}
