export * from './policy-set';
export * from './type-pattern';
export * from './ownership';
export * from './rate-limiter';
export * from './payload-size';
export * from './naming';
export * from './parse-policy-file';
export * from './load-policy-set';
