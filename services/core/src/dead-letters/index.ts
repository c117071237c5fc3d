// Dead letters and replay: the pure domain (no I/O). The platform indexes, stores and publishes.
export * from './dead-letter';
export * from './dead-letter-state';
export * from './dead-letter-filter';
export * from './problem';
export * from './triage';
export * from './json-patch';
export * from './replay-request';
export * from './replay-eligibility';
export * from './replay-job';
export * from './replay-envelope';
export * from './dry-run';
export * from './retry-policy';
export * from './dead-letter-audit';
export * from './request-problems';
export * from './state-transition-error';
export * from './dead-letter-detail';
export * from './dead-letter-from-stream';
