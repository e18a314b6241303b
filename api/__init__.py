"""The server's edges: the Starlette app and its lifespan, settings, the CLI, the REST routes, the
GraphQL mounting, GraphiQL's page and assets, limits, metrics and the request log.

May import schema/, loaders/, ml/ and data/; only app.py and graphql_app.py (the GraphQL
mounting) import schema/; nothing below imports api/."""
