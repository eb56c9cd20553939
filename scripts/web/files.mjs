// Every file below a folder (the build scripts' walk over dist/).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The paths of every file below `dir`, recursively. */
export function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
