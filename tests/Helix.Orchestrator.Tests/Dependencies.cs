using Helix.Testing;

namespace Helix.Orchestrator.Tests;

/// <summary>The Orchestrator's dependencies: its database (through PgBouncer) and the broker.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceDependency : ICollectionFixture<PostgresFixture>, ICollectionFixture<NatsFixture>
{
    public const string Name = "service";
}

/// <summary>The built-in nodes: the service's dependencies, its cache, and the harness's Chromium behind a Steel stub.</summary>
[CollectionDefinition(Name)]
public sealed class NodeDependency : ICollectionFixture<PostgresFixture>, ICollectionFixture<NatsFixture>, ICollectionFixture<RedisFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "nodes";
}
