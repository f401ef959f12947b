using Helix.Testing;

namespace Helix.Workflows.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresDependency : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
