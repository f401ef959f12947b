namespace Helix.Testing.Tests;

// xunit looks for collection definitions in the test assembly itself.
[CollectionDefinition(Name)]
public sealed class PostgresDependency : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

[CollectionDefinition(Name)]
public sealed class RedisDependency : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

[CollectionDefinition(Name)]
public sealed class NatsDependency : ICollectionFixture<NatsFixture>
{
    public const string Name = "nats";
}

[CollectionDefinition(Name)]
public sealed class ObservabilityDependency : ICollectionFixture<PrometheusFixture>, ICollectionFixture<AlertmanagerFixture>
{
    public const string Name = "observability";
}

[CollectionDefinition(Name)]
public sealed class ChromiumDependency : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "chromium";
}

[CollectionDefinition(Name)]
public sealed class GitDependency : ICollectionFixture<GitFixture>
{
    public const string Name = "git";
}
