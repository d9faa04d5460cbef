/**
 * The queue panel's focus, selection and dispatch confirm (DESIGN §10): `Tab` moves focus between the
 * accounts and the queue, `↑/↓` select a job, `d` asks the runtime what a dispatch would do and shows
 * it for a `y/n` confirm, `a` cycles the auto mode.
 */
import {useState} from 'react';
import type {AppRuntime, QueueSnapshot} from '../../runtime/types.js';
import type {Command, Scope} from '../keymap.js';

export type QueueConfirm = {
	jobId: string;
	title: string;
	/** checking: waiting for the gate; ready: y dispatches; refused: any of y/n/Esc closes. */
	state: 'checking' | 'ready' | 'refused';
	account: string | null;
	message: string;
};

export type QueueUi = {
	readonly isFocused: boolean;
	/** Index of the selected row. */
	readonly selected: number;
	readonly confirm: QueueConfirm | null;
	/** The scope the queue adds to `global` (null: the accounts list has the keys). */
	readonly scope: Extract<Scope, 'queue' | 'confirm'> | null;
	/** Run a queue command; false when the command is not the queue's. */
	run(command: Command): boolean;
};

export function useQueue(runtime: AppRuntime, queue: QueueSnapshot | undefined): QueueUi {
	const [wantsFocus, setWantsFocus] = useState(false);
	const [selectedId, setSelectedId] = useState<string | null>(null);
	const [confirm, setConfirm] = useState<QueueConfirm | null>(null);
	const rows = queue?.rows ?? [];
	const isFocused = wantsFocus && queue !== undefined;
	// Selection follows the job's id; it starts on the first queued job.
	const byId = rows.findIndex(row => row.id === selectedId);
	const firstQueued = rows.findIndex(row => row.state === 'queued');
	const selected = byId === -1 ? Math.max(0, firstQueued) : byId;

	const run = (command: Command): boolean => {
		switch (command) {
			case 'focus': {
				if (queue !== undefined) {
					setWantsFocus(focus => !focus);
					setConfirm(null);
				}

				return true;
			}

			case 'auto': {
				runtime.cycleAutoMode?.();
				return true;
			}

			case 'job-up':
			case 'job-down': {
				const next = Math.min(rows.length - 1, Math.max(0, selected + (command === 'job-up' ? -1 : 1)));
				const row = rows[next];
				if (row) {
					setSelectedId(row.id);
				}

				return true;
			}

			case 'dispatch': {
				const row = rows[selected];
				if (!row) {
					return true;
				}

				if (row.state !== 'queued') {
					setConfirm({jobId: row.id, title: row.title, state: 'refused', account: row.account, message: `it is ${row.state}; only queued jobs can be dispatched`});
					return true;
				}

				if (!runtime.previewDispatch) {
					setConfirm({jobId: row.id, title: row.title, state: 'refused', account: null, message: 'this view cannot dispatch'});
					return true;
				}

				setConfirm({jobId: row.id, title: row.title, state: 'checking', account: null, message: ''});
				runtime.previewDispatch(row.id).then(
					preview => {
						setConfirm(current => (current?.jobId === row.id && current.state === 'checking'
							? {jobId: row.id, title: preview.title, state: preview.go ? 'ready' : 'refused', account: preview.account, message: preview.message}
							: current));
					},
					(error: unknown) => {
						setConfirm(current => (current?.jobId === row.id ? {...current, state: 'refused', message: (error as Error).message} : current));
					},
				);
				return true;
			}

			case 'confirm': {
				if (confirm?.state === 'ready') {
					runtime.dispatch?.(confirm.jobId, confirm.account);
				}

				if (confirm?.state !== 'checking') {
					setConfirm(null);
				}

				return true;
			}

			case 'cancel': {
				setConfirm(null);
				return true;
			}

			default: {
				return false;
			}
		}
	};

	return {
		isFocused,
		selected,
		confirm,
		scope: confirm === null ? (isFocused ? 'queue' : null) : 'confirm',
		run,
	};
}
