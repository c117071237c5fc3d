export * from './change-kinds';
export * from './diff-schemas';
export * from './check-compatibility';
