using Npgsql;

namespace Helix.Testing;

/// <summary>
/// PostgreSQL reached two ways: directly (for migrations and administration) and through PgBouncer
/// in transaction pooling mode (how Helix's services reach CloudNativePG's Pooler). Each test gets
/// its own schema.
/// </summary>
public sealed class PostgresFixture : IAsyncDisposable
{
    private NpgsqlDataSource? _direct;
    private NpgsqlDataSource? _pooled;

    /// <summary>
    /// What a connection through PgBouncer in transaction mode needs: the server behind it changes
    /// between transactions, so nothing may outlive one. No server-side prepared statements
    /// (PgBouncer 1.18 cannot route them), and no DISCARD ALL on return (PgBouncer resets itself).
    /// </summary>
    public static string ForTransactionPooling(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxAutoPrepare = 0,
            NoResetOnClose = true,
            Multiplexing = false,
        }.ConnectionString;

    public NpgsqlDataSource Direct => _direct ??=
        NpgsqlDataSource.Create(TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL"));

    public NpgsqlDataSource Pooled => _pooled ??=
        NpgsqlDataSource.Create(ForTransactionPooling(TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer")));

    /// <summary>
    /// A fresh schema, dropped with everything in it when disposed. Through PgBouncer a connection's
    /// search_path cannot be set at start-up (PgBouncer refuses the parameter), so code under test
    /// qualifies its tables with <see cref="PostgresSchema.Name"/>, as Helix's services do.
    /// </summary>
    public async Task<PostgresSchema> CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        var name = TestEnvironment.UniqueName("t").ToLowerInvariant();
        await using var command = Direct.CreateCommand($"CREATE SCHEMA \"{name}\"");
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new PostgresSchema(name, Direct, Pooled);
    }

    public async ValueTask DisposeAsync()
    {
        if (_direct is not null)
        {
            await _direct.DisposeAsync();
        }
        if (_pooled is not null)
        {
            await _pooled.DisposeAsync();
        }
    }
}

public sealed class PostgresSchema(string name, NpgsqlDataSource direct, NpgsqlDataSource pooled) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>Direct to PostgreSQL: for migrations, DDL and checks.</summary>
    public NpgsqlDataSource Direct { get; } = direct;

    /// <summary>Through PgBouncer in transaction mode: what services use.</summary>
    public NpgsqlDataSource Pooled { get; } = pooled;

    /// <summary>A table name qualified with this schema, quoted.</summary>
    public string Table(string table) => $"\"{Name}\".\"{table}\"";

    public async ValueTask DisposeAsync()
    {
        await using var command = Direct.CreateCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}
