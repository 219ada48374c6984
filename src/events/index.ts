export * from './constants.js';
export * from './envelope.js';
export * from './ids.js';
export * from './profile.js';
export * from './vocabulary.js';
