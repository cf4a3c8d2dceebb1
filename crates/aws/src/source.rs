//! Where the credentials that call AssumeRole come from. Every variant is one
//! of the AWS SDK's own providers; none is reimplemented here.

use crate::Error;
use crate::error::one_line;
use crate::profile::ProfileSource;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::DisplayErrorContext;
use aws_types::region::Region;

/// A source of the credentials that assume the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCredentials {
    /// The SDK's default chain: environment, `AWS_PROFILE` (or `default`)
    /// profile, web identity, container, instance metadata.
    DefaultChain,
    /// A named profile, resolved entirely by the SDK: static keys, SSO,
    /// `credential_process`, or a role profile of its own.
    Profile(String),
    /// `AWS_ACCESS_KEY_ID` and friends only.
    Environment,
    /// The EC2 instance's role, from IMDS.
    Ec2InstanceMetadata,
    /// The ECS/EKS container's role.
    EcsContainer,
}

impl From<ProfileSource> for SourceCredentials {
    fn from(source: ProfileSource) -> Self {
        match source {
            ProfileSource::Profile(name) => SourceCredentials::Profile(name),
            ProfileSource::Environment => SourceCredentials::Environment,
            ProfileSource::Ec2InstanceMetadata => SourceCredentials::Ec2InstanceMetadata,
            ProfileSource::EcsContainer => SourceCredentials::EcsContainer,
        }
    }
}

impl SourceCredentials {
    /// A short description for logs and errors.
    pub fn describe(&self) -> String {
        match self {
            SourceCredentials::DefaultChain => "the default credential chain".to_owned(),
            SourceCredentials::Profile(name) => format!("profile '{name}'"),
            SourceCredentials::Environment => "the environment".to_owned(),
            SourceCredentials::Ec2InstanceMetadata => "EC2 instance metadata".to_owned(),
            SourceCredentials::EcsContainer => "the container credentials endpoint".to_owned(),
        }
    }

    /// Resolves the credentials through the SDK's provider for this source.
    pub async fn resolve(&self, region: Option<Region>) -> Result<Credentials, Error> {
        let config = ProviderConfig::default().with_region(region.clone());
        let result = match self {
            SourceCredentials::DefaultChain => {
                // The chain's first link is the environment. Asking it directly
                // when it is configured gives the same answer without building
                // the chain's other providers (and their clients): on the cache
                // hit path, that is most of the run time.
                let environment =
                    aws_config::environment::credentials::EnvironmentVariableCredentialsProvider::new()
                        .provide_credentials()
                        .await;
                if !matches!(environment, Err(CredentialsError::CredentialsNotLoaded(_))) {
                    return environment.map_err(|e| self.explain(e));
                }
                let mut chain = DefaultCredentialsChain::builder().configure(config);
                if let Some(region) = region {
                    chain = chain.region(region);
                }
                chain.build().await.provide_credentials().await
            }
            SourceCredentials::Profile(name) => {
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&config)
                    .profile_name(name)
                    .build()
                    .provide_credentials()
                    .await
            }
            SourceCredentials::Environment => {
                aws_config::environment::credentials::EnvironmentVariableCredentialsProvider::new()
                    .provide_credentials()
                    .await
            }
            SourceCredentials::Ec2InstanceMetadata => {
                aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                    .configure(&config)
                    .build()
                    .provide_credentials()
                    .await
            }
            SourceCredentials::EcsContainer => {
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .configure(&config)
                    .build()
                    .provide_credentials()
                    .await
            }
        };
        result.map_err(|e| self.explain(e))
    }

    fn explain(&self, err: CredentialsError) -> Error {
        let detail = match &err {
            CredentialsError::CredentialsNotLoaded(_) => match self {
                SourceCredentials::DefaultChain => "none found in the environment, the AWS config and credentials files, web identity, the container or instance metadata; configure credentials or pass --profile".to_owned(),
                other => format!("none found in {}", other.describe()),
            },
            _ => one_line(&DisplayErrorContext(&err).to_string()),
        };
        Error::SourceCredentials(detail)
    }
}
