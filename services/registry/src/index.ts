export * from './contract-registry-service';
