// A Node.js HTTP server that stops as docs/sigterm.md asks. On SIGTERM it keeps serving for
// DRAIN_SECONDS and every response says `Connection: close`, so each kept-alive client opens a new
// connection (to a pod that is not going away) instead of reusing one this process is about to
// close. Then it stops accepting, closes the connections that carried no request meanwhile,
// lets the requests in flight finish, and exits.
//
//   DRAIN_SECONDS=5 PORT=8080 node server.mjs
import { createServer } from 'node:http';

const drainMs = Number(process.env.DRAIN_SECONDS ?? 5) * 1000;
let draining = false;

const server = createServer((req, res) => {
  // In Express or Fastify: the same line in a middleware or hook that runs first.
  if (draining) res.setHeader('Connection', 'close');
  res.end('ok\n');
});
server.listen(Number(process.env.PORT ?? 8080));

process.once('SIGTERM', () => {
  draining = true;
  setTimeout(() => {
    server.close(() => process.exit(0)); // stop accepting; exit once in-flight requests are done
    server.closeIdleConnections();
  }, drainMs);
  // Out well within the grace period whatever happens (the kubelet kills at its end).
  setTimeout(() => process.exit(1), drainMs + 20_000).unref();
});
