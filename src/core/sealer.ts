/**
 * Encryption at rest for report narratives, personal fields and queued messages. A Sealer turns text into
 * an opaque string and back. With no data key set, `plainSealer` stores text as it is (and start-up warns).
 * The AES-256-GCM implementation (key from the environment) is `aesSealer` (node:crypto).
 */
export interface Sealer {
  /** True when a data key is set and `seal` really encrypts. */
  readonly enabled: boolean;
  seal(plain: string): string;
  /** Reads what `seal` wrote (and, for a key change, what plainSealer wrote). Throws on tampering. */
  open(sealed: string): string;
}

export const plainSealer: Sealer = {
  enabled: false,
  seal: (plain) => plain,
  open: (sealed) => sealed,
};
