// Types of the tmux driver (tmux.mjs) for the TypeScript tests.

export function requireTmux(): string;

export type PaneInfo = {pid: number; dead: boolean; status: number | undefined; width: number; height: number};

export class TmuxServer {
	constructor(label: string);
	readonly label: string;
	readonly env: NodeJS.ProcessEnv;
	run(args: readonly string[]): Promise<string>;
	start(name: string, options: {cols: number; rows: number; env?: Record<string, string>; argv: readonly string[]; cwd?: string}): Promise<void>;
	capture(name: string, options?: {ansi?: boolean}): Promise<string>;
	paneInfo(name: string): Promise<PaneInfo>;
	serverPid(): Promise<number>;
	sendLiteral(name: string, text: string): Promise<string>;
	sendKeys(name: string, ...keys: string[]): Promise<string>;
	display(target: string, format: string): Promise<string>;
	waitFor(target: string, accept: (screen: string) => boolean, options?: {intervalMs?: number; timeoutMs?: number}): Promise<string>;
	killSession(name: string): Promise<void>;
	waitStable(name: string, options: {accept: (frame: string) => boolean; intervalMs?: number; timeoutMs?: number}): Promise<string>;
	kill(): void;
}

export function killOnExit(cleanup: () => void): () => void;
