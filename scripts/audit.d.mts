/** Types for scripts/audit.mjs (the lockfile check, also used by test/security/audit.test.ts). */
export interface LockfileCheck {
  count: number;
  problems: string[];
  scripts: string[];
}
export function lockfileCheck(lock: { packages?: Record<string, Record<string, unknown>> }): LockfileCheck;
