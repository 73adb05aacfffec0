import { benchUi } from './ui-bench.js';

/** `npx tsx bench/ui/run.ts`: the UI benchmark alone (bench/run-all.ts calls `benchUi` too). */
benchUi().catch((e: unknown) => {
  console.error(`bench ui: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
