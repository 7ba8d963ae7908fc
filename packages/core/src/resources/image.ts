/**
 * A component uploaded at apply time is referenced as `<file name>@sha256:<hex>` (an OCI-style
 * digest reference); runners fetch the blob by that digest.
 */
export function parseImageDigest(image: string): string | undefined {
  const m = /@?(sha256:[0-9a-f]{64})$/.exec(image);
  return m ? m[1] : undefined;
}

export function imageWithDigest(fileName: string, digest: string): string {
  return `${fileName}@${digest}`;
}

/** `\0asm` + component-model version/layer; a core module has version 1, layer 0. */
export function isWasmComponent(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0x00 &&
    bytes[1] === 0x61 &&
    bytes[2] === 0x73 &&
    bytes[3] === 0x6d &&
    bytes[6] === 0x01 &&
    bytes[7] === 0x00 &&
    !(bytes[4] === 0x01 && bytes[5] === 0x00)
  );
}

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}
