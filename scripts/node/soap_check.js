#!/usr/bin/env node
// An independent SOAP client against a running UWLR endpoint: node `soap` (npm), as a
// JavaScript integrator would use it. Installed by `npm ci` in this directory.
//
// Why: our WSDL and answers must bind in the toolkits integrators use, not only in the
// one we test with. node soap reads the WSDL from ?wsdl (with every ?xsd= import), builds
// the requests and maps each answer onto objects; this script compares those objects
// with the data, shape by shape:
//   1. the WSDLs load and name all five operations;
//   2. HaalLeerlinggegevens (the mock's own school): --pupils pupils, and the typed answer
//      holds what came over the wire (read with @xmldom/xmldom, without the WSDL);
//   3. every case of --cases (each answer file `uwlr mock-las --answer` serves by
//      gegevenssetid, see scripts/interop_cases.py): the typed answer holds exactly the
//      file's data, or the file's fault comes back;
//   4. BrengLeerresultaten for a pupil of 2: a leerresultaten_bevestiging;
//   5. a wrong key: the fault Client.AutorisatieOngeldig.
// node soap puts attributes under `attributes`, simple content under `$value`, makes a
// repeated element an array only when it repeats, and binds an empty element
// (geengegevens) to null under its own name, so the two empty answers are told apart.
//
// Usage: node scripts/node/soap_check.js --url URL --results-url URL --key KEY
//   --klantcode BOOM --klantnaam "Boom testcentrum" --brin 99DE --schooljaar 2025-2026
//   --pupils 200 --cases target/interop/cases.json
// Ends with "N passed, M failed"; exits 1 when anything failed.

'use strict';

const fs = require('fs');
const soap = require('soap');
const { DOMParser } = require('@xmldom/xmldom');

const NS_AU = 'http://www.edustandaard.nl/leerresultaten/2/autorisatie';
const NS_SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';

let passed = 0;
let failed = 0;

function check(ok, what, why = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}${why ? `: ${why}` : ''}`);
  return ok;
}

function args(argv) {
  const o = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  for (const need of ['url', 'results-url', 'key', 'klantcode', 'klantnaam', 'brin', 'schooljaar', 'pupils']) {
    if (!(need in o)) throw new Error(`--${need} is required`);
  }
  return o;
}

// The same normal form of xs:dateTime text as interop_cases.norm_value.
function normValue(v) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/.exec(v);
  if (!m) return v;
  let frac = (m[2] || '').slice(0, 7).replace(/0+$/, '');
  if (frac === '.') frac = '';
  const zone = m[3] === 'Z' ? '+00:00' : m[3] || '';
  return m[1] + frac + zone;
}

function scalar(v) {
  if (v instanceof Date) return normValue(v.toISOString());
  return normValue(String(v));
}

// node soap's typed answer in the client-neutral leaf form.
function leaves(value, path, out) {
  if (value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value) &&
      !(value instanceof Date) && Object.keys(value).length === 0)) {
    out.push([path, '']);
    return;
  }
  if (typeof value !== 'object' || value instanceof Date) {
    out.push([path, scalar(value)]);
    return;
  }
  const prefix = path === '' ? '' : `${path}/`;
  for (const [name, v] of Object.entries(value)) {
    if (name === 'attributes') {
      for (const [a, av] of Object.entries(v)) {
        if (!a.includes(':')) out.push([`${prefix}${a}[0]`, scalar(av)]);
      }
    } else if (name === '$value') {
      out.push([path, scalar(v)]);
    } else {
      (Array.isArray(v) ? v : [v]).forEach((item, i) => leaves(item, `${prefix}${name}[${i}]`, out));
    }
  }
}

// The leaves of an XML element, as interop_cases.leaves_of makes them.
function rawLeaves(el, prefix, out) {
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes[i];
    if (!a.name.includes(':') && a.name !== 'xmlns') out.push([`${prefix}${a.name}[0]`, normValue(a.value)]);
  }
  const counts = {};
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== 1) continue;
    const name = c.localName;
    const i = counts[name] || 0;
    counts[name] = i + 1;
    const path = `${prefix}${name}[${i}]`;
    const elementChildren = Array.from(c.childNodes).some((n) => n.nodeType === 1);
    const ownAttrs = Array.from(c.attributes).filter((a) => !a.name.includes(':') && a.name !== 'xmlns');
    const text = elementChildren ? '' : (c.textContent || '').trim();
    if (!elementChildren && ownAttrs.length === 0) {
      out.push([path, normValue(text)]);
    } else {
      if (text) out.push([path, normValue(text)]);
      rawLeaves(c, `${path}/`, out);
    }
  }
}

function compare(expected, got) {
  const key = (l) => `${l[0]}\t${l[1]}`;
  const e = expected.map(key).sort();
  const g = got.map(key).sort();
  if (e.length === g.length && e.every((x, i) => x === g[i])) return '';
  const gs = new Set(g);
  const es = new Set(e);
  const missing = e.filter((x) => !gs.has(x)).slice(0, 3);
  const extra = g.filter((x) => !es.has(x)).slice(0, 3);
  return `${e.length} leaves expected, ${g.length} bound; missing ${JSON.stringify(missing)}; unexpected ${JSON.stringify(extra)}`;
}

function faultCode(err) {
  const f = err && err.root && err.root.Envelope && err.root.Envelope.Body && err.root.Envelope.Body.Fault;
  if (!f) return null;
  const code = typeof f.faultcode === 'object' ? f.faultcode.$value : f.faultcode;
  return String(code || '').split(':').pop();
}

function call(client, service, port, op, body) {
  return new Promise((resolve, reject) => {
    client[service][port][op](body, (err, result) => (err ? reject(err) : resolve(result)), { timeout: 20000 });
  });
}

async function main() {
  const o = args(process.argv);
  const dep = o.dependance || '00';
  let ll;
  let lr;
  try {
    ll = await soap.createClientAsync(`${o.url}?wsdl`);
    lr = await soap.createClientAsync(`${o['results-url']}?wsdl`);
  } catch (e) {
    check(false, 'the WSDLs load in node soap with all their imports', String(e.message || e));
    return;
  }
  const ops = [];
  for (const client of [ll, lr]) {
    for (const ports of Object.values(client.describe())) {
      for (const port of Object.values(ports)) ops.push(...Object.keys(port));
    }
  }
  const want = ['HaalLeerlinggegevens', 'HaalStructuur', 'HaalLeerlingen', 'HaalLeerkrachten', 'BrengLeerresultaten'];
  check(want.every((w) => ops.includes(w)), 'the WSDLs name all five operations', ops.join(','));

  const header = (key) => ({ autorisatie: { autorisatiesleutel: key, klantcode: o.klantcode, klantnaam: o.klantnaam } });
  ll.addSoapHeader(header(o.key), '', 'aut', NS_AU);
  lr.addSoapHeader(header(o.key), '', 'aut', NS_AU);
  const request = { schooljaar: o.schooljaar, brincode: o.brin, dependancecode: dep, xsdversie: '2.3' };
  const LL = 'LeerlinggegevensService';

  // 2. The mock's own school.
  let pupil = null;
  try {
    const r = await call(ll, LL, 'prtLeerlinggegevensService', 'HaalLeerlinggegevens', request);
    const list = r.leerlinggegevens.leerlingen.leerling;
    const pupils = Array.isArray(list) ? list : [list];
    check(pupils.length === Number(o.pupils), 'node soap binds the answer to objects',
      `${pupils.length} pupils (the mock has ${o.pupils})`);
    pupil = pupils[0];
    const doc = new DOMParser().parseFromString(ll.lastResponse, 'text/xml');
    const body = doc.getElementsByTagNameNS(NS_SOAP, 'Body')[0];
    const answer = Array.from(body.childNodes).find((n) => n.nodeType === 1);
    const raw = [];
    rawLeaves(answer, '', raw);
    const got = [];
    leaves(r, '', got);
    const diff = compare(raw, got);
    check(!diff, "node soap's typed answer holds what came over the wire", diff);
  } catch (e) {
    check(false, 'node soap binds the answer to objects', String(e.message || e).slice(0, 300));
  }

  // 3. Every answer shape of the fixtures.
  const cases = o.cases ? JSON.parse(fs.readFileSync(o.cases, 'utf8')) : [];
  for (const c of cases) {
    const what = `${c.operation} ${c.name}`;
    const body = { ...request, gegevenssetid: c.name };
    if (c.groepen) body.groepen = { groep: c.groepen.map((k) => ({ attributes: { key: k } })) };
    let r;
    try {
      r = await call(ll, LL, c.port, c.operation, body);
    } catch (e) {
      const code = faultCode(e);
      if (code === null) {
        check(false, `${what}: node soap binds the answer`, String(e.message || e).slice(0, 300));
      } else {
        check(c.expect.fault === code, `${what}: fault`, `${code} (expected ${c.expect.fault || 'an answer'})`);
      }
      continue;
    }
    if (c.expect.fault) {
      check(false, `${what}: fault`, `no fault, expected ${c.expect.fault}`);
      continue;
    }
    const got = [];
    leaves(r, '', got);
    const diff = compare(c.expect.leaves, got);
    check(!diff, `${what}: node soap's typed answer holds the file's data`, diff || `${got.length} values`);
  }

  // 4. Results for a pupil of the school.
  if (pupil) {
    const attrs = pupil.attributes || {};
    const afname = {};
    if (attrs.key) afname.leerlingid = attrs.key;
    if (attrs.eckid) afname.eckid = attrs.eckid;
    afname.resultaten = { resultaat: [{ attributes: { key: `node-${attrs.key || 'x'}-1` }, afnamedatum: '2026-01-20',
      toetscode: 'NODE-T1', score: 17 }] };
    const verzoek = {
      school: { schooljaar: o.schooljaar, brincode: o.brin, dependancecode: dep, aanmaakdatum: '2026-02-01T03:00:00Z',
        xsdversie: '2.3' },
      toetsafnames: { toetsafname: [afname] },
      toetsen: { toets: [{ toetscode: { $value: 'NODE-T1' }, toetsnaam: 'node' }] },
    };
    try {
      const r = await call(lr, 'LeerresultatenService', 'prtLeerresultatenService', 'BrengLeerresultaten', verzoek);
      check(/leerresultaten_bevestiging/.test(lr.lastResponse), 'BrengLeerresultaten is confirmed',
        `typed ${JSON.stringify(r)}`);
    } catch (e) {
      check(false, 'BrengLeerresultaten is confirmed', `${faultCode(e) || e.message}: ${lr.lastRequest}`);
    }
  } else {
    check(false, 'BrengLeerresultaten is confirmed', 'no pupil to send a result for');
  }

  // 5. A wrong key.
  ll.clearSoapHeaders();
  ll.addSoapHeader(header(`${o.key}-wrong`), '', 'aut', NS_AU);
  try {
    await call(ll, LL, 'prtLeerlinggegevensService', 'HaalLeerlinggegevens', request);
    check(false, 'a wrong key is refused', 'no fault came back');
  } catch (e) {
    const code = faultCode(e);
    check(code === 'Client.AutorisatieOngeldig', 'a wrong key is refused with Client.AutorisatieOngeldig', String(code));
  }
}

main()
  .catch((e) => check(false, 'the check ran to its end', String(e.stack || e)))
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  });
