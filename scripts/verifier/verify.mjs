// Verifies one credential, or one presentation (the lifelong-learning record's bundle), with the
// Digital Credentials Consortium's verifier (@digitalcredentials/verifier-core, the engine of
// VerifierPlus), offline.
//
//   node verify.mjs CREDENTIAL.json ORIGIN [SCHEMA.json [CONTEXTS_DIR]]
//
// ORIGIN is the test server, e.g. http://127.0.0.1:41234: the credential's did:web issuer
// (did:web:127.0.0.1%3A41234:units:…) resolves, as the did:web method says, to
// https://127.0.0.1:41234/units/…/did.json; this script only turns that https into http for
// the test server on loopback (it has no certificate). Every other address is refused, so
// nothing reaches the internet: the JSON-LD contexts come from the verifier's own packages,
// and the Open Badges JSON Schema the verifier looks for is served from SCHEMA.json when given.
// A document whose type names VerifiablePresentation is checked with verifyPresentation; the one
// context the verifier's packages lack (the W3C undefined-terms context of the record's summary)
// is served from the program's own bundled copy in CONTEXTS_DIR, byte for byte what it signs with.
//
// Prints one JSON object: the verifier's answer (without the credential) and the URLs fetched.
import fs from 'node:fs';

const [credentialFile, origin, schemaFile, contextsDir] = process.argv.slice(2);
if (!credentialFile || !origin) {
  console.error('usage: node verify.mjs CREDENTIAL.json ORIGIN [SCHEMA.json]');
  process.exit(2);
}
const server = new URL(origin);
const OB_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  fetched.push(url.href);
  if (url.hostname === server.hostname && url.port === server.port) {
    url.protocol = server.protocol;
    return realFetch(new Request(url, request));
  }
  if (schemaFile && url.href === OB_SCHEMA) {
    // The bundled copy, named by the URL it stands for.
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
    schema.$id = OB_SCHEMA;
    return new Response(JSON.stringify(schema), {
      headers: { 'content-type': 'application/json' },
    });
  }
  if (contextsDir && url.href === UNDEFINED_TERMS) {
    const body = fs.readFileSync(`${contextsDir}/credentials-undefined-terms-v2.jsonld`, 'utf8');
    return new Response(body, { headers: { 'content-type': 'application/ld+json' } });
  }
  throw new TypeError(`offline: ${url.href} is not the test server`);
};

// Imported after fetch is replaced, so every client the verifier makes uses the one above.
const { verifyCredential, verifyPresentation } = await import('@digitalcredentials/verifier-core');
const doc = JSON.parse(fs.readFileSync(credentialFile, 'utf8'));
const types = [].concat(doc.type ?? []);
const result = types.includes('VerifiablePresentation')
  ? await verifyPresentation({ presentation: doc, knownDIDRegistries: [] })
  : await verifyCredential({ credential: doc, knownDIDRegistries: [] });
delete result.credential;
for (const r of result.credentialResults ?? []) delete r.credential;
const plain = JSON.parse(
  JSON.stringify(result, (key, value) =>
    key === 'stackTrace' ? String(value?.message ?? value).slice(0, 500) : value,
  ),
);
console.log(JSON.stringify({ result: plain, fetched }));
