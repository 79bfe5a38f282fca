import type { SecureContextOptions } from 'node:tls';

/**
 * The TLS every booth and central server listener offers: TLS 1.2 with forward-secret AEAD
 * suites only (ECDHE with AES-GCM or ChaCha20-Poly1305), and TLS 1.3 (all of whose suites are
 * AEAD). Node's default list still allows the CBC-SHA1 suites of TLS 1.2 (AES128-SHA and kin),
 * which a hall's security scan flags. Both ends are ours, so nothing older is needed.
 */
export const TLS12_AEAD_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

export const TLS_SERVER_POLICY: Readonly<Pick<SecureContextOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'>> =
  Object.freeze({
    minVersion: 'TLSv1.2',
    ciphers: [...TLS13_CIPHERS, ...TLS12_AEAD_CIPHERS].join(':'),
    honorCipherOrder: true,
  });
