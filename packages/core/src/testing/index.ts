export { freePort } from '../net.js';
export * from './nats-server.js';
