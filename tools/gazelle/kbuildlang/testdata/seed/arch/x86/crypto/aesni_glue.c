int glue;
