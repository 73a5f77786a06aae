/**
 * The stored incident report (store.reports). Owned by the incidents feature (dialogs/incidents/), which
 * defines the full shape; core only needs the fields its indexes read.
 */
export interface StoredReport {
  /** The reference people say on the phone, e.g. INC-2027-0042 (also the record key). */
  ref: string;
  reporter: { platform: 'slack' | 'teams'; id: string; name?: string };
  reportedAt: string;
  /** 'open' until closed. */
  status: string;
  closedAt?: string;
  [field: string]: unknown;
}
