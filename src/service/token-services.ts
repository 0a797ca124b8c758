/** Wires Notify Token Updated and card art by token: token records and handled requestIds in the persistent store, the NTU receiver, the demo tokens. */
import type { Logger } from 'pino';
import type { CacheStore } from '../cache/cache-types.ts';
import type { ProvisioningConfig } from '../config.ts';
import type { RunningSimulator } from '../simulator/simulator-server.ts';
import { createPayloadDecrypter, type DecryptionKeyMaterial } from '../upstream/payload-decrypter.ts';
import type { AssetPrewarmer } from './asset-prewarmer.ts';
import type { TokenDeps } from './create-app.ts';
import { seedDemoTokens } from './demo-tokens.ts';
import { createNtuReceiver } from './ntu-receiver.ts';
import type { DemoCard } from './routes/demo-routes.ts';
import { createHandledRequests, createTokenRecords } from './token-records.ts';

export async function createTokenServices(opts: {
  store: CacheStore;
  prewarmer: AssetPrewarmer;
  provisioning: ProvisioningConfig;
  /** MDES_DECRYPTION_KEY (with the certificate beside it), or the key pair made at start in embedded mode; none = receiver off (501). */
  decryptionKeys: readonly DecryptionKeyMaterial[];
  simulator: RunningSimulator | undefined;
  demoCards: DemoCard[];
  log: Logger;
}): Promise<TokenDeps> {
  const records = createTokenRecords({ store: opts.store });
  const ntuReceiver = opts.decryptionKeys.length > 0
    ? createNtuReceiver({
        decrypter: createPayloadDecrypter({ keys: opts.decryptionKeys }),
        records,
        handled: createHandledRequests({ store: opts.store }),
        prewarmer: opts.prewarmer,
        log: opts.log,
      })
    : undefined;
  let demo: TokenDeps['demo'];
  if (opts.simulator) {
    // A store that is down at start leaves the demo without tokens rather than stopping the service.
    const tokens = await seedDemoTokens(records, opts.demoCards).catch((error: unknown) => {
      opts.log.warn({ err: error }, 'could not record the demo tokens');
      return [];
    });
    demo = { tokens, cards: opts.demoCards, records, ntu: opts.simulator.ntu };
  }
  return {
    records,
    ntuReceiver,
    ntuResponseHost: opts.provisioning.ntuResponseHost,
    ...(opts.provisioning.ntuAllowedIps ? { ntuAllowedIps: opts.provisioning.ntuAllowedIps } : {}),
    ntuRateLimitPerSecond: opts.provisioning.ntuRateLimitPerSecond,
    ...(opts.provisioning.apiTokens ? { apiTokens: opts.provisioning.apiTokens } : {}),
    ...(demo ? { demo } : {}),
  };
}
