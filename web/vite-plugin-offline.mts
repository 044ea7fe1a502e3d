// The playground's offline shell, made at the end of the site's build: the precache list (every
// file of the app shell with its SHA-256, and the build's version from them) and the service
// worker, written to build-web/sw.js as the list followed by web/src/offline/service-worker.ts.
// Not for the library's builds: only the playground's own page registers the service worker.
import { transformWithOxc, type Plugin } from 'vite';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * What the shell is, as paths in the build folder: the page, Vite's hashed chunks (the page's
 * code and styles, the worker, the single-threaded wasm), the threaded engine (copied to
 * wasm-mt/ when built), the pretrained model, the web app manifest and its icons. Not MNIST
 * (data/: the page caches the shards it fetched), nor /lib/ and /examples/ (added after this
 * build; other pages).
 */
const SHELL = [
  /^index\.html$/,
  /^assets\//,
  /^wasm-mt\//,
  /^models\/pretrained\.safetensors$/,
  /^manifest\.webmanifest$/,
  /^icons\/[^/]+\.png$/,
];

export interface PrecacheEntry {
  url: string;
  integrity: string;
}

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? walk(path, root)
      : [relative(root, path).split(sep).join('/')];
  });
}

/** The shell's files in `outDir` with their integrity, sorted; the page as './' (its URL). */
export function precacheList(outDir: string): { version: string; files: PrecacheEntry[] } {
  const files = walk(outDir)
    .filter((p) => SHELL.some((re) => re.test(p)))
    .sort()
    .map((p) => ({
      url: p === 'index.html' ? './' : p,
      integrity:
        'sha256-' +
        createHash('sha256')
          .update(readFileSync(join(outDir, p)))
          .digest('base64'),
    }));
  const version = createHash('sha256')
    .update(files.map((f) => `${f.url} ${f.integrity}\n`).join(''))
    .digest('hex')
    .slice(0, 16);
  return { version, files };
}

export function offlineShell(): Plugin {
  let outDir = '';
  return {
    name: 'cnn-offline-shell',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    // After the bundle and the public folder are written: the list covers what was really built.
    async closeBundle(error?: Error) {
      if (error || !existsSync(join(outDir, 'index.html'))) return;
      const src = new URL('./src/offline/service-worker.ts', import.meta.url);
      const { code } = await transformWithOxc(readFileSync(src, 'utf8'), src.pathname, {
        lang: 'ts',
      });
      const list = precacheList(outDir);
      // A classic script (module service workers are not everywhere yet): no export line.
      const body = code.replace(/^export\s*\{\s*\};?\s*$/m, '');
      writeFileSync(
        join(outDir, 'sw.js'),
        `// Made by web/vite-plugin-offline.mts from web/src/offline/service-worker.ts.\nconst PRECACHE = ${JSON.stringify(list)};\n${body}`,
      );
    },
  };
}
