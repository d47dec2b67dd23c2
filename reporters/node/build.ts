import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const sdkDir = fileURLToPath(new URL('.', import.meta.url));

/** Bundles the SDK into `dist/index.js` (ESM) and `dist/index.cjs` (CommonJS), no dependencies. */
export async function buildSdk(outDir = fileURLToPath(new URL('./dist', import.meta.url))): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: sdkDir,
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      ssr: true,
      target: 'node20',
      lib: {
        entry: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
        formats: ['es', 'cjs'],
        fileName: (format) => (format === 'es' ? 'index.js' : 'index.cjs'),
      },
      rollupOptions: { external: [/^node:/] },
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildSdk();
