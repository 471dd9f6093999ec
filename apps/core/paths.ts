// Where the project's files are (migrations, console and callback assets), found the same way
// whether this module runs from source (tests, tsx) or inside the esbuild bundle in dist/:
// `import.meta.url` differs between the two, the project root (the nearest package.json above) does not.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}: cannot locate the project's files`);
  }
}

/** The project's root directory (the one holding package.json). */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** An absolute path inside the project, from segments relative to its root. */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}
