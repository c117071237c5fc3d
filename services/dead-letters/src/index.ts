export * from './dead-letter-service';
export * from './replay-runner';
export * from './automatic-retry';
export * from './expiry';
