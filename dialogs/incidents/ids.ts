/**
 * The action, form and field ids of incident reports, defined once. Every id starts with `report.`, the
 * prefix the incidents feature owns. The entry points (Slack shortcuts, the Teams message action, the
 * "It's happening now" card) all send `report.start`.
 */
export const REPORT_PREFIX = 'report';

export const REPORT_ACTIONS = {
  /** Opens the report form. Value: '' or a link to a message (the Slack message shortcut), pre-filled as evidence. */
  start: 'report.start',
  /** The DPO alert's buttons; value: the report reference. */
  acknowledge: 'report.acknowledge',
  risk: 'report.risk',
  decision: 'report.decision',
  told: 'report.told',
  note: 'report.note',
  close: 'report.close',
  /** Opens the form to record when the school became aware (it moves the ICO deadline). */
  aware: 'report.aware',
} as const;

export const REPORT_FORMS = {
  report: 'report.form',
  risk: 'report.risk-form',
  decision: 'report.decision-form',
  told: 'report.told-form',
  note: 'report.note-form',
  aware: 'report.aware-form',
} as const;

/** The report form's fields (Slack block ids: at most 255 characters, short here). */
export const REPORT_FIELDS = {
  category: 'category',
  platform: 'platform',
  meeting: 'meeting',
  occurredAt: 'occurred',
  discoveredAt: 'noticed',
  narrative: 'what',
  subjects: 'whose',
  howMany: 'how_many',
  special: 'special',
  actionsTaken: 'done',
  evidence: 'evidence',
  othersTold: 'told',
} as const;

/** The DPO's forms' fields. */
export const TRIAGE_FIELDS = {
  risk: 'risk',
  consequences: 'consequences',
  decision: 'decision',
  icoRef: 'ico_ref',
  reason: 'reason',
  delayReason: 'delay_reason',
  toldAt: 'told_at',
  how: 'how',
  note: 'note',
  kind: 'kind',
  awareAt: 'aware_at',
  awareReason: 'aware_reason',
} as const;

/** store.runtime keys. */
export const RUNTIME_KEYS = {
  counter: (year: string) => `reports.counter.${year}`,
  submission: (key: string) => `reports.submission.${key}`,
} as const;

/** Timer and delivery kinds. */
export const INCIDENT_KINDS = {
  deadline: 'incident.deadline',
  alert: 'incident.alert',
  alertUpdate: 'incident.alert-update',
  /** The first alert once more, where a restart cut the first short and the platform cannot say if it arrived. */
  alertAgain: 'incident.alert-again',
  reminder: 'incident.reminder',
  /** An alert at a destination the settings no longer name, replaced by a note without the case's details. */
  alertMoved: 'incident.alert-moved',
  /** Timer: nobody answered the alert in time; payload { ref, level }. */
  escalate: 'incident.escalate',
  /** To the reporter: the report reached someone who can act, or cannot yet. */
  reporterUpdate: 'incident.reporter-update',
  /** To the officers: a DPO alert destination does not work, and what to do. */
  routeProblem: 'incident.route-problem',
} as const;
