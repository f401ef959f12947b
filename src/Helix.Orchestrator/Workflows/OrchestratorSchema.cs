using Helix.Postgres;
using Npgsql;

namespace Helix.Orchestrator.Workflows;

/// <summary>The tables the Orchestrator's own workflows write to, beside the engine's, in the same schema (so their writes share the checkpoint's transaction).</summary>
internal static class OrchestratorSchema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE {0}.smoke_effects (
            run_id     uuid        NOT NULL,
            step       int         NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX smoke_effects_by_run ON {0}.smoke_effects (run_id);
        CREATE TABLE {0}.research_results (
            run_id     uuid        PRIMARY KEY,
            question   text        NOT NULL,
            report     text        NOT NULL,
            sources    jsonb       NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        """,
    ];

    public static Task<int> MigrateAsync(NpgsqlDataSource direct, string schema, CancellationToken cancellationToken) =>
        SchemaMigrations.ApplyAsync(direct, schema, Migrations, cancellationToken, track: "orchestrator");
}
