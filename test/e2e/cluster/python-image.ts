// The image the Python example of docs/sigterm.md runs in on the real node: Debian's Python 3 and
// uvicorn packed without Docker or a registry (python-image.sh). Imported into the node with
// loadImage (webhook-install.ts) by the file that uses it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/** What python-image.sh records of the image it built. */
export type PythonImage = { image: string; tar: string; bytes: number; packages: string };

/** Builds the image if its packages changed (about 15 s and 10 MB from Debian the first time), and says which it is. */
export function buildPythonImage(log: (line: string) => void = () => {}): Promise<PythonImage> {
  return new Promise((ok, fail) => {
    execFile('bash', [join(ROOT, 'test/e2e/cluster/python-image.sh')], { timeout: 300_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      for (const l of String(stderr).split('\n')) if (l.startsWith('python-image:')) log(l);
      if (err) {
        fail(new Error(`python-image.sh failed: ${String(stderr).trim().split('\n').slice(-30).join('\n')}`));
        return;
      }
      ok(JSON.parse(readFileSync(join(ROOT, '.cache/python-image/current.json'), 'utf8')) as PythonImage);
    });
  });
}
