// Tree exchange (facts §5.6): ?list=Struct / StructData / TNDS out, Add and
// Replace with a TNDS payload in — also through the XML and WBXML codecs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml, type EmbeddedDocument, type SyncMLMessage } from '../../src/syncml/index.js';
import { encodeEmbeddedWbxml } from '../../src/syncml/wbxml-encoder.js';
import { DmTree, TNDS_XML_TYPE, parseTndsSelection } from '../../src/tree/index.js';
import { fixtureText, ok, rejects, sampleTree, stateOf } from './helpers.js';

/** The account of fixtures 27/28, built node by node. */
function fixture28Tree(): DmTree {
  const tree = new DmTree();
  tree.createNode('./DMAcc', { format: 'node' });
  tree.createNode('./DMAcc/dmsrv', { format: 'node', type: 'urn:oma:mo:oma-dm-dmacc:1.0', acl: 'Get=dmsrv.example&Replace=dmsrv.example&Delete=dmsrv.example' });
  tree.createNode('./DMAcc/dmsrv/ServerID', { value: 'dmsrv.example' });
  tree.createNode('./DMAcc/dmsrv/Name', { value: 'Northwind <Prod> DM' });
  tree.createNode('./DMAcc/dmsrv/AppAddr', { format: 'node' });
  tree.createNode('./DMAcc/dmsrv/AppAddr/srv1', { format: 'node' });
  tree.createNode('./DMAcc/dmsrv/AppAddr/srv1/Addr', { value: 'https://dm.example.com/oma-dm' });
  tree.createNode('./DMAcc/dmsrv/AppAddr/srv1/AddrType', { value: 'URI' });
  tree.createNode('./DMAcc/dmsrv/AAuthPref', { value: 'DIGEST' });
  return tree;
}

function message(commands: SyncMLMessage['body']['commands']): SyncMLMessage {
  return {
    version: '1.2',
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '9C3', msgID: '2', target: { locURI: 'https://dm.example.com/oma-dm' }, source: { locURI: 'IMEI:357924080021735' } },
    body: { commands, final: true },
  };
}

describe('?list=Struct and StructData', () => {
  it('lists the subtree in pre-order with Format/Type, and leaf data for StructData', () => {
    const { tree } = sampleTree();
    const struct = tree.get('./Vendor/App?list=Struct', 'srv1');
    assert.deepEqual(struct.items, [
      { source: { locURI: './Vendor/App' }, meta: { format: 'node' } },
      { source: { locURI: './Vendor/App/Name' }, meta: { format: 'chr', type: 'text/plain' } },
      { source: { locURI: './Vendor/App/Count' }, meta: { format: 'int', type: 'text/plain' } },
      { source: { locURI: './Vendor/App/Blob' }, meta: { format: 'bin', type: 'application/octet-stream' } },
    ]);
    const data = tree.get('Vendor/App?list=StructData', 'srv1');
    assert.deepEqual(data.items!.map((i) => i.data), [undefined, 'demo', '3', new Uint8Array([1, 2, 3])]);
  });

  it('keeps only nodes the server may Get, still descending below a refused node', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/Locked/Secret', 'Get=srv1');
    const uris = tree.get('./Vendor?list=Struct', 'srv1').items!.map((i) => i.source!.locURI);
    assert.deepEqual(uris, ['./Vendor', './Vendor/App', './Vendor/App/Name', './Vendor/App/Count', './Vendor/App/Blob', './Vendor/Locked/Secret']);
    assert.equal(tree.get('./Vendor/Locked?list=Struct', 'srv1').status, 425);
  });

  it('lists from the root with canonical URIs', () => {
    const tree = new DmTree();
    tree.createNode('./a b', { format: 'node' });
    assert.deepEqual(tree.get('.?list=Struct', 'x').items!.map((i) => i.source!.locURI), ['.', './a%20b']);
  });

  it('answers 406 for an unsupported ?list= attribute', () => {
    const { tree } = sampleTree();
    for (const a of ['Foo', 'TNDS+Color', 'TNDS+ACL-Format', 'tnds', 'TNDS+']) {
      assert.equal(tree.get(`./Vendor?list=${a}`, 'srv1').status, 406, a);
    }
  });
});

describe('TNDS out', () => {
  it('parses selections: all, only (+), all but (-)', () => {
    assert.deepEqual([...(parseTndsSelection('TNDS') as Set<string>)], ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo', 'Value']);
    assert.deepEqual([...(parseTndsSelection('TNDS+Value+ACL') as Set<string>)], ['Value', 'ACL']);
    assert.deepEqual([...(parseTndsSelection('TNDS-ACL-Size-TStamp-VerNo-Name-Title') as Set<string>)], ['Format', 'Type', 'Value']);
    assert.equal(parseTndsSelection('Struct'), undefined);
    assert.match(parseTndsSelection('TNDS+ACL-Value') as string, /cannot mix/);
  });

  it('reproduces fixture 28 exactly from the same tree', () => {
    const expected = decodeXml(fixtureText('dm-corpus', '28-results-tnds.xml'));
    const results = expected.body.commands.find((c) => c.kind === 'Results')!;
    assert.equal(results.kind, 'Results');
    const uri = './DMAcc/dmsrv?list=TNDS+ACL+Format+Type+Value';
    const out = fixture28Tree().get(uri, 'dmsrv.example');
    assert.equal(out.status, 200);
    assert.deepEqual(out.items![0].meta, { format: 'xml', type: TNDS_XML_TYPE });
    assert.deepEqual(out.items![0].source, { locURI: uri });
    assert.deepEqual(out.items![0].data, results.kind === 'Results' ? results.items[0].data : undefined);
  });

  it('writes the other properties, base64 for binary values, and leaves unreadable nodes out', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/App/Name', 'Get=srv2');
    tree.setValue('./Vendor/App/Count', '4');
    const doc = tree.get('./Vendor/App?list=TNDS', 'srv1').items![0].data as EmbeddedDocument;
    const xml = encodeXml(message([{ kind: 'Results', cmdID: '1', cmdRef: '1', items: [{ meta: { type: TNDS_XML_TYPE }, data: doc }] }]));
    assert.match(xml, /<NodeName>App<\/NodeName><Path>\.\/Vendor<\/Path>/);
    assert.doesNotMatch(xml, /<NodeName>Name<\/NodeName>/);
    assert.match(xml, /<NodeName>Count<\/NodeName><RTProperties><Format><int\/><\/Format><Name>Count<\/Name><Size>1<\/Size><TStamp>20240311T081502Z<\/TStamp><Type><MIME>text\/plain<\/MIME><\/Type><VerNo>1<\/VerNo><\/RTProperties><Value>4<\/Value>/);
    assert.match(xml, /<NodeName>Blob<\/NodeName>.*<Value>AQID<\/Value>/);
  });

  it('makes the root’s children the top nodes, with Path .', () => {
    const { tree } = sampleTree();
    const doc = tree.get('.?list=TNDS+Value', 'srv2').items![0].data as EmbeddedDocument;
    const top = doc.root.children.filter((c) => typeof c !== 'string' && c.name === 'Node');
    assert.equal(top.length, 1);
    assert.deepEqual((top[0] as { children: unknown[] }).children.slice(0, 2), [{ name: 'NodeName', children: ['Vendor'] }, { name: 'Path', children: ['.'] }]);
  });

  it('round-trips through XML and WBXML Results and back into another tree', () => {
    const source = fixture28Tree();
    const out = source.get('./DMAcc/dmsrv?list=TNDS+ACL+Format+Type+Value', 'dmsrv.example');
    const msg = message([{ kind: 'Results', cmdID: '3', msgRef: '1', cmdRef: '4', meta: out.items![0].meta, items: [{ source: out.items![0].source, data: out.items![0].data }] }]);
    for (const [enc, decoded] of [['xml', decodeXml(encodeXml(msg))], ['wbxml', decodeWbxml(encodeWbxml(msg))]] as const) {
      const r = decoded.body.commands[0];
      assert.equal(r.kind, 'Results');
      if (r.kind !== 'Results') continue;
      assert.deepEqual(r.items[0].data, out.items![0].data, enc);
      assert.equal(r.meta?.type, enc === 'xml' ? 'application/vnd.syncml.dmtnds+xml' : 'application/vnd.syncml.dmtnds+wbxml');
      const target = new DmTree();
      target.createNode('./DMAcc', { format: 'node' });
      ok(() => target.add('./DMAcc', { meta: r.meta, data: r.items[0].data }, 'dmsrv.example'));
      assert.equal(target.get('./DMAcc/dmsrv?list=TNDS+ACL+Format+Type+Value', 'dmsrv.example').items![0].data !== undefined, true);
      assert.deepEqual(
        target.get('./DMAcc/dmsrv?list=TNDS+ACL+Format+Type+Value', 'dmsrv.example').items![0].data,
        out.items![0].data, `${enc}: the imported subtree exports the same document`,
      );
    }
  });
});

describe('TNDS in', () => {
  const vmsTree = (): DmTree => {
    const tree = new DmTree();
    tree.ensureInterior('./Vendor/Northwind/VMs');
    return tree;
  };

  it('applies fixture 29 (Add of a subtree, Path = Target)', () => {
    const add = decodeXml(fixtureText('dm-corpus', '29-add-tnds-subtree.xml')).body.commands.find((c) => c.kind === 'Add')!;
    assert.equal(add.kind, 'Add');
    if (add.kind !== 'Add') return;
    const tree = vmsTree();
    ok(() => tree.add(add.items[0].target!.locURI, { meta: add.meta, data: add.items[0].data }, 'dmsrv.example'));
    assert.deepEqual(tree.childNames('./Vendor/Northwind/VMs/db02'), ['Name', 'VCpu', 'Autostart']);
    assert.equal(tree.readValue('./Vendor/Northwind/VMs/db02/VCpu'), '16');
    assert.equal(tree.info('./Vendor/Northwind/VMs/db02/Autostart').format, 'bool');
    assert.equal(tree.info('./Vendor/Northwind/VMs/db02').type, 'urn:oma:mo:ext-northwind-vm:1.0');
    // the creator fallback applies to the new interior node
    assert.equal(tree.info('./Vendor/Northwind/VMs/db02').acl, 'Add=dmsrv.example&Delete=dmsrv.example&Get=*&Replace=dmsrv.example');
  });

  const doc = (body: string): string => `<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>${body}</MgmtTree>`;
  const leaf = (name: string, value: string, format = 'chr'): string =>
    `<Node><NodeName>${name}</NodeName><RTProperties><Format><${format}/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>${value}</Value></Node>`;

  it('takes TNDS as escaped XML text, as raw WBXML bytes, with relative or absent Path', () => {
    const tree = vmsTree();
    const text = doc(`<Node><NodeName>a</NodeName><Path>Northwind</Path>${leaf('x', '1', 'int')}</Node>`);
    ok(() => tree.add('./Vendor', { meta: { type: 'application/vnd.syncml.dmtnds+xml', format: 'xml' }, data: text }, 's'));
    assert.equal(tree.readValue('./Vendor/Northwind/a/x'), '1');
    const asDoc = decodeXml(`<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr><SyncBody><Add><CmdID>1</CmdID><Meta><Type xmlns="syncml:metinf">application/vnd.syncml.dmtnds+xml</Type></Meta><Item><Data>${doc(`<Node><NodeName>b</NodeName>${leaf('y', 'two')}</Node>`)}</Data></Item></Add></SyncBody></SyncML>`);
    const add = asDoc.body.commands[0];
    if (add.kind !== 'Add') throw new Error('not an Add');
    const bytes = encodeEmbeddedWbxml(add.items[0].data as EmbeddedDocument);
    ok(() => tree.add('./Vendor/Northwind', { meta: { type: 'application/vnd.syncml.dmtnds+wbxml' }, data: bytes }, 's'));
    assert.equal(tree.readValue('./Vendor/Northwind/b/y'), 'two');
  });

  it('merges into existing interior nodes and creates missing ancestors', () => {
    const tree = vmsTree();
    const text = doc(`<Node><NodeName>Northwind</NodeName><Path>./Vendor</Path><Node><NodeName>VMs</NodeName><Node><NodeName>new</NodeName>${leaf('k', 'v')}</Node></Node></Node>`
      + `<Node><NodeName>z</NodeName><Path>./Brand/New</Path></Node>`);
    ok(() => tree.add('.', { meta: { type: TNDS_XML_TYPE }, data: text }, 's'));
    assert.equal(tree.readValue('./Vendor/Northwind/VMs/new/k'), 'v');
    assert.equal(tree.info('./Brand/New/z').interior, true);
  });

  it('changes nothing when any node fails, and names that node', () => {
    const tree = vmsTree();
    tree.createNode('./Vendor/Northwind/VMs/web01', { format: 'node' });
    tree.createNode('./Vendor/Northwind/VMs/web01/Name', { value: 'web01' });
    tree.createNode('./Vendor/Northwind/VMs/ro', { format: 'node', acl: 'Get=*' });
    const add = (body: string, status: number): string | undefined =>
      rejects(tree, status, () => tree.add('./Vendor/Northwind/VMs', { meta: { type: TNDS_XML_TYPE }, data: doc(body) }, 's')).failedUri;
    assert.equal(add(`<Node><NodeName>ok1</NodeName>${leaf('a', '1')}</Node><Node><NodeName>web01</NodeName>${leaf('Name', 'dup')}</Node>`, 418), './Vendor/Northwind/VMs/web01/Name');
    assert.equal(add(`<Node><NodeName>ok2</NodeName>${leaf('n', 'NaN', 'int')}</Node>`, 415), './Vendor/Northwind/VMs/ok2/n');
    assert.equal(add(`<Node><NodeName>ro</NodeName>${leaf('x', '1')}</Node>`, 425), './Vendor/Northwind/VMs/ro/x');
    add(`<Node><NodeName>m</NodeName><Path>./Vendor/Northwind/VMs/web01/Name</Path></Node>`, 405);
    add('<Node><Path>.</Path></Node>', 400);
    add(`<Node><NodeName>v</NodeName><RTProperties><Format><chr/></Format><ACL>Get=</ACL></RTProperties><Value>1</Value></Node>`, 400);
    rejects(tree, 415, () => tree.add('./Vendor', { meta: { type: TNDS_XML_TYPE }, data: { kind: 'devinf', root: { name: 'DevInf', children: [] } } }, 's'));
    rejects(tree, 400, () => tree.add('./Vendor', { meta: { type: TNDS_XML_TYPE }, data: '<notxml' }, 's'));
    rejects(tree, 400, () => tree.add('./Vendor', { meta: { type: TNDS_XML_TYPE }, data: new Uint8Array([1, 2, 3]) }, 's'));
    rejects(tree, 400, () => tree.add('./Vendor', { meta: { type: TNDS_XML_TYPE } }, 's'));
  });

  it('Replace with TNDS makes the subtree match the document', () => {
    const tree = vmsTree();
    tree.setAcl('./Vendor', 'Add=*&Delete=s&Get=*&Replace=s');
    tree.createNode('./Vendor/Northwind/VMs/web01', { format: 'node' });
    tree.createNode('./Vendor/Northwind/VMs/web01/Name', { value: 'web01' });
    tree.createNode('./Vendor/Northwind/VMs/web01/Old', { value: 'gone soon' });
    const text = doc(`<Node><NodeName>web01</NodeName><RTProperties><Format><node/></Format><Title>Web</Title></RTProperties>${leaf('Name', 'web01.prod')}${leaf('VCpu', '4', 'int')}</Node>`);
    ok(() => tree.replace('./Vendor/Northwind/VMs', { meta: { type: TNDS_XML_TYPE }, data: text }, 's'));
    assert.deepEqual(tree.childNames('./Vendor/Northwind/VMs/web01'), ['Name', 'VCpu']);
    assert.equal(tree.readValue('./Vendor/Northwind/VMs/web01/Name'), 'web01.prod');
    assert.equal(tree.info('./Vendor/Northwind/VMs/web01').title, 'Web');
    // a missing top node is 404; a permanent child the document drops stops everything
    rejects(tree, 404, () => tree.replace('./Vendor/Northwind/VMs', { meta: { type: TNDS_XML_TYPE }, data: doc(`<Node><NodeName>nope</NodeName></Node>`) }, 's'));
    tree.createNode('./Vendor/Northwind/VMs/web01/Pinned', { value: 'p', permanent: true });
    const before = stateOf(tree);
    const out = tree.replace('./Vendor/Northwind/VMs', { meta: { type: TNDS_XML_TYPE }, data: doc(`<Node><NodeName>web01</NodeName>${leaf('Name', 'changed')}</Node>`) }, 's');
    assert.equal(out.status, 405);
    assert.equal(out.failedUri, './Vendor/Northwind/VMs/web01/Pinned');
    assert.equal(stateOf(tree), before);
  });
});
