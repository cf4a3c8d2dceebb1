//! The gcloud commands that do what `role apply --federate-from-aws` does,
//! appended to the plan's `apply.sh`.

use super::config::FILE_NAME;
use super::{FederationSpec, POOL_DESCRIPTION, POOL_DISPLAY_NAME, WORKLOAD_IDENTITY_USER};

/// The script section: pool, AWS provider, binding, credential configuration.
pub fn apply_section(spec: &FederationSpec) -> String {
    let mapping = super::ATTRIBUTE_MAPPING
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"
# Keyless from AWS: sessions of {role} act as {sa}.
project={project}
number=$(gcloud projects describe "$project" --format='value(projectNumber)')
gcloud iam workload-identity-pools describe {pool} --project="$project" --location=global >/dev/null 2>&1 ||
  gcloud iam workload-identity-pools create {pool} --project="$project" --location=global \
    --display-name='{pool_name}' --description='{pool_description}'
gcloud iam workload-identity-pools providers describe {provider} --project="$project" --location=global \
  --workload-identity-pool={pool} >/dev/null 2>&1 ||
  gcloud iam workload-identity-pools providers create-aws {provider} --project="$project" --location=global \
    --workload-identity-pool={pool} --account-id={account} \
    --attribute-mapping="{mapping}" \
    --attribute-condition="{condition}"
gcloud iam service-accounts add-iam-policy-binding {sa} --project="$project" \
  --role={wiu} \
  --member="principalSet://iam.googleapis.com/projects/$number/locations/global/workloadIdentityPools/{pool}/attribute.aws_role/{assumed}"
gcloud iam workload-identity-pools create-cred-config \
  "projects/$number/locations/global/workloadIdentityPools/{pool}/providers/{provider}" \
  --service-account={sa} --aws --enable-imdsv2 --output-file={file}
chmod 600 {file}
"#,
        role = spec.aws_role,
        sa = spec.service_account,
        project = spec.project,
        pool = spec.pool_id,
        pool_name = POOL_DISPLAY_NAME,
        pool_description = POOL_DESCRIPTION.replace('\'', ""),
        provider = spec.provider_id,
        account = spec.aws_role.account(),
        condition = spec.attribute_condition(),
        wiu = WORKLOAD_IDENTITY_USER,
        assumed = spec.aws_role.assumed_role_arn(),
        file = FILE_NAME,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::AwsRole;

    #[test]
    fn the_section_makes_pool_provider_binding_and_config() {
        let spec = FederationSpec::new(
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
        .expect("spec");
        let text = apply_section(&spec);
        for needle in [
            "gcloud iam workload-identity-pools create cloudbuilder --project=\"$project\" --location=global",
            "providers create-aws aws-123456789012",
            "--account-id=123456789012",
            "--attribute-condition=\"attribute.aws_role == 'arn:aws:sts::123456789012:assumed-role/Scanner'\"",
            "add-iam-policy-binding sa@billing-admin.iam.gserviceaccount.com",
            "--role=roles/iam.workloadIdentityUser",
            "/attribute.aws_role/arn:aws:sts::123456789012:assumed-role/Scanner",
            "create-cred-config",
            "--aws",
        ] {
            assert!(text.contains(needle), "{needle}\n{text}");
        }
    }
}
