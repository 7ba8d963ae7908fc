import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, RegistryClient } from './client.js';
import { parseChallenge } from './auth.js';
import { digestReference, manifestReference, namesRegistry, parseImageReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it('reads host[:port]/repository[:tag][@digest]', () => {
    expect(parseImageReference('127.0.0.1:5000/hello:v1')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'hello',
      tag: 'v1',
    });
    expect(parseImageReference('gcr.io/knative-samples/helloworld-go')).toEqual({
      registry: 'gcr.io',
      repository: 'knative-samples/helloworld-go',
    });
    expect(parseImageReference(`ghcr.io/a/b:v2@${D}`)).toEqual({
      registry: 'ghcr.io',
      repository: 'a/b',
      tag: 'v2',
      digest: D,
    });
    expect(parseImageReference('localhost:5000/x')).toMatchObject({ registry: 'localhost:5000', repository: 'x' });
  });

  it('leaves local image names, .wasm paths and uploaded components alone', () => {
    for (const local of [
      'localhost/helloworld-go',
      'node:20',
      'helloworld-go',
      'library/node',
      `hello.wasm@${D}`,
      './build/app.wasm',
      'Gcr.io/UPPER/x',
    ])
      expect(namesRegistry(local), local).toBe(false);
  });

  it('asks for the digest when pinned, else the tag, else latest; records host/repo@digest', () => {
    expect(manifestReference(parseImageReference('a.io/x')!)).toBe('latest');
    expect(manifestReference(parseImageReference('a.io/x:v1')!)).toBe('v1');
    expect(manifestReference(parseImageReference(`a.io/x:v1@${D}`)!)).toBe(D);
    expect(digestReference(parseImageReference('a.io/x:v1')!, D)).toBe(`a.io/x@${D}`);
  });
});

describe('RegistryClient transport', () => {
  it('uses plain HTTP only for loopback registries and the ones configured insecure', () => {
    const client = new RegistryClient({ insecureRegistries: ['registry.lan:5000'] });
    expect(client.baseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(client.baseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(client.baseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(client.baseUrl('registry.lan:5000')).toBe('http://registry.lan:5000');
    expect(client.baseUrl('gcr.io')).toBe('https://gcr.io');
    expect(client.baseUrl('127.0.0.1.nip.io')).toBe('https://127.0.0.1.nip.io');
    expect(isLoopbackRegistry('128.0.0.1:80')).toBe(false);
  });

  it('parses Bearer and Basic challenges', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
    expect(parseChallenge(null)).toBeUndefined();
  });
});
