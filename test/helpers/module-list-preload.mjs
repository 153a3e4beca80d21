// Preloaded with `node --import` into an agent under test: at exit it writes the Node built-in
// modules the process loaded (process.moduleLoadList) to $PERIMETER_MODULE_LIST, one per line, so a
// test can assert what the agent never pays for (undici, the type stripper). Plain .mjs on purpose:
// a .ts preload would itself load the type stripper.
import { writeFileSync } from 'node:fs';

const out = process.env.PERIMETER_MODULE_LIST;
if (out) process.on('exit', () => writeFileSync(out, `${process.moduleLoadList.join('\n')}\n`));
