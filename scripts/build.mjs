// Compiles the connector's entry points into dist/ (one ESM bundle each; npm packages stay
// external and load from node_modules). `npm start` runs the bundle with plain node rather than
// through tsx: tsx's loader thread and on-the-fly compilation cost about 35 MB of resident memory
// per process (measured: node idle 43 MB, `node --import tsx` 76 MB). Runs in ~0.2 s, so
// `postinstall` and every `npm start` rebuild it and a stale bundle never runs.
// Files the code reads at run time (migrations, page assets) are found from the project root
// (apps/core/paths.ts), so the same code works from source and from dist/.
import { build } from 'esbuild';

await build({
  // Named outputs: dist/main.js, dist/core/db/migrate-cli.js and the admin command's dist/admin.js.
  entryPoints: [
    { in: 'apps/main.ts', out: 'main' },
    { in: 'apps/core/db/migrate-cli.ts', out: 'core/db/migrate-cli' },
    { in: 'scripts/admin.ts', out: 'admin' },
  ],
  absWorkingDir: new URL('..', import.meta.url).pathname,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  target: 'node20',
  // Stack traces in the logs point at the TypeScript sources (node --enable-source-maps).
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});
