/**
 * `dmvisor server --config FILE` as a real child process (from dist/), for
 * tests and runs that kill and restart server nodes; resolves once it says
 * where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export function startServerProcess(configFile: string, timeoutMs = 30_000): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), 'server', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DMVISOR_API_TOKEN: '' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), timeoutMs);
    const on = (c: Buffer) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve({ child, url: m[1]! }); }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`server exited ${code}: ${out}`)); });
  });
}
