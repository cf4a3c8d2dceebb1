//! The Cloud Builder role's two documents — the permission policy, generated
//! from the table registry, and the trust policy — and their comparison with
//! what IAM holds, statement by statement, as drift a person can act on.

use super::RoleSpec;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Reads that return data rather than metadata: denied explicitly, so the role
/// stays blind to contents even if someone attaches a broader read-only policy
/// (AWS's ReadOnlyAccess allows most of these).
pub const DENIED_DATA_READS: &[&str] = &[
    "athena:GetQueryResults",
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:Query",
    "dynamodb:Scan",
    "ec2:GetConsoleOutput",
    "ec2:GetConsoleScreenshot",
    "ec2:GetLaunchTemplateData",
    "ec2:GetPasswordData",
    "glacier:GetJobOutput",
    "kinesis:GetRecords",
    "kms:Decrypt",
    "lambda:GetFunction",
    "lambda:GetLayerVersion",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:GetQueryResults",
    "rds:DownloadCompleteDBLogFile",
    "rds:DownloadDBLogFilePortion",
    "s3:GetObject*",
    "secretsmanager:GetSecretValue",
    "sqs:ReceiveMessage",
    "ssm:GetParameter*",
];

/// The deny statement that spares the trail bucket's log files, when there is one.
const OBJECT_READS: &str = "s3:GetObject*";

/// Allowed actions that IAM authorizes per resource, with the resource type
/// they are granted on (every resource of that type: the scanner lists them
/// all). Granting them on `*` would work too; naming the type keeps the policy
/// as narrow as IAM can express, which is what policy linters check.
/// (RDS's DescribeDBInstances stays on `*`: moto authorizes it against `*`
/// only, so a db-typed grant could not be proven here.)
const RESOURCE_TYPED: &[(&str, &str)] = &[
    ("s3:GetBucketLocation", "s3:::*"),
    ("s3:GetBucketTagging", "s3:::*"),
];

/// The actions the role allows on every resource: every table's declared
/// permission and discovery's, less the trail bucket's data reads.
pub fn allowed_actions() -> Vec<&'static str> {
    let bucket = crate::tables::TRAIL_BUCKET_PERMISSIONS;
    let mut actions: Vec<&'static str> = crate::tables::permissions()
        .into_iter()
        .chain(crate::scan::DISCOVERY_PERMISSIONS.iter().copied())
        .filter(|p| !bucket.contains(p))
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The permission policy (`cloud-builder-policy.json`).
pub fn permission_policy(spec: &RoleSpec) -> Value {
    let typed = |a: &str| RESOURCE_TYPED.iter().find(|(action, _)| *action == a);
    let mut statements = vec![json!({
        "Sid": "CloudBuilderReadMetadata",
        "Effect": "Allow",
        "Action": allowed_actions().into_iter().filter(|a| typed(a).is_none()).collect::<Vec<_>>(),
        "Resource": "*",
    })];
    let mut by_type: Vec<(&str, Vec<&str>)> = Vec::new();
    for (action, resource) in RESOURCE_TYPED {
        if !allowed_actions().contains(action) {
            continue;
        }
        match by_type.iter_mut().find(|(r, _)| r == resource) {
            Some((_, actions)) => actions.push(action),
            None => by_type.push((resource, vec![action])),
        }
    }
    for (resource, actions) in by_type {
        let service = resource.split(':').next().unwrap_or_default();
        let mut sid = format!("CloudBuilderRead{}", service.to_ascii_uppercase());
        sid.retain(|c| c.is_ascii_alphanumeric());
        statements.push(json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": format!("arn:{}:{resource}", spec.partition),
        }));
    }
    let mut denied: Vec<&str> = DENIED_DATA_READS.to_vec();
    if let Some(bucket) = &spec.trail_bucket {
        let logs = format!("arn:{}:s3:::{bucket}/AWSLogs/*", spec.partition);
        statements.push(json!({
            "Sid": "CloudBuilderListTrailBucket",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": format!("arn:{}:s3:::{bucket}", spec.partition),
        }));
        statements.push(json!({
            "Sid": "CloudBuilderReadTrailLogs",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": logs,
        }));
        denied.retain(|a| *a != OBJECT_READS);
        statements.push(json!({
            "Sid": "CloudBuilderDenyDataReads",
            "Effect": "Deny",
            "Action": denied,
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "CloudBuilderDenyObjectReadsOutsideTrailLogs",
            "Effect": "Deny",
            "Action": [OBJECT_READS],
            "NotResource": logs,
        }));
    } else {
        statements.push(json!({
            "Sid": "CloudBuilderDenyDataReads",
            "Effect": "Deny",
            "Action": denied,
            "Resource": "*",
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The trust policy (`cloud-builder-trust-policy.json`).
pub fn trust_policy(spec: &RoleSpec) -> Value {
    let mut conditions = serde_json::Map::new();
    if let Some(id) = &spec.external_id {
        conditions.insert(
            "StringEquals".into(),
            json!({"sts:ExternalId": id.as_str()}),
        );
    }
    if spec.require_mfa {
        conditions.insert("Bool".into(), json!({"aws:MultiFactorAuthPresent": "true"}));
    }
    let mut statement = json!({
        "Sid": "CloudBuilderScanner",
        "Effect": "Allow",
        "Principal": {"AWS": spec.trusted_principal.as_str()},
        "Action": "sts:AssumeRole",
    });
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// One way a role differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The role does not exist.
    Missing,
    /// The role lacks the `managed-by=cloudbuilder` tag.
    NotManaged,
    /// The inline policy is missing.
    PolicyMissing,
    /// Actions the plan allows that the policy does not.
    MissingActions(Vec<String>),
    /// Actions the policy allows beyond the plan.
    ExtraActions(Vec<String>),
    /// Data reads the plan denies that the policy no longer does.
    DenyWeakened(Vec<String>),
    /// Same actions, other resources or conditions.
    PolicyDiffers,
    /// An inline policy apply did not write.
    ExtraInlinePolicy(String),
    /// A managed policy attached beyond the plan.
    ExtraManagedPolicy(String),
    /// A managed policy the plan attaches that is not attached.
    MissingManagedPolicy(String),
    /// Principals trusted beyond the plan.
    TrustWidened(Vec<String>),
    /// The planned principal is not trusted.
    TrustMissingPrincipal(String),
    /// The external id condition is gone from a statement.
    ExternalIdRemoved,
    /// The external id condition names another id.
    ExternalIdChanged,
    /// The MFA condition is gone from a statement.
    MfaRemoved,
    /// Same principals and conditions as far as checked, other statements.
    TrustDiffers,
    /// The maximum session length differs.
    MaxSession {
        /// Seconds IAM holds.
        actual: i32,
        /// Seconds the plan asks for.
        planned: u32,
    },
}

impl Drift {
    /// Whether this drift gives the role more access than planned.
    pub fn widens(&self) -> bool {
        matches!(
            self,
            Drift::ExtraActions(_)
                | Drift::DenyWeakened(_)
                | Drift::ExtraInlinePolicy(_)
                | Drift::ExtraManagedPolicy(_)
                | Drift::TrustWidened(_)
                | Drift::ExternalIdRemoved
                | Drift::ExternalIdChanged
                | Drift::MfaRemoved
        ) || matches!(self, Drift::MaxSession { actual, planned } if *actual > 0 && (*actual as u32) > *planned)
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Missing => f.write_str("role does not exist"),
            Drift::NotManaged => {
                f.write_str("role exists but is not tagged managed-by=cloudbuilder")
            }
            Drift::PolicyMissing => f.write_str("inline policy CloudBuilderReadOnly is missing"),
            Drift::MissingActions(a) => write!(f, "policy lacks {}", a.join(", ")),
            Drift::ExtraActions(a) => write!(f, "policy also allows {}", a.join(", ")),
            Drift::DenyWeakened(a) => write!(f, "policy no longer denies {}", a.join(", ")),
            Drift::PolicyDiffers => {
                f.write_str("policy statements differ from the plan (resources or conditions)")
            }
            Drift::ExtraInlinePolicy(n) => write!(f, "extra inline policy {n}"),
            Drift::ExtraManagedPolicy(a) => write!(f, "extra managed policy {a}"),
            Drift::MissingManagedPolicy(a) => write!(f, "managed policy {a} is not attached"),
            Drift::TrustWidened(p) => write!(f, "trust widened to {}", p.join(", ")),
            Drift::TrustMissingPrincipal(p) => write!(f, "trust no longer names {p}"),
            Drift::ExternalIdRemoved => f.write_str("trust lost its sts:ExternalId condition"),
            Drift::ExternalIdChanged => f.write_str("trust requires a different external id"),
            Drift::MfaRemoved => f.write_str("trust lost its MFA condition"),
            Drift::TrustDiffers => f.write_str("trust statements differ from the plan"),
            Drift::MaxSession { actual, planned } => {
                write!(f, "max session is {actual}s, planned {planned}s")
            }
        }
    }
}

/// How the permission policy IAM holds differs from the planned one.
pub fn policy_drift(planned: &Value, actual: &Value) -> Vec<Drift> {
    let mut drift = Vec::new();
    let (want, have) = (actions(planned, "Allow"), actions(actual, "Allow"));
    let missing: Vec<String> = want.difference(&have).cloned().collect();
    let extra: Vec<String> = have.difference(&want).cloned().collect();
    if !missing.is_empty() {
        drift.push(Drift::MissingActions(missing));
    }
    if !extra.is_empty() {
        drift.push(Drift::ExtraActions(extra));
    }
    let weakened: Vec<String> = actions(planned, "Deny")
        .difference(&actions(actual, "Deny"))
        .cloned()
        .collect();
    if !weakened.is_empty() {
        drift.push(Drift::DenyWeakened(weakened));
    }
    if drift.is_empty() && normalize(planned) != normalize(actual) {
        drift.push(Drift::PolicyDiffers);
    }
    drift
}

/// How the trust policy IAM holds differs from the planned one.
pub fn trust_drift(spec: &RoleSpec, planned: &Value, actual: &Value) -> Vec<Drift> {
    let mut drift = Vec::new();
    let allows: Vec<&Value> = statements(actual)
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    let mut principals = BTreeSet::new();
    for statement in &allows {
        principals.extend(principal_list(&statement["Principal"]));
        if statement.get("NotPrincipal").is_some() {
            principals.insert("NotPrincipal (everyone else)".to_owned());
        }
    }
    let expected = spec.trusted_principal.as_str().to_owned();
    let widened: Vec<String> = principals
        .iter()
        .filter(|p| **p != expected)
        .cloned()
        .collect();
    if !widened.is_empty() {
        drift.push(Drift::TrustWidened(widened));
    }
    if !principals.contains(&expected) {
        drift.push(Drift::TrustMissingPrincipal(expected));
    }
    if let Some(id) = &spec.external_id {
        let ids: Vec<Option<Vec<String>>> = allows
            .iter()
            .map(|s| condition_values(s, "StringEquals", "sts:externalid"))
            .collect();
        if ids.iter().any(Option::is_none) {
            drift.push(Drift::ExternalIdRemoved);
        } else if ids.iter().flatten().any(|v| v.as_slice() != [id.as_str()]) {
            drift.push(Drift::ExternalIdChanged);
        }
    }
    if spec.require_mfa
        && allows.iter().any(|s| {
            condition_values(s, "Bool", "aws:multifactorauthpresent").as_deref()
                != Some(&["true".to_owned()][..])
        })
    {
        drift.push(Drift::MfaRemoved);
    }
    if drift.is_empty() && normalize(planned) != normalize(actual) {
        drift.push(Drift::TrustDiffers);
    }
    drift
}

/// A policy document as IAM returns it: URL-encoded JSON (or plain JSON, as some emulators answer).
pub fn decode(document: &str) -> Option<Value> {
    let text = if document.trim_start().starts_with('{') {
        document.to_owned()
    } else {
        percent_encoding::percent_decode_str(document)
            .decode_utf8()
            .ok()?
            .into_owned()
    };
    serde_json::from_str(&text).ok()
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => Vec::new(),
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every action named by the document's statements with `effect` (NotAction
/// statements count as `NotAction:<actions>`, which never matches a plan).
fn actions(doc: &Value, effect: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in statements(doc)
        .into_iter()
        .filter(|s| s["Effect"] == effect)
    {
        out.extend(strings(&statement["Action"]));
        let not = strings(&statement["NotAction"]);
        if !not.is_empty() {
            out.insert(format!("NotAction:{}", not.join(",")));
        }
    }
    out
}

fn principal_list(principal: &Value) -> Vec<String> {
    match principal {
        Value::String(s) => vec![s.clone()],
        Value::Object(map) => map
            .iter()
            .flat_map(|(kind, v)| {
                strings(v).into_iter().map(move |p| {
                    if kind == "AWS" && p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                        format!("arn:aws:iam::{p}:root")
                    } else if kind == "AWS" {
                        p
                    } else {
                        format!("{kind}:{p}")
                    }
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The values a statement's condition `operator` gives `key` (lower-cased: keys are case-insensitive).
fn condition_values(statement: &Value, operator: &str, key: &str) -> Option<Vec<String>> {
    let block = statement["Condition"].get(operator)?.as_object()?;
    block
        .iter()
        .find(|(k, _)| k.to_ascii_lowercase() == key)
        .map(|(_, v)| strings(v))
}

/// A statement reduced to what IAM evaluates: no Sid, lists sorted, actions lower-cased.
fn normalize(doc: &Value) -> BTreeSet<String> {
    statements(doc)
        .into_iter()
        .map(|s| {
            let lower = |v: &Value| -> BTreeSet<String> {
                strings(v)
                    .into_iter()
                    .map(|a| a.to_ascii_lowercase())
                    .collect()
            };
            let set = |v: &Value| -> BTreeSet<String> { strings(v).into_iter().collect() };
            let mut conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
                BTreeMap::new();
            if let Some(ops) = s["Condition"].as_object() {
                for (op, block) in ops {
                    if let Some(block) = block.as_object() {
                        for (k, v) in block {
                            conditions
                                .entry(op.clone())
                                .or_default()
                                .insert(k.to_ascii_lowercase(), set(v));
                        }
                    }
                }
            }
            let principals: BTreeSet<String> =
                principal_list(&s["Principal"]).into_iter().collect();
            format!(
                "{:?}",
                (
                    s["Effect"].as_str(),
                    lower(&s["Action"]),
                    lower(&s["NotAction"]),
                    set(&s["Resource"]),
                    set(&s["NotResource"]),
                    principals,
                    conditions,
                )
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::tests::spec;

    #[test]
    fn the_policy_allows_the_registry_and_denies_data_reads() {
        let policy = permission_policy(&spec());
        let allowed = actions(&policy, "Allow");
        for p in crate::tables::permissions() {
            if !crate::tables::TRAIL_BUCKET_PERMISSIONS.contains(&p) {
                assert!(allowed.contains(p), "{p} missing");
            }
        }
        assert!(allowed.contains("organizations:ListAccountsForParent"));
        assert!(
            !allowed.iter().any(|a| a.starts_with("s3:GetObject")),
            "no object reads without a trail bucket"
        );
        let denied = actions(&policy, "Deny");
        assert!(denied.contains("s3:GetObject*") && denied.contains("kms:Decrypt"));
        // Nothing allowed is denied: a deny always wins.
        for a in &allowed {
            for d in &denied {
                let prefix = d.trim_end_matches('*');
                assert!(!a.starts_with(prefix), "{a} allowed but denied by {d}");
            }
        }
        assert!(
            policy.to_string().len() < 10_240,
            "inline policies are capped at 10,240 characters"
        );
    }

    #[test]
    fn a_trail_bucket_is_readable_under_awslogs_only() {
        let mut s = spec();
        s.trail_bucket = Some("org-trail".into());
        let policy = permission_policy(&s);
        let text = policy.to_string();
        assert!(
            text.contains(r#""Resource":"arn:aws:s3:::org-trail/AWSLogs/*""#),
            "{text}"
        );
        assert!(
            text.contains(r#""NotResource":"arn:aws:s3:::org-trail/AWSLogs/*""#),
            "{text}"
        );
        assert!(!actions(&policy, "Deny").contains("s3:GetObject"));
    }

    #[test]
    fn trust_names_the_principal_and_its_conditions() {
        let mut s = spec();
        s.require_mfa = true;
        let trust = trust_policy(&s);
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:user/scanner"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "acme-scan"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"],
            "true"
        );
        assert!(trust_drift(&s, &trust, &trust).is_empty());
    }

    #[test]
    fn drift_names_what_changed() {
        let s = spec();
        let planned = permission_policy(&s);
        assert!(policy_drift(&planned, &planned).is_empty());
        let mut widened = planned.clone();
        widened["Statement"][0]["Action"]
            .as_array_mut()
            .expect("list")
            .push(json!("ec2:RunInstances"));
        let deny = widened["Statement"]
            .as_array_mut()
            .expect("statements")
            .iter_mut()
            .find(|st| st["Effect"] == "Deny")
            .expect("deny");
        deny["Action"] = json!(["kms:Decrypt"]);
        let drift = policy_drift(&planned, &widened);
        assert!(
            drift.contains(&Drift::ExtraActions(vec!["ec2:RunInstances".into()])),
            "{drift:?}"
        );
        assert!(
            matches!(&drift[1], Drift::DenyWeakened(a) if a.contains(&"s3:GetObject*".to_owned())),
            "{drift:?}"
        );
        assert!(drift.iter().all(Drift::widens));

        let trust = trust_policy(&s);
        let mut open = trust.clone();
        open["Statement"][0]["Principal"] =
            json!({"AWS": ["arn:aws:iam::111122223333:user/scanner", "*"]});
        open["Statement"][0]
            .as_object_mut()
            .expect("stmt")
            .remove("Condition");
        let drift = trust_drift(&s, &trust, &open);
        assert_eq!(
            drift,
            vec![
                Drift::TrustWidened(vec!["*".into()]),
                Drift::ExternalIdRemoved
            ]
        );
        // IAM's own rewrites are not drift: a bare account id, a one-item list, reordered keys.
        let mut rewritten = trust.clone();
        rewritten["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] =
            json!(["acme-scan"]);
        rewritten["Statement"][0]
            .as_object_mut()
            .expect("stmt")
            .remove("Sid");
        assert!(trust_drift(&s, &trust, &rewritten).is_empty());
    }

    #[test]
    fn documents_decode_as_iam_returns_them() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode(encoded),
            Some(json!({"Version": "2012-10-17", "Statement": []}))
        );
        assert_eq!(decode("{\"a\": 1}"), Some(json!({"a": 1})));
        assert_eq!(decode("%7Bnot json"), None);
    }
}
