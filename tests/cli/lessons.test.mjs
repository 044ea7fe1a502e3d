// The built-in lessons (web/src/lessons/lessons.ts) against the core and presets/README.md: every
// network a lesson opens (the tutorial's settings and the fix) is a spec the core reads and
// trains (the native CLI, build-native/cnn, on the checked-in MNIST subset); the spec files the
// measurements ran (presets/lessons/*.json) are the networks the page opens; every measured figure
// a lesson shows is the one in presets/README.md's table and the other way round; and each
// convolution lesson's output shape is the core's for the explainer example it opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(import.meta.dirname, '../..');
const cnn = path.join(root, 'build-native/cnn');
const subset = path.join(root, 'tests/data/mnist-small');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-lessons-'));

// The page's own modules, bundled for Node as the hash fuzzer does.
const entry = path.join(tmp, 'entry.ts');
fs.writeFileSync(
  entry,
  ['lessons/lessons', 'state/spec', 'ui/conv-geometry']
    .map((m) => `export * from ${JSON.stringify(path.join(root, 'web/src', m + '.ts'))};`)
    .join('\n'),
);
await build({
  input: entry,
  output: { file: path.join(tmp, 'page.mjs'), format: 'esm' },
  logLevel: 'silent',
});
const { LESSONS, writeHparams, presetSetup, PRESET_NAMES } = await import(
  pathToFileURL(path.join(tmp, 'page.mjs')).href
);

const preset = (name) =>
  JSON.parse(fs.readFileSync(path.join(root, 'presets', `${name}.json`), 'utf8'));

function run(...args) {
  const r = spawnSync(cnn, args, { encoding: 'utf8', cwd: root, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function json(...args) {
  const r = run(...args, '--json');
  assert.equal(r.code, 0, `cnn ${args.join(' ')}: ${r.err}`);
  return r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** The spec a lesson's network opens on the page: its preset with the lesson's hyper-parameters. */
function pageSpec(net) {
  assert.ok(fs.existsSync(path.join(root, 'presets', `${net.preset}.json`)), net.preset);
  return writeHparams(preset(net.preset), net.hparams);
}

const networks = LESSONS.flatMap((l) =>
  [
    ['tutorial', l.network],
    ['fix', l.fix],
  ]
    .filter(([, net]) => net)
    .map(([run, net]) => ({ lesson: l, run, net })),
);

test('the lessons: unique ids, five of them, each with a network or convolution examples', () => {
  assert.deepEqual(
    LESSONS.map((l) => l.id),
    ['keras-book', 'tflearn', 'tf-tutorial', 'cs231n', 'tf-conv2d'],
  );
  for (const l of LESSONS) {
    assert.ok(!!l.network !== !!l.conv, `${l.id}: a network or convolution examples`);
    assert.ok(l.watch.length >= 2, `${l.id}: what to watch`);
    const sentences = l.text.split(/(?<=[.:])\s+(?=[A-Z])/).length;
    assert.ok(sentences >= 3 && sentences <= 6, `${l.id}: ${sentences} sentences`);
    assert.match(l.source.url, /^https:\/\//);
    if (l.network)
      assert.ok(
        l.measured.some((m) => m.run === 'tutorial'),
        `${l.id}: measured`,
      );
    if (l.fix)
      assert.ok(
        l.measured.some((m) => m.run === 'fix'),
        `${l.id}: the fix measured`,
      );
  }
});

test('every lesson network is a spec the core reads and trains', () => {
  for (const { lesson, run: which, net } of networks) {
    const file = path.join(tmp, `${lesson.id}-${which}.json`);
    fs.writeFileSync(file, JSON.stringify(pageSpec(net)));
    const [summary] = json('summary', '--spec', file);
    assert.deepEqual(summary.input, [28, 28, 1]);
    assert.equal(summary.classes, 10);
    // A few batches with the lesson's optimizer and learning rate, on the small subset.
    const out = json(
      'train',
      '--spec',
      file,
      '--data',
      subset,
      '--limit',
      '200',
      '--epochs',
      '1',
      '--threads',
      '1',
    );
    const done = out.at(-1);
    assert.equal(done.event, 'done', `${lesson.id} (${which})`);
    assert.ok(done.steps >= 2, `${lesson.id} (${which}): ${done.steps} steps`);
    assert.ok(Number.isFinite(done.epochs[0].test_loss), `${lesson.id} (${which}): a finite loss`);
  }
});

test('the spec files the measurements ran are the networks the lessons open', () => {
  for (const l of LESSONS) {
    for (const m of l.measured) {
      const net = m.run === 'fix' ? l.fix : l.network;
      const expected = pageSpec(net);
      const spec = /--spec (\S+)/.exec(m.command)?.[1];
      const name = /--preset (\S+)/.exec(m.command)?.[1];
      assert.ok(spec || name, `${l.id}: ${m.command}`);
      // The CLI's --epochs only sets how long it ran (the epochs are evaluated one by one).
      const ran = spec
        ? JSON.parse(fs.readFileSync(path.join(root, spec), 'utf8'))
        : structuredClone(preset(name));
      for (const key of ['input', 'layers', 'loss', 'optimizer', 'batch_size', 'seed'])
        assert.deepEqual(ran[key], expected[key], `${l.id} ${m.run}: ${key} of ${m.command}`);
      if (ran.lr_schedule || expected.lr_schedule)
        assert.equal(ran.epochs, expected.epochs, `${l.id}: a schedule depends on the epochs`);
      assert.match(m.command, /--seed 1\b/);
      assert.ok(Number(/--epochs (\d+)/.exec(m.command)?.[1]) >= m.epochs, m.command);
    }
  }
});

test('the measured figures in the lessons are the ones in presets/README.md', () => {
  const readme = fs.readFileSync(path.join(root, 'presets/README.md'), 'utf8');
  // | lesson | run | settings | epochs | test accuracy | `command` |
  const rows = readme
    .split('\n')
    .filter((line) => /^\|\s*`[\w-]+`\s*\|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const measured = LESSONS.flatMap((l) => l.measured.map((m) => ({ id: l.id, ...m })));
  assert.equal(rows.length, measured.length, 'one table row per measured figure');
  for (const m of measured) {
    const row = rows.find(
      (r) => r[0] === `\`${m.id}\`` && r[1] === m.run && Number(r[3]) === m.epochs,
    );
    assert.ok(row, `presets/README.md has no row for ${m.id} ${m.run} ${m.epochs} epochs`);
    assert.equal(row[2], m.settings, `${m.id} ${m.run} ${m.epochs}: settings`);
    assert.equal(row[4], `${m.accuracy} %`, `${m.id} ${m.run} ${m.epochs}: accuracy`);
    assert.equal(row[5], `\`${m.command}\``, `${m.id} ${m.run} ${m.epochs}: command`);
    assert.match(m.accuracy, /^\d\d\.\d\d$/);
  }
});

test('each convolution lesson states the output shape the core computes', () => {
  for (const l of LESSONS.filter((x) => x.conv)) {
    for (const c of l.conv) {
      assert.ok(PRESET_NAMES.includes(c.example), `${l.id}: ${c.example} is an explainer example`);
      const s = presetSetup(c.example);
      const input = Array.from({ length: s.W }, () =>
        Array.from({ length: s.W }, () => Array(s.C).fill(1)),
      );
      const kernel = Array.from({ length: s.F }, () =>
        Array.from({ length: s.F }, () => Array.from({ length: s.C }, () => Array(s.K).fill(1))),
      );
      const [r] = json(
        'conv2d',
        '--input',
        JSON.stringify(input),
        '--kernel',
        JSON.stringify(kernel),
        '--stride',
        String(s.S),
        '--padding',
        String(s.padding),
      );
      assert.equal(r.shape.join('×'), c.output, `${l.id}: ${c.label}`);
    }
  }
});
