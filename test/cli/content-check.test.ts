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
  expect(out).toMatch(/^content ok: 29 items, 29 measures covered, \d+ strings$/);
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

  test('marked unconfirmed, the same block still may not name a setting no quote contains', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      block(d, 'zoom').refs = [];
      block(d, 'zoom').unconfirmed = true;
    });
    const out = await check();
    expect(out).not.toContain('platforms.zoom.refs: "where" states a setting as fact');
    expect(out).toContain('en-GB/guidance/lock-meeting.yaml: lock-meeting: platforms.zoom.steps.1: names "Lock Meeting", which no quote of its references (none) contains');
  });

  test('marked unconfirmed, with what to look for in plain words, it passes', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      const z = block(d, 'zoom');
      z.refs = [];
      z.unconfirmed = true;
      z.where = 'In the meeting: the security menu, the option to lock the meeting';
      z.steps = ['When everyone is in, open the security menu in the toolbar and look for the option to lock the meeting.'];
    });
    expect((await run(['content', 'check', '--dir', dir])).code).toBe(0);
  });

  test('a block that says a control exists (support full or partial) cites a vendor page or is marked unconfirmed', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      const t = block(d, 'teams');
      t.refs = [];
      delete t.where;
      t.steps = ['When everyone has arrived, lock the meeting from the meeting controls.'];
    });
    expect(await check()).toContain('en-GB/guidance/lock-meeting.yaml: lock-meeting: platforms.teams.refs: support full says teams has a control for this, with no reference');
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

describe("every setting in the vendor's own words (issue 24)", () => {
  type Block = Record<string, unknown>;
  const block = (d: Record<string, unknown>, p: string) => (d.platforms as Record<string, Block>)[p]!;
  type Ref = Record<string, unknown>;
  const ref = (d: Record<string, unknown>, id: string) => (d.references as Ref[]).find((r) => r.id === id)!;
  const check = async () => {
    const { code, out } = await run(['content', 'check', '--dir', dir]);
    expect(code).toBe(1);
    return out;
  };

  test('a step naming a setting (in bold) that its quotes do not contain is reported, by field', async () => {
    edit('en-GB/guidance/waiting-room.yaml', (d) => {
      (block(d, 'teams').steps as string[])[1] = 'Set **Who can bypass the lobby?** to **Only me**.';
    });
    const out = await check();
    expect(out).toContain('en-GB/guidance/waiting-room.yaml: waiting-room: platforms.teams.steps.1: names "Only me", which no quote of its references (T14, T1, T5) contains');
    expect(out).not.toContain('names "Who can bypass the lobby?"');
  });

  test('a name in double quotes counts too, and so do where, the alternative and the help', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      const t = block(d, 'teams');
      t.where = '**Controls** → **Lock the call**';
      t.ifNotFound = 'Look for "Padlock" in the toolbar.';
    });
    const out = await check();
    expect(out).toContain('lock-meeting: platforms.teams.where: names "Lock the call"');
    expect(out).toContain('lock-meeting: platforms.teams.ifNotFound: names "Padlock"');
  });

  test("a setting's old name is caught by the quotes: \"Require passcode for phone joiners\"", async () => {
    edit('en-GB/guidance/meeting-passcode.yaml', (d) => {
      (block(d, 'zoom').steps as string[])[3] = 'Ask IT to turn on **Require passcode for phone joiners**.';
    });
    expect(await check()).toContain('meeting-passcode: platforms.zoom.steps.3: names "Require passcode for phone joiners", which no quote of its references (Z17, Z18) contains');
  });

  test('an icon in bold (…, ⋮, ^) is not a name a page could quote', async () => {
    edit('en-GB/guidance/lock-meeting.yaml', (d) => {
      (block(d, 'teams').steps as string[]).push('If you cannot see it, look under **…** or **⋮**.');
    });
    expect((await run(['content', 'check', '--dir', dir])).code).toBe(0);
  });

  test("a page that is not on the vendor's own site is reported, whatever it says", async () => {
    edit('sources.yaml', (d) => {
      ref(d, 'Z2').url = 'https://zoom.byu.edu/enable-and-disable-screen-share-and-annotation-for-participants';
      ref(d, 'T4').url = 'https://support.microsoft.com.example.net/lock-a-meeting';
      ref(d, 'G10').url = 'https://google-support.mirrorblogs.com/meet/answer/9303164';
    });
    const out = await check();
    expect(out).toContain("sources.yaml: Z2: url: zoom.byu.edu is not zoom's own site (zoom.com, zoom.us)");
    expect(out).toContain("sources.yaml: T4: url: support.microsoft.com.example.net is not teams's own site");
    expect(out).toContain("sources.yaml: G10: url: google-support.mirrorblogs.com is not meet's own site");
  });

  test('a reference with no address, no date read or no quote, or a long quote, is reported', async () => {
    edit('sources.yaml', (d) => {
      delete ref(d, 'Z1').url;
      delete ref(d, 'Z2').read;
      ref(d, 'T4').quotes = [];
      ref(d, 'T8').url = 'http://support.microsoft.com/en-us/office/manage-attendee-audio';
      (ref(d, 'G7').quotes as string[])[0] = 'x'.repeat(401);
    });
    const out = await check();
    const at = (id: string) => (d: unknown) => (d as { references: Ref[] }).references.findIndex((r) => r.id === id);
    const sources = parse(readFileSync(join(dir, 'sources.yaml'), 'utf8')) as unknown;
    expect(out).toMatch(new RegExp(`sources\\.yaml: references\\.${at('Z1')(sources)}\\.url: `));
    expect(out).toMatch(new RegExp(`sources\\.yaml: references\\.${at('Z2')(sources)}\\.read: `));
    expect(out).toMatch(new RegExp(`sources\\.yaml: references\\.${at('T4')(sources)}\\.quotes: `));
    expect(out).toContain(`sources.yaml: references.${at('T8')(sources)}.url: must be the https address of the vendor page`);
    expect(out).toContain(`sources.yaml: references.${at('G7')(sources)}.quotes.0: must be a short quote (at most 400 characters)`);
  });

  test('a third-party flag is no longer accepted: a third-party page is never a source', async () => {
    edit('sources.yaml', (d) => void (ref(d, 'Z1').thirdParty = true));
    expect(await check()).toMatch(/sources\.yaml: references\.\d+: Unrecognized key: "thirdParty"/);
  });
});

describe("the source documents' one name each (strings/sources.yaml)", () => {
  const names = (text: string) => writeFileSync(join(dir, 'en-GB/strings/sources.yaml'), text);

  test('a name for every document, and no other, passes', async () => {
    names('PCPD: "Guidance on securing video meetings, published in 2020 by Hong Kong\'s data protection regulator"\nDPIA: "Data protection impact assessment (DPIA) of Zoom, made in 2020 by a multi-academy trust"\n');
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
