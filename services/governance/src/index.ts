export * from './governance-worker';
export * from './governance-runtime';
