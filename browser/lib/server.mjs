// Starts a throw-away `zhicheng serve` for one test file: fresh temp dir, SQLite, free ports,
// captcha off. Also runs the `zhicheng admin create` CLI against the same data dir.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN =
  process.env.ZHICHENG_BIN ||
  (process.env.CARGO_TARGET_DIR
    ? path.join(process.env.CARGO_TARGET_DIR, 'debug', 'zhicheng')
    : '/root/.cache/zhicheng-target/debug/zhicheng');

/** A port the kernel says is free right now (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server and waits for /healthz. Returns
 * { front, back, dir, env, logs(), runCli(args, stdin), stop() }.
 */
export async function startServer({ timeoutMs = 60_000 } = {}) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`zhicheng binary not found at ${BIN}; build it (cargo build) or set ZHICHENG_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhicheng-browser-'));
  const frontPort = await freePort();
  let backPort = await freePort();
  while (backPort === frontPort) backPort = await freePort();

  const env = { ...process.env };
  // Always SQLite in the temp dir: drop anything inherited that would point elsewhere.
  delete env.ZHICHENG_DATABASE_URL;
  delete env.ZHICHENG_CONFIG;
  delete env.ZHICHENG_BACK_TLS_LISTEN;
  delete env.ZHICHENG_ENV;
  Object.assign(env, {
    ZHICHENG_DATA_DIR: path.join(dir, 'data'),
    ZHICHENG_FRONT_LISTEN: `127.0.0.1:${frontPort}`,
    ZHICHENG_BACK_LISTEN: `127.0.0.1:${backPort}`,
    ZHICHENG_CAPTCHA: 'off',
  });

  let output = '';
  const child = spawn(BIN, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  // If the test process dies without running its after hook, don't leave the server behind.
  const killOnExit = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  const front = `http://127.0.0.1:${frontPort}`;
  const back = `http://127.0.0.1:${backPort}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`zhicheng serve exited early (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${front}/healthz`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zhicheng serve not healthy after ${timeoutMs} ms:\n${output}`);
    }
    await sleep(250);
  }

  return {
    front,
    back,
    dir,
    env,
    logs: () => output,
    /** Runs the binary with the server's env and cwd; throws on a non-zero exit. */
    runCli(args, input) {
      const r = spawnSync(BIN, args, { cwd: dir, env, input: input ?? '', encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) {
        throw new Error(`zhicheng ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
      }
      return r.stdout + r.stderr;
    },
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await done;
        clearTimeout(t);
      }
      process.removeListener('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a back-office user through the CLI (`admin create ... --password-stdin`). */
export function createAdmin(server, { username = 'sysadmin', bureau = '山东省', password, role } = {}) {
  const args = ['admin', 'create', '--username', username, '--bureau', bureau];
  if (role) args.push('--role', role);
  args.push('--password-stdin');
  return server.runCli(args, password);
}
