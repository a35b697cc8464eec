// DDF rendering (facts §5.7): well-formed XML in the DM DDF 1.2 vocabulary,
// one Node per described node, placeholders as empty NodeNames.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXmlDocument, DEFAULT_LIMITS } from '../../src/syncml/index.js';
import type { RawElement } from '../../src/syncml/raw-element.js';
import {
  DDF_PUBLIC_ID, STANDARD_MOS, findMo, interior, leaf, renderDdfXml, type MoDescription, type NodeDescription,
} from '../../src/mo/index.js';

function all(el: RawElement): RawElement[] {
  return [el, ...(el.children ?? []).flatMap(all)];
}
const child = (el: RawElement, name: string): RawElement | undefined => el.children?.find((c) => c.name === name);
const count = (d: NodeDescription): number => 1 + (d.children ?? []).reduce((n, c) => n + count(c), 0);

describe('renderDdfXml', () => {
  for (const mo of Object.values(STANDARD_MOS)) {
    it(`renders ${mo.name} as a well-formed DDF document in the DM DDF vocabulary`, () => {
      const xml = renderDdfXml(mo);
      assert.ok(xml.includes(`<!DOCTYPE MgmtTree PUBLIC "${DDF_PUBLIC_ID}"`));
      const doc = decodeXmlDocument(xml, DEFAULT_LIMITS);
      assert.equal(doc.root.name, 'MgmtTree');
      assert.equal(doc.rootNamespace, 'syncml:dmddf1.2');
      const unknown = all(doc.root).filter((e) => e.id < 0).map((e) => e.name);
      assert.deepEqual(unknown, [], 'every element has a DM DDF token');
      const nodes = all(doc.root).filter((e) => e.name === 'Node');
      assert.equal(nodes.length, count(mo.root));
      const top = child(doc.root, 'Node')!;
      assert.equal(child(top, 'NodeName')!.text, mo.root.name);
      assert.equal(child(top, 'Path')!.text, '.');
      const dfType = child(child(top, 'DFProperties')!, 'DFType')!;
      if (mo.root.dfType) assert.equal(child(dfType, 'DDFName')!.text, mo.root.dfType);
      // the order DFProperties children must follow (DTD 1.2)
      const order = ['AccessType', 'DefaultValue', 'Description', 'DFFormat', 'Occurrence', 'Scope', 'DFTitle', 'DFType', 'CaseSense'];
      for (const p of all(doc.root).filter((e) => e.name === 'DFProperties')) {
        const names = p.children!.map((c) => c.name);
        assert.deepEqual(names, [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
        assert.ok(names.includes('AccessType') && names.includes('DFFormat') && names.includes('DFType'));
      }
    });
  }

  it('writes placeholders as empty NodeNames titled with the placeholder, and AccessType/Occurrence/Scope as elements', () => {
    const xml = renderDdfXml(STANDARD_MOS.DMAcc);
    assert.match(xml, /<NodeName\/>\n\s*<DFProperties>\n\s*<AccessType><Add\/><Delete\/><Get\/><Replace\/><\/AccessType>\n\s*<Description>One DM server account\.<\/Description>\n\s*<DFFormat><node\/><\/DFFormat>\n\s*<Occurrence><OneOrMore\/><\/Occurrence>\n\s*<Scope><Dynamic\/><\/Scope>\n\s*<DFTitle>&lt;x&gt;<\/DFTitle>\n\s*<DFType><DDFName>urn:oma:mo:oma-dm-dmacc:1\.0<\/DDFName><\/DFType>/);
    assert.match(xml, /<NodeName>AAuthData<\/NodeName>[\s\S]*?<DFFormat><bin\/><\/DFFormat>[\s\S]*?<MIME>application\/octet-stream<\/MIME>/);
    assert.match(xml, /<NodeName>AppID<\/NodeName>[\s\S]*?<DefaultValue>w7<\/DefaultValue>/);
  });

  it('renders ZeroOrN with its N, CaseSense, Man/Mod, escapes text, and omits Path for a placeholder root', () => {
    const mo: MoDescription = {
      id: 'urn:x:1.0', name: 'X', man: 'Acme & Co', mod: 'M<1>',
      root: interior('<x>', [leaf('L', { occurrence: 'ZeroOrN', maxOccurrence: 4, caseSense: 'CIS', description: 'a < b & c' })]),
    };
    const xml = renderDdfXml(mo, { prolog: false, indent: 0 });
    assert.ok(!xml.includes('<!DOCTYPE'));
    assert.match(xml, /<Man>Acme &amp; Co<\/Man>\n<Mod>M&lt;1&gt;<\/Mod>/);
    assert.match(xml, /<Occurrence><ZeroOrN>4<\/ZeroOrN><\/Occurrence>/);
    assert.match(xml, /<CaseSense><CIS\/><\/CaseSense>/);
    assert.match(xml, /<Description>a &lt; b &amp; c<\/Description>/);
    assert.ok(!xml.includes('<Path>'));
    const doc = decodeXmlDocument(xml, DEFAULT_LIMITS);
    assert.equal(child(child(doc.root, 'Node')!, 'NodeName')!.text, null);
  });

  it('writes a nested location’s parent as Path', () => {
    const mo: MoDescription = { id: 'urn:x:1.0', name: 'X', location: './Vendor/Acme/X', root: interior('X', []) };
    assert.match(renderDdfXml(mo), /<NodeName>X<\/NodeName>\n\s*<Path>\.\/Vendor\/Acme<\/Path>/);
  });
});

describe('registry', () => {
  it('finds MOs by name (any case) or identifier', () => {
    assert.equal(findMo('devinfo'), STANDARD_MOS.DevInfo);
    assert.equal(findMo('urn:oma:mo:oma-dm-dmacc:1.0'), STANDARD_MOS.DMAcc);
    assert.equal(findMo('nope'), undefined);
    assert.deepEqual(Object.keys(STANDARD_MOS), ['DevInfo', 'DevDetail', 'DMAcc', 'Inbox', 'Virt', 'GwConfig', 'GwDevInv', 'GwEDTrigger', 'GwFanout', 'GwImgInv']);
  });
});
