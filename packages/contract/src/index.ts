export * from './error-codes.js';
export * from './enums.js';
export * from './message.js';
export * from './mlflow-endpoints.js';
export * from './tracking-messages.js';
export * from './logged-model-messages.js';
export * from './registry-messages.js';
