export * from './app';
export * from './problem';
export * from './routes/health';
