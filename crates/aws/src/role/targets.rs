//! Which accounts a role command touches, and with whose credentials: the
//! caller's own account directly; every other account of the organization
//! (recursively through nested OUs, active accounts only) through its access
//! role — `OrganizationAccountAccessRole` unless told otherwise. Accounts are
//! worked on concurrently; one account's failure never stops the others.

use crate::scan::{AccountSelection, discover_accounts};
use crate::{CallerIdentity, Error, MemberRole};
use aws_config::SdkConfig;
use std::future::Future;
use std::sync::Arc;

/// An account to work on.
#[derive(Debug, Clone)]
pub struct Target {
    /// The account id.
    pub account_id: String,
    /// Its name, when Organizations says.
    pub name: Option<String>,
    /// Whether it is the caller's own account (worked on with the caller's credentials).
    pub is_caller: bool,
}

/// The accounts of one role command.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Who is calling.
    pub caller: CallerIdentity,
    /// The organization's management account, when there is one and it is known.
    pub management: Option<String>,
    /// The accounts, sorted by id.
    pub accounts: Vec<Target>,
}

/// Why one account's work failed: the provider's code and the whole story.
#[derive(Debug, Clone)]
pub struct AccountFailure {
    /// E.g. `AccessDenied`, `NoSuchEntity`.
    pub code: String,
    /// One line.
    pub message: String,
}

/// The caller's account alone, or the organization's accounts `selection` picks.
pub async fn resolve(
    base: &SdkConfig,
    organization: Option<&AccountSelection>,
) -> Result<Targets, Error> {
    let caller = crate::sts::get_caller_identity(&aws_sdk_sts::Client::new(base)).await?;
    let Some(selection) = organization else {
        return Ok(Targets {
            accounts: vec![Target {
                account_id: caller.account.clone(),
                name: None,
                is_caller: true,
            }],
            management: None,
            caller,
        });
    };
    let selection = AccountSelection {
        org: true,
        ..selection.clone()
    };
    let (accounts, management) = discover_accounts(base, &selection).await?;
    let accounts = accounts
        .into_iter()
        .map(|a| Target {
            is_caller: a.id == caller.account,
            account_id: a.id,
            name: a.name,
        })
        .collect();
    Ok(Targets {
        caller,
        management,
        accounts,
    })
}

/// Runs `work` for every target, at most `concurrency` at once, with the
/// caller's credentials in its own account and `access`'s elsewhere. Results
/// come back in the targets' order.
pub async fn for_each<T, F, Fut>(
    base: &SdkConfig,
    targets: &[Target],
    access: &MemberRole,
    concurrency: usize,
    work: F,
) -> Vec<(Target, Result<T, AccountFailure>)>
where
    T: Send + 'static,
    F: Fn(Target, SdkConfig) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let (permits, base, access, work) = (
            Arc::clone(&permits),
            base.clone(),
            access.clone(),
            work.clone(),
        );
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let config = if target.is_caller {
                Ok(base)
            } else {
                access
                    .config(&base, &target.account_id)
                    .await
                    .map_err(|f| AccountFailure {
                        code: f.code.to_owned(),
                        message: f.message,
                    })
            };
            let result = match config {
                Ok(config) => work(target.clone(), config)
                    .await
                    .map_err(|e| AccountFailure {
                        code: e.code().unwrap_or("Failed").to_owned(),
                        message: e.to_string(),
                    }),
                Err(failure) => Err(failure),
            };
            (index, target, result)
        });
    }
    let mut done = Vec::with_capacity(targets.len());
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(item) => done.push(item),
            Err(e) => tracing::error!("an account's task failed: {e}"),
        }
    }
    done.sort_by_key(|(index, _, _)| *index);
    done.into_iter().map(|(_, t, r)| (t, r)).collect()
}

/// The organization's root id (the target of a StackSet covering every account).
pub async fn root_id(base: &SdkConfig) -> Result<String, Error> {
    let out = aws_sdk_organizations::Client::new(base)
        .list_roots()
        .send()
        .await
        .map_err(|e| Error::from_sdk("ListRoots", e))?;
    out.roots()
        .first()
        .and_then(|r| r.id())
        .map(str::to_owned)
        .ok_or(Error::Unexpected {
            operation: "ListRoots",
            message: "the organization has no root".into(),
        })
}
