/**
 * No filesystem: toolchains whose runtime imports wasi:filesystem (Rust std through the preview1
 * adapter, for one) still link, but see no preopened directories, so nothing can be opened.
 */
class Descriptor {
  private constructor() {}
}
class DirectoryEntryStream {
  private constructor() {}
}

export const filesystemImports = {
  'wasi:filesystem/preopens': { getDirectories: (): [Descriptor, string][] => [] },
  'wasi:filesystem/types': {
    Descriptor,
    DirectoryEntryStream,
    filesystemErrorCode: () => undefined,
  },
};
