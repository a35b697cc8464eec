/**
 * An HTTP server on a Unix socket file: how a proxy-mode VM reaches its
 * gateway. Socket files work across network namespaces, and one file per VM
 * binds the identity of whoever connects to the VM it was made for.
 */
import http from 'node:http';
import { chmod, rm } from 'node:fs/promises';

/** Listen on `path` (a stale file is replaced); resolves with a function that stops and removes it. */
export async function listenUnixHttp(path: string, handler: http.RequestListener): Promise<() => Promise<void>> {
  await rm(path, { force: true });
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => { server.off('error', reject); resolve(); });
  });
  await chmod(path, 0o600);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(path, { force: true });
  };
}
