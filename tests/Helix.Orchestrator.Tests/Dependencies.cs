using Helix.Testing;

namespace Helix.Orchestrator.Tests;

/// <summary>The Orchestrator's dependencies: its database (through PgBouncer) and the broker.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceDependency : ICollectionFixture<PostgresFixture>, ICollectionFixture<NatsFixture>
{
    public const string Name = "service";
}
