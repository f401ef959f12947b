using Npgsql;

namespace Helix.Postgres;

/// <summary>Data sources for a service: one through the pooler, one direct for migrations.</summary>
public static class DataSources
{
    /// <summary>
    /// Through PgBouncer in transaction mode nothing may outlive a transaction: no automatic
    /// preparation (unless the pooler tracks prepared statements, PgBouncer 1.21+ with
    /// <c>max_prepared_statements</c>), no reset on return (PgBouncer resets the server itself).
    /// </summary>
    public static NpgsqlDataSource Pooled(string connectionString, Func<string>? password = null, bool poolerPreparesStatements = false)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        if (!poolerPreparesStatements)
        {
            connection.MaxAutoPrepare = 0;
        }
        return Build(connection.ConnectionString, password);
    }

    public static NpgsqlDataSource Direct(string connectionString, Func<string>? password = null) => Build(connectionString, password);

    private static NpgsqlDataSource Build(string connectionString, Func<string>? password)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (password is not null)
        {
            // Read again every 5 minutes: a rotated Secret applies without a restart.
            builder.UsePeriodicPasswordProvider((_, _) => ValueTask.FromResult(password()), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10));
        }
        return builder.Build();
    }
}
