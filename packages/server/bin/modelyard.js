#!/usr/bin/env node
// The `modelyard` command npm links into node_modules/.bin (and onto PATH with `npm link` or a
// global install). It exists before any build, so npm can link it when it installs the
// workspace; the CLI itself is the compiled dist/main.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('modelyard: not built yet; run `npm run build` (or `npm start`, which builds) in the repository first\n');
  process.exit(1);
}
await import(main.href);
