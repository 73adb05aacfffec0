export * from './error-codes.js';
export * from './enums.js';
export * from './message.js';
export * from './mlflow-endpoints.js';
export * from './tracking-messages.js';
