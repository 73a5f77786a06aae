/**
 * The data keys for a CLI command, read as the server reads them: SAFECALL_DATA_KEY seals (and opens), each
 * of SAFECALL_DATA_KEYS_OLD (comma-separated) still opens. Throws SealError naming the variable at fault.
 */
import { sealerFromKeys, type Sealer } from '../core/sealer.js';

export const sealerFromEnv = (env: NodeJS.ProcessEnv = process.env): Sealer => sealerFromKeys(env.SAFECALL_DATA_KEY, env.SAFECALL_DATA_KEYS_OLD);
