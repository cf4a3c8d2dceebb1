//! The Workload Identity pool and its AWS provider: read them, create them
//! (long-running operations, polled until done), bring them to the spec
//! (patch with an update mask; undelete a soft-deleted one first), delete
//! them (IAM soft-deletes and purges after about 30 days).

use super::rest::Rest;
use super::{ATTRIBUTE_MAPPING, FederationSpec, POOL_DESCRIPTION, POOL_DISPLAY_NAME};
use crate::error::{Error, Result};
use http::Method;
use serde_json::{Map, Value, json};

/// What IAM holds under a pool's or provider's name.
#[derive(Debug, Clone)]
pub enum Found {
    /// Nothing of that name.
    Missing,
    /// Soft-deleted (its id cannot be reused until IAM purges it).
    Deleted(Value),
    /// Live.
    Live(Value),
}

/// What `ensure` did to a pool or provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It was created.
    Created,
    /// It was soft-deleted: undeleted, then these fields were updated.
    Undeleted(Vec<&'static str>),
    /// These fields were updated.
    Updated(Vec<&'static str>),
    /// It matched the spec: nothing was written.
    Unchanged,
}

/// Which of the two resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The pool.
    Pool,
    /// The AWS provider.
    Provider,
}

impl Kind {
    fn operation(self, verb: &str) -> &'static str {
        match (self, verb) {
            (Kind::Pool, "get") => "workloadIdentityPools.get",
            (Kind::Pool, "create") => "workloadIdentityPools.create",
            (Kind::Pool, "patch") => "workloadIdentityPools.patch",
            (Kind::Pool, "undelete") => "workloadIdentityPools.undelete",
            (Kind::Pool, _) => "workloadIdentityPools.delete",
            (Kind::Provider, "get") => "providers.get",
            (Kind::Provider, "create") => "providers.create",
            (Kind::Provider, "patch") => "providers.patch",
            (Kind::Provider, "undelete") => "providers.undelete",
            (Kind::Provider, _) => "providers.delete",
        }
    }

    /// The resource's name in the spec.
    pub fn name(self, spec: &FederationSpec) -> String {
        match self {
            Kind::Pool => spec.pool_name(),
            Kind::Provider => spec.provider_name(),
        }
    }

    /// What IAM should hold: the fields cloudbuilder manages.
    pub fn desired(self, spec: &FederationSpec) -> Value {
        match self {
            Kind::Pool => json!({
                "displayName": POOL_DISPLAY_NAME,
                "description": POOL_DESCRIPTION,
                "disabled": false,
            }),
            Kind::Provider => json!({
                "displayName": spec.provider_display_name(),
                "description": spec.provider_description(),
                "disabled": false,
                "aws": {"accountId": spec.aws_role.account()},
                "attributeMapping": attribute_mapping(),
                "attributeCondition": spec.attribute_condition(),
            }),
        }
    }
}

/// Google's documented AWS attribute mapping, as JSON.
pub fn attribute_mapping() -> Value {
    Value::Object(
        ATTRIBUTE_MAPPING
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect::<Map<String, Value>>(),
    )
}

/// The managed fields of `found` that differ from `desired`, as update-mask paths.
pub fn differences(found: &Value, desired: &Value) -> Vec<&'static str> {
    const FIELDS: [&str; 6] = [
        "displayName",
        "description",
        "disabled",
        "aws",
        "attributeMapping",
        "attributeCondition",
    ];
    FIELDS
        .into_iter()
        .filter(|field| {
            let Some(want) = desired.get(*field) else {
                return false;
            };
            let have = found.get(*field);
            match want {
                // An unset boolean reads as false.
                Value::Bool(false) => have.and_then(Value::as_bool).unwrap_or(false),
                _ => have != Some(want),
            }
        })
        .collect()
}

/// Reads a pool or provider.
pub(crate) async fn read(rest: &Rest, kind: Kind, name: &str) -> Result<Found> {
    match rest
        .call(kind.operation("get"), Method::GET, name, &[], None)
        .await
    {
        Ok(v) if v["state"] == "DELETED" => Ok(Found::Deleted(v)),
        Ok(v) => Ok(Found::Live(v)),
        Err(e) if e.code() == Some("NOT_FOUND") => Ok(Found::Missing),
        Err(e) => Err(e),
    }
}

/// Creates the pool or provider, or brings it to the spec; writes nothing
/// when it matches. Answers what it did and the resource as IAM holds it.
pub(crate) async fn ensure(
    rest: &Rest,
    spec: &FederationSpec,
    kind: Kind,
) -> Result<(Change, Value)> {
    let name = kind.name(spec);
    let desired = kind.desired(spec);
    match read(rest, kind, &name).await? {
        Found::Missing => {
            let (parent, id_param, id) = match kind {
                Kind::Pool => (spec.pool_parent(), "workloadIdentityPoolId", &spec.pool_id),
                Kind::Provider => (
                    spec.pool_name(),
                    "workloadIdentityPoolProviderId",
                    &spec.provider_id,
                ),
            };
            let path = match kind {
                Kind::Pool => format!("{parent}/workloadIdentityPools"),
                Kind::Provider => format!("{parent}/providers"),
            };
            let op = rest
                .call(
                    kind.operation("create"),
                    Method::POST,
                    &path,
                    &[(id_param, id.as_str())],
                    Some(&desired),
                )
                .await?;
            rest.wait(kind.operation("create"), op).await?;
            Ok((Change::Created, live(rest, kind, &name).await?))
        }
        Found::Deleted(_) => {
            let op = rest
                .call(
                    kind.operation("undelete"),
                    Method::POST,
                    &format!("{name}:undelete"),
                    &[],
                    Some(&json!({})),
                )
                .await?;
            rest.wait(kind.operation("undelete"), op).await?;
            let current = live(rest, kind, &name).await?;
            let fields = patch(rest, kind, &name, &current, &desired).await?;
            Ok((Change::Undeleted(fields), live(rest, kind, &name).await?))
        }
        Found::Live(current) => {
            let fields = patch(rest, kind, &name, &current, &desired).await?;
            if fields.is_empty() {
                Ok((Change::Unchanged, current))
            } else {
                Ok((Change::Updated(fields), live(rest, kind, &name).await?))
            }
        }
    }
}

/// Reads a resource that must be live now.
async fn live(rest: &Rest, kind: Kind, name: &str) -> Result<Value> {
    match read(rest, kind, name).await? {
        Found::Live(v) => Ok(v),
        _ => Err(Error::Unexpected {
            operation: kind.operation("get"),
            message: format!("{name} is not live after it was written"),
        }),
    }
}

/// Patches the fields that differ; answers them.
async fn patch(
    rest: &Rest,
    kind: Kind,
    name: &str,
    current: &Value,
    desired: &Value,
) -> Result<Vec<&'static str>> {
    let fields = differences(current, desired);
    if fields.is_empty() {
        return Ok(fields);
    }
    let body: Map<String, Value> = fields
        .iter()
        .filter_map(|f| desired.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    let mask = fields.join(",");
    let op = rest
        .call(
            kind.operation("patch"),
            Method::PATCH,
            name,
            &[("updateMask", mask.as_str())],
            Some(&Value::Object(body)),
        )
        .await?;
    rest.wait(kind.operation("patch"), op).await?;
    Ok(fields)
}

/// Deletes a live pool or provider (soft delete). Answers whether there was one.
pub(crate) async fn delete(rest: &Rest, kind: Kind, name: &str) -> Result<bool> {
    if !matches!(read(rest, kind, name).await?, Found::Live(_)) {
        return Ok(false);
    }
    let op = rest
        .call(kind.operation("delete"), Method::DELETE, name, &[], None)
        .await?;
    rest.wait(kind.operation("delete"), op).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::AwsRole;

    fn spec() -> FederationSpec {
        FederationSpec::new(
            AwsRole::parse(
                "--federate-from-aws",
                "arn:aws:iam::123456789012:role/Scanner",
            )
            .expect("role"),
            "sa@billing-admin.iam.gserviceaccount.com",
            None,
            None,
            None,
        )
        .expect("spec")
    }

    #[test]
    fn a_provider_as_desired_has_no_differences_and_each_drift_is_named() {
        let desired = Kind::Provider.desired(&spec());
        let mut found = desired.clone();
        found["name"] = json!(
            "projects/333/locations/global/workloadIdentityPools/cloudbuilder/providers/aws-123456789012"
        );
        found["state"] = json!("ACTIVE");
        found.as_object_mut().map(|o| o.remove("disabled"));
        assert!(differences(&found, &desired).is_empty());
        found["attributeCondition"] = json!("true");
        found["aws"] = json!({"accountId": "999999999999"});
        found["disabled"] = json!(true);
        assert_eq!(
            differences(&found, &desired),
            vec!["disabled", "aws", "attributeCondition"]
        );
    }

    #[test]
    fn the_mapping_is_googles_aws_default() {
        let m = attribute_mapping();
        assert_eq!(m["google.subject"], "assertion.arn");
        assert!(
            m["attribute.aws_role"]
                .as_str()
                .is_some_and(|s| s.contains("assumed-role/{role_name}/"))
        );
    }
}
