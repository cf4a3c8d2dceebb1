//! `role plan --cloud azure`: writes `cloud-builder-role.json` (the file
//! `az role definition create --role-definition @file` takes) and `apply.sh`
//! (the az commands), prints what the role allows, and changes nothing.

use super::spec;
use crate::cli::RolePlanArgs;
use anyhow::Context;
use cloudbuilder_azure::role::RoleSpec;
use std::process::ExitCode;

/// Runs `role plan --cloud azure`.
pub fn run(args: RolePlanArgs) -> anyhow::Result<ExitCode> {
    let spec = spec(&args.target, &args.azure, false)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let document = args.out.join("cloud-builder-role.json");
    let pretty = serde_json::to_string_pretty(&spec.az_document())?;
    std::fs::write(&document, format!("{pretty}\n"))
        .with_context(|| format!("cannot write {}", document.display()))?;
    let script = args.out.join("apply.sh");
    std::fs::write(&script, spec.apply_script())
        .with_context(|| format!("cannot write {}", script.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", script.display()))?;
    }

    println!(
        "Cloud Builder role plan ({} {}): nothing was changed.",
        spec.scope.kind(),
        spec.scope
    );
    println!(
        "  role          {} (definition {})",
        spec.role_name,
        spec.definition_guid()
    );
    match &spec.assignee {
        Some(assignee) => println!(
            "  assigned to   {assignee} as ServicePrincipal (assignment {})",
            spec.assignment_guid(assignee)
        ),
        None => println!(
            "  assigned to   nobody yet: pass --assignee, or set ASSIGNEE_OBJECT_ID for apply.sh"
        ),
    }
    println!(
        "  allows        {} read actions, generated from the {} Azure tables' declared permissions and discovery",
        RoleSpec::actions().len(),
        cloudbuilder_azure::tables::TABLES.len()
    );
    println!("  data actions  none: no blob, queue, key or secret can be read");
    println!("  wrote         {}", document.display());
    println!("  wrote         {}", script.display());
    Ok(ExitCode::SUCCESS)
}
