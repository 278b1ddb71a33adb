// The one place where Vigil's data shapes are defined. Types are inferred from these schemas.
export * from './event.js';
export * from './alert.js';
export * from './keys.js';
export * from './config.js';
export * from './destination.js';
export * from './notify-config.js';
export * from './auth-config.js';
export * from './audit.js';
export * from './phi-config.js';
export * from './follow.js';
