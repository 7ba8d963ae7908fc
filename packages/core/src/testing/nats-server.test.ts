import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../bus/nats.js';
import { findNatsServerBinary, startNatsServer } from './nats-server.js';

describe('startNatsServer', () => {
  const saved = process.env.NATS_SERVER_BIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.NATS_SERVER_BIN;
    else process.env.NATS_SERVER_BIN = saved;
  });

  it('fails loudly, saying how to install it, when the binary is missing', async () => {
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    expect(() => findNatsServerBinary()).toThrow(/apt-get install -y nats-server/);
    await expect(startNatsServer()).rejects.toThrow(/apt-get install -y nats-server/);
  });

  it('starts on 127.0.0.1 with its own store dir, restarts on the same port, and cleans up', async () => {
    const server = await startNatsServer();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(existsSync(server.storeDir)).toBe(true);
    const bus = await connectNatsBus({ servers: server.url });
    await server.restart();
    expect(server.log()).toContain('Server is ready');
    expect(server.log()).toContain(`127.0.0.1:${server.port}`);
    await bus.close();
    await server.stop();
    expect(existsSync(server.storeDir)).toBe(false);
  });
});
