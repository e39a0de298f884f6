// A throwaway PKI for tests of the access layer, made with the openssl CLI (as the e2e control
// plane makes its own): a CA, a serving certificate for loopback (127.0.0.1, ::1, localhost and
// the name "kubernetes"), and client certificates whose CN and O the API server reads as user
// and groups.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pair {
  cert: string;
  key: string;
  /** The files, for kubeconfigs and flags that name them. */
  certFile: string;
  keyFile: string;
}

export interface Pki {
  dir: string;
  caFile: string;
  ca: string;
  server: Pair;
  /** A client certificate for CN=`user` (and O=`group` per group), signed by the CA. */
  client(user: string, groups?: string[]): Pair;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the CA and the serving pair in `dir`. */
export function makePki(dir: string): Pki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=paas-test-ca']);
  let serial = 1;
  const sign = (name: string, subject: string, ext: string): Pair => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(serial++),
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ]);
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  };
  const server = sign('server', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes\nextendedKeyUsage=serverAuth\n');
  let n = 0;
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    server,
    client: (user, groups = []) => sign(`client-${n++}`, `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`, 'extendedKeyUsage=clientAuth\n'),
  };
}
