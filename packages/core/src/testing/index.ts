export * from './ports.js';
export * from './nats-server.js';
