/** `safecall content check`: ok on the project's content; every problem, by file, item and field, on broken content. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { CONTENT_DIR } from '../../src/content/load.js';

const run = async (argv: string[]) => {
  const r = await runCli(argv);
  return { code: r.code, out: r.all };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-content-'));
  cpSync(CONTENT_DIR, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const edit = (file: string, change: (data: Record<string, unknown>) => void) => {
  const path = join(dir, file);
  const data = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(data);
  writeFileSync(path, stringify(data));
};

test('the project content is ok', async () => {
  const { code, out } = await run(['content', 'check']);
  expect(code).toBe(0);
  expect(out).toMatch(/^content ok: 26 items, 26 measures covered, \d+ strings$/);
});

test('a copy passed with --dir is checked', async () => {
  expect((await run(['content', 'check', '--dir', dir])).code).toBe(0);
});

test('a broken guidance item is reported by file, item and field, and exits 1', async () => {
  edit('en-GB/guidance/waiting-room.yaml', (d) => {
    delete d.why;
    (d.platforms as Record<string, Record<string, unknown>>).zoom!.support = 'sometimes';
  });
  const { code, out } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(1);
  expect(out).toContain('en-GB/guidance/waiting-room.yaml: waiting-room: why:');
  expect(out).toContain('en-GB/guidance/waiting-room.yaml: waiting-room: platforms.zoom.support:');
});

test('a broken search vocabulary is reported by field', async () => {
  edit('en-GB/search.yaml', (d) => {
    (d.intents as { emergency: { now: string[] } }).emergency.now[0] = '(unclosed';
    d.colour = 'blue';
  });
  const { code, out } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(1);
  expect(out).toContain('en-GB/search.yaml: intents.emergency.now.0: is not a valid regular expression');
  expect(out).toMatch(/en-GB\/search\.yaml: \(top level\): .*colour/);
});

test('a missing search vocabulary is reported', async () => {
  rmSync(join(dir, 'en-GB/search.yaml'));
  const { code, out } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(1);
  expect(out).toContain('en-GB/search.yaml: missing');
});

test('an unknown option is an error', async () => {
  expect((await run(['content', 'check', '--nope'])).code).toBe(2);
});

test('a broken commands file is reported by file and field', async () => {
  edit('en-GB/commands.yaml', (d) => {
    d.help = [];
    d.nonsense = ['x'];
  });
  const { code, out } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(1);
  expect(out).toMatch(/en-GB\/commands\.yaml: help: /);
  expect(out).toMatch(/en-GB\/commands\.yaml: \(top level\): Unrecognized key: "nonsense"/);
});

test('a file that is not YAML is reported with its line and column', async () => {
  writeFileSync(join(dir, 'en-GB/guidance/waiting-room.yaml'), 'id: waiting-room\ntitle: [unclosed\n');
  const { code, out } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(1);
  expect(out).toMatch(/en-GB\/guidance\/waiting-room\.yaml: not valid YAML: .*at line \d+, column \d+/);
});

test('values are read by the YAML 1.2 core schema: a date stays text, yes/no stay words', async () => {
  edit('en-GB/guidance/waiting-room.yaml', (d) => {
    d.title = 'yes';
  });
  // `reviewed: 2026-01-01` unquoted must stay a string (the schema wants a date string, not a Date).
  const path = join(dir, 'en-GB/guidance/waiting-room.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/reviewed: ['"]?(\d{4}-\d{2}-\d{2})['"]?/, 'reviewed: $1'));
  const { code } = await run(['content', 'check', '--dir', dir]);
  expect(code).toBe(0);
});

describe('the cross-checks on guidance words and references', () => {
  type Block = Record<string, unknown>;
  const block = (d: Record<string, unknown>, p: string) => (d.platforms as Record<string, Block>)[p]!;
  const check = async () => {
    const { code, out } = await run(['content', 'check', '--dir', dir]);
    expect(code).toBe(1);
    return out;
  };

  test("a Zoom reference under a Teams step is reported", async () => {
    edit('en-GB/guidance/waiting-room.yaml', (d) => void (block(d, 'teams').refs = ['Z1']));
    expect(await check()).toContain('en-GB/guidance/waiting-room.yaml: waiting-room: platforms.teams.refs.0: "Z1" is a zoom reference');
  });

  test('a setting stated as fact with no reference, and not marked unconfirmed, is reported', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => void (block(d, 'zoom').refs = []));
    expect(await check()).toContain('en-GB/guidance/lock-meeting.yaml: lock-meeting: platforms.zoom.refs: "where" states a setting as fact with no reference');
  });

  test('the same block marked unconfirmed passes', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      block(d, 'zoom').refs = [];
      block(d, 'zoom').unconfirmed = true;
    });
    expect((await run(['content', 'check', '--dir', dir])).code).toBe(0);
  });

  test('DPO and DPIA not spelled out at their first use are reported, per field', async () => {
    edit('en-GB/guidance/breach-procedure.yaml', (d) => {
      block(d, 'zoom').ifNotFound = 'Ask your DPO.';
      d.why = 'The data protection impact assessment (DPIA) says so; the DPIA is reviewed.';
      block(d, 'teams').alternative = 'Read the DPIA, then tell the data protection officer (DPO).';
    });
    const out = await check();
    expect(out).toContain('breach-procedure: platforms.zoom.ifNotFound: "DPO" is not spelled out at its first use');
    expect(out).toContain('breach-procedure: platforms.teams.alternative: "DPIA" is not spelled out at its first use');
    expect(out).not.toContain('breach-procedure: why:');
    expect(out).not.toContain('platforms.teams.alternative: "DPO"');
  });

  test('another name for a source document, and "your school\'s", are reported', async () => {
    edit('en-GB/guidance/secure-network.yaml', (d) => {
      d.why = 'The PCPD says so.';
      block(d, 'meet').ifNotFound = "Ask your school's IT team.";
    });
    const out = await check();
    expect(out).toContain('secure-network: why: calls a source "PCPD"; use its one name (strings sources.PCPD)');
    expect(out).toContain(`secure-network: platforms.meet.ifNotFound: says "your school's"`);
  });

  test("an admin's setting with no where, recurring-class steps on an item a recurring class doesn't get, and an unknown setBy are reported", async () => {
    edit('en-GB/guidance/secure-network.yaml', (d) => void (block(d, 'zoom').setBy = 'admin'));
    edit('en-GB/guidance/disable-private-chat.yaml', (d) => {
      d.callKinds = ['lesson'];
      block(d, 'zoom').recurringSteps = ['Turn it off.'];
    });
    edit('en-GB/guidance/lock-meeting.yaml', (d) => void (block(d, 'zoom').setBy = 'it'));
    const out = await check();
    expect(out).toContain("secure-network: platforms.zoom.where: an admin's setting needs \"where\"");
    expect(out).toContain('disable-private-chat: platforms.zoom.recurringSteps: the item is not for recurring classes');
    expect(out).toContain('lock-meeting: platforms.zoom.setBy:');
  });
});

describe("the source documents' one name each (strings/sources.yaml)", () => {
  const names = (text: string) => writeFileSync(join(dir, 'en-GB/strings/sources.yaml'), text);

  test('a name for every document, and no other, passes', async () => {
    names('PCPD: "the Hong Kong privacy regulator\'s guidelines"\nDPIA: "a school trust\'s data protection impact assessment (DPIA)"\n');
    expect((await run(['content', 'check', '--dir', dir])).code).toBe(0);
  });

  test('a missing name, a name for an unknown document and a name that is one of the other names are reported', async () => {
    names('PCPD: "the PCPD"\nNOPE: "something"\n');
    const { code, out } = await run(['content', 'check', '--dir', dir]);
    expect(code).toBe(1);
    expect(out).toContain('en-GB/strings/sources.yaml: DPIA: missing');
    expect(out).toContain('en-GB/strings/sources.yaml: NOPE: no such document');
    expect(out).toContain('en-GB/strings/sources.yaml: PCPD: uses "PCPD"');
  });
});
