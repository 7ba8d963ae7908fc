/**
 * Runs "$0 $@" (a test server and its flags) in the background and waits for it. TERM/INT are passed
 * on, USR1 becomes a SIGKILL, and end-of-file on stdin (the parent died) kills the server too.
 */
export const WATCHDOG = [
  // Background jobs of a non-interactive shell get /dev/null as stdin: keep the pipe as fd 3.
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- & pid=$!',
  "trap 'kill -TERM $pid 2>/dev/null' TERM INT",
  "trap 'kill -KILL $pid 2>/dev/null' USR1",
  '(cat <&3 >/dev/null; kill -KILL $pid 2>/dev/null) &',
  'watcher=$!',
  'while kill -0 $pid 2>/dev/null; do wait $pid; done',
  'kill $watcher 2>/dev/null',
].join('\n');
