//! Scanning AWS: which accounts and regions, with which credentials, as which units.

mod context;
mod discover;
mod trail;

pub use crate::member::MemberRole;
pub use context::{AwsContext, AwsContexts, TrailBucket};
pub use discover::{
    Account, AccountSelection, DISCOVERY_PERMISSIONS, discover_accounts, enabled_regions,
};
pub use trail::TrailReader;

use cloudbuilder_core::engine::Unit;
use cloudbuilder_core::{Scope, Table, Target};

/// Expands tables × accounts × regions into units. Organization tables run once,
/// in `management_account`; account tables once per account; regional tables
/// once per account and region.
pub fn plan_units(
    tables: &[&'static dyn Table<AwsContext>],
    accounts: &[Account],
    regions: &[String],
    management_account: Option<&str>,
) -> Vec<Unit<AwsContext>> {
    let mut units = Vec::new();
    for &table in tables {
        let mut add = |account_id: &str, region: Option<&String>| {
            units.push(Unit {
                table,
                target: Target {
                    account_id: account_id.to_owned(),
                    region: region.cloned(),
                },
                cursor: None,
            });
        };
        match table.def().scope {
            Scope::Organization => {
                if let Some(management) = management_account {
                    add(management, None);
                }
            }
            Scope::Account => accounts.iter().for_each(|a| add(&a.id, None)),
            Scope::Region => {
                for account in accounts {
                    for region in regions {
                        add(&account.id, Some(region));
                    }
                }
            }
            // No AWS table is partitioned the GCP or Azure way.
            Scope::Project | Scope::Subscription | Scope::Root => {}
        }
    }
    units
}
