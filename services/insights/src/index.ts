export * from './flow-sealer';
export * from './insights-service';
