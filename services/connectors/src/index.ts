export * from './demo/demo-traffic';
