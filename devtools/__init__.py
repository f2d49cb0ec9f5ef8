"""Development and bench tooling, outside the installed package (the wheel holds ``bot``,
``handlers``, ``storage`` and ``config`` only): a local Synapse (`devtools.homeserver`), a
throwaway PostgreSQL cluster for benches (`devtools.postgres`), and the ``make run`` demo
(`devtools.demo`, started by `devtools.run`). Tests, benches and ``make run`` import it from a
copy of the source; nothing in the installed package imports it."""
