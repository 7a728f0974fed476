#!/usr/bin/env node
// Entry point of the `pave` command line. Exit codes: 0 ok; 1 invalid, denied or not found; 2 usage, connection or
// setup error (see docs/cli.md).
import { shouldKeepAlive } from './lifecycle.js';
import { main } from './program.js';

const code = await main(process.argv.slice(2));
// serve and demo run until a signal; every other command ends here, even if a pool or timer would linger.
if (code !== 0 || !shouldKeepAlive()) {
  process.stdout.write('', () => process.exit(code));
}
