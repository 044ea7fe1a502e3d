// Checks that the core's dependencies point down: a file in core/<dir> may include headers from
// its own folder and from the folders below it in LAYERS, never from one above. Only the
// `#include "core/..."` lines are read (no preprocessing), so a conditional include counts too.
// Exit status 1 and one line per upward include when the rule is broken.
//   node tools/check_layering.mjs [root]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Bottom to top; the order the code has (core/kernels uses core/parallel, core/layers uses the
// kernels and the tensor, core/model everything).
const LAYERS = ['parallel', 'tensor', 'kernels', 'layers', 'optim', 'data', 'model'];

const root = process.argv[2] ?? join(import.meta.dirname, '..');
const core = join(root, 'core');

function* sources(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(h|hpp|cpp|cc|inc)$/.test(e.name)) yield p;
  }
}

const problems = [];
let files = 0;
for (const file of sources(core)) {
  files++;
  const rel = relative(root, file).split('\\').join('/');
  const own = rel.split('/')[1];
  const rank = LAYERS.indexOf(own);
  if (rank < 0) {
    problems.push(`${rel}: core/${own} is not in the layer order of tools/check_layering.mjs`);
    continue;
  }
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\s*#\s*include\s*"core\/([^/"]+)\//.exec(line);
      if (!m) return;
      const to = LAYERS.indexOf(m[1]);
      if (to < 0)
        problems.push(`${rel}:${i + 1}: includes core/${m[1]}, which is not in the layer order`);
      else if (to > rank)
        problems.push(`${rel}:${i + 1}: core/${own} must not include core/${m[1]} (above it)`);
    });
}

if (problems.length) {
  console.error(`core layering (${LAYERS.join(' < ')}): ${problems.length} upward include(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`core layering ok: ${files} files, ${LAYERS.join(' < ')}`);
