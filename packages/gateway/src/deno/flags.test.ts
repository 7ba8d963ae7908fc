import { describe, expect, it } from 'vitest';
import { parseEdgeGatewayFlags } from './flags.js';

describe("the Deno gateway's flags (kedge gateway's)", () => {
  it('reads --flag value and --flag=value, ports, listen addresses and KEDGE_* variables', () => {
    const f = parseEdgeGatewayFlags(
      [
        '--nats',
        'nats://10.0.0.1:4222',
        '--node-id=edge-1',
        '--http-port',
        '8081',
        '--admin-listen',
        '0.0.0.0:9091',
        '--token-file',
        't',
      ],
      { KEDGE_NATS_TOKEN: 'secret', KEDGE_LOG_LEVEL: 'warn' },
    );
    expect(f).toMatchObject({
      nats: 'nats://10.0.0.1:4222',
      nodeId: 'edge-1',
      listen: { host: '127.0.0.1', port: 8081 },
      adminListen: { host: '0.0.0.0', port: 9091 },
      tokenFile: 't',
      natsToken: 'secret',
      logLevel: 'warn',
      help: false,
    });
    expect(parseEdgeGatewayFlags(['--listen', '[::]:80'], { KEDGE_NATS_URL: 'nats://n:4222' })).toMatchObject({
      nats: 'nats://n:4222',
      listen: { host: '::', port: 80 },
      adminListen: { host: '127.0.0.1', port: 9090 },
    });
  });

  it('names the flag in every error', () => {
    expect(() => parseEdgeGatewayFlags([], {})).toThrow(/^--nats: a NATS URL is required/);
    expect(() => parseEdgeGatewayFlags(['--nats', 'n', '--feed', 'x'], {})).toThrow(/^--feed: unknown option/);
    expect(() => parseEdgeGatewayFlags(['--nats'], {})).toThrow(/^--nats: a value is required/);
    expect(() => parseEdgeGatewayFlags(['--nats', 'n', '--http-port', '99999'], {})).toThrow(
      /^--http-port: "99999" is not a port/,
    );
    expect(() => parseEdgeGatewayFlags(['--nats', 'n', '--listen', 'edge:80'], {})).toThrow(
      /^--listen: "edge" is not an IP address/,
    );
    expect(() => parseEdgeGatewayFlags(['--nats', 'n', '--advertise', 'edge:80'], {})).toThrow(/^--advertise: /);
    expect(parseEdgeGatewayFlags(['--help'], {}).help).toBe(true);
  });
});
