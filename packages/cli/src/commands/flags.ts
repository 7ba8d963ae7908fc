/** Flag parsers shared by the commands: a bad value fails with the flag's name, before anything starts. */

export function port(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag}: "${v}" is not a port number (0-65535)`);
    return n;
  };
}

export function positive(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${v}" is not a positive integer`);
    return n;
  };
}

export function httpUrl(flag: string) {
  return (v: string) => {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      // Reported below.
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== ''))
      throw new Error(`${flag}: "${v}" is not a gateway address like http://10.0.0.5:8080`);
    return u.origin;
  };
}
