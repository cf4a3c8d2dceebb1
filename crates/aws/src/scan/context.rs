//! Clients for one scan target, signed as the Cloud Builder role in its account.
//!
//! Member credentials come from the SDK's own `AssumeRoleProvider`, behind the
//! SDK's identity cache, so they are refreshed before they expire however long
//! the scan runs. The first AssumeRole of each account is made up front (and
//! its answer reused), so that a member whose role cannot be assumed is one
//! clear error per unit instead of a credential failure deep in a request.

use super::TrailReader;
use crate::MemberRole;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::region::Region;
use cloudbuilder_core::engine::Contexts;
use cloudbuilder_core::{FetchError, RateBudgets, Target};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::Date;

/// What an AWS table fetches with: the target's account and region, and
/// service clients made on first use from one configuration.
#[derive(Debug)]
pub struct AwsContext {
    /// The account.
    pub account_id: String,
    /// The region the clients call.
    pub region: String,
    /// The scan's rate budgets.
    pub budgets: Arc<RateBudgets>,
    /// The scan's day (UTC): what is before it has closed.
    pub today: Date,
    /// The CloudTrail bucket to read events from, when the scan names one.
    pub trail: Option<Arc<TrailReader>>,
    config: SdkConfig,
    ec2: OnceLock<aws_sdk_ec2::Client>,
    organizations: OnceLock<aws_sdk_organizations::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
    iam: OnceLock<aws_sdk_iam::Client>,
    lambda: OnceLock<aws_sdk_lambda::Client>,
    rds: OnceLock<aws_sdk_rds::Client>,
    cost_explorer: OnceLock<aws_sdk_costexplorer::Client>,
    cloudtrail: OnceLock<aws_sdk_cloudtrail::Client>,
}

impl AwsContext {
    /// EC2.
    pub fn ec2(&self) -> &aws_sdk_ec2::Client {
        self.ec2
            .get_or_init(|| aws_sdk_ec2::Client::new(&self.config))
    }

    /// Organizations.
    pub fn organizations(&self) -> &aws_sdk_organizations::Client {
        self.organizations
            .get_or_init(|| aws_sdk_organizations::Client::new(&self.config))
    }

    /// S3 (bucket-level calls only).
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3
            .get_or_init(|| aws_sdk_s3::Client::new(&self.config))
    }

    /// IAM.
    pub fn iam(&self) -> &aws_sdk_iam::Client {
        self.iam
            .get_or_init(|| aws_sdk_iam::Client::new(&self.config))
    }

    /// Lambda.
    pub fn lambda(&self) -> &aws_sdk_lambda::Client {
        self.lambda
            .get_or_init(|| aws_sdk_lambda::Client::new(&self.config))
    }

    /// RDS.
    pub fn rds(&self) -> &aws_sdk_rds::Client {
        self.rds
            .get_or_init(|| aws_sdk_rds::Client::new(&self.config))
    }

    /// Cost Explorer, whose one endpoint is in us-east-1.
    pub fn cost_explorer(&self) -> &aws_sdk_costexplorer::Client {
        self.cost_explorer.get_or_init(|| {
            let config = aws_sdk_costexplorer::config::Builder::from(&self.config)
                .region(Region::from_static("us-east-1"))
                .build();
            aws_sdk_costexplorer::Client::from_conf(config)
        })
    }

    /// CloudTrail.
    pub fn cloudtrail(&self) -> &aws_sdk_cloudtrail::Client {
        self.cloudtrail
            .get_or_init(|| aws_sdk_cloudtrail::Client::new(&self.config))
    }
}

/// An account's credentials, assumed once.
type AccountCredentials = Arc<tokio::sync::OnceCell<Result<SharedCredentialsProvider, FetchError>>>;

/// The CloudTrail bucket a scan reads events from.
#[derive(Debug, Clone)]
pub struct TrailBucket {
    /// The bucket's name.
    pub bucket: String,
    /// The account whose Cloud Builder role reads it (else the scanner's own credentials).
    pub reader_account: Option<String>,
}

/// Builds and caches an [`AwsContext`] per target.
pub struct AwsContexts {
    base: SdkConfig,
    role: Option<MemberRole>,
    budgets: Arc<RateBudgets>,
    today: Date,
    trail: Option<TrailBucket>,
    trail_reader: tokio::sync::OnceCell<Result<Arc<TrailReader>, FetchError>>,
    default_region: String,
    /// One cell per account, so that accounts assume their roles concurrently
    /// while units of the same account wait for the one AssumeRole.
    credentials: Mutex<HashMap<String, AccountCredentials>>,
    contexts: Mutex<HashMap<Target, Arc<AwsContext>>>,
}

impl AwsContexts {
    /// Contexts signed with `base`'s credentials, or, with `role`, with that role
    /// assumed in each target's account; `today` is the scan's day (UTC).
    pub fn new(
        base: SdkConfig,
        role: Option<MemberRole>,
        budgets: Arc<RateBudgets>,
        today: Date,
    ) -> Self {
        let default_region = base
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        AwsContexts {
            base,
            role,
            budgets,
            today,
            trail: None,
            trail_reader: tokio::sync::OnceCell::new(),
            default_region,
            credentials: Mutex::new(HashMap::new()),
            contexts: Mutex::new(HashMap::new()),
        }
    }

    /// Reads CloudTrail events from `trail` instead of LookupEvents.
    pub fn with_trail(mut self, trail: TrailBucket) -> Self {
        self.trail = Some(trail);
        self
    }

    async fn trail_reader(&self) -> Result<Option<Arc<TrailReader>>, FetchError> {
        let Some(trail) = &self.trail else {
            return Ok(None);
        };
        self.trail_reader
            .get_or_init(|| async {
                let credentials = match &trail.reader_account {
                    Some(account) => self.account_credentials(account).await?,
                    None => None,
                };
                let mut config = self.base.to_builder();
                if let Some(credentials) = credentials {
                    config.set_credentials_provider(Some(credentials));
                }
                let s3 = aws_sdk_s3::Client::new(&config.build());
                Ok(Arc::new(TrailReader::new(s3, trail.bucket.clone())))
            })
            .await
            .clone()
            .map(Some)
    }

    async fn account_credentials(
        &self,
        account_id: &str,
    ) -> Result<Option<SharedCredentialsProvider>, FetchError> {
        let Some(role) = &self.role else {
            return Ok(None);
        };
        let cell = Arc::clone(
            self.credentials
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(account_id.to_owned())
                .or_default(),
        );
        cell.get_or_init(|| self.assume(role, account_id))
            .await
            .clone()
            .map(Some)
    }

    /// The first AssumeRole of the role in `account_id`, and the provider that refreshes it.
    async fn assume(
        &self,
        role: &MemberRole,
        account_id: &str,
    ) -> Result<SharedCredentialsProvider, FetchError> {
        role.credentials(&self.base, account_id)
            .await
            .map_err(|f| FetchError::classify(f.code, f.message))
    }
}

#[async_trait::async_trait]
impl Contexts<AwsContext> for AwsContexts {
    async fn context(&self, target: &Target) -> Result<Arc<AwsContext>, FetchError> {
        if let Some(ctx) = self
            .contexts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)
        {
            return Ok(Arc::clone(ctx));
        }
        let credentials = self.account_credentials(&target.account_id).await?;
        let trail = self.trail_reader().await?;
        let region = target
            .region
            .clone()
            .unwrap_or_else(|| self.default_region.clone());
        let mut config = self.base.to_builder();
        config.set_region(Some(Region::new(region.clone())));
        if let Some(credentials) = credentials {
            config.set_credentials_provider(Some(credentials));
        }
        let config = config.build();
        let ctx = Arc::new(AwsContext {
            account_id: target.account_id.clone(),
            region,
            budgets: Arc::clone(&self.budgets),
            today: self.today,
            trail,
            config,
            ec2: OnceLock::new(),
            organizations: OnceLock::new(),
            s3: OnceLock::new(),
            iam: OnceLock::new(),
            lambda: OnceLock::new(),
            rds: OnceLock::new(),
            cost_explorer: OnceLock::new(),
            cloudtrail: OnceLock::new(),
        });
        self.contexts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(target.clone(), Arc::clone(&ctx));
        Ok(ctx)
    }

    /// The account's session was refused as expired: the first unit to say so
    /// (its context is still the current one) drops the account's credentials
    /// and contexts, so the next context assumes the role afresh; units that
    /// report the same stale session later find it gone and do nothing.
    async fn refresh(&self, target: &Target, stale: &Arc<AwsContext>) {
        let mut contexts = self.contexts.lock().unwrap_or_else(|p| p.into_inner());
        if !contexts.get(target).is_some_and(|c| Arc::ptr_eq(c, stale)) {
            return;
        }
        contexts.retain(|t, _| t.account_id != target.account_id);
        drop(contexts);
        self.credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&target.account_id);
        tracing::info!(account = %target.account_id, "the account's session expired; assuming its role again");
    }
}
