import { parseListen, type ListenAddress } from '@kedge/core';

export { advertisedUrl, isWildcard, parseListen, type ListenAddress } from '@kedge/core';

/** Commander's argument parser for a `--…listen HOST:PORT` flag. */
export function listenFlag(flag: string): (v: string) => ListenAddress {
  return (v) => parseListen(flag, v);
}
