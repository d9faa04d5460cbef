/** The event names (DESIGN §13), apart from engine/events so the config schema can name them cheaply. */
export const EVENT_NAMES = [
	'switch',
	'recommendation-changed',
	'account-unusable',
	'all-exhausted',
	'emergency',
	'window-reset',
	'threshold-crossed',
	'waste-warning',
	'reset-credit-expiring',
	'job-started',
	'job-finished',
	'job-failed',
	'gate-paused',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** What the built-in notifier shows unless `events.notify` says otherwise: things that need a person. */
export const DEFAULT_NOTIFY_EVENTS: readonly EventName[] = ['all-exhausted', 'emergency', 'account-unusable', 'job-failed'];

export const isEventName = (value: string): value is EventName => (EVENT_NAMES as readonly string[]).includes(value);
