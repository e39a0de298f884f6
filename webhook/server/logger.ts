// The webhook's logger: JSON lines (pino) on a file descriptor, written asynchronously, optionally
// held in a buffer and written together. One line per admission is the webhook's biggest cost
// after parsing the review (a CPU profile of the in-cluster pods under writes: the line's write,
// one fs.write per line through libuv's thread pool, took more of the route's time than the
// policy); holding lines until a few kB wait, or a short period passes, writes many in one
// system call. docs/performance.md has the A/B.
import pino, { type Logger } from 'pino';

/** How often a buffer that is not full is written anyway, so a quiet webhook's lines still show. */
export const LOG_FLUSH_MS = 100;
/** The largest buffer: sonic-boom writes at most 16 kB at once and wants its minimum below that. */
export const MAX_LOG_BUFFER_BYTES = 16_383;

export interface LoggerOptions {
  level: string;
  /** Hold lines until this many bytes wait (or LOG_FLUSH_MS passes); 0 writes each line at once. */
  bufferBytes: number;
  /** Where the lines go: a file descriptor (1, standard output) or a file's path (tests). */
  dest?: number | string;
}

/** A logger whose buffer, if any, is written every LOG_FLUSH_MS and at exit (pino flushes its
 * asynchronous destinations synchronously when the process exits). */
export function createLogger(o: LoggerOptions): Logger {
  const buffered = o.bufferBytes > 0;
  const destination = pino.destination({
    dest: o.dest ?? 1,
    sync: false,
    minLength: o.bufferBytes,
    ...(buffered ? { periodicFlush: LOG_FLUSH_MS } : {}),
  });
  return pino({ level: o.level, base: { service: 'paas-webhook' } }, destination);
}
