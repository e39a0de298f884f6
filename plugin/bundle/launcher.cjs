#!/usr/bin/env node
// kubectl-paas (bin): runs the bundle next to it (kubectl-paas.cjs, built by `make build`) from a
// V8 code cache. Compiling the ~450 KB bundle and the functions a command touches costs ~30 ms of
// every start, more than the rest of `rollout status` on a completed Deployment; with the cache
// V8 deserialises the code instead. The cache is per user ($XDG_CACHE_HOME or ~/.cache, then
// kubectl-paas/), keyed by the V8 version and the bundle's size and mtime; V8 itself rejects a
// cache that does not match the source or its flags, and then it is written afresh. Any failure
// to read or write it only costs the compile. KUBECTL_PAAS_CODE_CACHE=0 turns it off.
// In a release archive (`make dist`, installed by krew) the cache lives in the install directory
// instead, so that uninstalling removes it with everything else.
// This file is CommonJS (dist/bin/package.json says so): no ES module loader to start.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const bundle = path.join(__dirname, 'kubectl-paas.cjs');
const CACHE_IN_INSTALL_DIR = false; // `make dist` writes true here (plugin/release/dist.ts)
const source = fs.readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
let cacheFile;
let cachePrefix;
let cachedData;
if (process.env.KUBECTL_PAAS_CODE_CACHE !== '0') {
  try {
    const dir = CACHE_IN_INSTALL_DIR
      ? path.join(__dirname, '.code-cache')
      : path.join(process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache'), 'kubectl-paas');
    const st = fs.statSync(bundle);
    // One file per installed bundle (FNV-1a of its path), replaced when the bundle or Node changes.
    let h = 0x811c9dc5;
    for (let i = 0; i < bundle.length; i++) h = Math.imul(h ^ bundle.charCodeAt(i), 0x01000193) >>> 0;
    cachePrefix = `bundle-${h.toString(16)}-${process.versions.v8}-${process.arch}-`;
    cacheFile = path.join(dir, `${cachePrefix}${st.size}-${Math.trunc(st.mtimeMs)}.v8cache`);
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cachedData ? { cachedData } : {}),
});
if (cacheFile && (!cachedData || script.cachedDataRejected)) {
  // At exit the cache also holds every function this run compiled, not just the top level.
  process.once('exit', () => {
    try {
      const dir = path.dirname(cacheFile);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Stale caches of this bundle path under this Node go; other Node versions keep theirs.
      for (const f of fs.readdirSync(dir)) if (f.startsWith(cachePrefix) && f !== path.basename(cacheFile)) fs.rmSync(path.join(dir, f), { force: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // An unwritable cache directory: next start compiles again.
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, __dirname);
