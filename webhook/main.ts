#!/usr/bin/env node
// The paas-webhook executable (bin): placeholder until the webhook issue lands.
process.stderr.write('paas-webhook: not built yet\n');
process.exitCode = 1;
