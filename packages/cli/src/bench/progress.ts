/**
 * The live status line of a running benchmark, on stderr so stdout stays parseable. On a terminal it
 * rewrites one line every second; into a file or pipe it writes a line every `pipeEveryS` seconds instead,
 * so CI logs stay short.
 */
export interface ProgressSink {
  update(line: string): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr, pipeEveryS = 5): ProgressSink {
  const tty = Boolean(stream.isTTY);
  let count = 0;
  let shown = false;
  return {
    update(line) {
      count += 1;
      if (tty) {
        stream.write(`\r\x1b[K${line}`);
        shown = true;
      } else if (count % pipeEveryS === 0) stream.write(`${line}\n`);
    },
    done() {
      if (tty && shown) stream.write('\n');
      shown = false;
    },
  };
}
