/** Small network helpers for starting local servers on free loopback ports. */
import net from 'node:net';

/** Asks the OS for a free TCP port on the given loopback host. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a free port'));
      });
    });
  });
}

/**
 * Starts a server on ports picked by {@link freePort}, again (up to `attempts` times in all) when the start fails
 * and `retryable` says the failure may be a port taken between picking and binding.
 */
export async function startOnFreePorts<T>(
  attempts: number,
  start: () => Promise<T>,
  retryable: (err: unknown) => boolean = () => true,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
    }
  }
}
