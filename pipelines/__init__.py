"""Study pipeline: configs, families, planning, Dask execution, the Zarr store, comparisons, export."""
