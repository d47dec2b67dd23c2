// Bundles the server into dist/server/index.js so production runs on plain node:
// no TypeScript loader in memory, faster start. Dependencies stay in node_modules.
import { build } from 'esbuild';

const started = performance.now();
const result = await build({
  entryPoints: ['server/src/index.ts'],
  outfile: 'dist/server/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`dist/server/index.js: ${(bytes / 1024).toFixed(0)} KiB (with source map) in ${(performance.now() - started).toFixed(0)} ms`);
