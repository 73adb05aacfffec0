// `node emulator-watchdog.cjs <script> [args…]`: runs an emulator's entry script in this process
// and exits when the test process that started it goes away, even by SIGKILL (no exit hook runs
// then): that process holds the other end of our stdin, so its death closes it.
'use strict';
const path = require('node:path');

const script = process.argv[2];
if (!script) {
  process.stderr.write('usage: node emulator-watchdog.cjs <script> [args…]\n');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
// The emulator reads its options from argv[2…], as when it is run directly.
process.argv.splice(1, 2, path.resolve(script));
require(path.resolve(script));
