//! Azure for cloudbuilder: the Cloud Builder custom role at management group,
//! subscription or resource group scope, short-lived tokens, and the Azure
//! tables.
//!
//! Microsoft's `azure_core` carries every request (pipeline, retries,
//! tracing) and `azure_identity` supplies the tokens. No maintained Rust crate
//! covers Authorization, Resource Graph, the Activity Log or Cost Management,
//! so a small typed client over `azure_core` speaks those REST APIs.
