"""Builders fill a store by evaluating configurations: ``local`` (this machine's worker
processes, or a dask.distributed cluster with ``scheduler=``) and ``bundled`` (the
repository that ships with metaknow, built by ``local``)."""
