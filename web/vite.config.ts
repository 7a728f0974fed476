// Builds the web UI into web/dist, which `pave serve` serves at / (src/api/web-ui.ts).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    // `npx vite web` during development: the API of a pave on :8080 (pave demo) behind the dev server.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
