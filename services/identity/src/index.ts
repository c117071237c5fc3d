export * from './authenticator';
export * from './identity-service';
