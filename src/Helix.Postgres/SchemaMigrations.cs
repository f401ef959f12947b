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
    public static async Task<int> ApplyAsync(NpgsqlDataSource direct, string schema, IReadOnlyList<string> migrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(direct);
        ArgumentNullException.ThrowIfNull(migrations);
        var quoted = Quote(schema);
        await using var connection = await direct.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock(hashtext('helix-migrations:{schema}'))", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {quoted}; CREATE TABLE IF NOT EXISTS {quoted}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        await using var read = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {quoted}.schema_migrations", connection, transaction);
        var applied = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (applied > migrations.Count)
        {
            throw new InvalidOperationException($"schema {schema} is at version {applied}, newer than this build knows ({migrations.Count}): run the newer version");
        }
        for (var version = applied + 1; version <= migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, string.Format(CultureInfo.InvariantCulture, migrations[version - 1], quoted), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"INSERT INTO {quoted}.schema_migrations (version) VALUES ({version})", cancellationToken).ConfigureAwait(false);
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
