export * from './duration';
export * from './flow-definition';
export * from './parse-flow-definitions';
export * from './flow-instances';
export * from './kpi-definition';
export * from './parse-kpi-policy';
export * from './source-freshness';
