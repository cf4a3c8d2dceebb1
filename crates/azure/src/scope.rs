//! The Azure scopes the Cloud Builder role is made at and scans read:
//! a management group, a subscription, or a resource group.

use crate::guid::Guid;
use crate::{Error, Result};
use std::fmt;

/// A management group, subscription or resource group scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzureScope {
    /// `/providers/Microsoft.Management/managementGroups/{name}`
    ManagementGroup(String),
    /// `/subscriptions/{guid}`
    Subscription(Guid),
    /// `/subscriptions/{guid}/resourceGroups/{name}`
    ResourceGroup {
        /// The subscription.
        subscription: Guid,
        /// The resource group's name.
        name: String,
    },
}

const ALLOWED: &str = "allowed are /providers/Microsoft.Management/managementGroups/ID, /subscriptions/GUID and /subscriptions/GUID/resourceGroups/NAME";

impl AzureScope {
    /// Parses a scope given as `field` (segment names match case-insensitively, as ARM does).
    pub fn parse(field: &str, text: &str) -> Result<AzureScope> {
        let bad = |why: String| Error::invalid(field, format!("{why}; {ALLOWED}"));
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let parts: Vec<&str> = trimmed.split('/').collect();
        if parts.first() != Some(&"") || parts.len() < 3 {
            return Err(bad(format!("'{text}' is not an Azure scope")));
        }
        let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        match lower.as_slice() {
            [
                "",
                "providers",
                "microsoft.management",
                "managementgroups",
                _,
            ] => {
                let name = parts[4];
                check_name(name, 90, &['-', '_', '.', '(', ')'])
                    .map_err(|why| bad(format!("management group '{name}' {why}")))?;
                Ok(AzureScope::ManagementGroup(name.to_owned()))
            }
            ["", "subscriptions", _] => {
                Ok(AzureScope::Subscription(subscription(field, parts[2])?))
            }
            ["", "subscriptions", _, "resourcegroups", _] => {
                let name = parts[4];
                check_name(name, 90, &['-', '_', '.', '(', ')'])
                    .map_err(|why| bad(format!("resource group '{name}' {why}")))?;
                Ok(AzureScope::ResourceGroup {
                    subscription: subscription(field, parts[2])?,
                    name: name.to_owned(),
                })
            }
            _ => Err(bad(format!("'{text}' is not an Azure scope"))),
        }
    }

    /// The scope's ARM id, as ARM spells it.
    pub fn id(&self) -> String {
        match self {
            AzureScope::ManagementGroup(name) => {
                format!("/providers/Microsoft.Management/managementGroups/{name}")
            }
            AzureScope::Subscription(sub) => format!("/subscriptions/{sub}"),
            AzureScope::ResourceGroup { subscription, name } => {
                format!("/subscriptions/{subscription}/resourceGroups/{name}")
            }
        }
    }

    /// Where a role definition's resource id lives for this scope: the
    /// management group, or the subscription (also for a resource group).
    pub fn definition_home(&self) -> String {
        match self {
            AzureScope::ManagementGroup(_) => self.id(),
            AzureScope::Subscription(sub)
            | AzureScope::ResourceGroup {
                subscription: sub, ..
            } => {
                format!("/subscriptions/{sub}")
            }
        }
    }

    /// The scope's kind, for listings.
    pub fn kind(&self) -> &'static str {
        match self {
            AzureScope::ManagementGroup(_) => "management group",
            AzureScope::Subscription(_) => "subscription",
            AzureScope::ResourceGroup { .. } => "resource group",
        }
    }
}

impl fmt::Display for AzureScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

fn subscription(field: &str, text: &str) -> Result<Guid> {
    Guid::parse(field, text).map_err(|_| {
        Error::invalid(
            field,
            format!("subscription id '{text}' is not a GUID; expected /subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),
        )
    })
}

/// ARM's naming rule for management groups and resource groups: 1 to `max`
/// letters, digits and `extra` characters, not ending with a period.
fn check_name(name: &str, max: usize, extra: &[char]) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > max {
        return Err(format!("must be 1 to {max} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || extra.contains(c)))
    {
        return Err(format!(
            "has '{c}'; allowed are letters, digits and {}",
            extra
                .iter()
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if name.ends_with('.') {
        return Err("must not end with a period".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_level_and_keeps_arm_spelling() {
        let mg = AzureScope::parse(
            "--scope",
            "/providers/microsoft.management/managementgroups/contoso-prod",
        );
        assert_eq!(
            mg.ok().map(|s| s.id()).as_deref(),
            Some("/providers/Microsoft.Management/managementGroups/contoso-prod")
        );
        let rg = AzureScope::parse(
            "--scope",
            "/subscriptions/11111111-2222-4333-8444-555555555501/resourceGroups/rg-web/",
        );
        let rg = rg.ok();
        assert_eq!(
            rg.as_ref().map(|s| s.id()).as_deref(),
            Some("/subscriptions/11111111-2222-4333-8444-555555555501/resourceGroups/rg-web")
        );
        assert_eq!(
            rg.map(|s| s.definition_home()).as_deref(),
            Some("/subscriptions/11111111-2222-4333-8444-555555555501")
        );
    }

    #[test]
    fn refuses_bad_scopes_with_one_line_naming_the_field() {
        for bad in [
            "/subscriptions/not-a-guid",
            "subscriptions/11111111-2222-4333-8444-555555555501",
            "/providers/Microsoft.Management/managementGroups/bad%name",
            "/subscriptions/11111111-2222-4333-8444-555555555501/resourceGroups/ends.",
            "/subscriptions/11111111-2222-4333-8444-555555555501/providers/Microsoft.Compute",
            "organizations/123",
        ] {
            let err = AzureScope::parse("--scope", bad).err();
            let text = err.as_ref().map(ToString::to_string).unwrap_or_default();
            assert!(text.starts_with("--scope: "), "{bad}: {text}");
            assert!(!text.contains('\n'));
            assert!(err.is_some_and(|e| e.is_usage()));
        }
    }
}
