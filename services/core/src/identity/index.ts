export * from './roles';
export * from './principal';
export * from './access-token';
export * from './nats-permissions';
export * from './actor';
export * from './token-request';
