// The npm package of the elements as an app author meets it: the tarball `npm run build:lib` packs
// (build-lib/cnn-playground-elements-<version>.tgz), installed by npm offline into a scratch Vite
// app in a temporary folder (vite, typescript and lit are this project's, linked in), type-checked
// by tsc, built by `vite build` with no config at all and served by `vite preview` on a free port;
// in Chromium the app's <cnn-playground lesson="preset=tiny"> trains and its <cnn-digit-pad> reads
// a drawn 7. Then the same app under Vite's dev server, whose dependency pre-bundling moves the
// package's code (and must keep its worker and file URLs right). Not a test of the elements'
// details (examples.spec.ts and the playground specs are).
import { expect, test } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { drawStrokes, stepCount, strokeFixture } from './helpers';

const NAME = 'cnn-playground-elements';
const root = resolve('.');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const tarball = join(root, 'build-lib', `${NAME}-${version}.tgz`);
const seven = strokeFixture.digits.find((d) => d.label === 7)!;

// The app's source: the package imported by name, its types used through the tag name map.
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,">
    <script type="module" src="/src/main.ts"></script></head>
  <body><main>
    <cnn-digit-pad id="pad"></cnn-digit-pad>
    <cnn-playground lesson="preset=tiny"></cnn-playground>
  </main></body>
</html>
`;
const MAIN_TS = `import 'cnn-playground-elements';
import type { CnnPlayground, DigitPad } from 'cnn-playground-elements';

// Typed by the package's HTMLElementTagNameMap and HTMLElementEventMap, or tsc fails here.
const pad: DigitPad | null = document.querySelector('cnn-digit-pad');
const playground: CnnPlayground = document.querySelector('cnn-playground')!;
const lesson: string = playground.lesson;
pad?.addEventListener('digit-drawn', (e) => {
  const pixels: number = e.detail ? e.detail.image.length : 0;
  document.title = \`drawn \${pixels} (\${lesson})\`;
});
`;
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
  },
  include: ['src'],
};

/** Runs a command in the app's folder; npm's own variables from `npm test` stay out. */
function run(cmd: string, args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  try {
    return execFileSync(cmd, args, {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${err.message}`,
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

test.describe.configure({ mode: 'serial' });

let app = '';
const servers: ChildProcess[] = [];

test.afterAll(() => {
  for (const s of servers) s.kill();
  if (app) rmSync(app, { recursive: true, force: true });
});

/** Starts vite (`preview` for the build, none for the dev server) in the app on a free port. */
async function serve(command: string[]): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const vite = join(app, 'node_modules', 'vite', 'bin', 'vite.js');
  servers.push(
    spawn(
      process.execPath,
      [vite, ...command, '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
      { cwd: app, stdio: 'ignore' },
    ),
  );
  await expect
    .poll(
      () =>
        fetch(url).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 30_000 },
    )
    .toBe(200);
  return url;
}

test('the tarball installs offline into a Vite app, type-checks and builds with no Vite config', async () => {
  test.setTimeout(180_000);
  expect(existsSync(tarball), `${tarball} is missing: run npm run build:lib`).toBe(true);
  app = mkdtempSync(join(tmpdir(), 'cnn-npm-app-'));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2),
  );
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'index.html'), INDEX_HTML);
  writeFileSync(join(app, 'src', 'main.ts'), MAIN_TS);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const modules = join(app, 'node_modules');
  mkdirSync(modules);
  // The package's one dependency, as npm would find it already installed; an empty cache of its
  // own proves nothing else is fetched or taken from the machine's npm cache.
  symlinkSync(join(root, 'node_modules', 'lit'), join(modules, 'lit'));
  run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(app, '.npm-cache'),
      tarball,
    ],
    app,
  );
  // The tools, linked after npm (which removes what its package.json does not list).
  for (const tool of ['vite', 'typescript'])
    symlinkSync(join(root, 'node_modules', tool), join(modules, tool));

  const installed = join(modules, NAME);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  expect(pkg).toMatchObject({
    name: NAME,
    version,
    type: 'module',
    types: './index.d.ts',
    customElements: 'custom-elements.json',
    dependencies: { lit: expect.any(String) },
  });
  expect(pkg.exports['.']).toEqual({ types: './index.d.ts', default: './index.js' });
  const manifest = JSON.parse(readFileSync(join(installed, 'custom-elements.json'), 'utf8'));
  const tags = manifest.modules.flatMap((m: { declarations: Array<{ tagName?: string }> }) =>
    m.declarations.map((d) => d.tagName),
  );
  expect(tags.sort()).toEqual([
    'cnn-conv-explainer',
    'cnn-digit-pad',
    'cnn-feature-maps',
    'cnn-kernel-playground',
    'cnn-playground',
  ]);
  const typeMap = readdirSync(join(installed, 'types', 'ui'))
    .map((f) => readFileSync(join(installed, 'types', 'ui', f), 'utf8'))
    .join('\n');
  for (const tag of tags) expect(typeMap).toContain(`'${tag}': `);

  run(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  run(
    process.execPath,
    [join(modules, 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    app,
  );
  const assets = readdirSync(join(app, 'dist', 'assets'));
  // The worker bundled by the app's build, with the wasm and the package's data beside it.
  expect(assets).toContainEqual(expect.stringMatching(/^cnn-worker-[\w-]+\.js$/));
  expect(assets).toContainEqual(expect.stringMatching(/^cnn-[\w-]+\.wasm$/));
  expect(assets).toContainEqual(expect.stringMatching(/^pretrained-[\w-]+\.safetensors$/));
  expect(
    assets.filter((f) => /^train-images-\d+-idx3-ubyte-[\w-]+\.gz$/.test(f)).length,
  ).toBeGreaterThan(5);
});

test('in the built app the playground trains tiny and the digit pad reads a drawn 7', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const appUrl = await serve(['preview']);

  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(appUrl);

  // The pad alone, on the pretrained network that comes with the package.
  const pad = page.locator('cnn-digit-pad#pad');
  await drawStrokes(page, seven.strokes, pad);
  await expect(pad.getByTestId('pad-top')).toHaveAttribute('data-class', '7', { timeout: 60_000 });
  await expect(pad.getByTestId('pad-status')).toContainText('pretrained');
  await expect(page).toHaveTitle('drawn 784 (preset=tiny)');

  // The playground on its lesson: the tiny preset, MNIST from the app's own assets.
  const pg = page.locator('cnn-playground');
  await pg.scrollIntoViewIfNeeded();
  await expect(pg.getByTestId('total-params')).toHaveText('5,994', { timeout: 60_000 });
  await expect(pg.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await pg.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await pg.getByTestId('train').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(20);
  await pg.getByTestId('pause').click();
  await expect(pg.getByTestId('train-state')).toHaveText('Paused');

  // Both workers (the pad's and the playground's) are the app's bundled copy, served by the app.
  expect(workers.length).toBe(2);
  for (const w of workers)
    expect(w).toMatch(new RegExp(`^${appUrl}assets/cnn-worker-[\\w-]+\\.js$`));
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});

test('under the Vite dev server, with its dependency pre-bundling, the digit pad reads a drawn 7', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const appUrl = await serve([]);
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(appUrl);
  const pad = page.locator('cnn-digit-pad#pad');
  await drawStrokes(page, seven.strokes, pad);
  await expect(pad.getByTestId('pad-top')).toHaveAttribute('data-class', '7', { timeout: 60_000 });
  // The package was pre-bundled (node_modules/.vite/deps), its worker still served from the package.
  expect(existsSync(join(app, 'node_modules', '.vite', 'deps', `${NAME}.js`))).toBe(true);
  expect(workers[0]).toMatch(new RegExp(`^${appUrl}node_modules/${NAME}/dist/cnn-worker\\.js`));
  await expect(page.locator('cnn-playground').getByTestId('total-params')).toHaveText('5,994', {
    timeout: 60_000,
  });
  expect(failed).toEqual([]);
});
