import { gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

/** The dashboard's budget: every JavaScript chunk together, gzipped. */
export const jsBudgetBytes = 60 * 1024;

/** Prints the gzipped size of the JavaScript the browser downloads, and fails the build over budget. */
function bundleSize(): Plugin {
  return {
    name: 'log-center-bundle-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      let total = 0;
      const lines: string[] = [];
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const size = gzipSync(file.code, { level: 9 }).length;
        total += size;
        lines.push(`  ${file.fileName.padEnd(40)} ${(size / 1024).toFixed(1).padStart(6)} KB gzipped`);
      }
      const verdict = total <= jsBudgetBytes ? 'within' : 'OVER';
      console.log(`\nDashboard JavaScript:\n${lines.join('\n')}`);
      console.log(`  total ${(total / 1024).toFixed(1)} KB gzipped, ${verdict} the ${jsBudgetBytes / 1024} KB budget\n`);
      if (total > jsBudgetBytes) this.error(`the dashboard's JavaScript is ${total} bytes gzipped, over ${jsBudgetBytes}`);
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  publicDir: 'public',
  plugins: [preact(), bundleSize()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': 'http://localhost:8080' },
  },
});
