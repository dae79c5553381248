//! The shape of the Open Badges 3.0 credential that [`crate::issue_badge`] signs, as types: what
//! is signed and what the application's API documents about it (the JSON Schema, with the
//! `schemars` feature) are one definition. Field names are the specification's (camelCase,
//! `@context`, `type`).

use serde::Serialize;

/// A credential as issued: the signed content and its embedded proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SignedCredential {
    #[serde(flatten)]
    pub credential: Credential,
    /// One Data Integrity proof (an array, as the Open Badges 3.0 JSON Schema expects).
    pub proof: Vec<Proof>,
}

/// The content the proof covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// The VC 2.0 context, then the Open Badges 3.0 context.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// The public verify page of the recognition.
    pub id: String,
    /// `VerifiableCredential`, `OpenBadgeCredential`.
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    pub issuer: Profile,
    /// The decision's day from 00:00 Vietnam time (`…T00:00:00+07:00`).
    pub valid_from: String,
    /// The last valid day to 23:59:59 Vietnam time.
    pub valid_until: String,
    pub credential_subject: AchievementSubject,
    /// Where a verifier reads whether the credential was revoked.
    pub credential_status: StatusEntry,
}

/// A `BitstringStatusListEntry` (W3C Bitstring Status List v1.0): bit `statusListIndex` of the
/// list published in the credential `statusListCredential`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "BitstringStatusListEntry"))]
#[serde(rename_all = "camelCase")]
pub struct StatusEntry {
    /// `{statusListCredential}#{statusListIndex}`.
    pub id: String,
    /// `BitstringStatusListEntry`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `revocation`.
    pub status_purpose: String,
    /// The bit's position, a decimal string.
    pub status_list_index: String,
    /// The URL of the signed status list credential.
    pub status_list_credential: String,
}

/// The issuing unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "IssuerProfile"))]
pub struct Profile {
    pub id: String,
    /// `Profile`.
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
}

/// The holder and what they achieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AchievementSubject {
    /// `AchievementSubject`.
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    /// The holder's full name.
    pub name: String,
    /// The holder, as salted hashes a verifier can match against what the holder shows.
    pub identifier: Vec<IdentityObject>,
    pub achievement: Achievement,
}

/// An Open Badges 3.0 `IdentityObject`: `identityHash` is `sha256$` and the lowercase hex
/// SHA-256 of the identity followed by `salt` (both UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Always true: the identity itself is never written.
    pub hashed: bool,
    pub identity_hash: String,
    /// `ext:phoneNumber` (not in the Open Badges enumeration, so an extension value as its JSON
    /// Schema allows), or `systemId` (the program's own id of the holder) without a phone.
    pub identity_type: String,
    pub salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Achievement {
    pub id: String,
    /// `Achievement`.
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    pub description: String,
    pub criteria: AchievementCriteria,
}

/// How the achievement is earned, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AchievementCriteria {
    pub narrative: String,
}

/// The Data Integrity proof, cryptosuite `eddsa-rdfc-2022` (the credential's `@context`
/// applies to it; it carries none of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "DataIntegrityProof"))]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    /// `DataIntegrityProof`.
    #[serde(rename = "type")]
    pub kind: String,
    pub cryptosuite: String,
    /// The key in the issuer's DID document: `did:web:HOST:units:CODE#z6Mk…`.
    pub verification_method: String,
    /// `assertionMethod`.
    pub proof_purpose: String,
    /// The Ed25519 signature, multibase base58btc (`z…`).
    pub proof_value: String,
}
