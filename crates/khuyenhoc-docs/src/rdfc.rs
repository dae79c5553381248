//! The transformation of cryptosuite `eddsa-rdfc-2022` (W3C Data Integrity EdDSA, 3.3.2): a
//! JSON-LD document becomes an RDF dataset (JSON-LD 1.1 Deserialize JSON-LD to RDF, by the
//! `sophia_jsonld` parser on Timothée Haudebourg's `json-ld` crate), which RDF Dataset
//! Canonicalization RDFC-1.0 (`sophia_c14n`) writes as canonical N-Quads.
//!
//! The contexts a document may name are bundled (`contexts/` in this crate, see its README):
//! nothing is fetched, and a document naming another context is refused. Like the "safe mode"
//! of the JavaScript implementations, a key that no context defines is an error rather than
//! silently left out of what is signed (expansion policy `Strict`).

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use json_syntax::Parse as _;
use locspan::{Location, Span};
use serde_json::Value;
use sophia_api::quad::Spog;
use sophia_api::source::QuadSource as _;
use sophia_api::term::SimpleTerm;
use sophia_iri::Iri;
use sophia_jsonld::loader::StaticLoader;
use sophia_jsonld::vocabulary::ArcIri;
use sophia_jsonld::{JsonLdOptions, JsonLdParser, JsonLdQuadSource, Policy};

/// The contexts a signed document may name: URL and JSON text.
const CONTEXTS: &[(&str, &str)] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        include_str!("../contexts/credentials-v2.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        include_str!("../contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("../contexts/ob-context-3.0.3.json"),
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        include_str!("../contexts/credentials-examples-v2.jsonld"),
    ),
];

/// The URLs of the bundled contexts.
pub fn bundled_contexts() -> impl Iterator<Item = &'static str> {
    CONTEXTS.iter().map(|(url, _)| *url)
}

type Loader = StaticLoader<ArcIri, Span>;

/// The bundled contexts, parsed once. A file that does not parse is left out (and the tests,
/// which expand with every one of them, fail).
fn loader() -> &'static Loader {
    static LOADER: OnceLock<Loader> = OnceLock::new();
    LOADER.get_or_init(|| {
        CONTEXTS.iter().fold(Loader::new(), |loader, (url, text)| {
            let iri: ArcIri = Iri::new_unchecked(Arc::from(*url));
            match json_syntax::Value::parse_str(text, |span| Location::new(iri.clone(), span)) {
                Ok(doc) => loader.with(iri, doc),
                Err(_) => loader,
            }
        })
    })
}

/// Runs a future that never waits on anything outside itself (the loader answers from memory)
/// to its end on this thread, so the signing code stays synchronous and can be called from
/// inside the server's runtime. `None` if it somehow keeps asking to be woken.
fn run_to_end<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
    }
    None
}

/// The canonical N-Quads (RDFC-1.0, SHA-256) of a JSON-LD document: what eddsa-rdfc-2022
/// hashes. Errors say why the document could not be read as JSON-LD with the bundled
/// contexts (an unknown context, an undefined term, an invalid value).
pub fn canonical_nquads(doc: &Value) -> Result<String, String> {
    let options = JsonLdOptions::new()
        .with_expansion_policy(Policy::Strict)
        .with_document_loader(loader().clone());
    let parser = JsonLdParser::new_with_options(options);
    let text = doc.to_string();
    let source = run_to_end(parser.async_parse_str(&text))
        .ok_or_else(|| "JSON-LD processing did not finish".to_owned())?;
    if let JsonLdQuadSource::Err(Some(err)) = source {
        return Err(err.to_string());
    }
    let quads: HashSet<Spog<SimpleTerm<'static>>> =
        source.collect_quads().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&quads, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A file of the W3C test vectors (`tests/fixtures/vc-di-eddsa`).
    pub(crate) fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/vc-di-eddsa/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The W3C test vector: the unsigned credential canonicalises to the published N-Quads.
    #[test]
    fn the_w3c_credential_canonicalises_as_published() {
        let doc: Value = serde_json::from_str(&fixture("unsigned.json")).expect("json");
        assert_eq!(
            canonical_nquads(&doc).expect("canonical"),
            fixture("canonDocDataInt.txt")
        );
    }

    /// The proof configuration of the W3C test vector (blank node relabelled `_:c14n0`).
    #[test]
    fn the_w3c_proof_configuration_canonicalises_as_published() {
        let doc: Value = serde_json::from_str(&fixture("proofConfigDataInt.json")).expect("json");
        assert_eq!(
            canonical_nquads(&doc).expect("canonical"),
            fixture("proofCanonDataInt.txt")
        );
    }

    #[test]
    fn every_bundled_context_loads() {
        for url in bundled_contexts() {
            let doc = json!({"@context": url, "id": "urn:x:1", "type": "VerifiableCredential"});
            assert!(canonical_nquads(&doc).is_ok(), "{url}");
        }
    }

    #[test]
    fn unknown_contexts_and_undefined_terms_are_refused() {
        let unknown = json!({"@context": "https://example.org/ctx", "id": "urn:x:1"});
        assert!(canonical_nquads(&unknown).is_err());
        let undefined = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:x:1",
            "notATerm": "dropped by a lenient processor"
        });
        assert!(canonical_nquads(&undefined).is_err());
    }
}
