// Serving certificates: load and check a PEM pair, and swap it into a running server on change.
import { createHash, X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { ErrorCode, PaasError } from '../../core/errors.js';

/** A checked serving pair: PEM texts plus the facts the webhook reports. */
export interface ServingPair {
  cert: string;
  key: string;
  notAfter: Date;
  fingerprint: string; // SHA-256 of the leaf certificate
}

/** Error naming the file and the problem (unreadable, not PEM, key does not match): the catalogue's start failure. */
export class TlsLoadError extends PaasError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.StartFailed, message, options);
    this.name = 'TlsLoadError';
  }
}

/** Checks a PEM pair: the certificate parses and the key matches it. Throws TlsLoadError. */
export function checkPair(cert: string, key: string, source = 'serving pair'): ServingPair {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsLoadError(`${source}: certificate is not a PEM X.509 certificate (${(err as Error).message})`, { cause: err });
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsLoadError(`${source}: key does not match the certificate or is not a PEM private key (${(err as Error).message})`, { cause: err });
  }
  return { cert, key, notAfter: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 };
}

/** Reads and checks --tls-cert/--tls-key. Throws TlsLoadError naming the file. */
export async function loadPairFiles(certPath: string, keyPath: string): Promise<ServingPair> {
  const read = async (path: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new TlsLoadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  };
  const [cert, key] = await Promise.all([read(certPath), read(keyPath)]);
  return checkPair(cert, key, `${certPath} + ${keyPath}`);
}

export interface PairWatcher {
  /** Re-reads the files now; resolves true when a new pair was installed. */
  check(): Promise<boolean>;
  close(): void;
}

/**
 * Watches the certificate and key files and calls `onPair` with each new valid pair.
 * fs.watch on the folders catches Kubernetes' atomic symlink swap of mounted Secrets; a poll
 * every `pollMs` catches what watchers miss. A half-written pair is reported and retried.
 */
export function watchPairFiles(opts: {
  certPath: string;
  keyPath: string;
  current: ServingPair;
  pollMs: number;
  onPair: (pair: ServingPair) => void;
  onError: (err: unknown) => void;
}): PairWatcher {
  const digest = (p: { cert: string; key: string }): string => createHash('sha256').update(p.cert).update('\0').update(p.key).digest('hex');
  let last = digest(opts.current);
  let running: Promise<boolean> | undefined;
  let closed = false;
  const check = (): Promise<boolean> => {
    running ??= (async () => {
      try {
        const pair = await loadPairFiles(opts.certPath, opts.keyPath);
        const d = digest(pair);
        if (d === last || closed) return false;
        last = d;
        opts.onPair(pair);
        return true;
      } catch (err) {
        opts.onError(err);
        return false;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  let debounce: NodeJS.Timeout | undefined;
  const poke = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void check(), 200);
    debounce.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(opts.certPath), dirname(opts.keyPath)])) {
    try {
      const w = watch(dir, { persistent: false }, poke);
      w.on('error', () => undefined); // the poll below still runs
      watchers.push(w);
    } catch {
      // a folder we cannot watch: the poll covers it
    }
  }
  const timer = setInterval(() => void check(), opts.pollMs);
  timer.unref();
  return {
    check,
    close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      for (const w of watchers) w.close();
    },
  };
}
