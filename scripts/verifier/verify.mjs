// Verifies one credential with the Digital Credentials Consortium's verifier
// (@digitalcredentials/verifier-core, the engine of VerifierPlus), offline.
//
//   node verify.mjs CREDENTIAL.json ORIGIN [SCHEMA.json]
//
// ORIGIN is the test server, e.g. http://127.0.0.1:41234: the credential's did:web issuer
// (did:web:127.0.0.1%3A41234:units:…) resolves, as the did:web method says, to
// https://127.0.0.1:41234/units/…/did.json; this script only turns that https into http for
// the test server on loopback (it has no certificate). Every other address is refused, so
// nothing reaches the internet: the JSON-LD contexts come from the verifier's own packages,
// and the Open Badges JSON Schema the verifier looks for is served from SCHEMA.json when given.
//
// Prints one JSON object: the verifier's answer (without the credential) and the URLs fetched.
import fs from 'node:fs';

const [credentialFile, origin, schemaFile] = process.argv.slice(2);
if (!credentialFile || !origin) {
  console.error('usage: node verify.mjs CREDENTIAL.json ORIGIN [SCHEMA.json]');
  process.exit(2);
}
const server = new URL(origin);
const OB_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
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
  throw new TypeError(`offline: ${url.href} is not the test server`);
};

// Imported after fetch is replaced, so every client the verifier makes uses the one above.
const { verifyCredential } = await import('@digitalcredentials/verifier-core');
const credential = JSON.parse(fs.readFileSync(credentialFile, 'utf8'));
const result = await verifyCredential({ credential, knownDIDRegistries: [] });
delete result.credential;
const plain = JSON.parse(
  JSON.stringify(result, (key, value) =>
    key === 'stackTrace' ? String(value?.message ?? value).slice(0, 500) : value,
  ),
);
console.log(JSON.stringify({ result: plain, fetched }));
