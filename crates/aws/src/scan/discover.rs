//! Which accounts and regions a scan covers, asked of AWS with the scanner's
//! own identity: Organizations for the accounts (recursively through nested
//! OUs, skipping accounts that are not active), EC2 for the regions.

use crate::Error;
use aws_config::SdkConfig;
use std::collections::BTreeSet;

/// The calls discovery makes with the scanner's own identity, beyond the
/// tables' declared permissions: the Cloud Builder role grants them too, so a
/// scanner that is the management account's Cloud Builder role can discover.
/// (`sts:GetCallerIdentity` needs no permission in AWS; it is listed because
/// the scanner calls it and some emulators authorize it like any action.)
pub const DISCOVERY_PERMISSIONS: &[&str] = &[
    "ec2:DescribeRegions",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "sts:GetCallerIdentity",
];

/// An account to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// Its name, when Organizations says.
    pub name: Option<String>,
}

/// Which accounts the user asked for.
#[derive(Debug, Clone, Default)]
pub struct AccountSelection {
    /// Every active account of the organization (else only the caller's own).
    pub org: bool,
    /// Only accounts under these OUs (or roots), recursively.
    pub ous: Vec<String>,
    /// Accounts to leave out.
    pub exclude: Vec<String>,
}

/// The accounts to scan and the organization's management account, if known.
pub async fn discover_accounts(
    config: &SdkConfig,
    selection: &AccountSelection,
) -> Result<(Vec<Account>, Option<String>), Error> {
    let orgs = aws_sdk_organizations::Client::new(config);
    if !selection.org {
        let sts = aws_sdk_sts::Client::new(config);
        let (me, org) = tokio::join!(
            crate::sts::get_caller_identity(&sts),
            orgs.describe_organization().send()
        );
        let me = me?;
        // Organization-wide tables (the account list, cost) are read in the
        // management account: the caller's, when it is one; the caller's own
        // when it belongs to no organization (it pays its own bill).
        let management = match org {
            Ok(out) => out
                .organization()
                .and_then(|o| o.master_account_id())
                .filter(|m| *m == me.account)
                .map(str::to_owned),
            Err(e) => match Error::from_sdk("DescribeOrganization", e) {
                err if err.code() == Some("AWSOrganizationsNotInUseException") => {
                    Some(me.account.clone())
                }
                err => {
                    tracing::debug!("not scanning organization-wide tables: {err}");
                    None
                }
            },
        };
        return Ok((
            vec![Account {
                id: me.account,
                name: None,
            }],
            management,
        ));
    }

    // The organization's description and its account list are asked at once:
    // neither needs the other, and each round trip counts at the start of a scan.
    let describe = async {
        orgs.describe_organization()
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeOrganization", e))
    };
    let (org, found) = tokio::join!(describe, list_selected(&orgs, &selection.ous));
    let management = org?
        .organization()
        .and_then(|o| o.master_account_id())
        .map(str::to_owned);
    let mut found = found?;
    found.retain(|a| !selection.exclude.contains(&a.id));
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok((found, management))
}

/// The active accounts of the organization, or only those under `ous`
/// (recursively through nested OUs).
async fn list_selected(
    orgs: &aws_sdk_organizations::Client,
    ous: &[String],
) -> Result<Vec<Account>, Error> {
    let mut found = Vec::new();
    if ous.is_empty() {
        let mut pages = orgs.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Error::from_sdk("ListAccounts", e))?;
            found.extend(page.accounts().iter().filter_map(active));
        }
        return Ok(found);
    }
    let mut parents: Vec<String> = ous.to_vec();
    let mut seen = BTreeSet::new();
    while let Some(parent) = parents.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        let mut pages = orgs
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Error::from_sdk("ListAccountsForParent", e))?;
            found.extend(page.accounts().iter().filter_map(active));
        }
        let mut pages = orgs
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Error::from_sdk("ListOrganizationalUnitsForParent", e))?;
            parents.extend(
                page.organizational_units()
                    .iter()
                    .filter_map(|ou| ou.id().map(str::to_owned)),
            );
        }
    }
    Ok(found)
}

fn active(account: &aws_sdk_organizations::types::Account) -> Option<Account> {
    #[allow(deprecated)]
    let status = account.status().map(|s| s.as_str().to_owned());
    if status.as_deref().is_some_and(|s| s != "ACTIVE") {
        tracing::info!(
            account = account.id(),
            status = status.as_deref(),
            "skipping an account that is not active"
        );
        return None;
    }
    Some(Account {
        id: account.id()?.to_owned(),
        name: account.name().map(str::to_owned),
    })
}

/// The regions the scanner's account has enabled, and every region AWS offers.
pub async fn enabled_regions(config: &SdkConfig) -> Result<(Vec<String>, Vec<String>), Error> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let out = ec2
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DescribeRegions", e))?;
    let mut enabled = Vec::new();
    let mut all = Vec::new();
    for region in out.regions() {
        let Some(name) = region.region_name() else {
            continue;
        };
        all.push(name.to_owned());
        if region.opt_in_status() != Some("not-opted-in") {
            enabled.push(name.to_owned());
        }
    }
    enabled.sort();
    all.sort();
    Ok((enabled, all))
}
