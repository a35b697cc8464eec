import { describe, it, expect } from 'vitest';
import { prettyXml, classifyLines, authSteps, hexDump, base64Bytes, statusText } from './trace.ts';

const MSG = '<SyncML><SyncHdr><Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta><Data>abc=</Data></Cred></SyncHdr><SyncBody>'
  + '<Status><CmdID>1</CmdID><Cmd>SyncHdr</Cmd><Data>407</Data><Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta></Chal></Status>'
  + '<Status><CmdID>2</CmdID><Cmd>Get</Cmd><Data>200</Data></Status><Final/></SyncBody></SyncML>';

describe('trace', () => {
  it('lays out one-line XML one element per line, text kept with its element', () => {
    const p = prettyXml(MSG);
    const lines = p.split('\n');
    expect(lines[0]).toBe('<SyncML>');
    expect(lines).toContain('      <Data>abc=</Data>');
    expect(lines[lines.length - 1]).toBe('</SyncML>');
    expect(prettyXml(p)).toBe(p);
  });

  it('marks credentials and challenges as auth, status codes as ok or error', () => {
    const lines = classifyLines(prettyXml(MSG));
    const kind = (re: RegExp) => lines.filter((l) => re.test(l.text)).map((l) => l.kind);
    expect(kind(/abc=/)).toEqual(['auth']);
    expect(kind(/<Data>407</)).toEqual(['status-error']);
    expect(kind(/<Data>200</)).toEqual(['status-ok']);
    expect(kind(/<Chal>/)).toEqual(['auth']);
    expect(kind(/<Final\/>/)).toEqual(['plain']);
  });

  it('lists the authentication steps with the SyncHdr status reason', () => {
    const steps = authSteps(MSG);
    expect(steps.map((s) => s.kind)).toEqual(['credentials', 'header-status', 'challenge']);
    expect(steps[0].detail).toBe('credentials syncml:auth-md5');
    expect(steps[1]).toMatchObject({ status: 407, ok: false });
    expect(steps[1].detail).toMatch(/^SyncHdr status 407 /);
  });

  it('dumps bytes as hex with printable ASCII', () => {
    const dump = hexDump(base64Bytes(btoa('\x02\x00\x00\x6aHello, WBXML world!')));
    expect(dump.split('\n')[0]).toBe('00000000  02 00 00 6a 48 65 6c 6c 6f 2c 20 57 42 58 4d 4c  ...jHello, WBXML');
    expect(dump.split('\n')[1]).toMatch(/^00000010 {2}20 77 6f 72 6c 64 21\s+ world!$/);
    expect(hexDump(new Uint8Array(40), 16)).toMatch(/… 24 more bytes$/);
  });

  it('gives a status its recorded reason, or the standard one', () => {
    expect(statusText(404)).toMatch(/^404 \S/);
    expect(statusText(500, 'disk full')).toBe('500 disk full');
    expect(statusText(undefined)).toBe('no answer yet');
  });
});
