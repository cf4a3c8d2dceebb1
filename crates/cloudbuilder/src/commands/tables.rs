//! `tables`: the registry as a listing — names, scopes, columns, permissions.

use crate::cli::TablesArgs;
use std::process::ExitCode;

/// Runs `tables`.
pub fn run(args: &TablesArgs) -> anyhow::Result<ExitCode> {
    // Every cloud's tables; `--cloud` filters them.
    let mut defs = cloudbuilder_aws::tables::defs();
    defs.extend(cloudbuilder_gcp::tables::defs());
    defs.extend(cloudbuilder_azure::tables::defs());
    let defs: Vec<_> = defs
        .into_iter()
        .filter(|d| args.cloud.as_deref().is_none_or(|c| c == d.cloud.as_str()))
        .collect();
    if args.format == "json" {
        let value: Vec<serde_json::Value> = defs
            .iter()
            .map(|d| {
                serde_json::json!({
                    "name": d.name,
                    "cloud": d.cloud.as_str(),
                    "scope": d.scope.as_str(),
                    "description": d.description,
                    "permissions": d.permissions,
                    "columns": d.all_columns().map(|c| serde_json::json!({
                        "name": c.name, "type": c.ty.as_str(), "description": c.description
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{:#}", serde_json::Value::Array(value));
        return Ok(ExitCode::SUCCESS);
    }
    for d in defs {
        println!(
            "{}  ({} scope) — {}",
            d.name,
            d.scope.as_str(),
            d.description
        );
        println!("  permissions: {}", d.permissions.join(", "));
        for c in d.all_columns() {
            println!("  {:<28} {:<10} {}", c.name, c.ty.as_str(), c.description);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
