using System.ComponentModel.DataAnnotations;
using Helix.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Helix.Postgres.Hosting;

/// <summary>A service's database: section <c>Database</c>.</summary>
public sealed record DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>Through the pooler (PgBouncer in transaction mode), without the password.</summary>
    [Required]
    public string ConnectionString { get; init; } = "";

    /// <summary>Direct to PostgreSQL's primary, for migrations only (a pooler in transaction mode cannot hold their lock).</summary>
    [Required]
    public string MigrationConnectionString { get; init; } = "";

    /// <summary>Reference to the role's password (<c>file:</c> or <c>env:</c>), read again every five minutes.</summary>
    public string? Password { get; init; }

    /// <summary>The schema the service's tables live in, in its own database.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string Schema { get; init; } = "helix";

    /// <summary>Apply migrations at start-up; off when they are run by the service's <c>migrate</c> command.</summary>
    public bool MigrateOnStart { get; init; } = true;

    /// <summary>True only for a pooler that keeps prepared statements per server (PgBouncer 1.21+ with max_prepared_statements).</summary>
    public bool PoolerPreparesStatements { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Password is not null && SecretReference.CheckForm(Password) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Password)]);
        }
    }
}

/// <summary>What a service registers to reach its database the Helix way.</summary>
public static class ServiceDatabase
{
    /// <summary>The key of the direct (migration) data source; the pooled one is the unkeyed <see cref="NpgsqlDataSource"/>.</summary>
    public const string Direct = "migrations";

    /// <summary>
    /// Registers the validated <c>Database</c> section, the pooled and the direct data sources (the
    /// password from its reference), a readiness check through the pooler, and the service's
    /// migrations, applied at start-up unless <see cref="DatabaseOptions.MigrateOnStart"/> is off.
    /// </summary>
    public static IServiceCollection AddServiceDatabase(this IServiceCollection services, Func<NpgsqlDataSource, string, CancellationToken, Task> migrate)
    {
        ArgumentNullException.ThrowIfNull(migrate);
        services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSingleton(sp =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return DataSources.Pooled(database.ConnectionString, Password(database), database.PoolerPreparesStatements);
        });
        services.AddKeyedSingleton(Direct, (sp, _) =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return DataSources.Direct(database.MigrationConnectionString, Password(database));
        });
        services.AddSingleton(new Migrations(migrate));
        services.AddHostedService<MigrateOnStart>();
        services.AddHealthChecks().AddCheck<DatabaseHealth>("database", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }

    /// <summary>Applies the service's migrations now, over the direct connection (its <c>migrate</c> command).</summary>
    public static Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<Migrations>().Apply(services.GetRequiredKeyedService<NpgsqlDataSource>(Direct),
            services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Schema, cancellationToken);
    }

    private static Func<string>? Password(DatabaseOptions database) => database.Password is { } reference ? SecretReference.Reader(reference) : null;

    private sealed record Migrations(Func<NpgsqlDataSource, string, CancellationToken, Task> Apply);

    private sealed class MigrateOnStart(IServiceProvider services, IOptions<DatabaseOptions> database) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            database.Value.MigrateOnStart ? MigrateAsync(services, cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class DatabaseHealth(NpgsqlDataSource pooled) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = pooled.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("the database (PostgreSQL through the pooler) does not answer");
            }
        }
    }
}
