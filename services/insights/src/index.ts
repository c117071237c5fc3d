export * from './insights-service';
