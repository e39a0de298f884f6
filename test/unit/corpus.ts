// The 35 real Deployments of ../shared/corpus/deployments, which the corpus suites read in place.
// A clone without ../shared skips those suites, and vitest counts the skip: a table over the
// corpus keeps one row naming the absent folder, so `make test-unit` reports it skipped instead
// of passing over an empty table. CI sets PAAS_REQUIRE_CORPUS=1: the suites then run, and fail on
// the missing files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the corpus is: ../shared beside the repository. */
export const CORPUS_DIR = resolve(import.meta.dirname, '../../../shared/corpus/deployments');

/** Whether the corpus folder is there. */
export const CORPUS_PRESENT = existsSync(CORPUS_DIR);

/** Whether the corpus suites skip: the corpus is absent, and not required. */
export const SKIP_CORPUS = !CORPUS_PRESENT && process.env.PAAS_REQUIRE_CORPUS !== '1';

/**
 * The corpus' YAML files, sorted; when the folder is absent, the one row of a table that is then
 * skipped (or, when required, fails on reading it).
 */
export const CORPUS_FILES: readonly string[] = CORPUS_PRESENT
  ? readdirSync(CORPUS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [`(no corpus at ${CORPUS_DIR})`];

/** A corpus file's text; throws when it is not there. */
export const corpusText = (file: string): string => readFileSync(resolve(CORPUS_DIR, file), 'utf8');

/** Says once per suite why its corpus tests are counted skipped. */
export function warnIfNoCorpus(suite: string): void {
  if (SKIP_CORPUS) console.warn(`${suite} skipped: ${CORPUS_DIR} is absent (PAAS_REQUIRE_CORPUS=1 makes that a failure)`);
}
