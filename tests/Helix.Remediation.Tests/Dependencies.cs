using Helix.Testing;

namespace Helix.Remediation.Tests;

[CollectionDefinition(Name)]
public sealed class GitDependency : ICollectionFixture<GitFixture>
{
    public const string Name = "git";
}

[CollectionDefinition(Name)]
public sealed class PostgresDependency : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>The whole service: its decision log and its GitOps repository.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceDependency : ICollectionFixture<PostgresFixture>, ICollectionFixture<GitFixture>
{
    public const string Name = "service";
}

/// <summary>The service behind the harness's real Prometheus and Alertmanager.</summary>
[CollectionDefinition(Name)]
public sealed class AlertingDependency : ICollectionFixture<PostgresFixture>, ICollectionFixture<GitFixture>, ICollectionFixture<PrometheusFixture>, ICollectionFixture<AlertmanagerFixture>
{
    public const string Name = "alerting";
}
