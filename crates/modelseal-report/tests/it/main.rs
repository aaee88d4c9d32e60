mod report_schema;
mod sarif_schema;
