// The built site (build-web/) served by vite preview on 127.0.0.1, cross-origin isolated as the
// deployed site is, for the scripts that drive the page (page-bench, soak). On a free port unless
// one is given, since e2e servers use fixed ports on this machine. The server stops when the
// process exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Starts the preview server and resolves to the site's base URL once it answers. */
export async function serveSite(root, port = 0) {
  if (!fs.existsSync(path.join(root, 'build-web', 'index.html')))
    throw new Error('build-web/ is missing: run tools/build.sh web');
  const p = port || (await freePort());
  const base = `http://127.0.0.1:${p}/`;
  const server = spawn(
    'npx',
    ['vite', 'preview', 'web', '--host', '127.0.0.1', '--port', String(p), '--strictPort'],
    { cwd: root, stdio: 'ignore', detached: true },
  );
  process.on('exit', () => {
    try {
      process.kill(-server.pid);
    } catch {}
  });
  server.unref();
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) return base;
    } catch {}
    if (i > 100) throw new Error('the preview server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}
