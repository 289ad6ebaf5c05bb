"""``metaknow benchmark race``: wall-clock race of metaknow against its peers (see
:mod:`metaknow.benchmarking.race.command`)."""
