"""The run layer, without pytest: settings, first contact and test users, the run's shared
objects (ledger, guard, pacer, recorder, actors, the embedded server), its tokens and the
cleanup. Used by the pytest plugin (`suite`), `compare` and `bench/`."""
