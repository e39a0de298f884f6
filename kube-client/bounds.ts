// How long each step of a request may take when nothing else bounds it (--request-timeout 0, the
// default, as kubectl's). Every request is bounded: a server that accepts and never answers ends
// the call with a line naming the server, never a hang.

/** The bounds, in ms; `Bounds` of a client may lower them (tests, --request-timeout). */
export interface Bounds {
  /** TCP connection to the server or the proxy (client-go's dialer: 30 s). */
  connectMs: number;
  /** TLS handshake (client-go's TLSHandshakeTimeout: 10 s); also a proxy's CONNECT or SOCKS answer. */
  tlsMs: number;
  /** From the request sent to the response's status line. kube-apiserver answers every
   *  non-watch request within its own --request-timeout (60 s by default), 504 at worst. */
  firstByteMs: number;
  /** Between two chunks of a response body. */
  idleMs: number;
  /** A watch with no event and no bookmark this long is dead and resumed: the API server sends a
   *  bookmark about every minute, and ends each watch after WATCH_SERVER_SECONDS. */
  watchSilenceMs: number;
}

/** The defaults. */
export const DEFAULT_BOUNDS: Bounds = {
  connectMs: 30_000,
  tlsMs: 10_000,
  firstByteMs: 60_000,
  idleMs: 60_000,
  watchSilenceMs: 90_000,
};

/** timeoutSeconds asked of every watch: the server ends it then (2 s after its last bookmark), and it resumes. */
export const WATCH_SERVER_SECONDS = 60;
