import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev -w packages/web` proxies the APIs to a server on MODELYARD_URL (default :5000).
const apiTarget = process.env.MODELYARD_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [react()],
  base: '/',
  // The sdk (a workspace package) is bundled from its TypeScript sources, as tests and tsc read it.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/api': apiTarget,
      '/ajax-api': apiTarget,
      '/version': apiTarget,
      '/metrics': apiTarget,
    },
  },
});
