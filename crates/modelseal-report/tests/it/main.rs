mod sarif_schema;
