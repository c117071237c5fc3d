export * from './governance-worker';
export * from './governance-runtime';
export * from './dead-letter-indexer';
export * from './rollup-feeder';
export * from './partition-claims';
