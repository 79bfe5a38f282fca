import { join } from 'node:path';

/**
 * Every path under the central server's data directory, from one place. Keys are files (mode
 * 0600, never logged); published and sealed PDFs are content-addressed files; the embedded
 * database (without DATABASE_URL) is a folder; `run.json` tells `booth-central` commands where a
 * running service's admin API is.
 */
export function centralPaths(dataDir: string) {
  const keys = join(dataDir, 'keys');
  return {
    dataDir,
    keys,
    caKey: join(keys, 'ca.key.pem'),
    caCert: join(keys, 'ca.cert.pem'),
    crl: join(keys, 'ca.crl.pem'),
    sessionKey: join(keys, 'session.key.pem'),
    escrowKey: join(keys, 'escrow.key.pem'),
    serverKey: join(keys, 'server.key.pem'),
    serverCert: join(keys, 'server.cert.pem'),
    clientKey: join(keys, 'client.key.pem'),
    clientCert: join(keys, 'client.cert.pem'),
    adminToken: join(keys, 'admin.token'),
    db: join(dataDir, 'db'),
    blobs: join(dataDir, 'blobs'),
    quarantine: join(dataDir, 'quarantine'),
    lock: join(dataDir, 'central.lock'),
    run: join(dataDir, 'run.json'),
  };
}

export type CentralPaths = ReturnType<typeof centralPaths>;
