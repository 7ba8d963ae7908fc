import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryCredentials } from './auth.js';

/**
 * Where registry credentials are kept by the tools people log in with (`docker login`, `podman login`):
 * $REGISTRY_AUTH_FILE (podman), $DOCKER_CONFIG/config.json, ~/.docker/config.json — the first that exists.
 */
export function dockerConfigPaths(env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  return [
    env.REGISTRY_AUTH_FILE,
    env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : undefined,
    join(home, '.docker', 'config.json'),
  ].filter((p): p is string => Boolean(p));
}

/** `https://host:port/v1/` → `host:port`: auth files key registries either way. */
function registryKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * Credentials for a registry from an auth file's `auths` (`auth`: base64 `user:password`, or
 * `username`/`password`). Read when asked (after a 401), so a login after Kedge started counts.
 * Credential helpers (`credsStore`) are not run.
 */
export function dockerConfigCredentials(
  paths: readonly string[] = dockerConfigPaths(),
): (registry: string) => RegistryCredentials | undefined {
  return (registry) => {
    for (const path of paths) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      let auths: Record<string, { auth?: string; username?: string; password?: string }> = {};
      try {
        auths = (JSON.parse(text) as { auths?: typeof auths }).auths ?? {};
      } catch {
        return undefined;
      }
      for (const [key, entry] of Object.entries(auths)) {
        if (registryKey(key) !== registry) continue;
        if (entry.username !== undefined && entry.password !== undefined)
          return { username: entry.username, password: entry.password };
        if (!entry.auth) continue;
        const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = plain.indexOf(':');
        if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
      }
      return undefined;
    }
    return undefined;
  };
}
