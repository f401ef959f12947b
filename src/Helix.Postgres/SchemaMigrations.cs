using System.Globalization;
using Npgsql;

namespace Helix.Postgres;

/// <summary>
/// Versioned migrations of one schema: each applied once, in order, in one transaction under a
/// transaction-scoped advisory lock (replicas starting together wait for each other). Run over a
/// direct connection, never through a transaction pooler. <c>{0}</c> in a migration is the quoted schema.
/// </summary>
public static class SchemaMigrations
{
    /// <param name="direct">A direct connection's data source.</param>
    /// <param name="schema">The schema the migrations create and change.</param>
    /// <param name="migrations">Every migration in order; append, never edit one that shipped.</param>
    /// <param name="cancellationToken">Cancels the migration (its transaction rolls back).</param>
    /// <param name="track">A second set of migrations in the same schema keeps its versions apart under its own name.</param>
    public static async Task<int> ApplyAsync(NpgsqlDataSource direct, string schema, IReadOnlyList<string> migrations, CancellationToken cancellationToken, string? track = null)
    {
        ArgumentNullException.ThrowIfNull(direct);
        ArgumentNullException.ThrowIfNull(migrations);
        var quoted = Quote(schema);
        var versions = track is null ? "schema_migrations" : $"schema_migrations_{track}";
        await using var connection = await direct.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock(hashtext('helix-migrations:{schema}'))", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            $"CREATE SCHEMA IF NOT EXISTS {quoted}; CREATE TABLE IF NOT EXISTS {quoted}.{versions} (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken).ConfigureAwait(false);
        await using var read = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {quoted}.{versions}", connection, transaction);
        var applied = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (applied > migrations.Count)
        {
            throw new InvalidOperationException($"schema {schema} is at version {applied}, newer than this build knows ({migrations.Count}): run the newer version");
        }
        for (var version = applied + 1; version <= migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, string.Format(CultureInfo.InvariantCulture, migrations[version - 1], quoted), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"INSERT INTO {quoted}.{versions} (version) VALUES ({version})", cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return migrations.Count - applied;
    }

    public static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
