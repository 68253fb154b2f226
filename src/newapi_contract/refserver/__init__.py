"""target room: the embedded reference server, a faithful new-api token API (issue 3).

Public surface: `server.ServerConfig`, `server.start(config) -> RunningServer`,
`faults.FAULTS` / `faults.Fault`, `flaky.start_proxy(upstream, spec) -> RunningProxy`
(a flaky network in front of any server) with `flaky_spec.parse_spec`, and the `serve`
and `proxy` commands (`commands.register`).

Modules, outside in: `server` (uvicorn in a thread), `app` (the route table),
`routing` (gin's redirects, 404s and headers), `pipeline` (limiters and auth per route),
`auth` (every generation: legacy, current, late2024 = upstream c6ae8273), `user_api`,
`token_api`, `delete_api`, `relay` (handlers),
`store` (SQLite), `tokencache`, `ratelimit` (limits and the sliding log), `clientip`
(gin's ClientIP), `credentials`, `messages` (i18n), `goparse` (strconv.Atoi), `misparse`
(the id readers of broken servers), `gojson` (Go's JSON binding), `responses`, `config`,
`instance`, `faults`; beside the server, `flaky` (the fault-injecting proxy, asyncio and
h11) and `flaky_spec` (its seeded plan and parser).

This room imports no other room of the package but `errors`: a reference server that
knows nothing of the suite cannot be tuned to it.
"""
