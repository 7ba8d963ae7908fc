export { freePort } from '../net.js';
export * from './nats-server.js';
export { makeCertificate, type TestCertificate } from './certificates.js';
export * from './docker-registry.js';
export * from './runner-loads.js';
