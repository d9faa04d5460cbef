/** The runtime's store, read through useSyncExternalStore (style rule 4). */
import {useCallback, useSyncExternalStore} from 'react';
import type {AppRuntime, AppSnapshot, Listener} from '../../runtime/types.js';

/** The latest snapshot; re-renders the caller only when the runtime hands out a new object. */
export function useAppSnapshot(runtime: AppRuntime): AppSnapshot {
	const subscribe = useCallback((listener: Listener) => runtime.subscribe(listener), [runtime]);
	const getSnapshot = useCallback(() => runtime.getSnapshot(), [runtime]);
	return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
