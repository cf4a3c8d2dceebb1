//! `azure_compute_virtual_machine`: virtual machines under the scan root
//! (Resource Graph, `type == microsoft.compute/virtualmachines`).

use super::graph;
use crate::scan::{AzureContext, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_compute_virtual_machine",
    cloud: Cloud::Azure,
    description: "One row per virtual machine.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("id", T::Text, "The VM's resource id."),
        ColumnDef::new("name", T::Text, "The VM's name."),
        ColumnDef::new("subscription_id", T::Text, "The subscription."),
        ColumnDef::new("resource_group", T::Text, "The resource group, lowercase."),
        ColumnDef::new("location", T::Text, "The region."),
        ColumnDef::new("vm_id", T::Text, "The VM's unique id (properties.vmId)."),
        ColumnDef::new(
            "size",
            T::Text,
            "The VM size (properties.hardwareProfile.vmSize).",
        ),
        ColumnDef::new(
            "os_type",
            T::Text,
            "Linux or Windows (properties.storageProfile.osDisk.osType).",
        ),
        ColumnDef::new("provisioning_state", T::Text, "The provisioning state."),
        ColumnDef::new("zones", T::Json, "The availability zones."),
        ColumnDef::new("tags", T::Json, "The tags."),
        ColumnDef::new("properties", T::Json, "The VM's properties."),
    ],
    permissions: &[
        super::RESOURCE_GRAPH_READ,
        "Microsoft.Compute/virtualMachines/read",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct AzureComputeVirtualMachine;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureComputeVirtualMachine {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AzureContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        graph::query(
            ctx,
            "Resources | where type =~ 'microsoft.compute/virtualmachines' | order by id asc",
            rows,
            row,
        )
        .await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/subscriptionId"),
        text(v, "/resourceGroup"),
        text(v, "/location"),
        text(v, "/properties/vmId"),
        text(v, "/properties/hardwareProfile/vmSize"),
        text(v, "/properties/storageProfile/osDisk/osType"),
        text(v, "/properties/provisioningState"),
        json(v, "/zones"),
        json(v, "/tags"),
        json(v, "/properties"),
    ]
}
