import { GuestExit } from './errors.js';
import { InputStream, OutputStream, type ByteSink } from './io.js';

class TerminalInput {
  private constructor() {}
}
class TerminalOutput {
  private constructor() {}
}

export interface CliContext {
  /** The instance's whole environment: revision env + K_* (never the host's process.env). */
  env: [string, string][];
  stdout: ByteSink;
  stderr: ByteSink;
}

/** wasi:cli for one instance; stdin is empty, there is no terminal, exit ends the call. */
export function cliImports(ctx: CliContext) {
  const stdout = new OutputStream(ctx.stdout);
  const stderr = new OutputStream(ctx.stderr);
  return {
    'wasi:cli/environment': {
      getEnvironment: () => ctx.env,
      getArguments: (): string[] => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }) => {
        throw new GuestExit(status.tag === 'ok' ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new GuestExit(code);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
  };
}
