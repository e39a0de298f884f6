// Every e2e file shares the one cluster with the file running beside it (vitest.config.ts runs
// two at a time); a file that owns it for its run (ownClusterForThisFile) waits for the others.
import { shareClusterForThisFile } from '../lib/locks.js';

shareClusterForThisFile();
