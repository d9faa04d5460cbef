/**
 * A small error boundary around each panel: a crashing panel shows one line saying so and the rest of
 * the dashboard keeps running (Ink's own root boundary would exit the app). A new `resetKey` (the next
 * report) retries the panel.
 */
import {Component, type ReactNode} from 'react';
import {Text} from 'ink';
import {ThemeContext, type Theme} from '../theme.js';

export type PanelBoundaryProps = {
	/** Panel name shown in the fallback line (`accounts panel crashed: …`). */
	readonly name: string;
	/** When this changes, a crashed panel tries to render again. */
	readonly resetKey?: unknown;
	readonly children?: ReactNode;
};

type State = {error: Error | null; resetKey: unknown};

export class PanelBoundary extends Component<PanelBoundaryProps, State> {
	static override contextType = ThemeContext;
	declare context: Theme;

	override state: State = {error: null, resetKey: undefined};

	static getDerivedStateFromError(error: unknown): Partial<State> {
		return {error: error instanceof Error ? error : new Error(String(error))};
	}

	static getDerivedStateFromProps(props: PanelBoundaryProps, state: State): Partial<State> | null {
		if (props.resetKey !== state.resetKey) {
			return {resetKey: props.resetKey, error: null};
		}

		return null;
	}

	override render(): ReactNode {
		const {error} = this.state;
		if (error === null) {
			return this.props.children;
		}

		const message = error.message.split('\n')[0] ?? '';
		return (
			<Text wrap="truncate" {...this.context.tone('critical')}>
				! {this.props.name} panel crashed: {message}
			</Text>
		);
	}
}
